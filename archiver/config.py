"""Configuration: loaded once from a TOML file plus the environment into the frozen `Config` tree.

The sections and every key's type, bounds and default are defined in archiver/config_model.py (re-exported
here); components are built with those section structs (docs/config.md).

Precedence: environment > TOML file > defaults. The file comes from `--config PATH` or `ARCHIVER_CONFIG`.
Secrets (`GENESYS_CLIENT_SECRET`, `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_SAS_TOKEN`) are read from
the environment only; a secret in the file is an error, so it never ends up in a file that gets copied around.
They are `Secret` values, masked in every repr. Every key can also be set as `ARCHIVER_<SECTION>__<KEY>`,
e.g. `ARCHIVER_QUEUE__MAX_ATTEMPTS=5` or `ARCHIVER_SINK__AZURE__RETENTION_DAYS=3650` (a few short aliases such
as `ARCHIVER_LOG_LEVEL` exist too, see ENV_KEYS). Every problem is a
`ConfigError` naming the key (`sink.azure.retension_days`) or the variable, the problem and the fix.

Embedded mode: only when NOTHING production-like is configured — no config file, no Genesys setting, no Azure
setting — does `archiver run` start the built-in simulator and archive to the local directory. As soon as any
of those is present, missing Genesys credentials are a config error (`require_genesys`), never a silent switch
to the simulator: a production VM whose secrets file is missing at boot must stop, not archive synthetic
conversations into its WORM store (docs/operations.md, "Embedded mode").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from archiver.config_check import check_config
from archiver.config_load import Key, Schema, convert, get_in, mark_origin, read_toml, set_in
from archiver.config_model import (
    ArchiveConfig,
    AttachmentsConfig,
    AzureQueueConfig,
    AzureSinkConfig,
    Config,
    GenesysConfig,
    LocalSinkConfig,
    LoggingConfig,
    MetricsConfig,
    QueueConfig,
    RedactionConfig,
    SimulatorConfig,
    SinkConfig,
    WorkerConfig,
    WritebackConfig,
    production_settings,
)
from archiver.errors import ConfigError
from archiver.secret import Secret

if TYPE_CHECKING:
    from archiver.redact import RedactConfig


def require_genesys(cfg: Config, command: str) -> None:
    """Stop a command that talks to a real org when its Genesys client credentials are missing.

    Embedded mode (nothing configured) passes: the command runs against the built-in simulator.
    """
    if cfg.embedded or (cfg.genesys.client_id is not None and cfg.genesys.client_secret is not None):
        return
    missing = [
        var
        for var, value in (
            ("GENESYS_CLIENT_ID", cfg.genesys.client_id),
            ("GENESYS_CLIENT_SECRET", cfg.genesys.client_secret),
        )
        if value is None
    ]
    raise ConfigError(
        "genesys.client_secret" if cfg.genesys.client_id is not None else "genesys.client_id",
        f"{command} needs Genesys client credentials: {' and '.join(missing)} not set, but this is a "
        f"production configuration ({', '.join(production_settings(cfg)[:4])})",
        f"export {' and '.join(missing)} (e.g. in the service's EnvironmentFile); embedded mode "
        "(the built-in simulator) runs only with no config file and no Genesys or Azure settings at all",
    )


# The section structs are defined in archiver/config_model.py; they are importable from here too.
__all__ = [
    "ArchiveConfig",
    "AttachmentsConfig",
    "AzureQueueConfig",
    "AzureSinkConfig",
    "Config",
    "ConfigError",
    "GenesysConfig",
    "LocalSinkConfig",
    "LoggingConfig",
    "MetricsConfig",
    "QueueConfig",
    "RedactionConfig",
    "SimulatorConfig",
    "SinkConfig",
    "WorkerConfig",
    "WritebackConfig",
    "load_config",
    "production_settings",
    "require_genesys",
]

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
    ("sink", "azure", "policy_source"): str.lower,
    ("writeback", "mode"): str.lower,
    ("attachments", "mode"): str.lower,
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
    if "source_file" in tree:
        raise ConfigError(
            "source_file", "is set by the loader, not a setting", "remove it (the file is given by --config)"
        )
    config: Config = convert(tree, Config, SCHEMA, origin, dec_hook=_dec_secret)
    if file_arg:
        config = msgspec.structs.replace(config, source_file=file_arg)
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
