"""SqliteQueue on real SQLite files: idempotence, exclusive leases, expiry, backoff, dead letters, stages."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archiver.errors import QueueError
from archiver.queue import STATES, SqliteQueue


@pytest.fixture
async def q(tmp_path: Path) -> AsyncIterator[SqliteQueue]:
    queue = SqliteQueue(
        tmp_path / "state" / "q.sqlite3", max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05
    )
    await queue.start()
    yield queue
    await queue.close()


async def test_leases_strictly_in_due_order(q: SqliteQueue) -> None:
    # Idempotent enqueueing in every state is the contract's (test_contract.py); the order is SQLite's own
    # promise (the Azure queue only delivers roughly oldest first).
    now = time.time()
    for cid, due in (("late", now - 1), ("early", now - 3), ("middle", now - 2)):
        assert await q.enqueue(cid, source="listener", not_before=due) is True
    leased = [(await q.lease("w1", 30))[0].conversation_id for _ in range(3)]
    assert leased == ["early", "middle", "late"]


async def test_enqueue_not_before_delays_the_item(q: SqliteQueue) -> None:
    await q.enqueue("later", source="t", not_before=time.time() + 60)
    await q.enqueue("now", source="t")
    leases = await q.lease("w", 30, limit=10)
    assert [le.conversation_id for le in leases] == ["now"]


async def test_enqueue_rejects_bad_ids(q: SqliteQueue) -> None:
    for bad in ["", "a\nb", "x" * 129, "a/b", "../x", "a..b", ".hidden"]:
        with pytest.raises(ValueError):
            await q.enqueue(bad, source="t")
    assert await q.enqueue_many([], source="t") == 0


async def test_leases_are_exclusive_across_two_queue_objects(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    q1, q2 = SqliteQueue(path), SqliteQueue(path)
    await q1.start()
    await q2.start()
    try:
        await q1.enqueue_many((f"c{i}" for i in range(400)), source="t")

        async def drain(queue: SqliteQueue, owner: str) -> list[str]:
            got: list[str] = []
            while leases := await queue.lease(owner, 60, limit=7):
                got += [le.conversation_id for le in leases]
            return got

        a, b = await asyncio.gather(drain(q1, "one"), drain(q2, "two"))
        assert not set(a) & set(b)
        assert sorted(a + b) == sorted(f"c{i}" for i in range(400))
        assert len(a) + len(b) == 400
        assert (await q2.counts())["leased"] == 400
    finally:
        await q1.close()
        await q2.close()


async def test_expired_lease_is_released_to_another_worker(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    [first] = await q.lease("crashed", 0.05)
    assert first.attempts == 1
    assert await q.lease("other", 30) == []  # still held
    await asyncio.sleep(0.1)
    [second] = await q.lease("other", 30)
    assert second.conversation_id == "a" and second.attempts == 2
    assert second.token != first.token
    assert second.first_leased_at == first.first_leased_at  # archivedAt stays stable across attempts
    # The crashed worker's late outcome cannot clobber the new holder's lease.
    assert await q.retry(first, error="late", cause="x") == "leased"
    await q.release(first)
    assert (await q.get("a")).state == "leased"  # type: ignore[union-attr]
    assert await q.extend(first, 30) is False
    assert await q.extend(second, 30) is True


async def test_lease_that_expires_max_attempts_times_goes_dead(q: SqliteQueue) -> None:
    await q.enqueue("poison", source="t")
    for attempt in range(1, 4):
        [le] = await q.lease("w", 0.01)
        assert le.attempts == attempt
        await asyncio.sleep(0.03)
    assert await q.lease("w", 30) == []
    item = await q.get("poison")
    assert item is not None and item.state == "dead" and item.last_cause == "lease_expired"
    assert "3 attempts" in (item.last_error or "")


async def test_retry_backs_off_then_goes_dead_with_last_error(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    states = []
    for attempt in range(1, 4):
        leases: list = []
        deadline = time.monotonic() + 5
        while not leases and time.monotonic() < deadline:
            leases = await q.lease("w", 30)
            if not leases:
                await asyncio.sleep(0.01)
        [le] = leases
        assert le.attempts == attempt
        states.append(await q.retry(le, error=f"cannot fetch: boom {attempt}", cause="5xx"))
    assert states == ["retry", "retry", "dead"]
    item = await q.get("a")
    assert item is not None and item.state == "dead"
    assert item.last_error is not None and "boom 3" in item.last_error and "3 attempts" in item.last_error
    assert item.last_cause == "5xx"


async def test_retry_delay_and_not_counted_attempts(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    [le] = await q.lease("w", 30)
    assert await q.retry(le, error="not ended", cause="not_ready", delay_s=60, count_attempt=False) == "retry"
    item = await q.get("a")
    assert item is not None and item.attempts == 0 and item.next_at is not None
    assert item.next_at >= time.time() + 59
    assert await q.lease("w", 30) == []


async def test_release_returns_to_pending_without_counting(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    [le] = await q.lease("w", 30)
    await q.release(le)
    [again] = await q.lease("w", 30)
    assert again.attempts == 1


async def test_dead_keeps_error_single_line_and_bounded(q: SqliteQueue) -> None:
    await q.enqueue("gone", source="t")
    [le] = await q.lease("w", 30)
    await q.dead(le, error="cannot fetch conversation gone: 404\n" + "x" * 5000, cause="not_found")
    item = await q.get("gone")
    assert item is not None and item.state == "dead" and item.last_cause == "not_found"
    assert item.last_error is not None and "\n" not in item.last_error and len(item.last_error) <= 500
    assert [i.conversation_id for i in await q.items("dead")] == ["gone"]
    assert await q.enqueue("gone", source="reconciler") is False


async def test_stage_survives_retry_and_done(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    assert await q.stage("a") is None and await q.stage("unknown") is None
    [le] = await q.lease("w", 30)
    await q.set_stage(le, "uploaded", uri="https://acct/c/a.json.gz", sha256="1" * 64)
    await q.retry(le, error="cannot write back: 503", cause="writeback", delay_s=0)
    [le2] = await q.lease("w", 30)
    st = await q.stage("a")
    assert st is not None and (st.stage, st.uri, st.sha256) == (
        "uploaded",
        "https://acct/c/a.json.gz",
        "1" * 64,
    )
    await q.done(le2, uri=st.uri, sha256=st.sha256)
    await q.set_stage(le2, "uploaded", uri="other", sha256="2" * 64)  # never downgrades a done item
    st = await q.stage("a")
    assert st is not None and st.stage == "done" and st.uri == "https://acct/c/a.json.gz"


async def test_watermarks_persist_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "w.sqlite3"
    q1 = SqliteQueue(path)
    await q1.start()
    assert await q1.get_watermark("reconciler") is None
    mark = datetime(2026, 11, 27, 23, 59, 1, 123000, tzinfo=timezone(timedelta(hours=2)))
    await q1.set_watermark("reconciler", mark)
    await q1.set_watermark("reconciler", mark + timedelta(minutes=5))
    with pytest.raises(ValueError):
        await q1.set_watermark("reconciler", datetime(2026, 1, 1))
    await q1.close()
    q2 = SqliteQueue(path)
    await q2.start()
    got = await q2.get_watermark("reconciler")
    assert got == mark + timedelta(minutes=5) and got.tzinfo == UTC
    await q2.close()


async def test_counts_has_every_state(q: SqliteQueue) -> None:
    assert await q.counts() == dict.fromkeys(STATES, 0)


async def test_closed_queue_raises(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "c.sqlite3")
    await queue.start()
    await queue.close()
    await queue.close()
    with pytest.raises(QueueError, match="closed"):
        await queue.enqueue("a", source="t")


async def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(QueueError, match=r"cannot open work queue .*not a valid SQLite database"):
        await SqliteQueue(path).start()


async def test_truncated_queue_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite3"
    queue = SqliteQueue(path)
    await queue.start()
    await queue.enqueue_many((f"c{i}" for i in range(5000)), source="t")
    await queue.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * 4000 + data[4100:])
    with pytest.raises(QueueError, match="cannot open work queue"):
        await SqliteQueue(path).start()


def _execute(path: Path, sql: str) -> None:
    """One statement on the file, committed, as another program would write it."""
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "sql",
    ["CREATE TABLE users (id INTEGER)", "PRAGMA application_id=1234"],
    ids=["tables-but-no-application-id", "another-application-id"],
)
async def test_foreign_sqlite_file_is_refused(tmp_path: Path, sql: str) -> None:
    path = tmp_path / "foreign.sqlite3"
    _execute(path, sql)
    with pytest.raises(QueueError, match="another application"):
        await SqliteQueue(path).start()


async def test_future_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite3"
    queue = SqliteQueue(path)
    await queue.start()
    await queue.close()
    _execute(path, "INSERT INTO schema_version VALUES (2, 0)")
    with pytest.raises(QueueError, match="schema version 2 is not supported"):
        await SqliteQueue(path).start()


async def test_cancelled_lease_call_hands_rows_back(q: SqliteQueue) -> None:
    await q.enqueue_many((f"c{i}" for i in range(50)), source="t")
    task = asyncio.create_task(q.lease("w", 600, limit=50))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        counts = await q.counts()
        if counts["leased"] == 0:
            break
        await asyncio.sleep(0.01)
    assert counts["leased"] == 0 and counts["pending"] == 50


async def test_backlog_of_100k_ids_enqueues_and_leases_through_the_index(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "big.sqlite3")
    await queue.start()
    try:
        ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(100_000)]
        t0 = time.perf_counter()
        assert await queue.enqueue_many(ids, source="backfill") == 100_000
        t1 = time.perf_counter()
        leased = 0
        for _ in range(50):
            leases = await queue.lease("w", 60, limit=10)
            for le in leases:
                await queue.done(le, uri="u", sha256="0" * 64)
            leased += len(leases)
        t2 = time.perf_counter()
        assert leased == 500
        assert (await queue.counts())["pending"] == 99_500
        # No timing asserts (shared CPU); the plan is what keeps it fast — check it really uses the index.
        conn = sqlite3.connect(queue.path)
        plan = " ".join(
            str(r[3])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT conversation_id FROM items INDEXED BY items_due"
                " WHERE state IN ('pending', 'retry', 'leased') AND next_at <= 0 ORDER BY next_at LIMIT 10"
            )
        )
        conn.close()
        assert "items_due" in plan and "TEMP B-TREE" not in plan
        print(f"enqueue 100k: {t1 - t0:.2f}s; 50 lease+done rounds: {t2 - t1:.2f}s")
    finally:
        await queue.close()


async def test_late_retry_at_max_attempts_does_not_kill_a_re_leased_item(q: SqliteQueue) -> None:
    await q.enqueue("a", source="t")
    for _ in range(2):
        [le] = await q.lease("w", 30)
        await q.retry(le, error="boom", cause="5xx", delay_s=0)
    [third] = await q.lease("slow", 0.01)  # attempt 3 of 3; its lease then expires
    assert third.attempts == 3
    await asyncio.sleep(0.03)
    assert await q.lease("w", 30) == []  # expired on the last attempt: dead, not leased again
    item = await q.get("a")
    assert item is not None and item.state == "dead"
    assert await q.retry(third, error="late", cause="5xx") == "dead"  # reports the real state
    await q.enqueue("b", source="t")
    [b1] = await q.lease("w", 30)
    await q.retry(b1, error="x", cause="5xx", delay_s=0)
    [b2] = await q.lease("w", 30)
    await q.release(b2)
    [b2] = await q.lease("w", 30)
    await q.retry(b2, error="x", cause="5xx", delay_s=0)
    [_b3] = await q.lease("w", 0.01)
    await asyncio.sleep(0.03)
    # b3 expired at attempt 3 and was dead-lettered at the next lease call; a late retry of b1 is a no-op.
    assert await q.lease("w", 30) == []
    assert await q.retry(b1, error="stale", cause="5xx") == "dead"
