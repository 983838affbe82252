"""The pipeline per conversation against a real simulator, the spawn pool, SQLite queue and local sink."""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import hashlib
import json
import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from isal import igzip

from archiver.assemble import Components
from archiver.audit import strings_of
from archiver.errors import GenesysPermissionError
from archiver.pipeline import Pipeline
from archiver.sim import Simulator
from archiver.sinks import ArchiveMeta, PutResult
from archiver.testing.records import handmade_archive
from tests.e2e.conftest import make_config

pytestmark = pytest.mark.timeout(120)


@contextlib.asynccontextmanager
async def stack(
    sim: Simulator, tmp_path: Path, pool: Any, **env: str
) -> collections.abc.AsyncIterator[tuple[Components, Pipeline]]:
    # These tests are about the participant-attributes write-back and its fallback to the external tag;
    # the default mode (analytics-properties) is covered by test_writeback_properties.py.
    config = make_config(sim, tmp_path, **({"ARCHIVER_WRITEBACK__MODE": "participant-attributes"} | env))
    async with Components(config, pool=pool) as c:
        yield c, c.pipeline()


async def drain(c: Components, pipeline: Pipeline) -> list[str]:
    """Lease and process until nothing is due."""
    outcomes: list[str] = []
    while leases := await c.queue.lease("test", 60.0, 10):
        for lease in leases:
            outcomes.append(await pipeline.process(lease))
    return outcomes


def api_calls(sim: Simulator) -> int:
    return sum(n for key, n in sim.call_counts().items() if "/api/v2/" in key)


def read_record(archive_dir: Path, cid: str) -> dict[str, Any]:
    [path] = list(archive_dir.glob(f"conversations/*/*/*/{cid}.json.gz"))
    doc: dict[str, Any] = json.loads(igzip.decompress(path.read_bytes()))
    return doc


