"""Recognise an archive written by an earlier run that lost its queue state.

The pipeline keeps `archivedAt` stable across retries through the queue (the first lease time), so a rebuilt
record normally has the stored digest. When the queue's state is gone (a rebuilt VM, a deleted state file,
a second worker with its own file), the rebuilt record differs from the stored one in `archivedAt` (and
`archiverVersion` after an upgrade) only. That is the same archive, not "two different records claim one
id": the stored blob stays the archive of record, and the write-back points at it. Anything else that
differs (messages, redaction, participants) stays an integrity alert.
"""

from __future__ import annotations

import msgspec

from archiver.archive.compress import gunzip_bytes
from archiver.archive.record import decode_record
from archiver.errors import IntegrityError
from archiver.sinks.base import StoredArchive


def earlier_archive_of(stored: StoredArchive, new_gz: bytes) -> str | None:
    """`archivedAt` of `stored` (ISO, UTC) when it holds the same record as `new_gz`, else None.

    Runs in the process pool: both records are decompressed and decoded, which is CPU work.
    """
    try:
        old = decode_record(stored.record())  # gunzip + sha256 against the digest recorded at upload
        new = decode_record(gunzip_bytes(new_gz))  # our own bytes, just built
    except (IntegrityError, msgspec.DecodeError, msgspec.ValidationError):
        return None  # damaged or foreign content at the archive's name: an alert, never "the same"
    same = msgspec.structs.replace(new, archived_at=old.archived_at, archiver_version=old.archiver_version)
    if same != old:
        return None
    return msgspec.json.encode(old.archived_at).decode()[1:-1]  # the record's own form, as written back
