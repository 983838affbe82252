"""writeback.mode = "analytics-properties" through the real pipeline against the simulator.

Analytics does not save participant attributes set after a conversation completed; properties indexed on
the customer's session through `…/details/properties` are what the analytics details query (and the exports)
show after the end. These tests read them back the way an auditor would: through the details query.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from isal import igzip

from archiver.assemble import Components
from archiver.audit import audit, list_local_names
from archiver.config import LocalSinkConfig
from archiver.errors import GenesysPermissionError
from archiver.genesys import GenesysClient, format_interval
from archiver.sim import Simulator
from archiver.sinks import LocalSink
from archiver.writeback import analytics_time
from tests.e2e.conftest import make_config
from tests.e2e.test_pipeline import api_calls, drain, read_record, stack
from tests.support import run_worker

pytestmark = pytest.mark.timeout(120)

PROPS = "/api/v2/analytics/conversations/{}/details/properties"
PERMISSION = "analytics:conversationProperties:index"


def props_env(**more: str) -> dict[str, str]:
    return {"ARCHIVER_WRITEBACK__MODE": "analytics-properties", **more}


async def indexed(client: GenesysClient, sim: Simulator, cid: str) -> dict[str, tuple[str, str]]:
    """The properties the details query shows on the customer's session: {name: (propertyType, value)}."""
    start = sim_start(sim, cid)
    window = format_interval(start - timedelta(minutes=1), start + timedelta(days=1))
    page = await client.analytics_query(window)
    (found,) = [c for c in page.conversations if c.conversation_id == cid]
    assert found.conversation_end is not None
    customer = [p for p in found.participants if p.purpose == "customer"]
    return {
        p.property: (p.property_type, p.value)
        for part in customer
        for s in part.sessions
        for seg in s.segments
        for p in seg.properties
    }


def sim_start(sim: Simulator, cid: str) -> datetime:
    conv = sim.store.get(cid)
    assert conv is not None
    return datetime.fromtimestamp(conv.start, UTC)


