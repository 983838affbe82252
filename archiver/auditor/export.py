"""E-discovery bundle: per conversation the archive exactly as stored and a readable HTML transcript, plus an
`index.html` and a `manifest.csv` with every digest — written only inside the output directory.

Layout: `archives/<id>.json.gz`, `transcripts/<id>.html`, `attachments/<id>/<attachmentId><ext>` (each
archived attachment, written only after its bytes matched the sha256 and size in the record), `index.html`,
`manifest.csv`, and `.export/` (resume state: the parameters and one finished row per conversation).
Every file is written to a temp file in its final directory and renamed, so an interrupted export never
leaves a half file under a final name; running the same command again skips conversations whose files are
present with the recorded digests (and retries those with an unverified attachment).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from archiver.archive.compress import gunzip_bytes
from archiver.auditor import html
from archiver.auditor.attachments import Archived, archived_in, read_verified
from archiver.errors import SinkPermanentError
from archiver.sinks.audit_base import ArchiveEntry, AuditStore, Listing, Period
from archiver.sinks.naming import validate_conversation_id

COLUMNS = [
    "conversation_id",
    "end_time",
    "messages",
    "archive_uri",
    "sha256_recorded",
    "sha256_recomputed",
    "archived_at",
    "retention_until",
    "policy_mode",
    "legal_hold",
    "legal_hold_cases",
    "archive_file",
    "archive_file_sha256",
    "transcript_file",
    "transcript_file_sha256",
    "attachment_files",  # space-separated bundle paths of the verified attachments
    "attachment_files_sha256",  # their sha256, in the same order
    "attachment_problems",  # attachments the record lists as archived but that failed verification
]
_STATE = ".export"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class Bundle:
    """Writes into one output directory and nowhere else."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def open(self, params: dict[str, Any]) -> None:
        """Create the layout; refuse symlinked directories and a resume with different parameters."""
        self.out.mkdir(parents=True, exist_ok=True)
        for sub in ("archives", "transcripts", "attachments", _STATE, f"{_STATE}/rows"):
            d = self.out / sub
            if d.is_symlink():
                raise SinkPermanentError(f"cannot export into {self.out}: {sub} is a symbolic link")
            d.mkdir(exist_ok=True)
        state = self.out / _STATE / "params.json"
        blob = json.dumps(params, sort_keys=True).encode()
        if state.exists() and state.read_bytes() != blob:
            raise SinkPermanentError(
                f"cannot resume export in {self.out}: it was started with other parameters "
                f"({state.read_text()[:300]}); use an empty directory"
            )
        self.write(f"{_STATE}/params.json", blob)

    def write(self, rel: str, data: bytes) -> str:
        """Atomically write `out/rel`; returns the sha256 of `data`."""
        path = self.out / rel
        fd, tmp = tempfile.mkstemp(prefix=".tmp.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # replaces a symlink at `path` instead of following it
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return hashlib.sha256(data).hexdigest()

    def done_row(self, cid: str) -> dict[str, str] | None:
        """The finished row of a conversation if its files are intact, else None."""
        try:
            row: dict[str, str] = json.loads((self.out / _STATE / "rows" / f"{cid}.json").read_bytes())
            if row.get("attachment_problems"):
                return None  # try the unverified attachments again
            files = [row["archive_file"], row["transcript_file"], *row["attachment_files"].split()]
            digests = [
                row["archive_file_sha256"],
                row["transcript_file_sha256"],
                *row["attachment_files_sha256"].split(),
            ]
            if len(files) != len(digests):
                return None
            for f, d in zip(files, digests, strict=True):
                if hashlib.sha256((self.out / f).read_bytes()).hexdigest() != d:
                    return None
        except (OSError, ValueError, KeyError):
            return None
        return row

    def rows(self) -> list[dict[str, str]]:
        """Every finished row, by conversation end time."""
        found = []
        for p in sorted((self.out / _STATE / "rows").glob("*.json")):
            found.append(json.loads(p.read_bytes()))
        return sorted(found, key=lambda r: (r["end_time"], r["conversation_id"]))


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text  # no formula injection in spreadsheets


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else ""


class Fetched(msgspec.Struct, frozen=True):
    """An archived attachment of the record: its verified bytes, or why there are none."""

    item: Archived
    data: bytes | None
    problem: str | None


def export_one(
    bundle: Bundle,
    entry: ArchiveEntry,
    data: bytes,
    zone: ZoneInfo,
    zone_name: str,
    fetched: Sequence[Fetched] = (),
) -> dict[str, str]:
    """Write one conversation's files and its row (blocking: runs in a thread)."""
    cid = validate_conversation_id(entry.meta.conversation_id)
    recomputed, record = "", None
    try:
        raw = gunzip_bytes(data)
        recomputed = hashlib.sha256(raw).hexdigest()
        record = json.loads(raw)
    except (OSError, EOFError, zlib.error, ValueError):
        pass
    r = entry.retention
    facts = {
        "Archive": entry.uri,
        "sha256 recorded at upload": entry.meta.sha256 or "unreadable",
        "sha256 recomputed now": recomputed or "archive is not valid gzip",
        "Retention until": _iso(r.until) or "–",
        "Policy mode": r.mode or "none",
        "Legal hold": f"{r.legal_hold} {' '.join(entry.legal_hold_cases)}".strip(),
    }
    if recomputed != entry.meta.sha256:
        facts["WARNING"] = "the archive does not match the digest recorded at upload"
    files: dict[str, str] = {}
    digests: list[str] = []
    problems: dict[str, str] = {}
    if fetched:
        folder = bundle.out / "attachments" / cid
        if folder.is_symlink():
            raise SinkPermanentError(f"cannot export into {bundle.out}: attachments/{cid} is a symbolic link")
        folder.mkdir(exist_ok=True)
    for f in fetched:
        if f.data is None:
            problems[f.item.attachment_id] = f.problem or "not verified"
            continue
        rel = f"attachments/{cid}/{f.item.file_name}"
        digests.append(bundle.write(rel, f.data))
        files[f.item.attachment_id] = rel
    if problems:
        facts["WARNING (attachments)"] = f"{len(problems)} archived attachment(s) failed verification"
    links = {aid: f"../{rel}" for aid, rel in files.items()}  # transcripts/ is a sibling of attachments/
    page_record = record if isinstance(record, dict) else {"conversationId": cid}
    page = html.transcript(page_record, facts, zone, zone_name, links=links, problems=problems)
    archive_file, transcript_file = f"archives/{cid}.json.gz", f"transcripts/{cid}.html"
    row = {
        "conversation_id": cid,
        "end_time": _iso(entry.meta.end_time),
        "messages": str(entry.meta.message_count),
        "archive_uri": entry.uri,
        "sha256_recorded": entry.meta.sha256,
        "sha256_recomputed": recomputed,
        "archived_at": str(record.get("archivedAt", "")) if isinstance(record, dict) else "",
        "retention_until": _iso(r.until),
        "policy_mode": r.mode or "",
        "legal_hold": str(r.legal_hold).lower(),
        "legal_hold_cases": " ".join(entry.legal_hold_cases),
        "archive_file": archive_file,
        "archive_file_sha256": bundle.write(archive_file, data),
        "transcript_file": transcript_file,
        "transcript_file_sha256": bundle.write(transcript_file, page.encode()),
        "attachment_files": " ".join(files.values()),
        "attachment_files_sha256": " ".join(digests),
        "attachment_problems": "; ".join(f"{aid}: {why}" for aid, why in sorted(problems.items())),
    }
    bundle.write(f"{_STATE}/rows/{cid}.json", json.dumps(row, sort_keys=True).encode())
    return row


async def _attachments(store: AuditStore, entry: ArchiveEntry, data: bytes) -> list[Fetched]:
    """Read and verify each attachment the record lists as archived (none when the record is unreadable:
    that is flagged by the record's own digest check)."""
    try:
        raw = gunzip_bytes(data)
    except (OSError, EOFError, zlib.error):
        return []
    items = archived_in(raw, entry.meta.conversation_id)
    if not items:
        return []
    media = store.attachments()
    out = []
    for item in items:
        got, problem = await read_verified(media, item)
        out.append(Fetched(item, got, problem))
    return out


def finish(bundle: Bundle, header: dict[str, str]) -> list[dict[str, str]]:
    """Write manifest.csv and index.html from every finished row."""
    rows = bundle.rows()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in COLUMNS])
    bundle.write("manifest.csv", buf.getvalue().encode())
    bundle.write("index.html", html.index(rows, header).encode())
    return rows


