"""Reconciler and backfill intake against the simulator's analytics (query and jobs), real SQLite queue."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from archiver.backfill import BackfillSettings, ProgressBar, enqueue_range, watermark_key
from archiver.genesys import GenesysClient, GenesysSettings
from archiver.metrics import Metrics
from archiver.queue import SqliteQueue
from archiver.reconcile import WATERMARK, Reconciler, ReconcileSettings
from archiver.secret import Secret
from archiver.sim import Simulator

pytestmark = pytest.mark.timeout(60)

FAST = ReconcileSettings(interval_s=30.0, settle_s=0.0, overlap_s=60.0, initial_lookback_s=600.0)


DAY = 86400.0


def ended_at(sim: Simulator, cid: str) -> datetime:
    return datetime.fromisoformat(sim.truth(cid).end_time or "")


def ends_newest_first(sim: Simulator, ids: list[str]) -> list[datetime]:
    return sorted((ended_at(sim, c) for c in ids), reverse=True)


def paging_reconciler(
    client: GenesysClient, queue: SqliteQueue, metrics: Metrics, settings: ReconcileSettings
) -> Reconciler:
    """A reconciler whose clock runs a second ahead: with `settle_s=0` its window `[…, now)` still holds every
    conversation generated so far, however soon after the test sweeps."""
    return Reconciler(client, queue, metrics, settings, clock=lambda: time.time() + 1.0)


async def pending_ids(queue: SqliteQueue) -> set[str]:
    return {i.conversation_id for i in await queue.items("pending", limit=1000)}


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[SqliteQueue]:
    """The SQLite queue the reconciler and backfill enqueue into."""
    q = SqliteQueue(tmp_path / "q.sqlite3")
    try:
        yield q
    finally:
        await q.close()


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[GenesysClient]:
    """A started client for `sim`, with a rate budget that never throttles a test."""
    c = GenesysClient(
        GenesysSettings(
            client_id=sim.config.client_id,
            client_secret=Secret(sim.config.client_secret),
            base_url=sim.base_url,
            rate_limit_per_min=100_000,
        )
    )
    await c.start()
    try:
        yield c
    finally:
        await c.close()


async def test_sweep_enqueues_ended_webmessaging_only_and_persists_watermark(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    web = await sim.generate(5)
    bots = await sim.generate(2, kind="bot")
    await sim.generate(2, kind="open")
    await sim.generate(2, kind="sms")
    await sim.generate(1, end=False)
    rec = Reconciler(client, queue, Metrics(), FAST)
    assert await rec.sweep() == 7
    assert await pending_ids(queue) == set(web) | set(bots)
    mark = await queue.get_watermark(WATERMARK)
    assert mark is not None and abs((datetime.now(UTC) - mark).total_seconds()) < 5
    assert await rec.sweep() == 0  # idempotent
    # A restarted reconciler continues from the persisted watermark.
    later = await sim.generate(3)
    await asyncio.sleep(0.05)
    again = Reconciler(client, queue, Metrics(), FAST)
    assert await again.sweep() == 3
    assert set(later) <= await pending_ids(queue)


async def test_gap_triggers_an_immediate_sweep(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
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
        assert await pending_ids(queue) >= set(ids)
        assert b'archiver_reconcile_runs_total{trigger="gap"} 1.0' in metrics.render()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_backfill_enqueues_range_via_jobs_and_resumes(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    web = await sim.generate(6)
    bots = await sim.generate(1, kind="bot")
    await sim.generate(2, kind="sms")
    since = datetime.now(UTC) - timedelta(hours=2)
    until = datetime.now(UTC) + timedelta(minutes=1)
    settings = BackfillSettings(chunk_s=3600.0, poll_s=0.05)
    found, new = await enqueue_range(client, queue, since, until, settings=settings)
    assert (found, new) == (7, 7)
    assert await pending_ids(queue) == set(web) | set(bots)
    assert await queue.get_watermark(watermark_key(since)) == until
    # Run again: every chunk is already enqueued, nothing is submitted.
    sim.reset_call_counts()
    assert await enqueue_range(client, queue, since, until, settings=settings) == (0, 0)
    assert not any("jobs" in k and k.startswith("POST") for k in sim.call_counts())
    # Run again without --until (until = now, later than before): only the new stretch is queried.
    later = until + timedelta(minutes=90)
    assert await enqueue_range(client, queue, since, later, settings=settings) == (0, 0)
    jobs = sum(n for k, n in sim.call_counts().items() if "jobs" in k and k.startswith("POST"))
    assert jobs == 2  # [until, until + 1 h) and [until + 1 h, later): not the 2 h already done
    assert await queue.get_watermark(watermark_key(since)) == later


def test_progress_bar_shows_counts_rate_and_eta() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar.update(done=0, total=100)
    time.sleep(0.05)
    bar.update(done=40, total=100, failed=1, dead=2)
    line = out.getvalue().splitlines()[-1]
    assert "40/100" in line and "(40%)" in line and "dead=2" in line and "conv/s" in line
    assert "ETA" in line and "ETA --" not in line


async def test_a_thread_opened_20_days_ago_that_the_listener_missed_is_found_by_the_next_sweep(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    # The analytics query selects by conversation START: a 3-day window never saw this one.
    (old,) = await sim.generate(1, open_for_s=20 * DAY)
    truth = sim.truth(old)
    started = datetime.fromisoformat(truth.start_time)
    assert ended_at(sim, old) - started > timedelta(days=19, hours=23)
    # A reconciler that has been running: its watermark is a minute old.
    await queue.set_watermark(WATERMARK, datetime.now(UTC) - timedelta(minutes=1))
    rec = Reconciler(client, queue, Metrics(), FAST)
    assert await rec.sweep() == 1
    assert await pending_ids(queue) == {old}


async def test_a_sweep_stops_paging_below_its_window(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    ids = await sim.generate(10)
    ends = ends_newest_first(sim, ids)
    metrics = Metrics()
    await queue.set_watermark(WATERMARK, ends[2])
    settings = ReconcileSettings(settle_s=0.0, overlap_s=0.0, page_size=2)
    rec = paging_reconciler(client, queue, metrics, settings)
    assert await rec.sweep() == 3
    assert await pending_ids(queue) == {c for c in ids if ended_at(sim, c) >= ends[2]}
    # newest first, 2 a page: the second page already reaches below the window — 2 of 5 pages read
    assert b"archiver_reconcile_pages_sum 2.0" in metrics.render()
    assert b"archiver_reconcile_page_cap_hits_total 0.0" in metrics.render()


async def test_a_sweep_that_hits_the_page_cap_warns_and_keeps_the_watermark(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await sim.generate(7)
    ends = ends_newest_first(sim, ids)
    metrics = Metrics()
    mark = ends[-1] - timedelta(seconds=1)
    await queue.set_watermark(WATERMARK, mark)
    capped = ReconcileSettings(settle_s=0.0, overlap_s=0.0, page_size=2, max_pages=2)
    rec = paging_reconciler(client, queue, metrics, capped)
    assert await rec.sweep() == 4  # the 4 newest: 2 pages of 2
    assert await pending_ids(queue) == {c for c in ids if ended_at(sim, c) >= ends[3]}
    assert await queue.get_watermark(WATERMARK) == mark  # the 3 oldest were not seen
    assert "reconcile_page_cap_hit" in caplog.text
    assert b"archiver_reconcile_page_cap_hits_total 1.0" in metrics.render()
    assert b"archiver_reconcile_pages_sum 2.0" in metrics.render()
    # A sweep with room for the whole window sees the rest and only then moves the watermark.
    roomy = msgspec.structs.replace(capped, max_pages=10)
    rec = paging_reconciler(client, queue, metrics, roomy)
    assert await rec.sweep() == 3
    assert await pending_ids(queue) == set(ids)
    moved = await queue.get_watermark(WATERMARK)
    assert moved is not None and moved > ends[0]


async def test_backfill_selects_by_end_time(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    # Active in the range but closed after --until: left to the range that contains its end.
    late = await sim.create_live("webmessaging")
    # Opened 20 days before --since, closed inside the range: found.
    (old,) = await sim.generate(1, open_for_s=20 * DAY)
    inside = await sim.generate(3)
    ends = {c: ended_at(sim, c) for c in [old, *inside]}
    since = min(ends.values()) - timedelta(minutes=5)
    until = max(ends.values()) + timedelta(milliseconds=1)  # every generated end lies in the past
    await sim.end_conversation(late)  # ends now, after --until
    settings = BackfillSettings(chunk_s=3600.0, poll_s=0.05)
    assert datetime.fromisoformat(sim.truth(old).start_time) < since - timedelta(days=19)
    assert ended_at(sim, late) >= until
    found, new = await enqueue_range(client, queue, since, until, settings=settings)
    assert (found, new) == (4, 4)
    assert await pending_ids(queue) == {old, *inside}


async def test_capped_sweeps_continue_where_the_last_one_stopped(
    sim: Simulator, queue: SqliteQueue, client: GenesysClient
) -> None:
    # A backlog larger than one sweep's page budget (a long outage) is still worked through, sweep by sweep.
    ids = await sim.generate(9)
    ends = ends_newest_first(sim, ids)
    metrics = Metrics()
    mark = ends[-1] - timedelta(seconds=1)
    await queue.set_watermark(WATERMARK, mark)
    capped = ReconcileSettings(settle_s=0.0, overlap_s=0.0, page_size=2, max_pages=3)
    rec = paging_reconciler(client, queue, metrics, capped)
    assert await rec.sweep() == 6  # pages 1-3
    assert await queue.get_watermark(WATERMARK) == mark
    # 1 page for what ended since, then on from page 3 (re-read) to page 4: the next 2
    assert await rec.sweep() == 2
    assert await queue.get_watermark(WATERMARK) == mark
    assert await rec.sweep() == 1  # pages 4-5: the window is complete, the watermark moves
    assert await pending_ids(queue) == set(ids)
    moved = await queue.get_watermark(WATERMARK)
    assert moved is not None and moved > ends[0]
    assert b"archiver_reconcile_page_cap_hits_total 2.0" in metrics.render()
    assert b"archiver_reconcile_pages_sum 9.0" in metrics.render()  # 3 + (1 + 2) + (1 + 2)