async def test_archive_address_visible_in_the_details_query_after_the_end(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool, **props_env()) as (c, pipeline):
        ids = await sim.generate(3)  # ended before the worker sees them, as always
        await c.queue.enqueue_many(ids, source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"] * 3
        calls = api_calls(sim)
        assert c.client is not None
        seen = {cid: await indexed(c.client, sim, cid) for cid in ids}
    # messages GET + bulk POST + analytics details GET + properties POST
    assert calls <= 4 * 3, sim.call_counts()
    for cid in ids:
        doc = read_record(tmp_path / "archive", cid)
        [path] = list((tmp_path / "archive").glob(f"conversations/*/*/*/{cid}.json.gz"))
        digest = hashlib.sha256(igzip.decompress(path.read_bytes())).hexdigest()
        uri, sha = seen[cid]["archiveUri"], seen[cid]["archiveSha256"]
        assert uri[0] == "string" and uri[1].startswith("file://") and uri[1].endswith(f"{cid}.json.gz")
        assert sha == ("string", digest)
        assert seen[cid]["archivedAt"] == ("date", analytics_time(doc["archivedAt"]))
        assert sim.attributes(cid) == {} and sim.tags(cid) is None  # nothing else written


async def test_redelivery_indexes_the_same_values_once(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> None:
    ids = await sim.generate(2)
    async with stack(sim, tmp_path, cpu_pool, **props_env()) as (c, pipeline):
        await c.queue.enqueue_many(ids, source="test")
        assert await drain(c, pipeline) == ["archived"] * 2
        assert c.client is not None
        first = {cid: await indexed(c.client, sim, cid) for cid in ids}
    await asyncio.sleep(1.1)  # a later run: its own first-lease time would give another archivedAt
    # A lost queue state (fresh state file): the reconciler re-finds them, the stored archives are of record.
    async with stack(sim, tmp_path, cpu_pool, **props_env()) as (c, pipeline):
        await c.queue.enqueue_many(ids, source="reconcile")
        assert await drain(c, pipeline) == ["already_archived"] * 2
        assert c.client is not None
        again = {cid: await indexed(c.client, sim, cid) for cid in ids}
    assert again == first
    for cid in ids:
        assert sim.properties_of(cid) == {k: v for k, (_, v) in first[cid].items()}


async def test_missing_permission_stops_the_worker_naming_it(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    async with stack(sim, tmp_path, cpu_pool, **props_env()) as (c, pipeline):
        [cid] = await sim.generate(1)
        sim.faults.deny_permission(PERMISSION, PROPS.format(cid))
        await c.queue.enqueue(cid, source="test")
        [lease] = await c.queue.lease("test", 60.0, 1)
        with pytest.raises(GenesysPermissionError) as exc:
            await pipeline.process(lease)
        item = await c.queue.get(cid)
    assert PERMISSION in str(exc.value) and "writeback.mode" in str(exc.value)
    # not dead-lettered, not written elsewhere: the archive is stored, only the write-back waits
    assert item is not None and item.state != "dead" and item.stage == "uploaded"
    assert sim.tags(cid) is None and sim.attributes(cid) == {}


@pytest.mark.parametrize(
    ("status", "fallback", "refuse_attributes", "max_attempts", "second", "lands_as"),
    [
        (400, "external-tag", False, "10", "written_back", "tag"),  # today's chain, after the delay
        (404, "external-tag", False, "10", "written_back", "tag"),  # analytics never indexed it
        (400, "participant-attributes,external-tag", False, "10", "written_back", "attributes"),
        (400, "participant-attributes,external-tag", True, "10", "written_back", "tag"),  # chain walked on
        (400, "none", False, "2", "dead", None),  # no fallback ([] in TOML): retried until dead
    ],
    ids=["400-tag", "404-tag", "400-attributes", "400-attributes-refused-tag", "no-fallback"],
)
async def test_refusals_follow_the_configured_chain(
    sim: Simulator,
    tmp_path: Path,
    cpu_pool: Any,
    status: int,
    fallback: str,
    refuse_attributes: bool,
    max_attempts: str,
    second: str,
    lands_as: str | None,
) -> None:
    env = props_env(
        ARCHIVER_WRITEBACK__FALLBACK=fallback,
        ARCHIVER_WRITEBACK__FALLBACK_TO_EXTERNAL_TAG_AFTER_S="600",
        ARCHIVER_QUEUE__MAX_ATTEMPTS=max_attempts,
        # a retry due only after 2 s: a stalled machine must not make it due within the first drain
        ARCHIVER_QUEUE__BACKOFF_BASE_S="2",
        ARCHIVER_QUEUE__BACKOFF_MAX_S="2",
    )
    async with stack(sim, tmp_path, cpu_pool, **env) as (c, pipeline):
        [cid] = await sim.generate(1)
        sim.faults.fail_fraction(1.0, status, PROPS.format(cid))
        sim.faults.refuse_writeback(refuse_attributes)
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["retry"]  # a short refusal is retried as it is
        assert sim.tags(cid) is None and sim.attributes(cid) == {}
        # Past the fallback delay for the write-back policy only (the first attempt's own duration on a
        # loaded machine must not count), and past the retry backoff in real time.
        pipeline.writeback.clock = lambda: time.time() + 601.0
        await asyncio.sleep(2.2)
        assert await drain(c, pipeline) == [second]
        item = await c.queue.get(cid)
    assert item is not None and item.uri is not None
    assert sim.properties_of(cid) == {}
    customer = sim.truth(cid).customer_participant_id
    if lands_as == "tag":
        assert sim.tags(cid) == f"archived:{item.uri}" and sim.attributes(cid) == {}
    elif lands_as == "attributes":
        assert sim.attributes(cid)[customer]["archiveUri"] == item.uri and sim.tags(cid) is None
    else:
        assert item.stage == "uploaded" and sim.tags(cid) is None and sim.attributes(cid) == {}


async def test_the_whole_worker_writes_every_archive_into_analytics(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """`archiver run` in-process: listener and reconciler find them, every write-back lands as properties."""
    config = make_config(sim, tmp_path, **props_env())
    expected: list[str] = []

    async def generate(c: Components) -> None:
        expected.extend(await sim.generate(12))
        expected.extend(await sim.generate(3, kind="bot"))  # no queue: only the reconciler finds them

    seen = await run_worker(
        config,
        cpu_pool,
        until=lambda counts: counts["done"] >= 15,
        timeout_s=90,
        on_ready=lambda c, _w: generate(c),
    )
    assert seen["counts"]["done"] == 15 and seen["counts"]["dead"] == 0, seen["counts"]
    sink = LocalSink(LocalSinkConfig(dir=str(tmp_path / "archive")))
    await sink.start()
    try:
        report = await audit(
            sink,
            list_local_names(tmp_path / "archive"),
            [sim.truth(cid) for cid in expected],
            writeback="analytics-properties",
            attributes=sim.attributes,
            tags=sim.tags,
            properties=sim.properties_of,
        )
    finally:
        await sink.close()
    assert report.ok, report.summary()
    assert report.writebacks_ok == 15
    assert all(sim.attributes(cid) == {} and sim.tags(cid) is None for cid in expected)
    assert 'archiver_writebacks_total{mode="analytics-properties"} 15.0' in seen["metrics"]


async def test_analytics_not_caught_up_is_a_wait_not_a_failure(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """Analytics learns of an end seconds to minutes late: until then the write-back waits (not_ready, no
    attempt counted, no failure), the archive stays stored and nothing else is written in its place."""
    async with stack(sim, tmp_path, cpu_pool, **props_env()) as (c, pipeline):
        [cid] = await sim.generate(1)
        sim.analytics.lag_s = sim.properties.lag_s = 3600.0  # analytics is an hour behind
        await c.queue.enqueue(cid, source="test")
        assert await drain(c, pipeline) == ["not_ready"]
        item = await c.queue.get(cid)
        failed = c.metrics.failed.labels("writeback")._value.get()
    assert item is not None and item.stage == "uploaded" and item.state == "retry" and item.attempts == 0
    assert failed == 0
    assert sim.properties_of(cid) == {} and sim.attributes(cid) == {} and sim.tags(cid) is None
