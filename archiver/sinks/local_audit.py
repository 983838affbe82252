"""Auditor operations on the local directory sink: list by day directory, read, hold, attestations.

Everything comes from the sidecars (`<name>.meta.json`), which carry the metadata the Azure sink keeps in
blob metadata. A legal hold on a local archive is a list of case names in its sidecar: recorded, shown and
attested, but — like retention here — not enforced (the directory is not WORM). An archived attachment
(attachments have no metadata sidecar: the record vouches for them) gets a hold sidecar
`<attachment>.hold.json` = `{"legalHolds": [...]}` mirroring the record's cases, replaced atomically like the
record's sidecar; an empty list is a cleared hold.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec

from archiver.attachments.stores import LocalAttachmentStore
from archiver.errors import IntegrityError, SinkPermanentError
from archiver.sinks.audit_base import (
    ATTESTATION_PREFIX,
    ArchiveEntry,
    Listing,
    Period,
    broken_entry,
    check_case,
)
from archiver.sinks.base import ArchiveNotFound, Retention
from archiver.sinks.local import LocalSink, Sidecar
from archiver.sinks.local_files import link_once, replace_file
from archiver.sinks.naming import SIDECAR_SUFFIX, SUFFIX, conversation_id_of, validate_conversation_id

_decode = msgspec.json.Decoder(Sidecar).decode
_encode = msgspec.json.Encoder().encode
HOLD_SUFFIX = ".hold.json"


class AttachmentHold(msgspec.Struct, rename="camel"):
    """The hold sidecar of a local archived attachment."""

    legal_holds: list[str]


class LocalAuditStore:
    """`AuditStore` over a started `LocalSink`."""

    kind = "local"

    def __init__(self, sink: LocalSink) -> None:
        self._sink = sink

    @property
    def location(self) -> str:
        """The archive directory."""
        return str(self._sink.root)

    def _entry(self, path: Path) -> ArchiveEntry:
        name = path.relative_to(self._sink.root).as_posix()
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        try:
            doc = _decode(sidecar.read_bytes())
        except (OSError, msgspec.DecodeError) as exc:
            raise IntegrityError(f"cannot read archive {name}: sidecar missing or unreadable") from exc
        retention = Retention(
            until=doc.retention_until, mode=None, legal_hold=bool(doc.legal_holds), enforced=False
        )
        return ArchiveEntry(
            name=name,
            uri=path.as_uri(),
            meta=doc.meta,
            retention=retention,
            legal_hold_cases=tuple(doc.legal_holds),
            stored_at=doc.stored_at,
            size_bytes=doc.size_bytes,
        )

    def _list(self, period: Period) -> list[Path]:
        found: list[Path] = []
        for prefix in period.day_prefixes():
            day = self._sink.root / prefix
            if day.is_dir():
                found += sorted(p for p in day.iterdir() if p.name.endswith(SUFFIX) and p.is_file())
        return found

    async def entries(
        self,
        period: Period,
        *,
        queue: str | None = None,
        division: str | None = None,
        listing: Listing,
        use_tags: bool = True,
    ) -> AsyncIterator[ArchiveEntry]:
        """Archives of the period from the day directories and their sidecars."""
        listing.via = "directory listing + sidecars"
        for path in await asyncio.to_thread(self._list, period):
            if conversation_id_of(path.relative_to(self._sink.root).as_posix()) is None:
                continue
            entry = await asyncio.to_thread(self._unreadable_as_entry, path)
            if period.contains(entry.meta.end_time) and entry.matches(queue, division):
                yield entry

    def _unreadable_as_entry(self, path: Path) -> ArchiveEntry:
        try:
            return self._entry(path)
        except IntegrityError as exc:
            # Still an archive: `verify` must count it (as a failure), not skip it silently.
            return broken_entry(path.relative_to(self._sink.root).as_posix(), path.as_uri(), str(exc))

    async def read(self, entry: ArchiveEntry) -> bytes:
        """The stored file's bytes."""
        return await asyncio.to_thread((self._sink.root / entry.name).read_bytes)

    async def close(self) -> None:
        """Nothing to release."""

    async def locate(self, conversation_id: str) -> ArchiveEntry:
        """Search the day directories for the conversation's archive."""
        cid = validate_conversation_id(conversation_id)

        def find() -> ArchiveEntry:
            hits = sorted(self._sink.root.glob(f"conversations/*/*/*/{cid}{SUFFIX}"))
            if not hits:
                raise ArchiveNotFound(
                    f"cannot find archive of conversation {cid}: not found under {self._sink.root}"
                )
            return self._entry(hits[-1])

        return await asyncio.to_thread(find)

    async def set_hold(self, entry: ArchiveEntry, case: str, on: bool) -> ArchiveEntry:
        """Record or remove a case in the sidecar (atomically replaced)."""
        check_case(case)

        def update() -> ArchiveEntry:
            path = self._sink.root / entry.name
            sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
            doc = _decode(sidecar.read_bytes())
            cases = set(doc.legal_holds) | {case} if on else set(doc.legal_holds) - {case}
            updated = msgspec.structs.replace(doc, legal_holds=sorted(cases))
            replace_file(sidecar, _encode(updated), fsync=True)
            return self._entry(path)

        return await asyncio.to_thread(update)

    def attachments(self) -> LocalAttachmentStore:
        """The attachment files beside the records."""
        return LocalAttachmentStore(self._sink)

    async def hold_attachment(self, name: str, cases: tuple[str, ...], hold: bool) -> None:
        """Record the record's cases in the attachment's hold sidecar (module docstring)."""
        path = self._sink.root / name

        def update() -> None:
            if not path.is_file():
                raise ArchiveNotFound(
                    f"cannot set legal hold on attachment {name}: the record names it but it is not stored"
                )
            held = sorted(cases) if hold else []
            replace_file(path.with_name(path.name + HOLD_SUFFIX), _encode(AttachmentHold(held)), fsync=True)

        await asyncio.to_thread(update)

    async def store_attestation(self, name: str, data: bytes) -> str:
        """Write `attestations/<name>` read-only, refusing to replace an existing report."""
        if "/" in name or name.startswith("."):
            raise SinkPermanentError(f"cannot store attestation: invalid name {name!r}")
        path = self._sink.root / ATTESTATION_PREFIX / name

        def write() -> str:
            path.parent.mkdir(parents=True, exist_ok=True)
            # write-once: the same report again is no error, a different one under its name is
            published = link_once(path, data, fsync=True)
            if not published and hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(data).digest():
                raise SinkPermanentError(f"cannot store attestation {name}: a different report has that name")
            return path.as_uri()

        return await asyncio.to_thread(write)
