"""The configuration's shape: one frozen msgspec Struct per section, and `Config`, the whole tree.

This is the one definition of every setting: its TOML key (`[section] key`), its environment variable
(`ARCHIVER_<SECTION>__<KEY>`), its type, bounds and default. Components take their section struct as it
is (e.g. `LocalSink(config.sink.local)`), so a setting is never copied into a parallel settings struct
by a hand-written mapper; values only a running process knows (the embedded simulator's address, a test's
shrunken window) are passed beside it. Loading, environment names and the checks that span keys live in
`archiver/config.py` and `archiver/config_check.py`; this module imports neither, so both can use it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from archiver.secret import Secret

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]


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
    # a 429's Retry-After is honoured up to this long; longer: the conversation is retried after it
    max_retry_after_s: Annotated[float, msgspec.Meta(ge=1, le=3600)] = 300.0
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
    # "blob": a policy with every upload (needs runAsSuperUser); "container": inherit the container's
    # default policy set by an admin (least privilege) — see README "Azure Storage" permissions.
    policy_source: Literal["blob", "container"] = "blob"
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


WritebackMode = Literal["analytics-properties", "participant-attributes", "external-tag", "none"]


class WritebackConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How the archive's address is written back onto the conversation (README "Write-back modes")."""

    # analytics-properties: the only write-back Genesys keeps in analytics after the end (docs/genesys.md,
    # "Write-back after the end"); it needs analytics:conversationProperties:index.
    mode: WritebackMode = "analytics-properties"
    # Modes tried in order when the one before keeps being refused: while analytics refuses the properties,
    # the address still lands as today's attributes, then as the external tag. [] / "none": no fallback.
    fallback: tuple[WritebackMode, ...] = ("participant-attributes", "external-tag")
    # When a mode keeps being refused with a 4xx for this long since the first attempt, or on the last
    # attempt, write the next mode of `fallback` instead: the archive's address still reaches the
    # conversation and the item does not end dead. 0: never (refusals are retried until dead). The name is
    # kept from when the external tag was the only fallback.
    fallback_to_external_tag_after_s: Annotated[float, msgspec.Meta(ge=0)] = 600.0


class AttachmentsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Attachment bytes (archiver/attachments/). "metadata": the record lists each attachment, nothing is
    downloaded. "archive": each is also downloaded and stored beside the record, AS UPLOADED: the redactor
    never sees attachment bytes (README "Attachments")."""

    mode: Literal["metadata", "archive"] = "metadata"
    max_bytes: Annotated[int, msgspec.Meta(ge=1, le=1 << 30)] = 25 * 1024 * 1024  # per attachment
    mime_types: tuple[str, ...] = (  # allowlist; "type/*" allows a whole type
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "video/mp4",
        "audio/mpeg",
        "audio/mp4",
    )
    timeout_s: PositiveFloat = 120.0  # one download, redirects included


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
    # /healthz turns 503 once Genesys or the store has failed without an answer this long (archiver/health.py)
    unhealthy_after_s: PositiveFloat = 120.0
    reconcile_interval_s: PositiveFloat = 300.0
    reconcile_overlap_s: Annotated[float, msgspec.Meta(ge=0)] = 900.0
    reconcile_lag_s: Annotated[float, msgspec.Meta(ge=0)] = 120.0  # analytics lags: query up to now − lag
    # the query selects by conversation START: reach back as long as a thread stays open (rarely > 30 days)
    reconcile_max_age_days: Annotated[float, msgspec.Meta(gt=0, le=366)] = 31.0
    # pages per sweep; when hit: a warning, the watermark stays, the next sweep continues below (needs ≥ 3)
    reconcile_max_pages: Annotated[int, msgspec.Meta(ge=3, le=100_000)] = 200


# The pre-chat attributes (web messaging `context.*`) that hold the customer's own details; their values are
# redacted wherever the conversation's texts repeat them (archiver/redact/known.py, docs/redaction.md).
KNOWN_VALUE_ATTRIBUTES: tuple[str, ...] = (
    "context.firstName",
    "context.lastName",
    "context.email",
    "context.phoneNumber",
    "context.addressStreet",
    "context.addressCity",
    "context.addressPostalCode",
)


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
    known_value_attributes: tuple[str, ...] = KNOWN_VALUE_ATTRIBUTES
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
    seed: int | None = None  # None: a fresh seed per run, so ids never collide with earlier runs' archives


class Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The whole configuration. `embedded` is derived: nothing production-like configured."""

    genesys: GenesysConfig = msgspec.field(default_factory=GenesysConfig)
    sink: SinkConfig = msgspec.field(default_factory=SinkConfig)
    writeback: WritebackConfig = msgspec.field(default_factory=WritebackConfig)
    attachments: AttachmentsConfig = msgspec.field(default_factory=AttachmentsConfig)
    queue: QueueConfig = msgspec.field(default_factory=QueueConfig)
    worker: WorkerConfig = msgspec.field(default_factory=WorkerConfig)
    redaction: RedactionConfig = msgspec.field(default_factory=RedactionConfig)
    archive: ArchiveConfig = msgspec.field(default_factory=ArchiveConfig)
    metrics: MetricsConfig = msgspec.field(default_factory=MetricsConfig)
    logging: LoggingConfig = msgspec.field(default_factory=LoggingConfig)
    simulator: SimulatorConfig = msgspec.field(default_factory=SimulatorConfig)
    # Set by load_config, never by the user: the file this config was read from. A config file alone marks a
    # production deployment (see `production_settings`).
    source_file: str | None = None

    @property
    def embedded(self) -> bool:
        """True when nothing production-like is configured: run the simulator and the local sink."""
        return not production_settings(self)

    def safe_dict(self) -> dict[str, Any]:
        """The configuration as builtins with secrets masked, for a startup banner or `config show`."""
        out: dict[str, Any] = msgspec.to_builtins(self, enc_hook=_mask)
        return out


def _changed(section: msgspec.Struct, prefix: str) -> list[str]:
    """The dotted keys of `section` whose value differs from the default (a user set them)."""
    default = type(section)()
    return [
        f"{prefix}.{name}"
        for name in section.__struct_fields__
        if not isinstance(getattr(section, name), msgspec.Struct)
        and getattr(section, name) != getattr(default, name)
    ]


def production_settings(cfg: Config) -> list[str]:
    """What makes `cfg` a production deployment: a config file, any Genesys setting, any Azure setting.

    Empty means embedded mode. Only these count: logging, worker tuning or a local archive directory alone
    do not make a deployment (and embedded mode never uses the configured queue file: archiver/embedded.py).
    """
    found = [f"config file {cfg.source_file}"] if cfg.source_file else []
    found += _changed(cfg.genesys, "genesys")
    found += _changed(cfg.sink.azure, "sink.azure") + _changed(cfg.queue.azure, "queue.azure")
    if cfg.sink.kind == "azure":
        found.append("sink.kind")
    if cfg.queue.kind == "azure":
        found.append("queue.kind")
    return found


def _mask(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return "***"
    raise NotImplementedError(type(obj).__name__)
