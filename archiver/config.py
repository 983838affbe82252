"""Configuration: one frozen tree of msgspec Structs, loaded once from a TOML file plus the environment.

Precedence: environment > TOML file > defaults. The file comes from `--config PATH` or `ARCHIVER_CONFIG`.
Secrets (`GENESYS_CLIENT_SECRET`, `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_SAS_TOKEN`) are read from
the environment only; a secret in the file is an error, so it never ends up in a file that gets copied around.
They are `Secret` values, masked in every repr. Every key can also be set as `ARCHIVER_<SECTION>__<KEY>`,
e.g. `ARCHIVER_QUEUE__MAX_ATTEMPTS=5` or `ARCHIVER_SINK__AZURE__RETENTION_DAYS=3650` (a few short aliases such
as `ARCHIVER_LOG_LEVEL` exist too, see ENV_KEYS). Every problem is a
`ConfigError` naming the key (`sink.azure.retension_days`) or the variable, the problem and the fix.

Embedded mode: with no Genesys credentials at all, the worker runs the built-in simulator and archives to the
local directory. Partial credentials (an id without a secret) are an error, not embedded mode.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from archiver.config_check import check_config
from archiver.config_load import Key, Schema, convert, get_in, mark_origin, read_toml, set_in
from archiver.errors import ConfigError

if TYPE_CHECKING:
    from archiver.genesys.settings import GenesysSettings
    from archiver.redact import RedactConfig
    from archiver.sinks.azure import AzureSinkSettings
    from archiver.sinks.local import LocalSinkSettings

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]


class Secret:
    """A credential: `reveal()` gives the value; repr/str never do."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class GenesysConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Genesys Cloud org and client. No client id/secret at all → embedded simulator."""

    region: str | None = None  # SDK key (eu_west_1) or domain (mypurecloud.ie)
    base_url: str | None = None  # explicit API base; wins over region
    client_id: str | None = None
    client_secret: Secret | None = None  # env GENESYS_CLIENT_SECRET only
    queue_ids: tuple[str, ...] = ()  # empty: every web messaging queue, discovered
    rate_limit_per_min: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 300
    request_timeout_s: PositiveFloat = 30.0
    max_retries: Annotated[int, msgspec.Meta(ge=0, le=100)] = 8
    heartbeat_timeout_s: PositiveFloat = 75.0
    queue_refresh_s: PositiveFloat = 600.0
    recordings_fallback: bool = False  # transcript from the recordings API when the bulk endpoint refuses


class LocalSinkConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The local directory store (embedded default)."""

    dir: str = "./archive"
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=36_500)] = 2557  # 7 years


class AzureSinkConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Azure Blob Storage with version-level WORM."""

    url: str | None = None  # account URL, e.g. https://acct.blob.core.windows.net
    container: str | None = None
    connection_string: Secret | None = None  # env AZURE_STORAGE_CONNECTION_STRING only (Azurite, key auth)
    sas_token: Secret | None = None  # env AZURE_STORAGE_SAS_TOKEN only
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=146_000)] = 2557  # 7 years
    policy_mode: Literal["Unlocked", "Locked"] = "Unlocked"
    legal_hold: bool = False
    compliance: bool = True  # refuse a container without version-level immutability
    allow_mutable: bool = False  # dev only (Azurite): archives are NOT WORM
    create_container: bool = False  # dev only (Azurite); production containers come from ARM/IaC


class SinkConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where archives go. "auto": azure if an Azure URL/connection string is set, else local if embedded."""

    kind: Literal["auto", "local", "azure"] = "auto"
    local: LocalSinkConfig = msgspec.field(default_factory=LocalSinkConfig)
    azure: AzureSinkConfig = msgspec.field(default_factory=AzureSinkConfig)


class WritebackConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How the archive's address is written back onto the conversation."""

    mode: Literal["participant-attributes", "external-tag", "none"] = "participant-attributes"
    # Whether Genesys accepts the attributes PATCH once a conversation has ended is unverified (genesys-api.md
    # uncertainty 1). When it keeps refusing with a 4xx for this long since the first attempt, or on the last
    # attempt, write the external tag instead: the archive's address still reaches the conversation and the
    # item does not end dead. 0: never (refusals are retried until dead).
    fallback_to_external_tag_after_s: Annotated[float, msgspec.Meta(ge=0)] = 600.0


class AzureQueueConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The work queue shared by several VMs (queue.kind = "azure"); account and credentials are the sink's."""

    name: str = "archiver-work"
    state_container: str = "archiver-state"  # NOT the archive container: state blobs are rewritten
    url: str | None = None  # queue endpoint; default: sink.azure.url with .blob. → .queue.
    create: bool = True  # create the queue and state container when missing


class QueueConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The durable work queue: SQLite on one VM, or Azure Queue Storage shared by several VMs."""

    kind: Literal["sqlite", "azure"] = "sqlite"
    azure: AzureQueueConfig = msgspec.field(default_factory=AzureQueueConfig)
    path: str = "./state/archiver.sqlite3"
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    lease_s: Annotated[float, msgspec.Meta(ge=1)] = 300.0
    backoff_base_s: PositiveFloat = 5.0
    backoff_max_s: PositiveFloat = 900.0


class WorkerConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Concurrency and schedules of the worker."""

    processors: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 8  # conversations in flight
    pool_processes: Annotated[int, msgspec.Meta(ge=1, le=256)] | None = None  # None: CPU count
    shutdown_timeout_s: PositiveFloat = 30.0
    reconcile_interval_s: PositiveFloat = 300.0
    reconcile_overlap_s: Annotated[float, msgspec.Meta(ge=0)] = 900.0
    reconcile_lag_s: Annotated[float, msgspec.Meta(ge=0)] = 120.0  # analytics lags: query up to now − lag


