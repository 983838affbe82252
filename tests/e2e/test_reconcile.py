"""Reconciler and backfill intake against the simulator's analytics (query and jobs), real SQLite queue."""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archiver.backfill import BackfillSettings, ProgressBar, enqueue_range, watermark_key
from archiver.genesys import GenesysClient, GenesysSettings
from archiver.metrics import Metrics
from archiver.queue import SqliteQueue
from archiver.reconcile import WATERMARK, Reconciler, ReconcileSettings
from archiver.sim import Simulator

pytestmark = pytest.mark.timeout(60)

FAST = ReconcileSettings(interval_s=30.0, settle_s=0.0, overlap_s=60.0, initial_lookback_s=600.0)


def client_for(sim: Simulator) -> GenesysClient:
    return GenesysClient(
        GenesysSettings(
            client_id=sim.config.client_id,
            client_secret=sim.config.client_secret,
            base_url=sim.base_url,
            rate_limit_per_min=100_000,
        )
    )


async def test_sweep_enqueues_ended_webmessaging_only_and_persists_watermark(
    sim: Simulator, tmp_path: Path
) -> None:
    web = await sim.generate(5)
    bots = await sim.generate(2, kind="bot")
    await sim.generate(2, kind="open")
    await sim.generate(2, kind="sms")
    await sim.generate(1, end=False)
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    client = client_for(sim)
    await client.start()
    try:
        rec = Reconciler(client, queue, Metrics(), FAST)
        assert await rec.sweep() == 7
        items = {i.conversation_id for i in await queue.items("pending", limit=100)}
        assert items == set(web) | set(bots)
        mark = await queue.get_watermark(WATERMARK)
        assert mark is not None and abs((datetime.now(UTC) - mark).total_seconds()) < 5
        assert await rec.sweep() == 0  # idempotent
        # A restarted reconciler continues from the persisted watermark.
        later = await sim.generate(3)
        await asyncio.sleep(0.05)
        again = Reconciler(client, queue, Metrics(), FAST)
        assert await again.sweep() == 3
        assert set(later) <= {i.conversation_id for i in await queue.items("pending", limit=100)}
    finally:
        await client.close()
        await queue.close()


async def test_gap_triggers_an_immediate_sweep(sim: Simulator, tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    client = client_for(sim)
    await client.start()
    metrics = Metrics()
    rec = Reconciler(client, queue, metrics, FAST)
    task = asyncio.create_task(rec.run())
    try:
        deadline = time.monotonic() + 10
        while rec.sweeps < 1 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        ids = await sim.generate(2)
        await asyncio.sleep(0.05)
        await rec.on_gap(object())
        while rec.sweeps < 2 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        assert rec.sweeps >= 2  # well before the 30 s interval
        assert {i.conversation_id for i in await queue.items("pending", limit=100)} >= set(ids)
        assert b'archiver_reconcile_runs_total{trigger="gap"} 1.0' in metrics.render()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
        await queue.close()


async def test_backfill_enqueues_range_via_jobs_and_resumes(sim: Simulator, tmp_path: Path) -> None:
    web = await sim.generate(6)
    bots = await sim.generate(1, kind="bot")
    await sim.generate(2, kind="sms")
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    client = client_for(sim)
    await client.start()
    since = datetime.now(UTC) - timedelta(hours=2)
    until = datetime.now(UTC) + timedelta(minutes=1)
    settings = BackfillSettings(chunk_s=3600.0, poll_s=0.05)
    try:
        found, new = await enqueue_range(client, queue, since, until, settings=settings)
        assert (found, new) == (7, 7)
        assert {i.conversation_id for i in await queue.items("pending", limit=100)} == set(web) | set(bots)
        assert await queue.get_watermark(watermark_key(since, until)) == until
        # Run again: every chunk is already enqueued, nothing is submitted.
        sim.reset_call_counts()
        assert await enqueue_range(client, queue, since, until, settings=settings) == (0, 0)
        assert not any("jobs" in k and k.startswith("POST") for k in sim.call_counts())
    finally:
        await client.close()
        await queue.close()


def test_progress_bar_shows_counts_rate_and_eta() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar.update(done=0, total=100)
    time.sleep(0.05)
    bar.update(done=40, total=100, failed=1, dead=2)
    line = out.getvalue().splitlines()[-1]
    assert "40/100" in line and "(40%)" in line and "dead=2" in line and "conv/s" in line
    assert "ETA" in line and "ETA --" not in line
