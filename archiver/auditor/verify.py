"""Completeness attestation: every web messaging conversation that ended in a period is archived exactly once,
its bytes match the digest recorded at upload, every attachment its record lists as archived is stored with
the recorded sha256 and size, and it is protected (immutability policy or legal hold in
force) — and no archive of the period lacks a conversation.

Expected conversations come from Genesys (analytics details jobs: "activity during the interval" covers
every conversation that ended inside it; `conversationEnd` is checked here, so the selection is "ended in
[start, end)"). Archives come from a listing of the store (strongly consistent, unlike the tag index).
The report is canonical JSON whose own sha256 is embedded, so a copy can be checked byte for byte.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import msgspec

from archiver import __version__
from archiver.archive.compress import gunzip_bytes
from archiver.auditor.attachments import archived_in, check_stored
from archiver.errors import ArchiverError
from archiver.genesys.analytics import format_interval
from archiver.genesys.models import JobResults, JobStatus
from archiver.ids import is_conversation_id
from archiver.sinks.audit_base import ArchiveEntry, AuditStore, Listing, Period

REPORT_KIND = "archiver.attestation/v1"


class JobsClient(Protocol):
    """The analytics jobs calls of `GenesysClient` that verify uses."""

    async def submit_details_job(
        self, interval: str, *, ended_only: bool = True, filters: dict[str, Any] | None = None
    ) -> str: ...

    async def wait_job(self, job_id: str, *, poll_s: float = 2.0, timeout_s: float = 3600.0) -> JobStatus: ...

    def iter_job_results(self, job_id: str, page_size: int | None = None) -> Any: ...

    async def data_availability(self) -> datetime | None: ...


class Expected(msgspec.Struct, frozen=True):
    """What Genesys says ended in the period, and until when its analytics data is complete."""

    ends: dict[str, datetime]
    available_until: datetime | None


async def expected_conversations(
    client: JobsClient, period: Period, *, poll_s: float = 2.0, chunk: timedelta = timedelta(days=7)
) -> Expected:
    """Web messaging conversations that ended in the period, per analytics details jobs (one per chunk:
    the API documents no interval limit, and a week keeps each job's result set moderate)."""
    available = await client.data_availability()
    ends: dict[str, datetime] = {}
    cursor = period.start
    while cursor < period.end:
        chunk_end = min(period.end, cursor + chunk)
        job_id = await client.submit_details_job(format_interval(cursor, chunk_end))
        await client.wait_job(job_id, poll_s=poll_s)
        page: JobResults
        async for page in client.iter_job_results(job_id):
            for c in page.conversations:
                end = c.conversation_end
                if end is None or not is_conversation_id(c.conversation_id):
                    continue
                end = end if end.tzinfo else end.replace(tzinfo=UTC)
                if c.message_types and "webmessaging" not in c.message_types:
                    continue
                if period.contains(end):  # a conversation active across chunks is seen twice: a dict
                    ends[c.conversation_id] = end.astimezone(UTC)
        cursor = chunk_end
    return Expected(ends, available)


class Finding(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """One problem with one conversation or archive."""

    conversation_id: str
    archive: str | None = None
    detail: str | None = None


class Counts(msgspec.Struct, rename="camel"):
    """The figures of the attestation."""

    expected: int = 0
    archived: int = 0
    verified: int = 0  # digest matches and protected
    missing: int = 0
    digest_mismatch: int = 0
    attachment_problems: int = 0
    unprotected: int = 0
    duplicates: int = 0
    extra: int = 0


class Report(msgspec.Struct, rename="camel", kw_only=True):
    """The attestation report (schema `archiver.attestation/v1`)."""

    kind: str = REPORT_KIND
    period: dict[str, str]
    generated_at: str
    tool: dict[str, str]
    store: dict[str, Any]
    source: dict[str, Any]
    require_locked: bool
    counts: Counts
    missing: list[Finding]
    digest_mismatch: list[Finding]
    attachment_problems: list[Finding]  # archived attachments missing or not matching the record
    unprotected: list[Finding]
    duplicates: list[Finding]
    extra: list[Finding]
    ok: bool
    report_sha256: str = ""


def canonical(doc: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: `reportSha256` is the sha256 of this encoding without that key."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(report: Report) -> bytes:
    """Fill `report_sha256` and return the report's bytes (canonical JSON plus a newline)."""
    doc = msgspec.to_builtins(report)
    doc.pop("reportSha256", None)
    report.report_sha256 = hashlib.sha256(canonical(doc)).hexdigest()
    doc["reportSha256"] = report.report_sha256
    return canonical(doc) + b"\n"


def check_seal(data: bytes) -> bool:
    """True when a report's embedded sha256 matches its content."""
    doc = json.loads(data)
    claimed = doc.pop("reportSha256", None)
    return isinstance(claimed, str) and hashlib.sha256(canonical(doc)).hexdigest() == claimed


class _RecordId(msgspec.Struct):
    conversationId: str = ""


def digest_problem(entry: ArchiveEntry, data: bytes) -> str | None:
    """Why the stored bytes do not match the archive's metadata, or None when they do."""
    return _checked(entry, data)[0]


def _checked(entry: ArchiveEntry, data: bytes) -> tuple[str | None, bytes]:
    """`digest_problem` and the uncompressed record (empty when it could not be read)."""
    if entry.problem:
        return entry.problem, b""
    try:
        raw = gunzip_bytes(data)
    except (OSError, EOFError, zlib.error):
        return "stored bytes are not valid gzip", b""
    digest = hashlib.sha256(raw).hexdigest()
    if digest != entry.meta.sha256:
        return f"sha256 of the record is {digest}, metadata records {entry.meta.sha256}", raw
    try:
        inner = msgspec.json.decode(raw, type=_RecordId).conversationId
    except (msgspec.DecodeError, msgspec.ValidationError):
        return "record is not valid JSON", raw
    if inner != entry.meta.conversation_id:
        return f"record is of conversation {inner[:80]!r}", raw
    return None, raw


async def verify(
    store: AuditStore,
    expected: Expected,
    period: Period,
    *,
    require_locked: bool = False,
    enforced_only: bool = True,
    source: str = "",
    concurrency: int = 32,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Compare Genesys's conversations of the period with the store; see the module docstring."""
    now = now or datetime.now(UTC)
    listing = Listing()
    entries: list[ArchiveEntry] = []
    async for entry in store.entries(period, listing=listing, use_tags=False):
        entries.append(entry)
    by_id: dict[str, list[ArchiveEntry]] = defaultdict(list)
    for entry in entries:
        by_id[entry.meta.conversation_id].append(entry)
    mismatch: list[Finding] = []
    attachment_problems: list[Finding] = []
    unprotected: list[Finding] = []
    good: set[str] = set()
    done = 0
    sem = asyncio.Semaphore(concurrency)

    async def check(entry: ArchiveEntry) -> None:
        nonlocal done
        cid = entry.meta.conversation_id
        attachments_ok = True
        async with sem:
            try:
                problem, raw = _checked(entry, await store.read(entry))
            except ArchiverError as exc:
                problem, raw = f"cannot read: {exc}", b""
            if problem is None:
                # Only records that list archived attachments cost extra reads (one stat each).
                for item in archived_in(raw, cid):
                    why = await check_stored(store.attachments(), item)
                    if why is not None:
                        attachments_ok = False
                        where = item.name or f"attachment {item.attachment_id}"
                        attachment_problems.append(Finding(cid, where, f"{item.attachment_id}: {why}"))
        if problem is not None:
            mismatch.append(Finding(cid, entry.name, problem))
        problems = entry.retention.problems(now, require_locked=require_locked)
        if not enforced_only:  # a store that cannot enforce WORM: only expiry counts
            problems = [p for p in problems if "expired" in p or "Unlocked" in p]
        if problems:
            unprotected.append(Finding(cid, entry.name, "; ".join(problems)))
        if problem is None and attachments_ok and not problems:
            good.add(entry.name)
        done += 1
        if on_progress is not None:
            on_progress(done, len(entries))

    await asyncio.gather(*(check(e) for e in entries))
    expected_ids = set(expected.ends)
    archived_ids = set(by_id)
    complete = expected.available_until is None or expected.available_until >= period.end
    counts = Counts(
        expected=len(expected_ids),
        archived=len(archived_ids & expected_ids),
        verified=sum(
            1 for cid in expected_ids if len(by_id.get(cid, ())) == 1 and by_id[cid][0].name in good
        ),
    )
    report = Report(
        period={"from": _iso(period.start), "to": _iso(period.end), "selects": "conversationEnd"},
        generated_at=_iso(now),
        tool={"name": "archiver", "version": __version__},
        store={"kind": store.kind, "location": store.location, "listing": listing.via, "worm": enforced_only},
        source={
            "genesys": source,
            "query": "analytics conversation details job; mediaType=message, messageType=webmessaging",
            "dataAvailableUntil": _iso(expected.available_until) if expected.available_until else None,
            "complete": complete,
        },
        require_locked=require_locked,
        counts=counts,
        missing=[Finding(cid) for cid in sorted(expected_ids - archived_ids)],
        digest_mismatch=sorted(mismatch, key=_key),
        attachment_problems=sorted(attachment_problems, key=_key),
        unprotected=sorted(unprotected, key=_key),
        duplicates=[
            Finding(cid, ", ".join(sorted(e.name for e in es)))
            for cid, es in sorted(by_id.items())
            if len(es) > 1
        ],
        extra=[
            Finding(cid, by_id[cid][0].name, "Genesys reports no such web messaging conversation")
            for cid in sorted(archived_ids - expected_ids)
        ],
        ok=False,
    )
    c = report.counts
    c.missing, c.digest_mismatch, c.unprotected = len(report.missing), len(mismatch), len(unprotected)
    c.duplicates, c.extra = len(report.duplicates), len(report.extra)
    c.attachment_problems = len(attachment_problems)
    report.ok = complete and not (
        c.missing or c.digest_mismatch or c.attachment_problems or c.unprotected or c.duplicates or c.extra
    )
    return report


def summary(report: Report) -> str:
    """The human-readable table printed beside the JSON report."""
    c = report.counts
    rows = [
        ("period (conversation end, UTC)", f"{report.period['from']} → {report.period['to']}"),
        ("store", f"{report.store['kind']} {report.store['location']}"),
        ("expected (Genesys)", c.expected),
        ("archived", c.archived),
        ("verified (digest + protection)", c.verified),
        ("missing", c.missing),
        ("digest mismatch", c.digest_mismatch),
        ("attachment missing or mismatch", c.attachment_problems),
        ("unprotected", c.unprotected),
        ("duplicates", c.duplicates),
        ("extra (unknown to Genesys)", c.extra),
    ]
    lines = [f"  {name:<32} {value}" for name, value in rows]
    if not report.source["complete"]:
        until = report.source["dataAvailableUntil"]
        lines.append(f"  INCOMPLETE: Genesys analytics data is complete only until {until}; run again later")
    if not report.store["worm"]:
        lines.append("  WARNING: this store does not enforce WORM; protection is recorded, not enforced")
    lines.append(f"  result                           {'OK' if report.ok else 'FAILED'}")
    lines.append(f"  report sha256                    {report.report_sha256}")
    return "\n".join(lines)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _key(f: Finding) -> tuple[str, str]:
    return (f.conversation_id, f.archive or "")
