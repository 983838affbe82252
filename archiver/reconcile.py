"""The reconciler: finds ended web messaging conversations the listener missed, and enqueues them.

WebSocket events are not queued while a socket is down, and bot-only conversations never reach a queue
topic (docs/architecture.md#decisions), so every `interval_s` the analytics details query runs over
`[watermark − overlap, now − settle]` and every ended web messaging conversation that is not yet known
to the queue is enqueued (the queue's enqueue is idempotent; a done conversation is never re-enqueued).
The watermark (the window's end) is persisted in the queue's database, so a restart continues where the
last sweep stopped. A reconnect gap reported by the listener triggers an immediate sweep, and a second
one after `settle_s`, when the analytics data for the end of the gap has become visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

import msgspec

from archiver.errors import GenesysAuthError, GenesysPermissionError, TransientError
from archiver.genesys.models import AnalyticsConversation
from archiver.metrics import Metrics
from archiver.queue import WorkQueue

log = logging.getLogger(__name__)

WATERMARK = "reconcile"
_BATCH = 500


class AnalyticsClient(Protocol):
    """`GenesysClient.iter_ended_webmessaging`."""

    def iter_ended_webmessaging(
        self, start: datetime, end: datetime, *, page_size: int = 100, lookback: timedelta = ...
    ) -> AsyncIterator[AnalyticsConversation]: ...


class ReconcileSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Sweep cadence and window (seconds)."""

    interval_s: float = 300.0
    overlap_s: float = 900.0  # re-read this much before the watermark: analytics data arrives late
    settle_s: float = 120.0  # "avoid the current time" in the query (docs/genesys.md#analytics)
    initial_lookback_s: float = 86400.0  # first run with no watermark
    max_conversation_age_s: float = 3 * 86400.0  # longest a conversation stays open (query widening)
    page_size: int = 100
    error_retry_s: float = 30.0


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
            except TransientError as exc:
                log.warning("reconcile_failed error=%s: %s", type(exc).__name__, exc)
                delay = min(delay, self._s.error_retry_s)
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
        """One pass over `[watermark − overlap, now − settle]`; returns how many ids were newly enqueued."""
        async with self._lock:
            now = datetime.fromtimestamp(self._clock(), UTC)
            end = now - timedelta(seconds=self._s.settle_s)
            watermark = await self._queue.get_watermark(WATERMARK)
            if watermark is None:
                start = now - timedelta(seconds=self._s.initial_lookback_s)
            else:
                start = watermark - timedelta(seconds=self._s.overlap_s)
            if end <= start:
                return 0
            found = new = 0
            batch: list[str] = []
            async for conv in self._client.iter_ended_webmessaging(
                start,
                end,
                page_size=self._s.page_size,
                lookback=timedelta(seconds=self._s.max_conversation_age_s),
            ):
                found += 1
                batch.append(conv.conversation_id)
                if len(batch) >= _BATCH:
                    new += await self._enqueue(batch)
                    batch = []
            if batch:
                new += await self._enqueue(batch)
            # Only move forward: a sweep with a stale clock must not rewind the persisted watermark.
            if watermark is None or end > watermark:
                await self._queue.set_watermark(WATERMARK, end)
            self.sweeps += 1
            self.last_sweep_at = self._clock()
            self._metrics.reconcile_runs.labels(trigger).inc()
            log.info(
                "reconcile_sweep trigger=%s start=%s end=%s found=%d new=%d",
                trigger,
                start.isoformat(timespec="seconds"),
                end.isoformat(timespec="seconds"),
                found,
                new,
            )
            return new

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
