"""Hostile transcripts and frames through the whole worker: listener → queue → pool → sink → write-back.

Exact outcome: every conversation is archived exactly once (one file, digest verified, schema valid), each
planted text comes out exactly as specified with no PII, every write-back points at the archive, nothing is
dead-lettered, and the garbage pushed down the socket meanwhile neither stops the worker nor enqueues
anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path
from typing import Any

import pytest

from archiver.archive.compress import gunzip_bytes
from archiver.archive.record import decode_record
from archiver.sim import Simulator

from .conftest import make_config
from .test_frames import UNKNOWN_TOPICS, _ended_participant, _env, malformed_frames
from .transcripts import Case, cases, check_record, plant, rewrite_markers
from .worker import archive_paths, queue_items, run_worker

pytestmark = pytest.mark.timeout(180)


async def _garbage(sim: Simulator) -> None:
    """Everything test_frames throws, plus ended events with hostile ids, while the worker runs."""
    topic = f"v2.routing.queues.{sim.queue_ids[0]}.conversations.messages"
    frames = [f for group in malformed_frames(topic).values() for f in group] + UNKNOWN_TOPICS
    frames += [
        _env(topic, {"id": cid, "participants": [_ended_participant()]})
        for cid in ("../../etc/passwd", "a/b", "", "x" * 300, "..")
    ]
    for frame in frames:
        await sim.faults.send_raw(frame)
        await asyncio.sleep(0)


async def test_hostile_transcripts_archived_exactly_once(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # the attributes write-back is checked below (the default mode is covered by test_writeback_properties)
    config = make_config(sim, tmp_path, ARCHIVER_WRITEBACK__MODE="participant-attributes")
    planted: dict[str, tuple[Case, list[str]]] = {}
    for case in cases():
        [cid] = await sim.generate(1, end=False, messages=3 * len(case.texts) + 6)
        planted[cid] = (case, plant(sim, cid, case))
        rewrite_markers(sim, cid, times=1000)
    [big] = await sim.generate(1, end=False, messages=5000)
    plain = await sim.generate(3, end=False)
    everything = [*planted, big, *plain]

    async def on_ready(c: Any, worker: Any) -> None:
        while not sim.notifications.channels or not all(  # noqa: ASYNC110 - wait for the listener
            ch.ws is not None for ch in sim.notifications.channels.values()
        ):
            await asyncio.sleep(0.05)
        await _garbage(sim)
        for cid in everything:
            await sim.end_conversation(cid)
        await _garbage(sim)

    seen = await run_worker(
        config,
        cpu_pool,
        until=lambda n: n["done"] + n["dead"] >= len(everything),
        timeout_s=120,
        on_ready=on_ready,
    )
    assert seen["counts"]["done"] == len(everything), seen["counts"]
    assert seen["counts"]["dead"] == 0
    assert sum(seen["counts"].values()) == len(everything)  # hostile ids never reached the queue
    assert seen["healthz"] == 200

    root = tmp_path / "archive"
    items = await queue_items(config, everything)
    for cid in everything:
        [path] = archive_paths(root, cid)
        data = gunzip_bytes(path.read_bytes())
        decode_record(data)
        item = items[cid]
        assert item is not None and item.state == "done" and item.sha256 == hashlib.sha256(data).hexdigest()
        truth = sim.truth(cid)
        attrs = sim.attributes(cid)[truth.customer_participant_id]
        assert attrs["archiveSha256"] == item.sha256 and attrs["archiveUri"].endswith(f"{cid}.json.gz")
        if cid in planted:
            case, ids = planted[cid]
            check_record(data, case, ids, forbidden=[truth.customer_name, truth.customer_address])
    big_doc = decode_record(gunzip_bytes(archive_paths(root, big)[0].read_bytes()))
    # `messages=5000` is exact in the simulator
    assert big_doc.message_count == len(sim.truth(big).messages) == 5000

    # Nothing a customer typed reaches the logs or the queue's SQLite files, hostile bytes included.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    state = b"".join(p.read_bytes() for p in Path(config.queue.path).parent.iterdir())
    for case, _ids in planted.values():
        for value in case.pii:
            assert value not in logged and value.encode() not in state, (case.name, "PII leaked")
    for text in ("請把卡號", "رقم هاتفي", "dana.levi", "@@LONE@@", "@@BADUTF8@@"):
        assert text not in logged and text.encode() not in state


async def test_lone_surrogate_in_conversation_metadata_is_archived_not_dead_lettered(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """A lone surrogate in the customer's display name (GET conversation) must not cost the archive."""
    config = make_config(sim, tmp_path)
    [cid] = await sim.generate(1, end=False, messages=8)
    sim.store.by_id[cid].customer.name = "Dana @@LONE@@ Levi"
    sim.faults.rewrite_next(
        1000, b"@@LONE@@", b"\\ud800", path_prefix=f"/api/v2/conversations/messages/{cid}"
    )

    async def on_ready(c: Any, worker: Any) -> None:
        await sim.end_conversation(cid)

    seen = await run_worker(
        config, cpu_pool, until=lambda n: n["done"] + n["dead"] >= 1, timeout_s=30, on_ready=on_ready
    )
    item = (await queue_items(config, [cid]))[cid]
    assert item is not None
    assert item.state == "done", (item.state, item.last_error)
    assert seen["counts"]["dead"] == 0
    [path] = archive_paths(tmp_path / "archive", cid)
    assert b"Dana" not in gunzip_bytes(path.read_bytes())
