"""Audit archives against the simulator's ground truth: exactly once, decodable, PII-free, written back.

Used by `archiver demo`, the end-to-end tests and the benchmarks. It reads archives the way an auditor
does — through the sink's `get` (which verifies the digest) — and lists archive names straight from the
store so duplicates (the same conversation under two names) are visible.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import msgspec

from archiver.errors import ArchiverError
from archiver.sinks import StoredArchive
from archiver.sinks.naming import SUFFIX, conversation_id_of

log = logging.getLogger(__name__)


class Truth(Protocol):
    """The fields of `archiver.sim.ConversationTruth` the audit reads."""

    @property
    def id(self) -> str: ...
    @property
    def planted_pii(self) -> list[str]: ...
    @property
    def customer_participant_id(self) -> str: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def customer_address(self) -> str: ...


class Readable(Protocol):
    async def get(self, conversation_id: str, end_time: Any = None) -> StoredArchive: ...


class AuditReport(msgspec.Struct, kw_only=True):
    """Findings; `ok` is True only when nothing is missing, duplicated, leaked, invalid or unwritten."""

    expected: int
    archived: int = 0
    missing: list[str] = msgspec.field(default_factory=list)
    duplicates: list[str] = msgspec.field(default_factory=list)
    unexpected: list[str] = msgspec.field(default_factory=list)  # archived but should not be (open/sms)
    invalid: list[str] = msgspec.field(default_factory=list)  # digest, gzip or schema failures
    pii_leaks: list[str] = msgspec.field(default_factory=list)  # "cid:TYPE-less marker" (never the value)
    personal_data_leaks: list[str] = msgspec.field(default_factory=list)  # customer name/address found
    writebacks_ok: int = 0
    writebacks_missing: list[str] = msgspec.field(default_factory=list)
    planted_pii_checked: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.duplicates
            or self.unexpected
            or self.invalid
            or self.pii_leaks
            or self.personal_data_leaks
            or self.writebacks_missing
        )

    def summary(self) -> str:
        """One line per figure."""
        rows = [
            ("expected", self.expected),
            ("archived", self.archived),
            ("missing", len(self.missing)),
            ("duplicates", len(self.duplicates)),
            ("archived but not web messaging", len(self.unexpected)),
            ("invalid archives", len(self.invalid)),
            ("PII found in archives", len(self.pii_leaks)),
            ("customer names/addresses found", len(self.personal_data_leaks)),
            ("write-backs present", self.writebacks_ok),
            ("write-backs missing", len(self.writebacks_missing)),
        ]
        return "\n".join(f"  {name:<32} {value}" for name, value in rows)


def list_local_names(root: str | Path) -> list[str]:
    """Archive names (relative, with `/`) under a local sink root."""
    base = Path(root)
    return sorted(
        p.relative_to(base).as_posix() for p in base.glob(f"conversations/*/*/*/*{SUFFIX}") if p.is_file()
    )


async def list_azure_names(connection_string: str, container: str) -> list[str]:
    """Archive names in an Azure container (Azurite in tests)."""
    from azure.storage.blob.aio import ContainerClient

    async with ContainerClient.from_connection_string(connection_string, container) as cc:
        names = [b.name async for b in cc.list_blobs(name_starts_with="conversations/")]
        return sorted(n for n in names if conversation_id_of(n) is not None)  # records, not attachments


def strings_of(node: Any) -> Iterator[str]:
    """Every string (keys included) in a decoded JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from strings_of(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings_of(v)


def validate_record(raw: bytes) -> Any:
    """Decode the record JSON strictly against the schema Struct; returns it as builtins."""
    from archiver.archive.record import SCHEMA, ArchiveRecord

    msgspec.json.decode(raw, type=ArchiveRecord, strict=True)
    doc = json.loads(raw)
    if doc.get("schema") != SCHEMA:
        raise ValueError("unexpected schema")
    return doc


async def audit(
    sink: Readable,
    names: Iterable[str],
    archived_truths: Iterable[Truth],
    *,
    excluded_truths: Iterable[Truth] = (),
    attributes: Any = None,
    writeback: str = "participant-attributes",
    tags: Any = None,
    properties: Any = None,
    concurrency: int = 8,
) -> AuditReport:
    """Check every expected conversation; `attributes(cid)`/`tags(cid)`/`properties(cid)` read the
    write-backs (simulator). A write-back counts where the fallback chain may have put it: the configured
    mode, the attributes or the external tag."""
    expected = list(archived_truths)
    per_id = Counter(cid for cid in (conversation_id_of(n) for n in names) if cid is not None)
    report = AuditReport(expected=len(expected))
    report.duplicates = sorted(cid for cid, n in per_id.items() if n > 1)
    report.unexpected = sorted(t.id for t in excluded_truths if per_id.get(t.id))
    sem = asyncio.Semaphore(concurrency)

    async def check(t: Truth) -> None:
        if not per_id.get(t.id):
            report.missing.append(t.id)
            return
        async with sem:
            try:
                stored = await sink.get(t.id)
                raw = stored.record()
                doc = validate_record(raw)
            except (ArchiverError, ValueError, msgspec.ValidationError, msgspec.DecodeError) as exc:
                report.invalid.append(f"{t.id}:{type(exc).__name__}")
                return
        report.archived += 1
        text = "\n".join(strings_of(doc))
        for value in t.planted_pii:
            report.planted_pii_checked += 1
            if value and value in text:
                report.pii_leaks.append(t.id)
        for value in (t.customer_name, t.customer_address):
            if value and value in text:
                report.personal_data_leaks.append(t.id)
        reader = {
            "participant-attributes": attributes,
            "external-tag": tags,
            "analytics-properties": properties,
        }
        if reader.get(writeback) is None:
            return  # no write-back expected, or none readable
        wanted = {"archiveUri": stored.uri, "archiveSha256": stored.meta.sha256}
        attrs = attributes(t.id).get(t.customer_participant_id, {}) if attributes is not None else {}
        props = properties(t.id) if properties is not None else {}
        as_attrs = writeback != "external-tag" and all(attrs.get(k) == v for k, v in wanted.items())
        as_props = writeback == "analytics-properties" and all(props.get(k) == v for k, v in wanted.items())
        as_tag = tags is not None and (tags(t.id) or "").endswith(stored.uri)
        if as_attrs or as_props or as_tag:
            report.writebacks_ok += 1
        else:
            report.writebacks_missing.append(t.id)

    await asyncio.gather(*(check(t) for t in expected))
    for field in ("missing", "invalid", "pii_leaks", "personal_data_leaks", "writebacks_missing"):
        getattr(report, field).sort()
    return report
