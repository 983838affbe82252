"""Crash safety: `archiver run` as a subprocess against a simulator, SIGKILLed mid-run and restarted.

Every conversation must end up archived exactly once with its write-back, including those that ended
while the worker was dead (only the reconciler can find them). A final SIGTERM must shut down cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from archiver.audit import audit, list_local_names
from archiver.config import LocalSinkConfig
from archiver.sim import Simulator
from archiver.sinks import LocalSink
from tests.support import sim_worker_env

# The package from this checkout, whatever the cwd (an editable install may resolve differently).
REPO = str(Path(__file__).resolve().parents[2])


def worker_env(sim: Simulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))}
    suite = {
        "ARCHIVER_QUEUE__LEASE_S": "3",
        "ARCHIVER_WORKER__RECONCILE_INTERVAL_S": "1",
        "ARCHIVER_WORKER__RECONCILE_LAG_S": "0.5",
        "ARCHIVER_WORKER__RECONCILE_OVERLAP_S": "300",
        "ARCHIVER_WRITEBACK__MODE": "participant-attributes",  # the write-back the crash tests wait for
    }
    env.update(sim_worker_env(sim, tmp_path, **(suite | extra)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    return env


@contextlib.asynccontextmanager
async def worker_process(env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m archiver run`; killed on the way out if the test left it running."""
    with log.open("ab") as out:
        # Own process group: a SIGKILL of the group takes the worker's pool processes down with it, as a
        # VM or container crash would (and leaves no strays behind).
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "archiver", "run", env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


async def wait_for(predicate: Any, timeout_s: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]  # noqa: ASYNC240 - failure path only
            raise AssertionError(f"timed out waiting for {what}; worker log tail:\n{tail}")
        await asyncio.sleep(0.1)


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_sigkill_mid_run_then_restart_archives_everything_exactly_once(
    sim: Simulator, tmp_path: Path
) -> None:
    env = worker_env(sim, tmp_path)
    log = tmp_path / "worker.log"
    archive = tmp_path / "archive"
    expected = await sim.generate(60)

    def archived() -> int:
        return len(list_local_names(archive)) if archive.exists() else 0

    async with worker_process(env, log) as proc:
        await wait_for(lambda: archived() >= 10, 60, "first archives", log)
        expected += await sim.generate(60)  # keep work in flight when the kill lands
        await asyncio.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        assert await proc.wait() == -signal.SIGKILL
    killed_at = archived()
    assert killed_at < len(expected), "the kill landed after everything was archived; nothing was tested"

    # Conversations that end while no worker runs: no listener saw them, the reconciler must.
    expected += await sim.generate(30)
    expected += await sim.generate(5, kind="bot")
    decoys = await sim.generate(5, kind="open")

    async with worker_process(env, log) as proc:
        cust = {cid: sim.truth(cid).customer_participant_id for cid in expected}

        def complete() -> bool:
            if archived() < len(expected):
                return False
            return all("archiveUri" in sim.attributes(cid).get(cust[cid], {}) for cid in expected)

        await wait_for(complete, 90, "every conversation archived and written back", log)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0, log.read_text(errors="replace")[-3000:]

    sink = LocalSink(LocalSinkConfig(dir=str(archive)))
    await sink.start()
    report = await audit(
        sink,
        list_local_names(archive),
        [sim.truth(cid) for cid in expected],
        excluded_truths=[sim.truth(cid) for cid in decoys],
        attributes=sim.attributes,
    )
    await sink.close()
    assert report.ok, report.summary()
    assert report.archived == len(expected) == 155
    text = log.read_text(errors="replace")
    assert "shutdown_done" in text
    assert sim.config.client_secret not in text
    for cid in expected:  # logs carry ids and counts, never message text
        truth = sim.truth(cid)
        assert not [v for v in truth.planted_pii if v in text]
        assert not [t for _, t in truth.messages if len(t) > 12 and t in text]