async def export(
    store: AuditStore,
    period: Period,
    out: Path,
    *,
    queue: str | None,
    division: str | None,
    zone_name: str,
    on_progress: Callable[[int, int], None] | None = None,
    concurrency: int = 8,
) -> tuple[list[dict[str, str]], Listing]:
    """Export the period's archives into `out`; returns the manifest rows and how archives were found."""
    zone = ZoneInfo(zone_name)
    bundle = Bundle(out)
    params = {"from": _iso(period.start), "to": _iso(period.end), "queue": queue, "division": division}
    await asyncio.to_thread(bundle.open, params | {"zone": zone_name})
    listing = Listing()
    use_tags = queue is not None or division is not None
    entries = [
        e
        async for e in store.entries(
            period, queue=queue, division=division, listing=listing, use_tags=use_tags
        )
    ]
    sem = asyncio.Semaphore(concurrency)
    done = 0

    async def one(entry: ArchiveEntry) -> None:
        nonlocal done
        async with sem:
            cid = entry.meta.conversation_id
            if await asyncio.to_thread(bundle.done_row, cid) is None:
                data = await store.read(entry)
                fetched = await _attachments(store, entry, data)
                await asyncio.to_thread(export_one, bundle, entry, data, zone, zone_name, fetched)
        done += 1
        if on_progress is not None:
            on_progress(done, len(entries))

    await asyncio.gather(*(one(e) for e in entries))
    facts = params | {"store": store.location, "found via": listing.via, "time zone": zone_name}
    header = {k: str(v) if v is not None else "any" for k, v in facts.items()}
    rows = await asyncio.to_thread(finish, bundle, header)
    return rows, listing
