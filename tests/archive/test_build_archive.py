"""build_archive, the pool entry point: gzip bytes, digest of the JSON, facts for the sink and write-back."""

from __future__ import annotations

import functools
import gzip
import hashlib
import pickle
from datetime import UTC, datetime, timedelta

from archiver.archive.record import BuiltArchive, build_archive, decode_record
from archiver.redact import Redactor
from tests.archive import payloads as P

ARCHIVED_AT = "2026-05-14T11:00:00.000Z"


def test_gzip_digest_and_facts() -> None:
    conv, pages = P.standard()
    built = build_archive(conv, pages, archived_at=ARCHIVED_AT, redactor=Redactor())
    data = gzip.decompress(built.gz)
    assert hashlib.sha256(data).hexdigest() == built.sha256 and built.size == len(data)
    record = decode_record(data)
    assert built.message_count == record.message_count == 6
    assert built.end_time == P.T0 + timedelta(seconds=600) == record.end_time
    assert built.customer_participant_id == P.CUSTOMER and built.ended
    assert built.counts == record.redaction.counts and built.counts["CREDIT_CARD"] >= 1
    assert pickle.loads(pickle.dumps(built)) == built  # crosses the process boundary
    again = build_archive(conv, pages, archived_at=ARCHIVED_AT, redactor=Redactor(), gzip_level=0)
    assert again.sha256 == built.sha256  # digest is of the JSON: independent of the gzip level
    same = build_archive(conv, pages, archived_at=ARCHIVED_AT, redactor=Redactor())
    assert same.gz == built.gz  # deterministic down to the gzip bytes: a rebuild uploads identical content


def test_worker_redactor_is_used_by_default() -> None:
    conv, pages = P.standard()
    built = build_archive(conv, pages, archived_at=ARCHIVED_AT)
    assert P.CARD.encode() not in gzip.decompress(built.gz)


def test_end_time_falls_back_to_archived_at_when_nothing_is_dated() -> None:
    built = build_archive(b'{"id": "bare"}', [], archived_at=ARCHIVED_AT, redactor=Redactor())
    assert built.end_time == datetime(2026, 5, 14, 11, 0, tzinfo=UTC)
    assert not built.ended and built.message_count == 0 and built.customer_participant_id is None


async def test_runs_in_the_spawned_process_pool() -> None:
    from archiver.pool import CpuPool

    conv, pages = P.standard()
    pool = CpuPool(1)
    try:
        job = functools.partial(build_archive, conv, pages, archived_at=ARCHIVED_AT)
        built = await pool.run(job)
    finally:
        pool.close()
    assert isinstance(built, BuiltArchive)
    local = build_archive(conv, pages, archived_at=ARCHIVED_AT, redactor=Redactor())
    assert built.sha256 == local.sha256
