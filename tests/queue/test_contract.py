"""The WorkQueue contract, run against every implementation: SQLite (one VM) and Azure (Azurite, many VMs).

Each test gets `make()`, which opens another queue object on the same store — a second process on the
SQLite file, a second VM on the Azure queue — so exclusivity and crash recovery are tested across objects.
Timings use 1 s leases because Azure visibility timeouts are whole seconds.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import pytest

from archiver.errors import QueueError
from archiver.queue import STATES, Lease, QueueItem, SqliteQueue, State, WorkQueue
from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import AzureQueueSettings
from archiver.secret import Secret
from archiver.testing.azurite import Azurite

MAX_ATTEMPTS = 3


class Queue(WorkQueue, Protocol):
    """The protocol plus the operator views both implementations offer."""

    async def get(self, conversation_id: str) -> QueueItem | None: ...
    async def items(self, state: State, limit: int = 100) -> list[QueueItem]: ...
    async def revive(self, conversation_ids: Iterable[str] | None = None) -> int: ...
    async def extend(self, lease: Lease, lease_s: float) -> bool: ...
    async def prune_done(self, before: float) -> int: ...


Make = Callable[[], Awaitable[Queue]]


@pytest.fixture(scope="module")
def azurite_q() -> Iterator[Azurite]:
    """Azurite with its queue service, for this module."""
    with Azurite(queue=True) as az:
        yield az


def azure_settings(az: Azurite, **overrides: object) -> AzureQueueSettings:
    """Settings for a fresh queue + state container on Azurite (unique names per call)."""
    base: dict[str, object] = {
        "connection_string": Secret(az.connection_string),
        "queue_name": f"q{uuid.uuid4().hex[:16]}",
        "state_container": f"s{uuid.uuid4().hex[:16]}",
        "max_attempts": MAX_ATTEMPTS,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "counts_cache_s": 0.0,
    }
    base.update(overrides)
    return AzureQueueSettings(**base)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "azure"])
async def make(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Make]:
    """A factory of queue objects sharing one store."""
    opened: list[Queue] = []
    if request.param == "sqlite":
        path = tmp_path / "q.sqlite3"

        def build() -> Queue:
            return SqliteQueue(path, max_attempts=MAX_ATTEMPTS, backoff_base_s=0.01, backoff_max_s=0.05)
    else:
        settings = azure_settings(request.getfixturevalue("azurite_q"))

        def build() -> Queue:
            return AzureQueue(settings)

    async def factory() -> Queue:
        q = build()
        await q.start()
        opened.append(q)
        return q

    yield factory
    for q in opened:
        await q.close()


async def lease_one(q: Queue, owner: str = "w", lease_s: float = 30, within_s: float = 8.0) -> Lease:
    """Poll until one item is leasable (Azure hides retried messages for at least a whole second)."""
    deadline = time.monotonic() + within_s
    while True:
        got = await q.lease(owner, lease_s, 1)
        if got:
            return got[0]
        assert time.monotonic() < deadline, "nothing became leasable"
        await asyncio.sleep(0.1)


async def test_enqueue_is_idempotent_and_done_is_never_reenqueued(make: Make) -> None:
    q = await make()
    assert await q.enqueue("a", source="listener") is True
    assert await q.enqueue("a", source="reconciler") is False
    assert await q.enqueue_many(["a", "b", "c", "b"], source="reconciler") == 2
    leases = await q.lease("w1", 30, limit=3)
    assert sorted(le.conversation_id for le in leases) == ["a", "b", "c"]
    lease = next(le for le in leases if le.conversation_id == "a")
    assert lease.source == "listener" and lease.attempts == 1
    assert await q.enqueue("a", source="listener") is False  # leased
    await q.done(lease, uri="https://x/a.json.gz", sha256="ab" * 32)
    assert await q.enqueue("a", source="listener") is False  # done is never re-enqueued
    assert await q.enqueue_many(["a"], source="backfill") == 0
    item = await q.get("a")
    assert item is not None and item.state == "done" and item.uri == "https://x/a.json.gz"
    assert item.stage == "done" and item.sha256 == "ab" * 32
    assert await q.counts() == {"pending": 0, "leased": 2, "retry": 0, "done": 1, "dead": 0}
    assert await q.lease("w1", 30, limit=5) == []  # nothing else is due, the done one never comes back


async def test_enqueue_rejects_bad_ids(make: Make) -> None:
    q = await make()
    for bad in ["", "a\nb", "x" * 129, "a/b", "../x", "a..b", ".hidden"]:
        with pytest.raises(ValueError):
            await q.enqueue(bad, source="t")
    assert await q.enqueue_many([], source="t") == 0
    assert await q.lease("w", 30, limit=0) == []


async def test_not_before_delays_the_item(make: Make) -> None:
    q = await make()
    await q.enqueue("later", source="t", not_before=time.time() + 60)
    await q.enqueue("now", source="t")
    leases = await q.lease("w", 30, limit=10)
    assert [le.conversation_id for le in leases] == ["now"]
    assert await q.lease("w", 30, limit=10) == []
    assert (await q.counts())["pending"] == 1


async def test_two_instances_never_lease_the_same_id(make: Make) -> None:
    q1, q2 = await make(), await make()
    ids = [f"c{i}" for i in range(40)]
    assert await q1.enqueue_many(ids, source="t") == 40

    async def drain(queue: Queue, owner: str) -> list[str]:
        got: list[str] = []
        idle = 0
        while idle < 3:  # Azure receives are not strictly exhaustive under contention: retry a few times
            leases = await queue.lease(owner, 60, limit=4)
            idle = 0 if leases else idle + 1
            got += [le.conversation_id for le in leases]
        return got

    a, b = await asyncio.gather(drain(q1, "one"), drain(q2, "two"))
    assert not set(a) & set(b)
    assert sorted(a + b) == sorted(ids) and len(a) + len(b) == 40
    assert (await q2.counts())["leased"] == 40


async def test_expired_lease_is_redelivered_with_attempts_plus_one(make: Make) -> None:
    crashed, survivor = await make(), await make()
    await crashed.enqueue("x", source="t")
    [first] = await crashed.lease("vm1", 1, 1)
    assert first.attempts == 1
    await crashed.set_stage(first, "uploaded", uri="https://x/x.json.gz", sha256="cd" * 32)
    # vm1 "crashes": it never reports; after the lease expires vm2 gets the item, attempt 2.
    second = await lease_one(survivor, "vm2", lease_s=30)
    assert second.conversation_id == "x" and second.attempts == 2
    assert second.first_leased_at == first.first_leased_at  # archivedAt stays put across crashes
    assert second.token != first.token
    stage = await survivor.stage("x")
    assert stage is not None and stage.stage == "uploaded" and stage.sha256 == "cd" * 32
    # The stale holder wakes up: its outcome must not clobber the new lease.
    assert await crashed.retry(first, error="late", cause="x") == "leased"
    await crashed.release(first)
    item = await survivor.get("x")
    assert item is not None and item.state == "leased" and item.attempts == 2
    await survivor.done(second, uri="https://x/x.json.gz", sha256="cd" * 32)
    assert (await survivor.counts())["done"] == 1


async def test_crash_on_every_attempt_ends_dead(make: Make) -> None:
    q = await make()
    await q.enqueue("poison", source="t")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        lease = await lease_one(q, f"vm{attempt}", lease_s=1)
        assert lease.attempts == attempt
    await asyncio.sleep(1.3)  # the last lease expires too
    assert await q.lease("vm", 1, 5) == []
    item = await q.get("poison")
    assert item is not None and item.state == "dead" and item.last_cause == "lease_expired"
    assert item.last_error is not None and f"{MAX_ATTEMPTS} attempts" in item.last_error


async def test_retry_until_dead_keeps_the_last_error(make: Make) -> None:
    q = await make()
    await q.enqueue("flaky", source="t")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        lease = await lease_one(q)
        assert lease.attempts == attempt
        state = await q.retry(lease, error=f"HTTP 503 on try {attempt}\nsecond line", cause="sink")
        assert state == ("dead" if attempt == MAX_ATTEMPTS else "retry")
    item = await q.get("flaky")
    assert item is not None and item.state == "dead" and item.last_cause == "sink"
    assert item.last_error is not None and "\n" not in item.last_error
    assert f"gave up after {MAX_ATTEMPTS} attempts" in item.last_error
    assert [i.conversation_id for i in await q.items("dead")] == ["flaky"]
    assert await q.lease("w", 30, 5) == []


async def test_retry_delay_and_uncounted_retries(make: Make) -> None:
    q = await make()
    await q.enqueue("slow", source="t")
    lease = await lease_one(q)
    assert (
        await q.retry(lease, error="not ended", cause="not_ready", delay_s=60, count_attempt=False) == "retry"
    )
    assert await q.lease("w", 30, 5) == []  # waits its delay
    item = await q.get("slow")
    assert item is not None and item.state == "retry" and item.attempts == 0
    assert item.next_at is not None and item.next_at >= time.time() + 50
    await q.enqueue("soon", source="t")
    lease = await lease_one(q)
    assert await q.retry(lease, error="202", cause="not_ready", delay_s=0, count_attempt=False) == "retry"
    again = await lease_one(q)
    assert again.conversation_id == "soon" and again.attempts == 1  # waiting is not failing


async def test_release_returns_the_item_at_once_without_counting(make: Make) -> None:
    q, other = await make(), await make()
    await q.enqueue("r", source="t")
    lease = await lease_one(q)
    await q.release(lease)
    again = await lease_one(other, "other")
    assert again.conversation_id == "r" and again.attempts == 1
    assert again.first_leased_at == lease.first_leased_at


async def test_dead_keeps_error_and_revive_keeps_stage(make: Make) -> None:
    q = await make()
    await q.enqueue("d", source="listener")
    lease = await lease_one(q)
    await q.set_stage(lease, "uploaded", uri="https://x/d.json.gz", sha256="ef" * 32)
    await q.dead(lease, error="cannot write back: 403")
    item = await q.get("d")
    assert item is not None and item.state == "dead" and item.last_error == "cannot write back: 403"
    assert await q.enqueue("d", source="reconcile") is False  # dead is known too
    assert await q.revive(["d", "unknown"]) == 1
    again = await lease_one(q)
    assert again.conversation_id == "d" and again.attempts == 1
    stage = await q.stage("d")
    assert stage is not None and stage.stage == "uploaded" and stage.uri == "https://x/d.json.gz"
    await q.done(again, uri=stage.uri, sha256=stage.sha256)
    assert await q.revive() == 0


async def test_stage_is_kept_and_done_is_final(make: Make) -> None:
    q = await make()
    await q.enqueue("s", source="t")
    assert await q.stage("s") is None and await q.stage("missing") is None
    lease = await lease_one(q)
    await q.set_stage(lease, "uploaded", uri="u1", sha256="11" * 32)
    await q.retry(lease, error="write-back 500", cause="writeback", delay_s=0)
    lease = await lease_one(q)
    stage = await q.stage("s")
    assert stage is not None and (stage.stage, stage.uri) == ("uploaded", "u1")
    await q.done(lease, uri="u1", sha256="11" * 32)
    await q.set_stage(lease, "uploaded", uri="u2", sha256="22" * 32)  # never downgrades a done item
    stage = await q.stage("s")
    assert stage is not None and (stage.stage, stage.uri) == ("done", "u1")


async def test_counts_cover_every_state(make: Make) -> None:
    q = await make()
    assert await q.counts() == dict.fromkeys(STATES, 0)
    await q.enqueue_many(["p", "l", "r", "d", "x"], source="t")
    leases = {le.conversation_id: le for le in await q.lease("w", 60, 5)}
    await q.release(leases["p"])
    await q.retry(leases["r"], error="e", cause="c", delay_s=60)
    await q.done(leases["d"], uri="u", sha256="00" * 32)
    await q.dead(leases["x"], error="bad")
    assert await q.counts() == {"pending": 1, "leased": 1, "retry": 1, "done": 1, "dead": 1}


async def test_oldest_names_each_unfinished_state_with_its_least_recently_changed_item(make: Make) -> None:
    q = await make()
    assert await q.oldest() == {}
    before = time.time()
    await q.enqueue_many(["p", "l", "r", "d", "x", "p2"], source="t")
    leases = {le.conversation_id: le for le in await q.lease("w", 60, 6)}
    await q.release(leases["p"])
    await q.release(leases["p2"])
    await q.retry(leases["r"], error="e", cause="c", delay_s=60)
    await q.done(leases["d"], uri="u", sha256="00" * 32)
    await q.dead(leases["x"], error="bad")
    after = time.time()
    oldest = await (await make()).oldest()  # a second object: no cached listing
    assert set(oldest) == {"pending", "leased", "retry"}  # done and dead are finished, not backlog
    assert all(before - 1 <= t <= after + 1 for t in oldest.values()), oldest


async def test_watermark_round_trip(make: Make) -> None:
    q, other = await make(), await make()
    assert await q.get_watermark("reconcile") is None
    t = datetime(2026, 11, 27, 23, 59, 58, 123456, tzinfo=timezone(timedelta(hours=2)))
    await q.set_watermark("reconcile", t)
    await q.set_watermark("backfill", t + timedelta(days=1))
    got = await other.get_watermark("reconcile")
    assert got == t and got is not None and got.tzinfo is not None and got.utcoffset() == timedelta(0)
    later = datetime.now(UTC)
    await other.set_watermark("reconcile", later)
    assert await q.get_watermark("reconcile") == later
    assert await q.get_watermark("backfill") == t + timedelta(days=1)
    with pytest.raises(ValueError):
        await q.set_watermark("reconcile", datetime(2026, 1, 1))  # naive on purpose


async def test_closed_queue_refuses(make: Make) -> None:
    q = await make()
    await q.close()
    await q.close()  # idempotent
    with pytest.raises(QueueError):
        await q.enqueue("a", source="t")
    with pytest.raises(QueueError):
        await q.counts()


async def test_prune_forgets_old_done_items_only(make: Make) -> None:
    q = await make()
    await q.enqueue_many(["old", "waiting", "failed"], source="t")
    leases = {le.conversation_id: le for le in await q.lease("w", 60, 3)}
    await q.done(leases["old"], uri="u", sha256="00" * 32)
    await q.dead(leases["failed"], error="bad")
    assert await q.prune_done(time.time() - 3600) == 0  # nothing is that old
    assert await q.prune_done(time.time() + 1) == 1
    assert await q.get("old") is None and await q.stage("old") is None
    assert (await q.get("waiting")) is not None and (await q.get("failed")) is not None
    assert await q.counts() == {"pending": 0, "leased": 1, "retry": 0, "done": 0, "dead": 1}
