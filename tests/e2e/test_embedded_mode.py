"""Embedded mode can never touch production: one test per hazard.

1. A configured worker whose Genesys secret is missing (an absent environment file at boot) stops with a
   config error naming the variable — it never switches to the simulator.
2. Embedded mode never deletes (or opens) a queue file it did not create.
3. Simulated conversations are never written to a non-loopback store.
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from archiver.app import RunOptions, serve
from archiver.config import load_config, production_settings, require_genesys
from archiver.embedded import check_store
from archiver.errors import EXIT_CONFIG, ConfigError
from archiver.sim import Simulator
from tests.e2e.test_commands import clean_env
from tests.support import sim_worker_env

pytestmark = pytest.mark.timeout(120)

AZURE_PROD = {"AZURE_STORAGE_URL": "https://acct.blob.core.windows.net", "AZURE_CONTAINER_NAME": "archive"}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def production_queue(path: Path) -> str:
    """A file standing for a production worker's queue, with its WAL siblings; returns their digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).write_bytes(b"production queue " + suffix.encode() * 100)
    return queue_digest(path)


def queue_digest(path: Path) -> str:
    return "".join(digest(Path(str(path) + s)) for s in ("", "-wal", "-shm"))


# ---- which configurations are embedded ------------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [{}, {"ARCHIVER_LOG_LEVEL": "debug"}, {"ARCHIVER_QUEUE__PATH": "/srv/q.sqlite3"}, {"GENESYS_REGION": ""}],
    ids=["nothing", "log-level", "queue-path", "empty-variable"],
)
def test_nothing_production_like_is_embedded(env: dict[str, str]) -> None:
    cfg = load_config(env=env)
    assert cfg.embedded and production_settings(cfg) == []
    require_genesys(cfg, "archiver run")  # embedded: nothing required


PRODUCTION = [
    ({"AZURE_STORAGE_URL": AZURE_PROD["AZURE_STORAGE_URL"], **AZURE_PROD}, "sink.azure.url"),
    (
        {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "AZURE_CONTAINER_NAME": "c1c"},
        "sink",
    ),
    ({"ARCHIVER_GENESYS__RATE_LIMIT_PER_MIN": "200"}, "genesys.rate_limit_per_min"),
    ({"GENESYS_QUEUE_IDS": "q1"}, "genesys.queue_ids"),
]


@pytest.mark.parametrize(("env", "marker"), PRODUCTION, ids=[m for _, m in PRODUCTION])
def test_any_genesys_or_azure_setting_requires_credentials(env: dict[str, str], marker: str) -> None:
    cfg = load_config(env=env)
    assert not cfg.embedded and any(s.startswith(marker) for s in production_settings(cfg))
    with pytest.raises(ConfigError) as info:
        require_genesys(cfg, "archiver run")
    assert "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET" in str(info.value)
    assert info.value.exit_code == EXIT_CONFIG


