"""Telling "archived by an earlier run" from "another record claims this id" (archive/earlier.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec

from archiver.archive.compress import gzip_bytes
from archiver.archive.earlier import earlier_archive_of
from archiver.archive.record import SCHEMA, ArchiveRecord, RecordMessage, RedactionInfo, encode_record
from archiver.sinks import ArchiveMeta, Retention, StoredArchive

T0 = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)


def _record(text: str, archived_at: datetime, version: str = "1.0.0") -> ArchiveRecord:
    message = RecordMessage(
        id="m1",
        timestamp=T0,
        direction="inbound",
        participant_id="p1",
        purpose="customer",
        type="Text",
        originating_entity="Human",
        status="Delivered",
        text=text,
        attachments=[],
        content=[],
        events=[],
    )
    return ArchiveRecord(
        schema=SCHEMA,
        conversation_id="c1",
        start_time=T0,
        end_time=T0,
        ended=True,
        media_type="message",
        message_type="webmessaging",
        participants=[],
        messages=[message],
        message_count=1,
        unavailable_message_ids=[],
        text_replacements=0,
        redaction=RedactionInfo(engine="archiver-redact/1", counts={}),
        archived_at=archived_at,
        archiver_version=version,
    )


def _stored(record: ArchiveRecord, *, corrupt: bool = False) -> StoredArchive:
    raw = encode_record(record)
    data = gzip_bytes(raw)
    meta = ArchiveMeta(
        conversation_id="c1",
        end_time=T0,
        sha256=hashlib.sha256(b"x" if corrupt else raw).hexdigest(),
        schema=SCHEMA,
        redactor_version="archiver-redact/1",
        archiver_version=record.archiver_version,
        message_count=1,
    )
    return StoredArchive(uri="file:///a", name="a", data=data, meta=meta, retention=Retention())


def test_same_record_archived_earlier_gives_the_stored_time() -> None:
    earlier = datetime(2026, 5, 14, 10, 5, 1, 250000, tzinfo=UTC)
    stored = _stored(_record("hi [REDACTED:EMAIL]", earlier, "0.9.0"))
    new = gzip_bytes(encode_record(_record("hi [REDACTED:EMAIL]", datetime.now(UTC))))
    assert earlier_archive_of(stored, new) == msgspec.json.encode(earlier).decode()[1:-1]


def test_any_other_difference_is_not_the_same_archive() -> None:
    stored = _stored(_record("hi [REDACTED:EMAIL]", T0))
    assert earlier_archive_of(stored, gzip_bytes(encode_record(_record("hi bob@example.com", T0)))) is None


def test_damaged_or_foreign_stored_content_is_not_the_same_archive() -> None:
    new = gzip_bytes(encode_record(_record("hi", T0)))
    assert earlier_archive_of(_stored(_record("hi", T0), corrupt=True), new) is None
    foreign = msgspec.structs.replace(_stored(_record("hi", T0)), data=gzip_bytes(b'{"schema":"other"}'))
    foreign = msgspec.structs.replace(
        foreign,
        meta=msgspec.structs.replace(foreign.meta, sha256=hashlib.sha256(b'{"schema":"other"}').hexdigest()),
    )
    assert earlier_archive_of(foreign, new) is None