class CustomRedaction(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One `[[redaction.custom]]` entry (mirrors archiver.redact.CustomPattern, checked there)."""

    name: str
    pattern: str
    cues: tuple[str, ...] = ()
    validator: str = ""


class RedactionConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Redactor settings (mirrors archiver.redact.RedactConfig; None = every type)."""

    enabled_types: tuple[str, ...] | None = None
    token_format: str = "[REDACTED:{type}]"  # noqa: S105 (a placeholder format, not a password)
    mask_cards_last4: bool = False
    custom: tuple[CustomRedaction, ...] = ()  # [[redaction.custom]] operator patterns
    # customer participant attributes holding personal data: their values are redacted from the texts
    known_value_attributes: tuple[str, ...] = (
        "context.firstName",
        "context.lastName",
        "context.email",
        "context.phoneNumber",
        "context.addressStreet",
        "context.addressCity",
        "context.addressPostalCode",
    )
    agent_names: bool = False  # redact the agents' own names too


class ArchiveConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Record encoding."""

    gzip_level: Annotated[int, msgspec.Meta(ge=0, le=3)] = 2  # ISA-L levels 0-3


class MetricsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Prometheus /metrics and /healthz."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65_535)] = 9464


class LoggingConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Structured one-line logs."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"


class SimulatorConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The embedded simulator's live traffic (embedded mode only)."""

    conversations_per_min: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    seed: int = 1


class Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The whole configuration. `embedded` is derived: no Genesys credentials configured."""

    genesys: GenesysConfig = msgspec.field(default_factory=GenesysConfig)
    sink: SinkConfig = msgspec.field(default_factory=SinkConfig)
    writeback: WritebackConfig = msgspec.field(default_factory=WritebackConfig)
    queue: QueueConfig = msgspec.field(default_factory=QueueConfig)
    worker: WorkerConfig = msgspec.field(default_factory=WorkerConfig)
    redaction: RedactionConfig = msgspec.field(default_factory=RedactionConfig)
    archive: ArchiveConfig = msgspec.field(default_factory=ArchiveConfig)
    metrics: MetricsConfig = msgspec.field(default_factory=MetricsConfig)
    logging: LoggingConfig = msgspec.field(default_factory=LoggingConfig)
    simulator: SimulatorConfig = msgspec.field(default_factory=SimulatorConfig)

    @property
    def embedded(self) -> bool:
        """True when no Genesys credentials are configured: run the simulator and the local sink."""
        return self.genesys.client_id is None and self.genesys.client_secret is None

    def safe_dict(self) -> dict[str, Any]:
        """The configuration as builtins with secrets masked, for a startup banner or `config show`."""
        out: dict[str, Any] = msgspec.to_builtins(self, enc_hook=_mask)
        return out


def _mask(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return "***"
    raise NotImplementedError(type(obj).__name__)


# ---- loading ---------------------------------------------------------------------------------------------

# The seed's environment names, plus the secrets (env only).
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "GENESYS_BASE_URL": ("genesys", "base_url"),
    "GENESYS_REGION": ("genesys", "region"),
    "GENESYS_CLIENT_ID": ("genesys", "client_id"),
    "GENESYS_CLIENT_SECRET": ("genesys", "client_secret"),
    "GENESYS_QUEUE_IDS": ("genesys", "queue_ids"),
    "AZURE_STORAGE_URL": ("sink", "azure", "url"),
    "AZURE_CONTAINER_NAME": ("sink", "azure", "container"),
    "AZURE_STORAGE_CONNECTION_STRING": ("sink", "azure", "connection_string"),
    "AZURE_STORAGE_SAS_TOKEN": ("sink", "azure", "sas_token"),
    # short aliases for the settings people reach for first
    "ARCHIVER_LOG_LEVEL": ("logging", "level"),
    "ARCHIVER_LOG_FORMAT": ("logging", "format"),
    "ARCHIVER_ARCHIVE_DIR": ("sink", "local", "dir"),
    "ARCHIVER_STATE_PATH": ("queue", "path"),
    "ARCHIVER_METRICS_PORT": ("metrics", "port"),
}
SECRET_KEYS: dict[tuple[str, ...], str] = {
    ("genesys", "client_secret"): "GENESYS_CLIENT_SECRET",
    ("sink", "azure", "connection_string"): "AZURE_STORAGE_CONNECTION_STRING",
    ("sink", "azure", "sas_token"): "AZURE_STORAGE_SAS_TOKEN",
}
ENV_PREFIX = "ARCHIVER_"
CONFIG_ENV = "ARCHIVER_CONFIG"
SCHEMA = Schema(Config)
_CASE_INSENSITIVE: dict[Key, Callable[[str], str]] = {
    ("logging", "level"): str.upper,
    ("logging", "format"): str.lower,
    ("sink", "kind"): str.lower,
    ("queue", "kind"): str.lower,
    ("sink", "azure", "policy_mode"): str.capitalize,
    ("writeback", "mode"): str.lower,
}


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load and validate the configuration (file from `path` or ARCHIVER_CONFIG, then the environment)."""
    env = os.environ if env is None else env
    tree: dict[str, Any] = {}
    origin: dict[Key, str] = {}
    file_arg = str(path) if path is not None else env.get(CONFIG_ENV) or None
    if file_arg:
        tree = read_toml(Path(file_arg), "--config" if path is not None else CONFIG_ENV)
        for key, var in SECRET_KEYS.items():
            if get_in(tree, key) is not None:
                raise ConfigError(
                    ".".join(key),
                    f"secrets are not read from the config file ({file_arg})",
                    f"remove it from the file and set the environment variable {var}",
                )
        mark_origin(tree, (), f"in {file_arg}", origin)
    for name, value, key in _env_items(env):
        set_in(
            tree,
            key,
            [v.strip() for v in value.split(",") if v.strip()] if SCHEMA.is_sequence(key) else value,
        )
        origin[key] = f"from environment variable {name}"
    for key, norm in _CASE_INSENSITIVE.items():  # enums users type in any case
        value = get_in(tree, key)
        if isinstance(value, str):
            set_in(tree, key, norm(value))
    config: Config = convert(tree, Config, SCHEMA, origin, dec_hook=_dec_secret)
    return check_config(config)


def _env_items(env: Mapping[str, str]) -> list[tuple[str, str, Key]]:
    items: list[tuple[str, str, Key]] = []
    for name, value in sorted(env.items()):
        if value == "":  # empty means unset (docker-compose / systemd leave empty variables around)
            continue
        if name in ENV_KEYS:
            items.append((name, value, ENV_KEYS[name]))
        elif name.startswith(ENV_PREFIX) and name != CONFIG_ENV:
            key = tuple(p.lower() for p in name[len(ENV_PREFIX) :].split("__"))
            if not all(key) or not SCHEMA.is_leaf(key):
                raise ConfigError(
                    name,
                    f"environment variable {name} does not name a config key",
                    "use ARCHIVER_<SECTION>__<KEY> for a known key (e.g. ARCHIVER_QUEUE__PATH), or unset it",
                )
            if key in SECRET_KEYS:
                raise ConfigError(name, "this secret has its own variable", f"set {SECRET_KEYS[key]} instead")
            items.append((name, value, key))
    return items


def _dec_secret(typ: type, value: Any) -> Any:
    if typ is Secret and isinstance(value, str):
        return Secret(value)
    raise NotImplementedError


# ---- settings of the components built from this config ---------------------------------------------------


def genesys_settings(
    cfg: Config, *, base_url: str | None = None, creds: tuple[str, str] | None = None
) -> GenesysSettings:
    """Genesys client and listener settings; `base_url`/`creds` point them at the embedded simulator."""
    from archiver.genesys.settings import GenesysSettings  # lazy: config stays importable on its own

    g = cfg.genesys
    if creds is not None:
        client_id, client_secret = creds
    else:
        if g.client_id is None or g.client_secret is None:
            raise ConfigError(
                "genesys.client_id",
                "client id and secret are required",
                "set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET",
            )
        client_id, client_secret = g.client_id, g.client_secret.reveal()
    return GenesysSettings(
        client_id=client_id,
        client_secret=client_secret,
        region=None if base_url else g.region,
        base_url=base_url or g.base_url,
        rate_limit_per_min=g.rate_limit_per_min,
        request_timeout_s=g.request_timeout_s,
        max_retries=g.max_retries,
        heartbeat_timeout_s=g.heartbeat_timeout_s,
        queue_refresh_s=g.queue_refresh_s,
        queue_ids=tuple(g.queue_ids),
    )


def redact_config(cfg: Config) -> RedactConfig:
    """The redactor's settings (None enabled_types = every PII type)."""
    from archiver.redact import PII_TYPES, CustomPattern, RedactConfig

    r = cfg.redaction
    return RedactConfig(
        enabled_types=r.enabled_types if r.enabled_types is not None else PII_TYPES,
        token_format=r.token_format,
        mask_cards_last4=r.mask_cards_last4,
        custom=tuple(CustomPattern(c.name, c.pattern, c.cues, c.validator) for c in r.custom),
        known_value_attributes=r.known_value_attributes,
        agent_names=r.agent_names,
    )


def local_sink_settings(cfg: Config, root: str | None = None) -> LocalSinkSettings:
    """Settings of the local directory sink (`root` overrides `sink.local.dir`, e.g. for `archiver demo`)."""
    from archiver.sinks.local import LocalSinkSettings

    return LocalSinkSettings(root=root or cfg.sink.local.dir, retention_days=cfg.sink.local.retention_days)


def azure_sink_settings(cfg: Config) -> AzureSinkSettings:
    """Settings of the Azure Blob sink (secrets revealed only into the sink's own masked settings)."""
    from archiver.sinks.azure import AzureSinkSettings

    a = cfg.sink.azure
    if not a.container:
        raise ConfigError("sink.azure.container", "is not set", "set AZURE_CONTAINER_NAME")
    return AzureSinkSettings(
        container=a.container,
        account_url=a.url or "",
        connection_string=a.connection_string.reveal() if a.connection_string else "",
        sas_token=a.sas_token.reveal() if a.sas_token else "",
        retention_days=a.retention_days,
        policy_mode=a.policy_mode,
        legal_hold=a.legal_hold,
        compliance=a.compliance,
        allow_mutable=a.allow_mutable,
        create_container=a.create_container,
    )
