"""The commands as a user runs them: `archiver demo`, `archiver run` (embedded mode), `get`, `backfill`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.audit import list_local_names
from archiver.backfill import BackfillSettings
from archiver.commands.backfill import backfill
from archiver.sim import Simulator
from tests.e2e.conftest import make_config

pytestmark = pytest.mark.timeout(120)


# The package from this checkout, whatever the cwd (an editable install may resolve differently).
REPO = str(Path(__file__).resolve().parents[2])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))}
    env.update({"ARCHIVER_METRICS__PORT": "0", "ARCHIVER_WORKER__POOL_PROCESSES": "1"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def archiver(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_demo_archives_n_and_exits_zero_then_get_verifies(tmp_path: Path) -> None:
    out = tmp_path / "demo-archive"
    res = archiver("demo", "--conversations", "40", "--dir", str(out), env=clean_env(), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    assert "summary (OK)" in res.stdout
    assert "PII found in archives" in res.stdout and "duplicates" in res.stdout
    names = list_local_names(out)
    assert len(names) == 40

    cid = names[0].rsplit("/", 1)[1].removesuffix(".json.gz")
    env = clean_env(ARCHIVER_SINK__KIND="local", ARCHIVER_SINK__LOCAL__DIR=str(out))
    got = archiver("get", cid, env=env, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert f'"conversationId": "{cid}"' in got.stdout
    assert "(verified)" in got.stderr and "not WORM" in got.stderr

    # Tampering is detected: the digest recorded at upload no longer matches.
    path = out / names[0]
    path.chmod(0o644)
    from isal import igzip

    raw = igzip.decompress(path.read_bytes()).replace(b'"schema"', b'"schema" ', 1)
    path.write_bytes(igzip.compress(raw))
    bad = archiver("get", cid, env=env, cwd=tmp_path)
    assert bad.returncode == 7 and "sha256" in bad.stderr


@pytest.mark.slow
def test_run_without_credentials_starts_simulator_and_archives(tmp_path: Path) -> None:
    env = clean_env(ARCHIVER_SIMULATOR__CONVERSATIONS_PER_MIN="240")
    log = (tmp_path / "run.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "archiver", "run"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "archive").exists() or not list_local_names(tmp_path / "archive"):
            assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group, pool included
        assert proc.wait(timeout=30) == 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the pool's processes too, if the worker did not stop
        proc.wait()
        log.close()
    text = (tmp_path / "run.log").read_text()
    assert "EMBEDDED MODE" in text and "SIMULATOR" in text and "LOCAL directory" in text
    assert "shutdown_done" in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text


async def test_backfill_command_archives_history_and_is_resumable(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await sim.generate(25)
    await sim.generate(3, kind="open")
    config = make_config(sim, tmp_path, ARCHIVER_WRITEBACK__MODE="participant-attributes")  # checked below
    since = datetime.now(UTC) - timedelta(hours=1)
    until = datetime.now(UTC) + timedelta(minutes=1)
    settings = BackfillSettings(chunk_s=1800.0, poll_s=0.05)
    assert await backfill(config, since, until, settings, pool=cpu_pool) == 0
    err = capsys.readouterr().err
    assert "found 25" in err and "backfill complete" in err and "archived 25" in err
    assert "ETA" in err
    # The per-day enqueue bar reaches 100 %; the summary adds up to the archiving bar's last count.
    enqueue = [line for line in err.splitlines() if line.startswith("enqueue ")]
    assert enqueue and "(100%)" in enqueue[-1] and "3/3" in enqueue[-1]
    bar = [line for line in err.splitlines() if line.startswith("archiving [")][-1]
    done, total = re.search(r"\] (\d+)/(\d+) ", bar).groups()  # type: ignore[union-attr]
    summary = re.search(r"complete: (\d+)/(\d+) finished = (.*); remaining 0", err)
    assert summary is not None, err
    assert summary.group(1, 2) == (done, total) == ("25", "25")
    assert sum(int(n) for n in re.findall(r"(\d+)", summary.group(3))) == 25
    assert len(list_local_names(tmp_path / "archive")) == 25
    # Again (and without the same `until`: now later): nothing new to enqueue or archive.
    later = until + timedelta(minutes=5)
    assert await backfill(config, since, later, settings, pool=cpu_pool) == 0
    assert "archived 0" in capsys.readouterr().err
    for cid in ids:
        assert "archiveUri" in sim.attributes(cid)[sim.truth(cid).customer_participant_id]


@pytest.mark.slow
async def test_get_verifies_worm_policy_from_azure(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, worm_proxy: Any, azure_container: str
) -> None:
    from archiver.assemble import Components

    azure = {
        "ARCHIVER_SINK__KIND": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": worm_proxy.connection_string,
        "AZURE_CONTAINER_NAME": azure_container,
        "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "1",
    }
    config = make_config(sim, tmp_path, **azure)
    [cid] = await sim.generate(1)
    async with Components(config, pool=cpu_pool) as c:
        await c.queue.enqueue(cid, source="test")
        [lease] = await c.queue.lease("t", 60.0)
        assert await c.pipeline().process(lease) == "archived"
    env = clean_env(**azure)
    ok = await asyncio.to_thread(archiver, "get", cid, env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "mode Unlocked" in ok.stderr and "enforced by store: True" in ok.stderr
    assert f'"conversationId": "{cid}"' in ok.stdout
    locked = await asyncio.to_thread(archiver, "get", cid, "--require-locked", env=env, cwd=tmp_path)
    assert locked.returncode == 7 and "Unlocked" in locked.stderr
    gone = str(uuid.uuid4())
    missing = await asyncio.to_thread(archiver, "get", gone, env=env, cwd=tmp_path)
    assert missing.returncode == 8 and gone in missing.stderr
