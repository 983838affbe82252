"""Backfill: enqueue a historical range through the async details jobs API, with a progress bar.

The rule: backfill selects by END time — every web messaging conversation that ended in [since, until), and
no other, whenever it started. A details job's interval matches conversations that had activity during it
(a thread opened three weeks before `since` and closed inside the range is included), so each chunk's job
returns what ended in the chunk plus what was merely active in it; the latter (ended after the chunk, or not
at all) is left to the chunk or the range that contains its end — or to the reconciler
(docs/genesys.md, "Long-lived conversations and the reconciler window").

The range is cut into chunks (one job each). After a chunk's ids are enqueued, the end of that chunk is
persisted as a watermark keyed by `since` alone: "everything that ended in [since, watermark) is enqueued"
holds whatever `--until` each run used, so an interrupted backfill (Ctrl-C) skips the chunks it has already
enqueued when run again — with the same `--until`, another one, or none (until = now, which differs on every
run and so must not be part of the key). Everything else is resumable by construction: enqueue is
idempotent and a done conversation is never re-enqueued or re-archived.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TextIO

import msgspec

from archiver.genesys.client import format_interval
from archiver.genesys.models import JobResults, JobStatus
from archiver.ids import is_conversation_id
from archiver.metrics import Metrics
from archiver.queue import WorkQueue

log = logging.getLogger(__name__)


class JobsClient(Protocol):
    """The async-jobs calls of `GenesysClient`."""

    async def submit_details_job(
        self, interval: str, *, ended_only: bool = True, filters: dict[str, Any] | None = None
    ) -> str: ...

    async def wait_job(self, job_id: str, *, poll_s: float = 2.0, timeout_s: float = 3600.0) -> JobStatus: ...

    def iter_job_results(self, job_id: str, page_size: int | None = None) -> AsyncIterator[JobResults]: ...

    async def data_availability(self) -> datetime | None: ...


class BackfillSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Chunking and polling of the jobs API."""

    chunk_s: float = 86400.0  # one job per day of history
    poll_s: float = 2.0
    job_timeout_s: float = 3600.0
    page_size: int | None = None


def watermark_key(since: datetime) -> str:
    """The queue watermark name that records how far the backfill starting at `since` has been enqueued."""
    return f"backfill:since={_utc(since).isoformat(timespec='seconds')}"


def _legacy_watermark_key(since: datetime, until: datetime) -> str:
    # Before the key dropped `until`: still honoured, so a run interrupted by an older version resumes.
    return f"backfill:{format_interval(since, until)}"


