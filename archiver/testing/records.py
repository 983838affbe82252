"""Archives made by hand, for tests and benchmarks that put a record straight into a store.

A sink is given what the pipeline gives it: the record's gzip bytes and an `ArchiveMeta` whose sha256 is the
digest of the *uncompressed* JSON (docs/archive-format.md). Built here once, so a hand-made archive is
stored — and verified — exactly like a real one, whatever its JSON says.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from archiver.archive.compress import gzip_bytes
from archiver.sinks.base import ArchiveMeta


def handmade_archive(
    raw: bytes,
    *,
    conversation_id: str,
    end_time: datetime,
    redactor_version: str = "test",
    archiver_version: str = "test",
    message_count: int = 0,
    redaction_counts: dict[str, int] | None = None,
    queue_id: str | None = None,
) -> tuple[bytes, ArchiveMeta]:
    """`raw` (a record's JSON bytes) as a sink's `put` takes it: (gzip bytes, metadata with its digest)."""
    meta = ArchiveMeta(
        conversation_id=conversation_id,
        end_time=end_time,
        sha256=hashlib.sha256(raw).hexdigest(),
        redactor_version=redactor_version,
        archiver_version=archiver_version,
        message_count=message_count,
        redaction_counts=dict(redaction_counts or {}),
        queue_id=queue_id,
    )
    return gzip_bytes(raw), meta
