"""Config loading: TOML + environment, precedence, embedded mode, and one clear error per invalid key."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from archiver.config import Config, load_config
from archiver.errors import EXIT_CONFIG, ConfigError
from archiver.genesys import GenesysSettings
from archiver.secret import Secret

SECRET = "sup3r-s3cr3t-value"
ACCOUNT_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
REAL = {"GENESYS_CLIENT_ID": "cid", "GENESYS_CLIENT_SECRET": SECRET, "GENESYS_REGION": "eu_west_1"}
AZURE = {"AZURE_STORAGE_URL": "https://acct.blob.core.windows.net", "AZURE_CONTAINER_NAME": "archive"}

FULL_TOML = """
[genesys]
region = "mypurecloud.de"
client_id = "file-client"
queue_ids = ["q-1", "q-2"]
rate_limit_per_min = 200

[sink]
kind = "azure"
[sink.azure]
url = "https://acct.blob.core.windows.net"
container = "conversations-archive"
retention_days = 3650
policy_mode = "Locked"
legal_hold = true

[writeback]
mode = "external-tag"

[queue]
path = "/var/lib/archiver/q.sqlite3"
max_attempts = 5
lease_s = 120

[worker]
processors = 16
pool_processes = 2

[redaction]
enabled_types = ["CREDIT_CARD", "EMAIL"]
token_format = "<{type}>"
mask_cards_last4 = true

[archive]
gzip_level = 3

[metrics]
port = 9100