async def test_archives_redacted_record_and_writes_back_in_three_calls(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        ids = await sim.generate(4)
        await c.queue.enqueue_many(ids, source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"] * 4
        calls = api_calls(sim)
        counts = await c.queue.counts()
    assert counts["done"] == 4
    assert calls <= 3 * 4, sim.call_counts()  # messages GET + bulk POST + write-back PATCH
    for cid in ids:
        truth = sim.truth(cid)
        doc = read_record(tmp_path / "archive", cid)
        assert doc["schema"] == "archiver.conversation/v1"
        assert doc["conversationId"] == cid
        text = "\n".join(strings_of(doc))
        for value in truth.planted_pii:
            assert value not in text
        assert truth.customer_name not in text
        attrs = sim.attributes(cid)[truth.customer_participant_id]
        assert attrs["archiveUri"].startswith("file://")
        assert attrs["archiveUri"].endswith(f"{cid}.json.gz")
        raw = igzip.decompress(Path(attrs["archiveUri"][len("file://") :]).read_bytes())  # noqa: ASYNC240
        assert attrs["archiveSha256"] == hashlib.sha256(raw).hexdigest()
        assert attrs["archivedAt"] == doc["archivedAt"]


async def test_failed_writeback_retries_only_the_writeback(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.refuse_writeback(True)
        assert await drain(c, pipeline) == ["retry"]
        stage = await c.queue.stage(cid)
        assert stage is not None and stage.stage == "uploaded"
        assert sim.attributes(cid) == {}
        sim.faults.refuse_writeback(False)
        sim.reset_call_counts()
        await asyncio.sleep(1.2)  # retry backoff (base 0.2 s, max 1 s)
        assert await drain(c, pipeline) == ["written_back"]
        bulk = sum(n for k, n in sim.call_counts().items() if k.endswith("/bulk"))
        assert bulk == 0  # never fetched or uploaded again
        assert (await c.queue.counts())["done"] == 1
    attrs = sim.attributes(cid)[sim.truth(cid).customer_participant_id]
    assert attrs["archiveSha256"] == stage.sha256


@pytest.mark.parametrize(
    ("fallback_after_s", "max_attempts", "second"),
    [
        ("600", "10", "written_back"),  # refused for longer than the fallback delay
        ("3600", "2", "written_back"),  # the last attempt falls back rather than die
        ("0", "2", "dead"),  # fallback off: retried until dead
    ],
    ids=["refused-for-long", "last-attempt", "fallback-off"],
)
async def test_attributes_refused_for_long_fall_back_to_the_external_tag(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, fallback_after_s: str, max_attempts: str, second: str
) -> None:
    # Genesys may refuse the attributes PATCH once a conversation has ended (unverified): a refusal that
    # lasts must still get the archive's address onto the conversation, not end dead.
    env = {
        "ARCHIVER_QUEUE__MAX_ATTEMPTS": max_attempts,
        "ARCHIVER_WRITEBACK__FALLBACK_TO_EXTERNAL_TAG_AFTER_S": fallback_after_s,
        # The retry waits 1-2 s: with the suite's 0.1-0.2 s it was due again before `drain` asked a second
        # time whenever a loaded machine stalled this test that long (seen: ['retry', 'written_back']).
        "ARCHIVER_QUEUE__BACKOFF_BASE_S": "2",
        "ARCHIVER_QUEUE__BACKOFF_MAX_S": "2",
    }
    async with stack(sim, tmp_path, cpu_pool, **env) as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.refuse_writeback(True)
        assert await drain(c, pipeline) == ["retry"]  # a short refusal is retried as it is
        assert sim.tags(cid) is None
        # Ten minutes pass for the write-back policy (not for the test: a loaded machine must not decide
        # whether the first attempt already counts as "refused for long").
        pipeline.writeback.clock = lambda: time.time() + 601.0
        await asyncio.sleep(2.2)  # the retry's backoff (2 s) is real: the queue decides when it is due
        assert await drain(c, pipeline) == [second]
        item = await c.queue.get(cid)
    assert item is not None and item.stage is not None and item.uri is not None
    assert sim.attributes(cid) == {}
    if second == "dead":
        assert item.stage == "uploaded" and sim.tags(cid) is None  # requeue later redoes only the write-back
    else:
        assert item.state == "done" and sim.tags(cid) == f"archived:{item.uri}"


class CrashAfterPut:
    """A sink that stores, then fails as if the process died before recording the upload."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.crash = inner, True

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        result: PutResult = await self.inner.put(data, meta)
        if self.crash:
            self.crash = False
            raise RuntimeError("simulated crash after upload")
        return result


async def test_redelivery_after_upload_finds_same_archive(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, _):
        crashing = CrashAfterPut(c.sink)
        c.sink = crashing  # type: ignore[assignment]
        pipeline = c.pipeline()
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["retry"]
        await asyncio.sleep(1.2)
        # Same first-lease time → byte-identical record → the store reports "already archived".
        assert await drain(c, pipeline) == ["already_archived"]
    assert len(list((tmp_path / "archive").glob("conversations/*/*/*/*.json.gz"))) == 1


async def test_lost_queue_state_finds_the_earlier_archive_and_points_the_write_back_at_it(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    ids = await sim.generate(3)
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        await c.queue.enqueue_many(ids, source="test")
        assert await drain(c, pipeline) == ["archived"] * 3
    first = {cid: sim.attributes(cid)[sim.truth(cid).customer_participant_id] for cid in ids}
    files = sorted((tmp_path / "archive").glob("conversations/*/*/*/*.json.gz"))
    before = [f.read_bytes() for f in files]
    await asyncio.sleep(1.1)  # a later run: its first lease time, hence its archivedAt, differs
    # A new state file (make_config picks a fresh one), as after a rebuilt VM: the reconciler re-finds them.
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        await c.queue.enqueue_many(ids, source="reconcile")
        assert await drain(c, pipeline) == ["already_archived"] * 3  # not dead, not an integrity alert
        items = [await c.queue.get(cid) for cid in ids]
    assert [
        f.read_bytes() for f in sorted((tmp_path / "archive").glob("conversations/*/*/*/*.json.gz"))
    ] == before
    for cid, item in zip(ids, items, strict=True):
        again = sim.attributes(cid)[sim.truth(cid).customer_participant_id]
        assert again == first[cid]  # the stored archive's digest and time, not the rebuilt record's
        assert item is not None and item.state == "done" and item.sha256 == first[cid]["archiveSha256"]


async def test_deleted_conversation_is_dead_lettered_with_reason(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1)
        sim.faults.delete_conversation(cid)
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["dead"]
        item = await c.queue.get(cid)
    assert item is not None and item.state == "dead"
    assert item.last_error is not None and "404" in item.last_error


async def test_conversation_not_ended_is_retried_without_counting(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1, end=False)
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["not_ready"]
        item = await c.queue.get(cid)
    assert item is not None and item.state == "retry" and item.attempts == 0


async def test_missing_permission_stops_and_releases(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.fail_next(1, status=403, path_prefix="/api/v2/conversations/messages")
        [lease] = await c.queue.lease("test", 60.0)
        with pytest.raises(GenesysPermissionError):
            await pipeline.process(lease)
        item = await c.queue.get(cid)
    assert item is not None and item.state == "pending"


async def test_digest_conflict_is_dead_lettered_never_overwritten(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1)
        end = datetime.fromisoformat(sim.truth(cid).end_time.replace("Z", "+00:00"))
        other = json.dumps({"schema": "archiver.conversation/v1", "conversationId": cid}).encode()
        await c.sink.put(*handmade_archive(other, conversation_id=cid, end_time=end))
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["dead"]
        item = await c.queue.get(cid)
    assert item is not None and item.last_error is not None and "IntegrityError" in item.last_error
    assert read_record(tmp_path / "archive", cid) == json.loads(other)


async def test_bulk_pages_past_1000_messages(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1, messages=2100)
        await c.queue.enqueue(cid, source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"]
        bulk = sum(n for k, n in sim.call_counts().items() if k.endswith("/bulk"))
    assert bulk == 3
    assert len(read_record(tmp_path / "archive", cid)["messages"]) == len(sim.truth(cid).messages) == 2100


async def test_recordings_fallback_when_bulk_refused(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool, ARCHIVER_GENESYS__RECORDINGS_FALLBACK="true") as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.fail_next(1, status=400, path_prefix=f"/api/v2/conversations/messages/{cid}/messages/bulk")
        assert await drain(c, pipeline) == ["archived"]
    doc = read_record(tmp_path / "archive", cid)
    assert len(doc["messages"]) == len(sim.truth(cid).messages)
    text = "\n".join(strings_of(doc))
    for value in sim.truth(cid).planted_pii:
        assert value not in text


async def test_transient_errors_are_retried(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool, ARCHIVER_GENESYS__MAX_RETRIES="1") as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.fail_next(2, status=503, path_prefix="/api/v2/conversations/messages")
        assert await drain(c, pipeline) == ["retry"]
        await asyncio.sleep(1.2)
        assert await drain(c, pipeline) == ["archived"]
        item = await c.queue.get(cid)
    assert item is not None and item.state == "done"


async def test_other_media_are_not_archived(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        ids = await sim.generate(1, kind="sms") + await sim.generate(1, kind="open")
        await c.queue.enqueue_many(ids, source="test")
        assert await drain(c, pipeline) == ["dead", "dead"]
        item = await c.queue.get(ids[0])
    assert item is not None and item.last_error is not None and "not web messaging" in item.last_error
    assert not list((tmp_path / "archive").glob("conversations/*/*/*/*.json.gz"))


async def test_external_tag_writeback(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    async with stack(sim, tmp_path, cpu_pool, ARCHIVER_WRITEBACK__MODE="external-tag") as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["archived"]
        stage = await c.queue.stage(cid)
    assert stage is not None
    assert sim.tags(cid) == f"archived:{stage.uri}"
    assert sim.attributes(cid) == {}


async def test_invalid_conversation_id_is_dead_lettered(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        with pytest.raises(ValueError):  # the queue refuses an id that could never name an archive …
            await c.queue.enqueue("..", source="test")
        # … and one already in a queue file (written before the queues shared that rule) is dead-lettered.
        db = sqlite3.connect(c.config.queue.path)
        with db:
            db.execute(
                "INSERT INTO items (conversation_id, state, source, next_at, enqueued_at, updated_at)"
                " VALUES ('..', 'pending', 'test', 0, 0, 0)"
            )
        db.close()
        assert await drain(c, pipeline) == ["dead"]


async def test_a_retry_after_longer_than_the_cap_releases_the_conversation_until_then(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool, ARCHIVER_GENESYS__MAX_RETRY_AFTER_S="60") as (c, pipeline):
        [cid] = await sim.generate(1)
        await c.queue.enqueue(cid, source="test")
        sim.faults.fail_next(1, status=429, path_prefix="/api/v2/conversations/messages", retry_after=600)
        before = time.time()
        assert await drain(c, pipeline) == ["retry"]  # released at once, not held for 10 minutes
        item = await c.queue.get(cid)
    assert item is not None and item.state == "retry" and item.next_at is not None
    assert item.next_at >= before + 599.0  # not retried before Genesys said it may be
    assert item.last_error is not None and "GenesysRateLimited" in item.last_error


async def test_bulk_chunks_refused_as_too_large_still_archive_everything(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        [cid] = await sim.generate(1, messages=120)
        await c.queue.enqueue(cid, source="test")
        sim.faults.refuse_bulk_above(50, status=400)
        assert await drain(c, pipeline) == ["archived"]
    assert len(read_record(tmp_path / "archive", cid)["messages"]) == 120