async def enqueue_range(
    client: JobsClient,
    queue: WorkQueue,
    since: datetime,
    until: datetime,
    *,
    settings: BackfillSettings | None = None,
    metrics: Metrics | None = None,
    on_progress: Callable[[int, int, datetime], None] | None = None,
) -> tuple[int, int]:
    """Enqueue every web messaging conversation that ENDED in [since, until); returns (found, new).

    `on_progress(found, new, at)`: after every page (`at`: the start of the chunk being read) and after every
    chunk (`at`: its end, so the last call has `at == until`).
    """
    s = settings or BackfillSettings()
    since, until = _utc(since), _utc(until)
    key = watermark_key(since)
    marks = [await queue.get_watermark(k) for k in (key, _legacy_watermark_key(since, until))]
    done_until = max((m for m in marks if m is not None), default=None)
    cursor = min(until, max(since, done_until)) if done_until is not None else since
    if done_until is not None and done_until > since:
        log.info("backfill_resume from=%s", cursor.isoformat(timespec="seconds"))
    available = await client.data_availability()
    if available is not None and until > available:
        log.warning(
            "backfill_partial data_available_until=%s (later conversations are the reconciler's job)",
            available.isoformat(timespec="seconds"),
        )
    found = new = skipped = 0
    step = timedelta(seconds=s.chunk_s)
    while cursor < until:
        chunk_end = min(until, cursor + step)
        job_id = await client.submit_details_job(format_interval(cursor, chunk_end))
        await client.wait_job(job_id, poll_s=s.poll_s, timeout_s=s.job_timeout_s)
        async for page in client.iter_job_results(job_id, s.page_size):
            ended = [
                c.conversation_id
                for c in page.conversations
                if c.conversation_end is not None
                and cursor <= _utc(c.conversation_end) < chunk_end
                and (not c.message_types or "webmessaging" in c.message_types)
            ]
            # One hostile id would make enqueue_many refuse the whole page and abort the backfill: skip it.
            # Only the count is logged — the id itself may be anything (control characters, megabytes).
            ids = [cid for cid in ended if is_conversation_id(cid)]
            if len(ids) < len(ended):
                skipped += len(ended) - len(ids)
                log.warning("backfill_bad_conversation_ids count=%d skipped", len(ended) - len(ids))
            found += len(ids)
            if ids:
                added = await queue.enqueue_many(ids, source="backfill")
                new += added
                if metrics is not None and added:
                    metrics.enqueued.labels("backfill").inc(added)
            if on_progress is not None:
                on_progress(found, new, cursor)
        await queue.set_watermark(key, chunk_end)
        if on_progress is not None:
            on_progress(found, new, chunk_end)
        log.info(
            "backfill_chunk interval=%s job=%s found=%d new=%d skipped=%d",
            format_interval(cursor, chunk_end),
            job_id,
            found,
            new,
            skipped,
        )
        cursor = chunk_end
    return found, new


class ProgressBar:
    """One status line on stderr: a bar, counts, rate and ETA (redrawn in place on a TTY)."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self._out = stream or sys.stderr
        self._tty = bool(getattr(self._out, "isatty", lambda: False)())
        self._width = width
        self._t0 = time.monotonic()
        self._last_line = ""
        self._done0: int | None = None
        self._status = ""
        self._last: dict[str, Any] | None = None

    def update(
        self,
        *,
        done: int,
        total: int,
        failed: int = 0,
        dead: int = 0,
        phase: str = "archiving",
        unit: str = "conv",
    ) -> None:
        """Redraw with `done` of `total` finished (archived + dead)."""
        self._last = {
            "done": done,
            "total": total,
            "failed": failed,
            "dead": dead,
            "phase": phase,
            "unit": unit,
        }
        if self._done0 is None:
            self._done0 = done
        elapsed = max(1e-6, time.monotonic() - self._t0)
        rate = (done - self._done0) / elapsed
        remaining = max(0, total - done)
        eta = _fmt_duration(remaining / rate) if rate > 0 else "--"
        frac = done / total if total else 1.0
        filled = int(self._width * min(1.0, frac))
        bar = "#" * filled + "." * (self._width - filled)
        line = (
            f"{phase} [{bar}] {done}/{total} ({frac:.0%}) failed={failed} dead={dead} "
            f"{rate:.1f} {unit}/s ETA {eta}"
        )
        if self._status:
            line += f" | {self._status}"
        if line == self._last_line:
            return
        self._last_line = line
        if self._tty:
            self._out.write("\r\x1b[2K" + line)
        else:
            self._out.write(line + "\n")
        self._out.flush()

    def status(self, text: str) -> None:
        """Show `text` after the bar (e.g. what it is waiting for), or clear it with ""; redraws."""
        if text == self._status:
            return
        self._status = text
        if self._last is not None:
            self.update(**self._last)

    def note(self, text: str) -> None:
        """A one-off line (keeps the bar intact on a TTY)."""
        prefix = "\r\x1b[2K" if self._tty else ""
        self._out.write(prefix + text + "\n")
        self._out.flush()

    def close(self) -> None:
        """End the in-place line."""
        if self._tty and self._last_line:
            self._out.write("\n")
            self._out.flush()


def _fmt_duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _utc(d: datetime) -> datetime:
    return d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
