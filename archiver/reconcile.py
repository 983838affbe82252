"""The reconciler: finds ended web messaging conversations the listener missed, and enqueues them.

WebSocket events are not queued while a socket is down, and bot-only conversations never reach a queue
topic, so every `interval_s` the reconciler asks the analytics details query for every web messaging
conversation that ENDED in `[watermark − overlap, now − settle)` and enqueues the ones the queue does not
know yet (enqueue is idempotent; a done conversation is never re-enqueued).

That query's interval selects conversations by their START, and a web messaging thread can stay open for
weeks: the interval therefore reaches back `max_age_s` (31 days by default) before the window, sorted by
conversationEnd descending, and paging stops as soon as the ends fall below the window. A sweep's cost is
bounded by `max_pages` and visible (`archiver_reconcile_pages`); a sweep that hits the cap did not see its
whole window, so it warns and leaves the watermark where it was — the watermark only ever moves over what
was fully seen (docs/genesys.md, "Long-lived conversations and the reconciler window").

The watermark is persisted in the queue's database, so a restart continues where the last complete sweep
stopped. A reconnect gap reported by the listener triggers an immediate sweep, and a second one after
`settle_s`, when the analytics data for the end of the gap has become visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import msgspec

from archiver.errors import GenesysAuthError, GenesysPermissionError, QueueUnavailable, TransientError
from archiver.genesys.analytics import DEFAULT_MAX_AGE_DAYS, PageWalk
from archiver.genesys.models import AnalyticsConversation
from archiver.metrics import Metrics
from archiver.queue import WorkQueue

log = logging.getLogger(__name__)

WATERMARK = "reconcile"
_BATCH = 500


class AnalyticsClient(Protocol):
    """`GenesysClient.iter_ended_webmessaging`."""

    def iter_ended_webmessaging(
        self,
        start: datetime,
        end: datetime,
        *,
        page_size: int = 100,
        lookback: timedelta = ...,
        max_pages: int | None = None,
        walk: PageWalk | None = None,
        first_page: int = 1,
        above: datetime | None = None,
    ) -> AsyncIterator[AnalyticsConversation]: ...


class ReconcileSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Sweep cadence and window (seconds).

    Its own shape, not the `[worker]` section: the reconciler lives in the Genesys adapter layer and
    takes only its five `worker.reconcile_*` keys (built in one place, `app.reconcile_settings`, which
    converts `reconcile_max_age_days` to seconds and names `reconcile_lag_s` `settle_s`), plus values that
    are not keys — the first run's lookback, page size and error retry — which demo and tests override.
    """

    interval_s: float = 300.0
    overlap_s: float = 900.0  # re-read this much before the watermark: analytics data arrives late
    settle_s: float = 120.0  # "avoid the current time" in the query (docs/genesys.md#analytics)
    initial_lookback_s: float = 86400.0  # first run with no watermark
    max_age_s: float = DEFAULT_MAX_AGE_DAYS * 86400.0  # longest a thread stays open: the query reaches back
    max_pages: int = 200  # per sweep; a sweep that hits it warns and keeps the watermark
    page_size: int = 100
    error_retry_s: float = 30.0


@dataclass(frozen=True)
class _Resume:
    """How far a capped sweep got: with the watermark unchanged, what ended in [low, top) has been seen."""

    watermark: datetime | None  # the persisted watermark it started from
    start: datetime  # its window's start
    low: datetime
    page: int  # the last page it read: nothing below `low` is on an earlier page
    top: datetime  # its window's end