[logging]
level = "debug"
format = "json"
"""


def write(tmp_path: Path, text: str, name: str = "archiver.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error(tmp_path: Path, toml: str | None = None, **env: str) -> ConfigError:
    path = write(tmp_path, toml) if toml is not None else None
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env)
    err = info.value
    assert "\n" not in str(err)  # one line naming the key and the fix
    assert err.exit_code == EXIT_CONFIG and "fix:" in str(err)
    return err


def test_no_credentials_is_embedded_with_local_sink() -> None:
    cfg = load_config(env={})
    assert cfg.embedded and cfg.sink.kind == "local" and cfg.sink.local.dir == "./archive"
    assert cfg.queue.path == "./state/archiver.sqlite3"
    assert cfg.metrics.host == "127.0.0.1" and cfg.writeback.mode == "analytics-properties"
    assert cfg == load_config(env={"UNRELATED": "1", "GENESYS_REGION": ""})  # empty variables are unset


def test_full_file_and_env_secret(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FULL_TOML), env={"GENESYS_CLIENT_SECRET": SECRET})
    assert not cfg.embedded
    assert cfg.genesys.region == "mypurecloud.de" and cfg.genesys.queue_ids == ("q-1", "q-2")
    assert cfg.genesys.client_secret == Secret(SECRET) and cfg.genesys.client_secret.reveal() == SECRET
    az = cfg.sink.azure
    assert (
        cfg.sink.kind == "azure"
        and az.retention_days == 3650
        and az.policy_mode == "Locked"
        and az.legal_hold
    )
    assert cfg.writeback.mode == "external-tag" and cfg.queue.max_attempts == 5 and cfg.queue.lease_s == 120.0
    assert cfg.worker.processors == 16 and cfg.worker.pool_processes == 2
    assert cfg.redaction.enabled_types == ("CREDIT_CARD", "EMAIL") and cfg.redaction.mask_cards_last4
    assert cfg.archive.gzip_level == 3 and cfg.metrics.port == 9100
    assert (cfg.logging.level, cfg.logging.format) == ("DEBUG", "json")
    settings = GenesysSettings.from_config(cfg.genesys)
    assert settings.client_secret.reveal() == SECRET and settings.rate_limit_per_min == 200
    assert settings.hosts().api == "https://api.mypurecloud.de"


def test_environment_wins_over_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_TOML)
    env = {
        "GENESYS_CLIENT_SECRET": SECRET,
        "GENESYS_CLIENT_ID": "env-client",
        "GENESYS_BASE_URL": "https://api.mypurecloud.ie",
        "GENESYS_QUEUE_IDS": "a, b,,c",
        "AZURE_CONTAINER_NAME": "env-container",
        "ARCHIVER_QUEUE__MAX_ATTEMPTS": "7",
        "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "30",
        "ARCHIVER_SINK__AZURE__LEGAL_HOLD": "false",
        "ARCHIVER_REDACTION__ENABLED_TYPES": "EMAIL,US_SSN",
        "ARCHIVER_LOGGING__LEVEL": "warning",
    }
    cfg = load_config(path, env=env)
    assert cfg.genesys.client_id == "env-client" and cfg.genesys.base_url == "https://api.mypurecloud.ie"
    assert cfg.genesys.region == "mypurecloud.de"  # untouched keys keep the file's value
    assert cfg.genesys.queue_ids == ("a", "b", "c")
    assert cfg.sink.azure.container == "env-container" and cfg.sink.azure.retention_days == 30
    assert cfg.sink.azure.legal_hold is False and cfg.queue.max_attempts == 7
    assert cfg.redaction.enabled_types == ("EMAIL", "US_SSN") and cfg.logging.level == "WARNING"


def test_archiver_config_env_names_the_file_and_explicit_path_wins(tmp_path: Path) -> None:
    a = write(tmp_path, "[queue]\nmax_attempts = 3\n", "a.toml")
    b = write(tmp_path, "[queue]\nmax_attempts = 4\n", "b.toml")
    assert load_config(env={"ARCHIVER_CONFIG": str(a)}).queue.max_attempts == 3
    assert load_config(b, env={"ARCHIVER_CONFIG": str(a)}).queue.max_attempts == 4


def test_seed_environment_names() -> None:
    cfg = load_config(env={**REAL, **AZURE, "GENESYS_BASE_URL": "https://api.usw2.pure.cloud"})
    assert (cfg.genesys.client_id, cfg.genesys.region) == ("cid", "eu_west_1")
    assert cfg.sink.kind == "azure" and cfg.sink.azure.url == AZURE["AZURE_STORAGE_URL"]
    assert (
        GenesysSettings.from_config(cfg.genesys).hosts().api == "https://api.usw2.pure.cloud"
    )  # base_url wins
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY};EndpointSuffix=core.net"
    cfg = load_config(env={**REAL, "AZURE_STORAGE_CONNECTION_STRING": conn, "AZURE_CONTAINER_NAME": "c01"})
    assert cfg.sink.kind == "azure" and cfg.sink.azure.connection_string == Secret(conn)


def test_azurite_and_loopback_http_are_allowed() -> None:
    azurite = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
        + ACCOUNT_KEY
        + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
    )
    cfg = load_config(
        env={
            "GENESYS_CLIENT_ID": "sim",
            "GENESYS_CLIENT_SECRET": "sim-secret",
            "GENESYS_BASE_URL": "http://127.0.0.1:8123",
            "AZURE_STORAGE_CONNECTION_STRING": azurite,
            "AZURE_CONTAINER_NAME": "archive",
            "ARCHIVER_SINK__AZURE__ALLOW_MUTABLE": "true",
        }
    )
    assert cfg.sink.azure.allow_mutable and cfg.genesys.base_url == "http://127.0.0.1:8123"
    cfg = load_config(
        env={
            "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
            **{"AZURE_CONTAINER_NAME": "x1y"},
        }
    )
    # An Azure setting is production-like: no longer embedded (`run` then needs Genesys credentials).
    assert not cfg.embedded and cfg.sink.kind == "azure"


def test_explicit_local_sink_for_a_real_org() -> None:
    cfg = load_config(
        env={**REAL, "ARCHIVER_SINK__KIND": "local", "ARCHIVER_SINK__LOCAL__DIR": "/srv/archive"}
    )
    assert cfg.sink.kind == "local" and cfg.sink.local.dir == "/srv/archive" and not cfg.embedded


TOML_ERRORS = [
    (
        "[sink.azure]\nretension_days = 30\n",
        "sink.azure.retension_days",
        "did you mean sink.azure.retention_days",
    ),
    ("[sinks]\nkind = 'local'\n", "sinks", "remove it or fix the spelling"),
    ("[queue]\nmax_attempts = 'many'\n", "queue.max_attempts", "int"),
    ("[queue]\nmax_attempts = 0\n", "queue.max_attempts", ">= 1"),
    ("[queue]\nlease_s = -1\n", "queue.lease_s", ">= 1"),
    ("[queue]\npath = ''\n", "queue.path", "file path"),
    ("[queue]\nbackoff_base_s = 10\nbackoff_max_s = 5\n", "queue.backoff_max_s", "backoff_base_s"),
    ("[metrics]\nport = 70000\n", "metrics.port", "<= 65535"),
    ("[metrics]\nhost = ' '\n", "metrics.host", "127.0.0.1"),
    ("[archive]\ngzip_level = 9\n", "archive.gzip_level", "<= 3"),
    ("[logging]\nformat = 'xml'\n", "logging.format", "'json'"),
    ("[logging]\nlevel = 'loud'\n", "logging.level", "'INFO'"),
    ("[writeback]\nmode = 'email'\n", "writeback.mode", "'participant-attributes'"),
    ("[sink]\nkind = 's3'\n", "sink.kind", "'azure'"),
    ("[sink.azure]\npolicy_mode = 'Forever'\n", "sink.azure.policy_mode", "'Locked'"),
    ("[sink.azure]\npolicy_source = 'account'\n", "sink.azure.policy_source", "'container'"),
    ("[sink.azure]\nretention_days = 0\n", "sink.azure.retention_days", ">= 1"),
    ("[sink.azure]\nlegal_hold = 'maybe'\n", "sink.azure.legal_hold", "bool"),
    ("sink = 'azure'\n", "sink", "table"),
    ("[genesys]\nqueue_ids = 'q1'\n", "genesys.queue_ids", "array"),
    ("[genesys]\nqueue_ids = [1]\n", "genesys.queue_ids", "str"),
    ("[worker]\nprocessors = 1.5\n", "worker.processors", "int"),
    ("[redaction]\ntoken_format = '[X]'\n", "redaction.token_format", "{type}"),
    ("[redaction]\ntoken_format = '{type}{oops}'\n", "redaction.token_format", "braces"),
    ("[genesys]\nclient_secret = 'x'\n", "genesys.client_secret", "GENESYS_CLIENT_SECRET"),
    (
        "[sink.azure]\nconnection_string = 'x'\n",
        "sink.azure.connection_string",
        "AZURE_STORAGE_CONNECTION_STRING",
    ),
    ("[sink.azure]\nsas_token = 'x'\n", "sink.azure.sas_token", "AZURE_STORAGE_SAS_TOKEN"),
]


@pytest.mark.parametrize(("toml", "key", "fix"), TOML_ERRORS, ids=[k for _, k, _ in TOML_ERRORS])
def test_invalid_file_keys_name_the_key_and_fix(tmp_path: Path, toml: str, key: str, fix: str) -> None:
    err = error(tmp_path, toml)
    assert err.key == key
    assert fix in str(err)


def test_unknown_key_error_says_where_it_came_from(tmp_path: Path) -> None:
    err = error(tmp_path, "[queue]\nmax_atempts = 3\n")
    assert err.key == "queue.max_atempts" and "archiver.toml" in err.problem
    assert "did you mean queue.max_attempts" in err.fix


ENV_ERRORS = [
    ({"GENESYS_CLIENT_ID": "cid"}, "genesys.client_secret", "GENESYS_CLIENT_SECRET"),
    ({"GENESYS_CLIENT_SECRET": SECRET}, "genesys.client_id", "GENESYS_CLIENT_ID"),
    ({"GENESYS_REGION": "eu_west_1"}, "genesys.client_id", "embedded simulator"),
    ({"GENESYS_CLIENT_ID": "c", "GENESYS_CLIENT_SECRET": "s", **AZURE}, "genesys.region", "region"),
    ({**REAL, "GENESYS_REGION": "mars_1", **AZURE}, "genesys.region", "mypurecloud.ie"),
    ({**REAL, "GENESYS_BASE_URL": "http://api.example.com", **AZURE}, "genesys.base_url", "https"),
    ({**REAL}, "sink.kind", "AZURE_STORAGE_URL"),
    ({**REAL, "ARCHIVER_SINK__KIND": "azure"}, "sink.azure.url", "AZURE_STORAGE_URL"),
    (
        {**REAL, "AZURE_STORAGE_URL": "https://acct.blob.core.windows.net"},
        "sink.azure.container",
        "AZURE_CONTAINER_NAME",
    ),
    ({**REAL, **AZURE, "AZURE_CONTAINER_NAME": "Bad_Name"}, "sink.azure.container", "lowercase"),
    ({**REAL, **AZURE, "AZURE_CONTAINER_NAME": "a--b"}, "sink.azure.container", "single hyphens"),
    (
        {**REAL, **AZURE, "AZURE_STORAGE_URL": "http://acct.blob.core.windows.net"},
        "sink.azure.url",
        "http only",
    ),
    (
        {**REAL, "AZURE_STORAGE_CONNECTION_STRING": "AccountKey=abc", "AZURE_CONTAINER_NAME": "c1c"},
        "sink.azure.connection_string",
        "Access keys",
    ),
    (
        {
            **REAL,
            "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k",
            "AZURE_CONTAINER_NAME": "c1c",
        },
        "sink.azure.connection_string",
        "https",
    ),
    ({"AZURE_CONTAINER_NAME": "archive"}, "sink.azure.url", "AZURE_STORAGE_URL"),
    ({**REAL, "AZURE_STORAGE_SAS_TOKEN": "sv=1&sig=x"}, "sink.azure.url", "AZURE_STORAGE_URL"),
    ({"ARCHIVER_LOG_LEVEL": "chatty"}, "logging.level", "'DEBUG'"),
    ({"ARCHIVER_QUEUE__MAX_ATTEMPS": "3"}, "ARCHIVER_QUEUE__MAX_ATTEMPS", "ARCHIVER_<SECTION>__<KEY>"),
    ({"ARCHIVER_QUEUE": "x"}, "ARCHIVER_QUEUE", "known key"),
    ({"ARCHIVER_GENESYS__CLIENT_SECRET": "x"}, "ARCHIVER_GENESYS__CLIENT_SECRET", "GENESYS_CLIENT_SECRET"),
    ({"ARCHIVER_QUEUE__MAX_ATTEMPTS": "ten"}, "queue.max_attempts", "int"),
    ({"ARCHIVER_METRICS__ENABLED": "perhaps"}, "metrics.enabled", "bool"),
    ({"ARCHIVER_CONFIG": "/nonexistent/archiver.toml"}, "ARCHIVER_CONFIG", "TOML"),
]


@pytest.mark.parametrize(
    ("env", "key", "fix"), ENV_ERRORS, ids=[f"{i}-{k}" for i, (_, k, _) in enumerate(ENV_ERRORS)]
)
def test_invalid_environment_names_the_key_and_fix(
    tmp_path: Path, env: dict[str, str], key: str, fix: str
) -> None:
    err = error(tmp_path, None, **env)
    assert err.key == key
    assert fix in str(err)
    assert SECRET not in str(err)


def test_env_error_says_which_variable(tmp_path: Path) -> None:
    err = error(tmp_path, None, ARCHIVER_QUEUE__MAX_ATTEMPTS="0")
    assert "ARCHIVER_QUEUE__MAX_ATTEMPTS" in err.problem


def test_file_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_config(tmp_path / "missing.toml", env={})
    assert info.value.key == "--config"
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path, env={})
    bad = write(tmp_path, "[queue\nmax_attempts = 3\n", "bad.toml")
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 1"):
        load_config(bad, env={})
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[queue]\npath = '\xe9t\xe9'\n")
    with pytest.raises(ConfigError, match=r"UTF-8|TOML"):
        load_config(latin, env={})


def test_case_insensitive_enums() -> None:
    cfg = load_config(env={"ARCHIVER_SINK__AZURE__POLICY_MODE": "locked", "ARCHIVER_LOGGING__FORMAT": "JSON"})
    assert cfg.sink.azure.policy_mode == "Locked" and cfg.logging.format == "json"
    assert cfg.sink.azure.policy_source == "blob"  # default: today's per-blob policy (README says why)
    cfg = load_config(env={"ARCHIVER_SINK__AZURE__POLICY_SOURCE": "Container"})
    assert cfg.sink.azure.policy_source == "container"


def test_secrets_never_in_repr_str_or_safe_dict(tmp_path: Path) -> None:
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY}"
    sas = "sv=2024-01-01&sig=SIGNATURE0123456789"
    cfg = load_config(
        env={**REAL, "AZURE_STORAGE_CONNECTION_STRING": conn, "AZURE_STORAGE_SAS_TOKEN": sas, **AZURE}
    )
    for text in (repr(cfg), str(cfg), repr(cfg.genesys), str(cfg.sink.azure), str(cfg.safe_dict())):
        assert SECRET not in text and ACCOUNT_KEY not in text and "SIGNATURE" not in text
    assert "***" in repr(cfg.genesys.client_secret) and str(cfg.genesys.client_secret) == "Secret('***')"
    assert cfg.safe_dict()["sink"]["azure"]["sas_token"] == "***"
    assert SECRET not in repr(GenesysSettings.from_config(cfg.genesys))
    # The config can cross a process boundary (spawned pool) and still reveal the secret there.
    again = pickle.loads(pickle.dumps(cfg))
    assert isinstance(again, Config) and again.genesys.client_secret is not None
    assert again.genesys.client_secret.reveal() == SECRET


def test_sas_in_url_is_refused_without_echoing_it(tmp_path: Path) -> None:
    err = error(
        tmp_path,
        None,
        **REAL,
        AZURE_STORAGE_URL="https://acct.blob.core.windows.net/?sv=1&sig=TOPSECRET",
        AZURE_CONTAINER_NAME="archive",
    )
    assert (
        err.key == "sink.azure.url" and "TOPSECRET" not in str(err) and "AZURE_STORAGE_SAS_TOKEN" in err.fix
    )


def test_component_settings_are_built_from_config() -> None:
    from archiver.assemble import build_sink
    from archiver.config import redact_config
    from archiver.redact import PII_TYPES, Redactor
    from archiver.sinks import AzureSink, LocalSink

    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY}"
    cfg = load_config(
        env={
            **REAL,
            **AZURE,
            "AZURE_STORAGE_CONNECTION_STRING": conn,
            "ARCHIVER_SINK__AZURE__POLICY_MODE": "Locked",
            "ARCHIVER_SINK__AZURE__POLICY_SOURCE": "container",
            "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "9",
        }
    )
    sink = build_sink(cfg)
    assert isinstance(sink, AzureSink)
    az = sink.config  # the sink is built with the loaded section itself, secrets still wrapped
    assert sink.container_name == "archive" and az.connection_string is not None
    assert az.connection_string.reveal() == conn and az.policy_mode == "Locked"
    assert az.policy_source == "container" and "policy_source='container'" in repr(az)
    assert az.retention_days == 9 and az.url == AZURE["AZURE_STORAGE_URL"]
    assert ACCOUNT_KEY not in repr(az) + repr(vars(sink))
    local = build_sink(load_config(env={"ARCHIVER_SINK__LOCAL__DIR": "/tmp/a"}))
    assert isinstance(local, LocalSink)
    assert local.config.dir == "/tmp/a" and local.config.retention_days == 2557
    rc = redact_config(load_config(env={}))
    assert rc.enabled_types == PII_TYPES
    rc = redact_config(
        load_config(
            env={"ARCHIVER_REDACTION__ENABLED_TYPES": "EMAIL", "ARCHIVER_REDACTION__MASK_CARDS_LAST4": "1"}
        )
    )
    assert (
        Redactor(rc).redact("a@b.example.com 4111 1111 1111 1111").text
        == "[REDACTED:EMAIL] 4111 1111 1111 1111"
    )


def test_unknown_pii_type_is_a_config_error(tmp_path: Path) -> None:
    err = error(tmp_path, "[redaction]\nenabled_types = ['EMAIL', 'PASSPORTS']\n")
    assert err.key == "redaction.enabled_types" and "CREDIT_CARD" in err.fix


def test_recordings_fallback_switch() -> None:
    assert load_config(env={"ARCHIVER_GENESYS__RECORDINGS_FALLBACK": "true"}).genesys.recordings_fallback
    assert load_config(env={}).genesys.recordings_fallback is False


def test_short_aliases() -> None:
    cfg = load_config(
        env={
            "ARCHIVER_LOG_LEVEL": "debug",
            "ARCHIVER_LOG_FORMAT": "json",
            "ARCHIVER_ARCHIVE_DIR": "/a",
            "ARCHIVER_STATE_PATH": "/s/q.sqlite3",
            "ARCHIVER_METRICS_PORT": "0",
        }
    )
    assert (cfg.logging.level, cfg.logging.format, cfg.sink.local.dir) == ("DEBUG", "json", "/a")
    assert cfg.queue.path == "/s/q.sqlite3" and cfg.metrics.port == 0