def test_a_config_file_alone_requires_credentials(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text("[worker]\nprocessors = 4\n", encoding="utf-8")
    cfg = load_config(path, env={})
    assert not cfg.embedded and production_settings(cfg) == [f"config file {path}"]
    with pytest.raises(ConfigError, match="GENESYS_CLIENT_SECRET"):
        require_genesys(cfg, "archiver run")
    real = {"GENESYS_CLIENT_ID": "cid", "GENESYS_CLIENT_SECRET": "s", "GENESYS_REGION": "eu_west_1"}
    require_genesys(load_config(path, env={**real, **AZURE_PROD}), "archiver run")
    with pytest.raises(ConfigError, match="source_file"):  # the loader's own field is not a setting
        load_config(env={"ARCHIVER_SOURCE_FILE": "x"})


# ---- hazard 1: a missing secret at boot is a config error, never the simulator --------------------------


@pytest.mark.parametrize("via", ["config-file", "environment", "secret-typo"])
def test_run_with_missing_secret_exits_3_and_touches_nothing(tmp_path: Path, via: str) -> None:
    """The environment file with GENESYS_* (and maybe AZURE_*) is absent at boot, or a secret is misspelt."""
    queue = tmp_path / "state" / "archiver.sqlite3"
    before = production_queue(queue)
    env = clean_env()
    args = ["run"]
    if via == "config-file":
        cfg = tmp_path / "archiver.toml"
        cfg.write_text(
            f'[sink.azure]\nurl = "{AZURE_PROD["AZURE_STORAGE_URL"]}"\ncontainer = "archive"\n'
            f'[queue]\npath = "{queue}"\n',
            encoding="utf-8",
        )
        args += ["--config", str(cfg)]
    else:
        env.update(AZURE_PROD, ARCHIVER_QUEUE__PATH=str(queue))
    if via == "secret-typo":
        env.update(GENESYS_CLIENT_ID="prod-client", GENESYS_REGION="eu_west_1", GENESYS_CLIENT_SECRT="s3cr3t")
    res = subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == EXIT_CONFIG, res.stderr
    assert "GENESYS_CLIENT_SECRET" in res.stderr and "s3cr3t" not in res.stderr
    assert "EMBEDDED" not in res.stderr and "SIMULATOR" not in res.stderr
    assert queue_digest(queue) == before
    assert not (tmp_path / "archive").exists()


# ---- hazard 2: embedded mode never deletes a file it did not create -------------------------------------


@pytest.mark.slow
async def test_embedded_run_leaves_the_configured_queue_file_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpu_pool: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # the embedded defaults are relative: ./archive, ./state
    configured = tmp_path / "prod" / "archiver.sqlite3"
    old_default = (
        tmp_path / "state" / "embedded-sim.sqlite3"
    )  # where an earlier version kept (and deleted) it
    before = production_queue(configured), production_queue(old_default)
    env = {
        "ARCHIVER_QUEUE__PATH": str(configured),
        "ARCHIVER_SIMULATOR__CONVERSATIONS_PER_MIN": "600",
        "ARCHIVER_METRICS__PORT": "0",
    }
    config = load_config(env=env)
    assert config.embedded
    archived: list[str] = []
    seen: dict[str, Any] = {}

    async def ready(c: Any, worker: Any) -> None:
        seen["queue"] = Path(c.config.queue.path)

    async def enough() -> bool:
        return len(archived) >= 3

    status = await asyncio.wait_for(
        serve(
            config,
            RunOptions(
                on_ready=ready,
                on_archived=lambda cid, result: archived.append(cid),
                stop_when=enough,
                progress_every_s=60.0,
            ),
            pool=cpu_pool,
        ),
        timeout=90,
    )
    assert status == 0 and len(archived) >= 3
    assert (queue_digest(configured), queue_digest(old_default)) == before
    # Its own queue lived in a directory it created, and that directory is gone.
    private = seen["queue"]
    assert private != configured and private.parent.name.startswith("archiver-embedded-")
    assert not private.parent.exists()
    assert len(list((tmp_path / "archive").rglob("*.json.gz"))) >= 3


# ---- hazard 3: simulated conversations never reach a non-loopback store ---------------------------------

NOT_LOOPBACK = [
    {"AZURE_STORAGE_URL": "https://acct.blob.core.windows.net", "AZURE_CONTAINER_NAME": "archive"},
    {
        "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;"
        "EndpointSuffix=core.windows.net",
        "AZURE_CONTAINER_NAME": "archive",
    },
    {
        "AZURE_STORAGE_CONNECTION_STRING": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;"
        "BlobEndpoint=https://acct.blob.core.windows.net/",
        "AZURE_CONTAINER_NAME": "archive",
    },
]


@pytest.mark.parametrize("store", NOT_LOOPBACK, ids=["url", "account-name", "blob-endpoint"])
async def test_simulator_refuses_a_non_loopback_store(
    tmp_path: Path, store: dict[str, str], sim: Simulator
) -> None:
    env = sim_worker_env(sim, tmp_path, ARCHIVER_SINK__KIND="azure", **store)
    config = load_config(env=env)
    with pytest.raises(ConfigError) as info:
        await serve(config, simulator=sim)
    assert info.value.key.startswith("sink.azure.") and "not a loopback host" in str(info.value)
    assert "AccountKey" not in str(info.value) and "a2V5" not in str(info.value)


def test_loopback_stores_are_allowed_for_the_simulator() -> None:
    azurite = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
        "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1"
    )
    stores = [
        {"AZURE_STORAGE_CONNECTION_STRING": azurite, "ARCHIVER_QUEUE__KIND": "azure"},
        {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"},
        {"AZURE_STORAGE_URL": "http://localhost:10000/devstoreaccount1"},
    ]
    for store in stores:
        check_store(load_config(env={**store, "AZURE_CONTAINER_NAME": "archive"}))
    queue_elsewhere = {
        "AZURE_STORAGE_URL": "http://127.0.0.1:10000/devstoreaccount1",
        "ARCHIVER_QUEUE__KIND": "azure",
        "ARCHIVER_QUEUE__AZURE__URL": "https://acct.queue.core.windows.net",
    }
    with pytest.raises(ConfigError, match=r"queue\.azure\.url"):
        check_store(load_config(env={**queue_elsewhere, "AZURE_CONTAINER_NAME": "archive"}))