class Reconciler:
    """Periodic + on-demand sweeps; `run` is a long-lived task."""

    def __init__(
        self,
        client: AnalyticsClient,
        queue: WorkQueue,
        metrics: Metrics,
        settings: ReconcileSettings,
        *,
        on_enqueued: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client, self._queue, self._metrics, self._s = client, queue, metrics, settings
        self._on_enqueued = on_enqueued
        self._clock = clock
        self._wake = asyncio.Event()
        self._trigger = "timer"
        self._lock = asyncio.Lock()
        self._resume: _Resume | None = None
        self._found = self._new = 0
        self.sweeps = 0
        self.last_sweep_at: float | None = None

    def trigger(self, reason: str = "gap") -> None:
        """Ask for an immediate sweep (e.g. after a listener reconnect gap)."""
        self._trigger = reason
        self._wake.set()

    async def on_gap(self, gap: object) -> None:
        """Listener callback: a reconnect gap means events may have been missed."""
        log.info("reconcile_gap_trigger gap=%s", _describe_gap(gap))
        self.trigger("gap")
        # The end of the gap is not visible to analytics until it has settled: look again then.
        loop = asyncio.get_running_loop()
        loop.call_later(self._s.settle_s + 1.0, self.trigger, "gap")

    async def run(self) -> None:
        """Sweep now, then every `interval_s` or when triggered, until cancelled."""
        trigger = "start"
        while True:
            delay = self._s.interval_s
            try:
                await self.sweep(trigger)
            except (GenesysPermissionError, GenesysAuthError):
                raise
            except QueueUnavailable as exc:  # a storage outage, logged once where it is waited out
                log.debug("reconcile_failed error=%s: %s", type(exc).__name__, exc)
                delay = min(delay, self._s.error_retry_s)
            except TransientError as exc:
                log.warning("reconcile_failed error=%s: %s", type(exc).__name__, exc)
                # a long 429 pause (GenesysRateLimited) says when asking again makes sense
                delay = max(min(delay, self._s.error_retry_s), getattr(exc, "retry_after_s", 0.0))
            except Exception as exc:  # never let a bad page end the reconciler
                log.exception("reconcile_failed error=%s", type(exc).__name__)
                delay = min(delay, self._s.error_retry_s)
            woke = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
                woke = True
            self._wake.clear()
            trigger = self._trigger if woke else "timer"
            self._trigger = "timer"

    async def sweep(self, trigger: str = "manual") -> int:
        """One pass over what ended in `[watermark − overlap, now − settle)`; returns how many were new."""
        async with self._lock:
            now = datetime.fromtimestamp(self._clock(), UTC)
            end = now - timedelta(seconds=self._s.settle_s)
            overlap = timedelta(seconds=self._s.overlap_s)
            watermark = await self._queue.get_watermark(WATERMARK)
            resume = (
                self._resume if self._resume is not None and self._resume.watermark == watermark else None
            )
            if resume is not None:
                start = resume.start
            elif watermark is None:
                start = now - timedelta(seconds=self._s.initial_lookback_s)
            else:
                start = watermark - overlap
            if end <= start:
                return 0
            self._found = self._new = 0
            fresh: PageWalk | None = None
            if resume is None:
                last = await self._walk(start, end, self._s.max_pages)
                pages = last.pages
            else:
                # A capped sweep saw [resume.low, resume.top): first what ended since, then continue below
                # resume.low from the page it stopped at, instead of re-reading the same pages forever.
                fresh = await self._walk(resume.top - overlap, end, self._s.max_pages)
                pages, last = fresh.pages, fresh
                if not fresh.capped:
                    # The walk re-reads the page it stopped at (safe if conversations vanished from above
                    # it): it progresses only with room for a second page.
                    room = self._s.max_pages - pages
                    last = await self._walk(
                        start, end, room if room >= 2 else 0, first_page=resume.page, above=resume.low
                    )
                    pages += last.pages
            self._metrics.reconcile_pages.observe(pages)
            if last.capped:
                if resume is None or last is fresh:  # seen: [last.oldest_end, end)
                    low, page = last.oldest_end or end, last.last_page or 1
                elif last.pages == 0:  # no room left below: seen [resume.low, end), as far as before
                    low, page = resume.low, resume.page
                else:  # continued below resume.low
                    low, page = min(resume.low, last.oldest_end or resume.low), last.last_page
                self._capped(watermark, start, end, pages, low, page, ordered=last.ordered)
            else:
                # Only over what was fully seen, and only forward: a stale clock must not rewind it.
                self._resume = None
                if watermark is None or end > watermark:
                    await self._queue.set_watermark(WATERMARK, end)
                    watermark = end
            if watermark is not None:
                self._metrics.reconcile_watermark.set(watermark.timestamp())
            self.sweeps += 1
            self.last_sweep_at = self._clock()
            self._metrics.reconcile_runs.labels(trigger).inc()
            log.info(
                "reconcile_sweep trigger=%s start=%s end=%s pages=%d complete=%s found=%d new=%d",
                trigger,
                start.isoformat(timespec="seconds"),
                end.isoformat(timespec="seconds"),
                pages,
                str(not last.capped).lower(),
                self._found,
                self._new,
            )
            return self._new

    async def _walk(
        self,
        start: datetime,
        end: datetime,
        max_pages: int,
        *,
        first_page: int = 1,
        above: datetime | None = None,
    ) -> PageWalk:
        """Enqueue what ended in [start, end), reading at most `max_pages` pages."""
        walk = PageWalk()
        if max_pages < 1:
            walk.capped = True
            return walk
        batch: list[str] = []
        async for conv in self._client.iter_ended_webmessaging(
            start,
            end,
            page_size=self._s.page_size,
            lookback=timedelta(seconds=self._s.max_age_s),
            max_pages=max_pages,
            walk=walk,
            first_page=first_page,
            above=above,
        ):
            self._found += 1
            batch.append(conv.conversation_id)
            if len(batch) >= _BATCH:
                self._new += await self._enqueue(batch)
                batch = []
        if batch:
            self._new += await self._enqueue(batch)
        return walk

    def _capped(
        self,
        watermark: datetime | None,
        start: datetime,
        end: datetime,
        pages: int,
        low: datetime,
        page: int,
        *,
        ordered: bool,
    ) -> None:
        """A sweep hit the page cap: keep the watermark, remember how far it got, and say so."""
        self._metrics.reconcile_capped.inc()
        # Unsorted answers give no page to resume from: start over from the top next time.
        self._resume = _Resume(watermark, start, low, page, end) if ordered else None
        log.warning(
            "reconcile_page_cap_hit pages=%d window_start=%s seen_down_to=%s: conversations that ended "
            "in between are not checked yet (the next sweep continues there) and the watermark stays; "
            "if this repeats, raise worker.reconcile_max_pages or run `archiver backfill --since %s`",
            pages,
            start.isoformat(timespec="seconds"),
            low.isoformat(timespec="seconds"),
            start.strftime("%Y-%m-%dT%H:%M"),
        )

    async def _enqueue(self, ids: list[str]) -> int:
        new = await self._queue.enqueue_many(ids, source="reconcile")
        if new:
            self._metrics.enqueued.labels("reconcile").inc(new)
            if self._on_enqueued is not None:
                self._on_enqueued(new)
        return new


def _describe_gap(gap: object) -> str:
    start, end = getattr(gap, "start", None), getattr(gap, "end", None)
    reason = getattr(gap, "reason", "?")
    if isinstance(start, datetime) and isinstance(end, datetime):
        return f"{(end - start).total_seconds():.1f}s reason={reason}"
    return f"reason={reason}"
