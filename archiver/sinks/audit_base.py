"""What the auditor commands (`find`, `verify`, `export`, `hold`) read from an archive store, store-neutral.

`ArchiveEntry` is one archive as a listing sees it — name, metadata and protection, without the bytes.
`AuditStore` is the narrow protocol the Azure (`azure_audit.py`) and local (`local_audit.py`) stores
implement; `Period` is a half-open interval of conversation END times, the way archives are named.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import msgspec

from archiver.errors import SinkPermanentError
from archiver.sinks.base import ArchiveMeta, Retention
from archiver.sinks.naming import PREFIX, conversation_id_of

if TYPE_CHECKING:
    from archiver.attachments.stores import AttachmentStore

ATTESTATION_PREFIX = "attestations/"
# A case name becomes a blob index tag value and a sidecar entry: the tag alphabet minus the separator.
_CASE = re.compile(r"[A-Za-z0-9+\-.:=_/]{1,64}")


class Period(msgspec.Struct, frozen=True):
    """Conversations that ended in [start, end) (UTC)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("period bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("the period's end must be after its start")

    def contains(self, moment: datetime) -> bool:
        """True when `moment` lies in [start, end)."""
        return self.start <= moment.astimezone(UTC) < self.end

    def days(self) -> Iterator[datetime]:
        """Every UTC day (midnight) an archive of this period can be named after."""
        day = self.start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        last = (self.end.astimezone(UTC) - timedelta(microseconds=1)).date()
        while day.date() <= last:
            yield day
            day += timedelta(days=1)

    def day_prefixes(self) -> Iterator[str]:
        """`conversations/yyyy/mm/dd/` for each day of the period."""
        for day in self.days():
            yield f"{PREFIX}{day:%Y/%m/%d}/"


class ArchiveEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One archive in a listing: where it is, what its metadata says, how it is protected."""

    name: str
    uri: str
    meta: ArchiveMeta
    retention: Retention
    legal_hold_cases: tuple[str, ...] = ()  # case names recorded by `archiver hold set` (may be unknown)
    stored_at: datetime | None = None  # when the store wrote it (Azure creation time, local sidecar)
    size_bytes: int | None = None
    problem: str | None = None  # the metadata could not be read: the entry is a placeholder

    def matches(self, queue: str | None, division: str | None) -> bool:
        """True when the queue/division filters (None = any) accept this archive."""
        return (queue is None or self.meta.queue_id == queue) and (
            division is None or self.meta.division_id == division
        )


class Listing(msgspec.Struct, kw_only=True):
    """How a listing was obtained (`via`) and why a faster way was not used (`note`)."""

    via: str = ""
    note: str = ""


class AuditStore(Protocol):
    """Read-mostly operations on an archive store for auditors (the sink's own client and settings)."""

    kind: str

    @property
    def location(self) -> str:
        """The container URL or directory, for reports."""
        ...

    def entries(
        self,
        period: Period,
        *,
        queue: str | None = None,
        division: str | None = None,
        listing: Listing,
        use_tags: bool = True,
    ) -> AsyncIterator[ArchiveEntry]:
        """Archives whose conversation ended in `period`; fills `listing` with how they were found."""
        ...

    async def read(self, entry: ArchiveEntry) -> bytes:
        """The archive's bytes exactly as stored (gzip)."""
        ...

    async def locate(self, conversation_id: str) -> ArchiveEntry:
        """The archive of one conversation (ArchiveNotFound when there is none)."""
        ...

    async def set_hold(self, entry: ArchiveEntry, case: str, on: bool) -> ArchiveEntry:
        """Add (`on`) or remove a case; the hold stays while any case remains. Returns the new state."""
        ...

    def attachments(self) -> AttachmentStore:
        """The store of the archived attachments beside the records (read and stat by stored name)."""
        ...

    async def hold_attachment(self, name: str, cases: tuple[str, ...], hold: bool) -> None:
        """Put the record's resulting hold on one archived attachment (`cases`: the record's case names)."""
        ...

    async def store_attestation(self, name: str, data: bytes) -> str:
        """Write a report under `attestations/` write-once (WORM when the store is); returns its URI."""
        ...

    async def close(self) -> None:
        """Release what the audit store opened itself (not the sink)."""
        ...


def broken_entry(name: str, uri: str, problem: str) -> ArchiveEntry:
    """A placeholder for an archive whose metadata is unreadable: id and day from its name."""
    cid = conversation_id_of(name) or name
    y, m, d = (int(x) for x in name.split("/")[1:4])
    meta = ArchiveMeta(
        conversation_id=cid,
        end_time=datetime(y, m, d, 12, tzinfo=UTC),
        sha256="",
        redactor_version="",
        archiver_version="",
        message_count=0,
    )
    return ArchiveEntry(name=name, uri=uri, meta=meta, retention=Retention(), problem=problem)


def check_case(case: str) -> str:
    """A legal-hold case name: 1-64 chars of `A-Z a-z 0-9 + - . : = _ /` (it is stored as a tag value)."""
    if not _CASE.fullmatch(case):
        raise SinkPermanentError(
            f"cannot use case name {case[:80]!r}: use 1-64 characters of A-Z a-z 0-9 + - . : = _ / "
            "(no spaces; case names are stored as blob index tags and must hold no personal data)"
        )
    return case


def cases_of(value: str | None) -> tuple[str, ...]:
    """Case names from their stored form (space-separated)."""
    return tuple(sorted({c for c in (value or "").split(" ") if c}))


def cases_value(cases: tuple[str, ...]) -> str:
    """The stored form of a set of case names."""
    return " ".join(sorted(set(cases)))
