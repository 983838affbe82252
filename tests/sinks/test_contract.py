"""One contract, every sink: write-once put-if-absent, digest comparison, faithful read-back."""

from __future__ import annotations

import asyncio
import hashlib
import os
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from isal import igzip

from archiver.archive.compress import gunzip_bytes
from archiver.errors import IntegrityError, SinkPermanentError
from archiver.sinks import ArchiveNotFound, AzureSink, Sink, blob_name
from tests.sinks.conftest import END, record


async def test_put_then_get_round_trips_bytes_and_metadata(sink: Sink) -> None:
    data, meta = record(text="ünïcødé ✓ 中文 שלום")
    result = await sink.put(data, meta)
    assert result.created is True
    name = blob_name(meta.conversation_id, meta.end_time)
    assert result.uri.endswith(name)

    for got in (await sink.get(meta.conversation_id, meta.end_time), await sink.get(meta.conversation_id)):
        assert got.data == data
        assert got.meta == meta
        assert got.name == name
        assert got.uri == result.uri
        assert hashlib.sha256(got.record()).hexdigest() == meta.sha256
        assert got.content_type == "application/gzip"
        assert got.content_encoding is None  # Content-Encoding: gzip would break validated downloads


async def test_uri_is_absolute_and_named_by_utc_end_day(sink: Sink) -> None:
    end = datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))  # 2025-12-31 in UTC
    data, meta = record(end=end)
    result = await sink.put(data, meta)
    assert f"/conversations/2025/12/31/{meta.conversation_id}.json.gz" in result.uri
    assert result.uri.startswith(("file:///", "http://", "https://"))
    assert (await sink.get(meta.conversation_id)).meta.end_time == end


async def test_duplicate_put_with_same_digest_reports_already_archived(sink: Sink) -> None:
    data, meta = record()
    first = await sink.put(data, meta)
    # Same record digest, different gzip bytes (another level/engine): still the same archive.
    again = await sink.put(igzip.compress(gunzip_bytes(data), 1), meta)
    assert first.created and not again.created
    assert again.uri == first.uri
    assert (await sink.get(meta.conversation_id)).data == data


async def test_different_digest_is_an_integrity_error_and_original_survives(sink: Sink) -> None:
    data, meta = record()
    await sink.put(data, meta)
    other_data, other = record(meta.conversation_id, text="a different transcript")
    with pytest.raises(IntegrityError, match="already exists"):
        await sink.put(other_data, other)
    got = await sink.get(meta.conversation_id)
    assert got.data == data and got.meta.sha256 == meta.sha256


async def test_concurrent_duplicate_puts_create_exactly_once(sink: Sink) -> None:
    data, meta = record()
    results = await asyncio.gather(*(sink.put(data, meta) for _ in range(6)))
    assert sum(r.created for r in results) == 1
    assert len({r.uri for r in results}) == 1


async def test_missing_archive_is_not_found(sink: Sink) -> None:
    with pytest.raises(ArchiveNotFound):
        await sink.get("no-such-conversation")
    with pytest.raises(ArchiveNotFound):
        await sink.get("no-such-conversation", END)


async def test_bad_id_and_bad_digest_are_refused_before_writing(sink: Sink) -> None:
    data, meta = record()
    with pytest.raises(SinkPermanentError, match="invalid conversation id"):
        await sink.put(data, msgspec.structs.replace(meta, conversation_id="../escape"))
    with pytest.raises(SinkPermanentError, match="sha256"):
        await sink.put(data, msgspec.structs.replace(meta, sha256="ABC"))
    with pytest.raises(ArchiveNotFound):
        await sink.get(meta.conversation_id)


async def test_multi_megabyte_archive_round_trips(sink: Sink) -> None:
    raw = os.urandom(3 * 1024 * 1024).hex().encode()  # 6 MiB of text: several validated download ranges
    meta = msgspec.structs.replace(record()[1], sha256=hashlib.sha256(raw).hexdigest(), message_count=5000)
    data = igzip.compress(raw, 1)
    assert (await sink.put(data, meta)).created
    got = await sink.get(meta.conversation_id, meta.end_time)
    assert got.data == data and got.record() == raw


async def test_index_tags_set_at_upload(sink: Sink) -> None:
    data, meta = record()
    await sink.put(data, meta)
    got = await sink.get(meta.conversation_id)
    if isinstance(sink, AzureSink):
        assert got.tags["conversationId"] == meta.conversation_id
        assert got.tags["endDate"] == "2026-11-27"
        assert got.tags["sha256"] == meta.sha256
        assert len(got.tags) <= 10
        assert got.retention.enforced and got.retention.mode == "Unlocked"
        assert got.retention.until is not None
        assert got.retention.until > datetime.now(UTC) + timedelta(days=29)
    else:
        assert got.retention.enforced is False  # read-only files are not WORM, and say so
        assert got.retention.until is not None
    assert got.retention.problems(require_locked=False) == (
        [] if isinstance(sink, AzureSink) else got.retention.problems()
    )
