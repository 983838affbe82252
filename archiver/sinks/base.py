"""The `Sink` contract shared by every archive store, and the value types that cross it.

A sink stores one gzip'd `archiver.conversation/v1` record per conversation under `blob_name(...)`,
write-once: `put` never replaces an archive, a duplicate with the same digest is reported as already
archived, and a different digest is an `IntegrityError` (an alert: two different records claim one id).
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

import msgspec

from archiver.archive.compress import gunzip_bytes
from archiver.archive.record import SCHEMA
from archiver.errors import EXIT_NOT_FOUND, IntegrityError, SinkPermanentError

CONTENT_TYPE = "application/gzip"


class ArchiveMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What the pipeline knows about one archive; stored beside it (Azure metadata + tags, local sidecar)."""

    conversation_id: str
    end_time: datetime
    sha256: str  # hex sha256 of the *uncompressed* record JSON bytes: stable across gzip levels/engines
    schema: str = SCHEMA
    redactor_version: str
    archiver_version: str
    message_count: int
    redaction_counts: dict[str, int] = msgspec.field(default_factory=dict)
    queue_id: str | None = None  # routing queue and division: ids only (index tags, never personal data)
    division_id: str | None = None


class PutResult(msgspec.Struct, frozen=True):
    """Where the archive lives; `created=False` means it was already archived with the same digest."""

    uri: str
    created: bool


class Retention(msgspec.Struct, frozen=True, kw_only=True):
    """Retention as the store reports it. `enforced` is True only when the store itself refuses change."""

    until: datetime | None = None
    mode: str | None = None  # "Unlocked" | "Locked" for an Azure immutability policy; None: no policy
    legal_hold: bool = False
    enforced: bool = False

    def problems(self, now: datetime | None = None, *, require_locked: bool = False) -> list[str]:
        """Why this archive is not (or no longer) protected as WORM; empty when it is."""
        now = now or datetime.now(UTC)
        found: list[str] = []
        if not self.enforced:
            found.append("the store does not enforce immutability (not WORM)")
        if self.mode not in {"Unlocked", "Locked"} and not self.legal_hold:
            found.append("no immutability policy and no legal hold")
        if self.until is not None and self.until <= now and not self.legal_hold:
            found.append(f"retention expired at {self.until.isoformat()}")
        if require_locked and self.mode != "Locked":
            found.append("policy is Unlocked (can still be shortened or deleted by an administrator)")
        return found


class StoredArchive(msgspec.Struct, frozen=True, kw_only=True):
    """An archive as read back: gzip bytes, its metadata, retention, and the store's content headers."""

    uri: str
    name: str
    data: bytes
    meta: ArchiveMeta
    retention: Retention
    content_type: str | None = None
    content_encoding: str | None = None
    tags: dict[str, str] = msgspec.field(default_factory=dict)

    def record(self) -> bytes:
        """Decompress, verify against `meta.sha256`, return the record JSON bytes (else IntegrityError)."""
        try:
            raw = gunzip_bytes(self.data)
        except (OSError, EOFError, zlib.error) as exc:
            raise IntegrityError(f"cannot verify archive {self.name}: not valid gzip ({exc})") from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest != self.meta.sha256:
            raise IntegrityError(
                f"cannot verify archive {self.name}: sha256 {digest} "
                f"does not match recorded {self.meta.sha256}"
            )
        return raw


class ArchiveNotFound(SinkPermanentError):
    """No archive exists for the requested conversation (the store answered: not "store unreachable")."""

    exit_code = EXIT_NOT_FOUND


@runtime_checkable
class Sink(Protocol):
    """A write-once archive store. Constructors only store settings; `start` opens and checks."""

    async def start(self) -> None:
        """Open clients and check the store (Azure: refuse a non-WORM container in compliance mode)."""
        ...

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        """Store `data` (gzip bytes of the record) under `blob_name(meta...)` if absent; never overwrite."""
        ...

    async def get(self, conversation_id: str, end_time: datetime | None = None) -> StoredArchive:
        """Read an archive back (by id alone when `end_time` is None); raise SinkPermanentError if absent."""
        ...

    async def close(self) -> None:
        """Release clients; safe to call twice."""
        ...
