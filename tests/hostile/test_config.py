"""`archiver run --config bad.toml` as a subprocess: one line naming the key and the fix, exit code 3.

Every invalid, missing or unknown key must be refused before anything starts (no simulator, no sockets, no
queue file), with exactly one stderr line `archiver run: config key <key>: <problem>; fix: <fix>`, a distinct
exit code (EXIT_CONFIG = 3, unlike usage 2, auth 4, permission 5, sink 6, integrity 7), no traceback, and
never an echo of a secret.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archiver.errors import EXIT_AUTH, EXIT_CONFIG, EXIT_INTEGRITY, EXIT_PERMISSION, EXIT_SINK, EXIT_USAGE

from .conftest import clean_env

SECRET = "s3cr3t-Value-42"
ACCOUNT_KEY = "QUNDT1VOVEtFWWJhc2U2NA=="
REAL_ORG = {
    "GENESYS_CLIENT_ID": "client-1",
    "GENESYS_CLIENT_SECRET": SECRET,
    "GENESYS_REGION": "mypurecloud.ie",
}
LOCAL = {"ARCHIVER_SINK__KIND": "local"}

# (id, TOML file content or None, environment, key the line must name)
CASES: list[tuple[str, str | None, dict[str, str], str]] = [
    # unknown keys, at every depth
    ("unknown-top-section", "[sinks]\nkind = 'local'\n", {}, "sinks"),
    ("unknown-key", "[genesys]\nregoin = 'mypurecloud.ie'\n", {}, "genesys.regoin"),
    ("unknown-nested-key", "[sink.azure]\nretension_days = 5\n", {}, "sink.azure.retension_days"),
    ("unknown-tls-switch", "[genesys]\nverify_ssl = false\n", {}, "genesys.verify_ssl"),
    (
        "unknown-azure-tls-switch",
        "[sink.azure]\nconnection_verify = false\n",
        {},
        "sink.azure.connection_verify",
    ),
    ("unknown-env-key", None, {"ARCHIVER_QUEUE__NOPE": "1"}, "ARCHIVER_QUEUE__NOPE"),
    ("unknown-env-section", None, {"ARCHIVER_TLS__VERIFY": "false"}, "ARCHIVER_TLS__VERIFY"),
    # wrong types and shapes
    ("string-for-int", "[queue]\nmax_attempts = 'ten'\n", {}, "queue.max_attempts"),
    ("env-string-for-int", None, {"ARCHIVER_QUEUE__MAX_ATTEMPTS": "ten"}, "queue.max_attempts"),
    ("value-for-table", "genesys = 5\n", {}, "genesys"),
    ("table-for-value", "[queue.path]\nx = 1\n", {}, "queue.path"),
    ("string-for-list", "[genesys]\nqueue_ids = 'q1'\n", {}, "genesys.queue_ids"),
    ("bool-for-float", "[worker]\nshutdown_timeout_s = true\n", {}, "worker.shutdown_timeout_s"),
    # out of range
    ("zero-attempts", "[queue]\nmax_attempts = 0\n", {}, "queue.max_attempts"),
    ("gzip-level", "[archive]\ngzip_level = 9\n", {}, "archive.gzip_level"),
    ("port-range", "[metrics]\nport = 70000\n", {}, "metrics.port"),
    ("zero-processors", "[worker]\nprocessors = 0\n", {}, "worker.processors"),
    ("negative-retention", "[sink.azure]\nretention_days = -1\n", {}, "sink.azure.retention_days"),
    ("backoff-order", "[queue]\nbackoff_base_s = 10.0\nbackoff_max_s = 1.0\n", {}, "queue.backoff_max_s"),
    # bad enum values
    ("writeback-mode", "[writeback]\nmode = 'email'\n", {}, "writeback.mode"),
    ("policy-mode", "[sink.azure]\npolicy_mode = 'Frozen'\n", {}, "sink.azure.policy_mode"),
    ("log-format", "[logging]\nformat = 'xml'\n", {}, "logging.format"),
    ("sink-kind", "[sink]\nkind = 's3'\n", {}, "sink.kind"),
    ("redaction-type", "[redaction]\nenabled_types = ['PASSPORTS']\n", {}, "redaction.enabled_types"),
    ("token-format", "[redaction]\ntoken_format = '[X]'\n", {}, "redaction.token_format"),
    # secrets only from the environment
    ("secret-in-file", f"[genesys]\nclient_secret = '{SECRET}'\n", {}, "genesys.client_secret"),
    (
        "conn-string-in-file",
        f"[sink.azure]\nconnection_string = 'AccountName=a;AccountKey={ACCOUNT_KEY}'\n",
        {},
        "sink.azure.connection_string",
    ),
    (
        "secret-via-generic-env",
        None,
        {"ARCHIVER_GENESYS__CLIENT_SECRET": SECRET},
        "ARCHIVER_GENESYS__CLIENT_SECRET",
    ),
    # missing keys
    ("id-without-secret", None, {"GENESYS_CLIENT_ID": "client-1"}, "genesys.client_secret"),
    ("secret-without-id", None, {"GENESYS_CLIENT_SECRET": SECRET}, "genesys.client_id"),
    ("region-without-creds", None, {"GENESYS_REGION": "mypurecloud.ie"}, "genesys.client_id"),
    ("real-org-without-sink", None, REAL_ORG, "sink.kind"),
    ("azure-without-url", "[sink]\nkind = 'azure'\n", REAL_ORG, "sink.azure.url"),
    (
        "azure-without-container",
        None,
        {**REAL_ORG, "AZURE_STORAGE_URL": "https://acct.blob.core.windows.net"},
        "sink.azure.container",
    ),
    ("empty-local-dir", "[sink.local]\ndir = '  '\n", {}, "sink.local.dir"),
    ("empty-queue-path", "[queue]\npath = ''\n", {}, "queue.path"),
    # invalid values that need the spec to judge
    ("unknown-region", None, {**REAL_ORG, **LOCAL, "GENESYS_REGION": "mars_north_1"}, "genesys.region"),
    (
        "http-base-url",
        None,
        {**REAL_ORG, **LOCAL, "GENESYS_REGION": "", "GENESYS_BASE_URL": "http://api.mypurecloud.com"},
        "genesys.base_url",
    ),
    (
        "base-url-with-userinfo",
        None,
        {**REAL_ORG, **LOCAL, "GENESYS_BASE_URL": f"https://admin:{SECRET}@api.mypurecloud.ie"},
        "genesys.base_url",
    ),
    (
        "base-url-with-path",
        None,
        {**REAL_ORG, **LOCAL, "GENESYS_BASE_URL": "https://api.mypurecloud.ie/api/v2"},
        "genesys.base_url",
    ),
    (
        "container-name",
        None,
        {
            **REAL_ORG,
            "AZURE_STORAGE_URL": "https://acct.blob.core.windows.net",
            "AZURE_CONTAINER_NAME": "Bad_Name",
        },
        "sink.azure.container",
    ),
    (
        "http-storage-url",
        None,
        {
            **REAL_ORG,
            "AZURE_STORAGE_URL": "http://acct.blob.core.windows.net",
            "AZURE_CONTAINER_NAME": "archive",
        },
        "sink.azure.url",
    ),
    (
        "sas-in-storage-url",
        None,
        {
            **REAL_ORG,
            "AZURE_STORAGE_URL": f"https://acct.blob.core.windows.net/?sv=2024&sig={SECRET}",
            "AZURE_CONTAINER_NAME": "archive",
        },
        "sink.azure.url",
    ),
    (
        "http-connection-string",
        None,
        {
            **REAL_ORG,
            "AZURE_STORAGE_CONNECTION_STRING": (
                f"DefaultEndpointsProtocol=http;AccountName=acct;AccountKey={ACCOUNT_KEY};"
                "EndpointSuffix=core.windows.net"
            ),
            "AZURE_CONTAINER_NAME": "archive",
        },
        "sink.azure.connection_string",
    ),
    (
        "http-blob-endpoint",
        None,
        {
            **REAL_ORG,
            "AZURE_STORAGE_CONNECTION_STRING": (
                f"BlobEndpoint=http://evil.example:10000/acct;AccountName=acct;AccountKey={ACCOUNT_KEY}"
            ),
            "AZURE_CONTAINER_NAME": "archive",
        },
        "sink.azure.connection_string",
    ),
    # the file itself
    ("toml-syntax", "[genesys\n", {}, "--config"),
    ("not-utf8", None, {}, "--config"),
]


def _run(
    tmp_path: Path, toml: str | None, env: dict[str, str], case: str
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bad.toml"
    if case == "not-utf8":
        path.write_bytes(b"[genesys]\nregion = '\xff\xfe'\n")
    else:
        path.write_text(toml or "")
    return _archiver_run(tmp_path, "--config", str(path), env=env)


def _archiver_run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`archiver run ARGS` in a child process, with `env` as its only archiver/Genesys/Azure settings."""
    return subprocess.run(
        [sys.executable, "-m", "archiver", "run", *args],
        env=clean_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(("case", "toml", "env", "key"), CASES, ids=[c[0] for c in CASES])
def test_invalid_config_is_one_line_naming_key_and_fix(
    tmp_path: Path, case: str, toml: str | None, env: dict[str, str], key: str
) -> None:
    proc = _run(tmp_path, toml, env, case)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == EXIT_CONFIG, (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == 1, proc.stderr[-2000:]
    [line] = lines
    assert line.startswith(f"archiver run: config key {key}: "), line
    problem, sep, fix = line.partition("; fix: ")
    assert sep and fix.strip() and len(problem) > len(f"archiver run: config key {key}: "), line
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert SECRET not in proc.stderr and ACCOUNT_KEY not in proc.stderr
    # Refused before anything started: no queue file, no archive directory.
    assert not (tmp_path / "state").exists() and not (tmp_path / "archive").exists()


@pytest.mark.parametrize("given_by", ["--config", "ARCHIVER_CONFIG"])
def test_missing_config_file_names_where_it_was_given(tmp_path: Path, given_by: str) -> None:
    missing = str(tmp_path / "nope.toml")
    if given_by == "--config":
        proc = _archiver_run(tmp_path, "--config", missing, env={})
    else:
        proc = _archiver_run(tmp_path, env={"ARCHIVER_CONFIG": missing})
    assert proc.returncode == EXIT_CONFIG
    [line] = [s for s in proc.stderr.splitlines() if s.strip()]
    assert line.startswith(f"archiver run: config key {given_by}: ") and "; fix: " in line


def test_exit_codes_are_distinct() -> None:
    codes = [EXIT_USAGE, EXIT_CONFIG, EXIT_AUTH, EXIT_PERMISSION, EXIT_SINK, EXIT_INTEGRITY]
    assert len(set(codes)) == len(codes) and 0 not in codes and 1 not in codes
