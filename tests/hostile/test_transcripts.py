"""Hostile transcripts through `build_archive`, from payloads the real client fetched from the simulator.

Exact outcomes: the record validates strictly against the schema, its digest is the sha256 of the
decompressed bytes, every message is present, each planted text comes out exactly as expected (PII replaced
by its token, every other character unchanged — emoji, CJK, RTL, combining marks included), obfuscated PII
(zero-width splits, full-width and other Unicode digits) is gone even after folding, and lone surrogates /
invalid UTF-8 become U+FFFD and are counted in `textReplacements`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from archiver.archive.compress import gunzip_bytes
from archiver.archive.record import BuiltArchive, build_archive, decode_record
from archiver.audit import strings_of
from archiver.genesys import GenesysClient
from archiver.redact import Redactor
from archiver.sim import Simulator

from .transcripts import Case, LeakFinder, cases, check_record, plant, rewrite_markers

ARCHIVED_AT = "2026-01-02T03:04:05.000Z"
_redactor = Redactor()


async def fetch(client: GenesysClient, cid: str) -> tuple[bytes, list[bytes]]:
    """What the pipeline fetches: the conversation GET and the bulk pages (≤1000 ids each)."""
    conv_raw = await client.get_message_conversation_raw(cid)
    doc = json.loads(conv_raw)
    ids = [m["messageId"] for p in doc["participants"] for m in p.get("messages", [])]
    return conv_raw, await client.bulk_messages_raw(cid, ids)


def build(conv_raw: bytes, pages: list[bytes]) -> tuple[BuiltArchive, bytes]:
    built = build_archive(conv_raw, pages, archived_at=ARCHIVED_AT, redactor=_redactor)
    data = gunzip_bytes(built.gz)
    assert hashlib.sha256(data).hexdigest() == built.sha256
    decode_record(data)  # strict schema validation: unknown/missing fields and wrong types fail
    return built, data


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
async def test_hostile_transcript_is_archived_exactly(
    sim: Simulator, client: GenesysClient, case: Case
) -> None:
    [cid] = await sim.generate(1, messages=3 * len(case.texts) + 6)
    ids = plant(sim, cid, case)
    rewrite_markers(sim, cid)
    conv_raw, pages = await fetch(client, cid)
    built, data = build(conv_raw, pages)
    truth = sim.truth(cid)
    assert built.message_count == len(truth.messages)
    assert built.customer_participant_id == truth.customer_participant_id
    assert built.end_time == datetime.fromisoformat(truth.end_time or "").astimezone(UTC)
    check_record(data, case, ids, forbidden=[truth.customer_name, truth.customer_address])


async def test_five_thousand_messages(sim: Simulator, client: GenesysClient) -> None:
    [cid] = await sim.generate(1, messages=5000)
    truth = sim.truth(cid)
    conv_raw, pages = await fetch(client, cid)
    n = len(truth.messages)  # `messages=5000` is exact in the simulator
    assert n == 5000 and len(pages) == -(-n // 1000)  # the bulk endpoint's 1,000-id limit, paged
    built, data = build(conv_raw, pages)
    doc: dict[str, Any] = json.loads(data)
    assert built.message_count == doc["messageCount"] == n
    assert [m["id"] for m in doc["messages"]] == [mid for mid, _ in truth.messages]  # all, in time order
    assert doc["unavailableMessageIds"] == [] and doc["textReplacements"] == 0
    found = LeakFinder("\n".join(strings_of(doc)))
    assert truth.planted_pii, "the simulator planted PII to look for"
    assert not [v for v in truth.planted_pii if found(v)]
    assert sum(built.counts.values()) >= len(truth.planted_pii)


async def test_pool_builds_identical_archive(sim: Simulator, client: GenesysClient, cpu_pool: Any) -> None:
    """The spawn pool (its own per-process redactor) produces the same bytes as the in-process build."""
    [cid] = await sim.generate(1, messages=40)
    case = next(c for c in cases() if c.name == "zero_width_split")
    ids = plant(sim, cid, case)
    conv_raw, pages = await fetch(client, cid)
    built: BuiltArchive = await cpu_pool.run(
        functools.partial(build_archive, conv_raw, pages, archived_at=ARCHIVED_AT)
    )
    local, data = build(conv_raw, pages)
    assert built.sha256 == local.sha256 and gunzip_bytes(built.gz) == data
    check_record(data, case, ids)


async def test_lone_surrogate_in_participant_metadata_is_archived(
    sim: Simulator, client: GenesysClient
) -> None:
    """Hostile bytes outside message text (a customer display name) must not make it unbuildable."""
    [cid] = await sim.generate(1, messages=6)
    conv = sim.store.by_id[cid]
    conv.customer.name = "Dana @@LONE@@ Levi"
    path = f"/api/v2/conversations/messages/{cid}"
    sim.faults.rewrite_next(1, b"@@LONE@@", b"\\udc00", path_prefix=path)
    conv_raw, pages = await fetch(client, cid)
    assert b"\\udc00" in conv_raw
    built, data = build(conv_raw, pages)
    assert built.message_count == len(sim.truth(cid).messages)
    assert b"Dana" not in data  # names are never archived


@pytest.mark.parametrize(
    "text",
    ["4111 " * 100_000, "４１１１ " * 40_000, "1-2 " * 125_000],
    ids=["ascii-digit-groups", "fullwidth-digit-groups", "short-digit-runs"],
)
def test_adversarial_paste_redacts_in_bounded_time(text: str) -> None:
    """Half a megabyte of number groups (a pasted table, a log dump) must not stall a pool worker.

    Card-like 4-digit groups are the redactor's slowest input (~0.3 MB/s measured, vs >100 MB/s for chat
    text); the bound only catches a catastrophic (superlinear) regression, with room for a loaded machine.
    """
    import time

    started = time.perf_counter()
    out = _redactor.redact(text)
    elapsed = time.perf_counter() - started
    assert out.text == text and out.counts == {}  # nothing here is PII
    assert elapsed < 10.0, f"{elapsed:.1f} s for {len(text.encode())} bytes"
