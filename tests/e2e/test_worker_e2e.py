"""The whole worker in-process: simulator → listener/reconciler → pool → Azure sink (Azurite + WORM proxy)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archiver.app import RunOptions, reconcile_settings, serve
from archiver.audit import audit, list_azure_names
from archiver.config import AzureSinkConfig
from archiver.secret import Secret
from archiver.sim import Simulator
from archiver.sinks import AzureSink
from archiver.testing.wormproxy import WormProxy
from tests.e2e.conftest import make_config
from tests.support import FAST_RECONCILE, eventually, run_worker


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_500_conversations_archived_exactly_once_to_worm(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, worm_proxy: WormProxy, azure_container: str
) -> None:
    config = make_config(
        sim,
        tmp_path,
        ARCHIVER_SINK__KIND="azure",
        AZURE_STORAGE_CONNECTION_STRING=worm_proxy.connection_string,
        AZURE_CONTAINER_NAME=azure_container,
        ARCHIVER_SINK__AZURE__RETENTION_DAYS="1",
        ARCHIVER_WORKER__PROCESSORS="12",
    )
    expected: list[str] = []
    excluded: list[str] = []

    async def generate(c: Any) -> None:
        # The listener must be subscribed before the conversations end, or the reconciler finds them all:
        # a fixed delay was not enough on a loaded machine (listener 19 of 480).
        await eventually(
            lambda: bool(c.listener_stats) and all(s.connects for s in c.listener_stats),
            within=60,
            what="the notification listener connected",
        )
        excluded.extend(await sim.generate(10, kind="open"))
        excluded.extend(await sim.generate(10, kind="sms"))
        expected.extend(await sim.generate(20, kind="bot"))  # no queue: only the reconciler finds them
        for _ in range(12):
            expected.extend(await sim.generate(40))
            await asyncio.sleep(0.05)

    # Sweeps every 3 s: the listener is the main intake; bot-only conversations need the reconciler.
    seen = await run_worker(
        config,
        cpu_pool,
        until=lambda counts: counts["done"] >= 500,
        timeout_s=200,
        on_ready=lambda c, _w: generate(c),
        reconcile={**FAST_RECONCILE, "interval_s": 3.0},
    )
    assert len(expected) == 500
    assert seen["counts"]["done"] == 500, seen["counts"]
    assert seen["counts"]["dead"] == 0

    sink = AzureSink(
        AzureSinkConfig(container=azure_container, connection_string=Secret(worm_proxy.connection_string))
    )
    await sink.start()
    try:
        names = await list_azure_names(worm_proxy.connection_string, azure_container)
        report = await audit(
            sink,
            names,
            [sim.truth(cid) for cid in expected],
            excluded_truths=[sim.truth(cid) for cid in excluded],
            attributes=sim.attributes,
            tags=sim.tags,
            properties=sim.properties_of,
            writeback=config.writeback.mode,  # the default: analytics properties
        )
        stored = await sink.get(expected[0])
    finally:
        await sink.close()
    assert report.ok, report.summary()
    assert report.archived == 500 and len(names) == 500
    assert report.planted_pii_checked > 100  # the simulator really planted PII to look for
    assert report.writebacks_ok == 500
    # WORM: each blob was uploaded with an enforced, unexpired immutability policy.
    assert stored.retention.enforced and stored.retention.mode == "Unlocked"
    assert stored.retention.until is not None and stored.retention.until > datetime.now(UTC)
    assert stored.content_type == "application/gzip" and not stored.content_encoding

    text = seen["metrics"]
    assert metric(text, "archiver_archived_total") == 500
    assert metric(text, "archiver_redactions_total") > 0
    assert 'archiver_queue_depth{state="done"} 500.0' in text
    assert "archiver_stage_seconds_bucket" in text
    assert metric(text, "archiver_reconcile_runs_total") >= 1
    # Both intake paths worked (bot-only conversations can only come from the reconciler).
    listener = metric(text, 'archiver_enqueued_total{source="listener"}')
    reconciler = metric(text, 'archiver_enqueued_total{source="reconcile"}')
    # Which path enqueues a queue-routed conversation first is a race the test must not depend on (a loaded
    # machine delays the listener's frames): each path found some, and together exactly every conversation.
    assert listener >= 1 and reconciler >= 20 and listener + reconciler == 500
    assert seen["healthz"] == 200


async def test_missing_permission_stops_worker_naming_the_error(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    from archiver.errors import GenesysPermissionError

    config = make_config(sim, tmp_path)
    await sim.generate(3)
    sim.faults.fail_next(1, status=403, path_prefix="/api/v2/conversations/messages/")
    seen: dict[str, Any] = {}

    async def on_ready(c: Any, worker: Any) -> None:
        seen["c"] = c

    with pytest.raises(GenesysPermissionError) as info:
        await asyncio.wait_for(
            serve(
                config,
                RunOptions(reconcile=reconcile_settings(config, **FAST_RECONCILE), on_ready=on_ready),
                pool=cpu_pool,
            ),
            30,
        )
    assert info.value.status == 403 and info.value.exit_code == 5
    counts = await _counts(config)
    assert counts["leased"] == 0 and counts["dead"] == 0  # nothing lost: released for the next start


async def _counts(config: Any) -> dict[str, int]:
    from archiver.queue import SqliteQueue

    queue = SqliteQueue(config.queue.path)
    try:
        return await queue.counts()
    finally:
        await queue.close()


async def test_graceful_stop_finishes_in_flight_conversations(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    config = make_config(sim, tmp_path, ARCHIVER_WORKER__PROCESSORS="4")
    ids = await sim.generate(8)
    sim.faults.latency(0.4)  # every API call is slow: conversations are in flight when stop() lands
    seen: dict[str, Any] = {}

    async def on_ready(c: Any, worker: Any) -> None:
        async def stop_soon() -> None:
            while not worker._held:  # noqa: ASYNC110 - wait until conversations are in flight
                await asyncio.sleep(0.02)
            seen["in_flight"] = len(worker._held)
            worker.stop("test")

        asyncio.get_running_loop().create_task(stop_soon())

    t0 = time.monotonic()
    await serve(
        config,
        RunOptions(reconcile=reconcile_settings(config, **FAST_RECONCILE), on_ready=on_ready),
        pool=cpu_pool,
    )
    assert time.monotonic() - t0 < 15
    counts = await _counts(config)
    assert seen["in_flight"] >= 1
    # In-flight conversations were finished, not abandoned; nothing is left leased.
    assert counts["leased"] == 0
    assert counts["done"] >= seen["in_flight"]
    assert counts["done"] + counts["pending"] + counts["retry"] == len(ids)


async def test_second_signal_forces_and_releases_leases(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    config = make_config(sim, tmp_path, ARCHIVER_WORKER__PROCESSORS="4")
    await sim.generate(6)
    sim.faults.latency(2.0)
    seen: dict[str, Any] = {}

    async def on_ready(c: Any, worker: Any) -> None:
        async def stop_twice() -> None:
            while len(worker._held) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            seen["in_flight"] = len(worker._held)
            worker.stop("SIGINT")
            await asyncio.sleep(0.05)
            seen["forced_at"] = time.monotonic()
            worker.force()

        asyncio.get_running_loop().create_task(stop_twice())

    await serve(
        config,
        RunOptions(reconcile=reconcile_settings(config, **FAST_RECONCILE), on_ready=on_ready),
        pool=cpu_pool,
    )
    assert time.monotonic() - seen["forced_at"] < 1.5  # did not wait for the 2 s calls in flight
    sim.faults.clear()
    counts = await _counts(config)
    assert counts["leased"] == 0 and counts["done"] == 0
    assert counts["pending"] == 6  # released, attempts not counted: the next start retakes them at once


async def test_listener_gap_triggers_sweep_that_finds_missed_conversations(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    config = make_config(sim, tmp_path)
    missed: list[str] = []
    seen: dict[str, Any] = {}

    async def on_ready(c: Any, worker: Any) -> None:
        seen["c"] = c

        async def drop_and_generate() -> None:
            await asyncio.sleep(0.5)  # subscribed by now
            await sim.faults.drop_sockets(1006)
            missed.extend(await sim.generate(10))  # published while no socket listens: lost for the listener

        asyncio.get_running_loop().create_task(drop_and_generate())

    deadline = time.monotonic() + 20

    async def finished() -> bool:
        c = seen.get("c")
        if c is None or not missed:
            return False
        return (await c.queue.counts())["done"] >= 10 or time.monotonic() > deadline

    # The timer would only sweep after 60 s: anything found sooner was found because of the gap.
    slow = {**FAST_RECONCILE, "interval_s": 60.0, "settle_s": 0.2}
    await serve(
        config,
        RunOptions(reconcile=reconcile_settings(config, **slow), stop_when=finished, on_ready=on_ready),
        pool=cpu_pool,
    )
    assert time.monotonic() < deadline
    counts = await _counts(config)
    assert counts["done"] == 10
    assert b'archiver_reconcile_runs_total{trigger="gap"}' in seen["c"].metrics.render()
