"""Prometheus metrics for the worker, and the aiohttp server that exposes `/metrics` and `/healthz`.

Every metric lives in one `Metrics` object with its own registry (no global default registry), so tests
and several workers in one process never collide. Values owned by other objects (the Genesys client's
429/retry counters, the listener's reconnects, the queue's depth) are pulled at scrape time through
`sources`, so those modules need no dependency on prometheus-client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# No `*_created` twin of every counter and histogram: it doubles the series and no rule or panel uses it.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Stage latencies span ~1 ms (local write) to minutes (429 back-off): exponential buckets.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

# A pulled source returns {counter name -> {label value -> number}}; see `_PulledCollector`.
PulledValues = Mapping[str, Mapping[str, float]]


class _PulledCollector(Collector):
    """Exposes counters that other components keep as plain ints (read at scrape time)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Any]:
        values = self._metrics.pulled()
        genesys_429 = CounterMetricFamily(
            "archiver_genesys_429", "HTTP 429 answers received from Genesys Cloud"
        )
        genesys_429.add_metric([], values.get("genesys_429", {}).get("", 0.0))
        yield genesys_429
        requests = CounterMetricFamily("archiver_genesys_requests", "Requests sent to Genesys Cloud")
        requests.add_metric([], values.get("genesys_requests", {}).get("", 0.0))
        yield requests
        client_retries = CounterMetricFamily(
            "archiver_genesys_retries", "Genesys requests retried by the client, by cause", labels=["cause"]
        )
        for cause, n in sorted(values.get("genesys_retries", {}).items()):
            client_retries.add_metric([cause], n)
        yield client_retries
        reconnects = CounterMetricFamily(
            "archiver_socket_reconnects", "Notification WebSocket reconnects (any reason)"
        )
        reconnects.add_metric([], values.get("socket_reconnects", {}).get("", 0.0))
        yield reconnects
        bad = CounterMetricFamily("archiver_bad_events", "Malformed or unknown notification frames")
        bad.add_metric([], values.get("bad_events", {}).get("", 0.0))
        yield bad
        fallbacks = CounterMetricFamily(
            "archiver_sink_permission_fallbacks",
            "Archive lookups that fell back (tags → metadata, tag search → listing) for a missing right",
            labels=["right"],
        )
        for right, n in sorted(values.get("sink_permission_fallbacks", {}).items()):
            fallbacks.add_metric([right], n)
        yield fallbacks
        unlocked = GaugeMetricFamily(
            "archiver_sink_worm_policy_unlocked",
            "1 when new archives get an Unlocked immutability policy (shortenable/deletable by a super-user)",
        )
        unlocked.add_metric([], values.get("sink_worm_policy_unlocked", {}).get("", 0.0))
        yield unlocked
        unreachable = GaugeMetricFamily(
            "archiver_unreachable_seconds",
            "Seconds an endpoint (Genesys login/API, archive store, work queue store) has failed without "
            "an answer (0: reachable)",
            labels=["dependency"],
        )
        for dependency, seconds in sorted(values.get("unreachable_seconds", {}).items()):
            unreachable.add_metric([dependency], seconds)
        yield unreachable
        depth = GaugeMetricFamily("archiver_queue_depth", "Work-queue items by state", labels=["state"])
        for state, n in sorted(self._metrics.queue_depth.items()):
            depth.add_metric([state], n)
        yield depth
        oldest = GaugeMetricFamily(
            "archiver_queue_oldest_age_seconds",
            "Seconds since the least recently changed item of each unfinished state changed (0: none)",
            labels=["state"],
        )
        for state, age in sorted(self._metrics.queue_oldest_age.items()):
            oldest.add_metric([state], age)
        yield oldest
        for name, help_text in _PULLED_GAUGES.items():
            gauge = GaugeMetricFamily(f"archiver_{name}", help_text)
            if name in values:  # unknown (no source yet) is no sample, never a misleading 0
                gauge.add_metric([], values[name].get("", 0.0))
            yield gauge


# Gauges other components report through a source (`Metrics.add_source`), by name without the prefix.
_PULLED_GAUGES = {
    "leader": "1 while this worker runs the listener and reconciler (always 1 with a single-VM queue)",
    "listener_connected": "1 while every notification channel has a live, subscribed socket",
    "sink_worm": "1 when the archive store enforces WORM (version-level immutability), else 0",
    "genesys_budget_per_minute": "The client-side Genesys request budget (genesys.rate_limit_per_min)",
}


class Metrics:
    """All worker metrics; `record_*` helpers are what the pipeline calls."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.archived = Counter("archiver_archived", "Conversations archived (blob written)", registry=r)
        self.already_archived = Counter(
            "archiver_already_archived", "Uploads that found the same archive already present", registry=r
        )
        self.writebacks = Counter("archiver_writebacks", "Write-backs completed", ["mode"], registry=r)
        self.failed = Counter(
            "archiver_failed", "Processing attempts that failed, by cause", ["cause"], registry=r
        )
        self.dead = Counter("archiver_dead", "Conversations dead-lettered, by cause", ["cause"], registry=r)
        self.retries = Counter(
            "archiver_retries", "Conversations scheduled for retry, by cause", ["cause"], registry=r
        )
        self.enqueued = Counter(
            "archiver_enqueued", "Conversation ids newly enqueued, by source", ["source"], registry=r
        )
        self.redactions = Counter("archiver_redactions", "PII values redacted, by type", ["type"], registry=r)
        self.archive_bytes = Counter("archiver_archive_bytes", "Compressed archive bytes written", registry=r)
        self.attachments = Counter(  # attachments.mode = "archive": one per attachment of an archived record
            "archiver_attachments",
            "Attachments by outcome (archived, already_stored, expired, …)",
            ["outcome"],
            registry=r,
        )
        self.stage_seconds = Histogram(
            "archiver_stage_seconds", "Latency of one pipeline stage", ["stage"], buckets=_BUCKETS, registry=r
        )
        self.end_to_archive_seconds = Histogram(
            "archiver_end_to_archive_seconds",
            "Conversation end to archive written",
            buckets=(*_BUCKETS, 600, 1800, 3600),
            registry=r,
        )
        self.reconcile_runs = Counter(
            "archiver_reconcile_runs", "Reconciler sweeps, by trigger", ["trigger"], registry=r
        )
        self.reconcile_pages = Histogram(
            "archiver_reconcile_pages",
            "Analytics query pages read by one reconciler sweep",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=r,
        )
        self.reconcile_capped = Counter(
            "archiver_reconcile_page_cap_hits",
            "Reconciler sweeps stopped by worker.reconcile_max_pages (their window was not fully seen)",
            registry=r,
        )
        self.reconcile_watermark = Gauge(
            "archiver_reconcile_watermark_seconds",
            "Unix time up to which every ended conversation has been checked by the reconciler",
            registry=r,
        )
        self.started = Gauge("archiver_start_time_seconds", "Unix time the worker started", registry=r)
        self.started.set(time.time())
        self.queue_depth: dict[str, float] = {}
        self.queue_oldest_age: dict[str, float] = {}
        self._sources: list[Callable[[], PulledValues]] = []
        r.register(_PulledCollector(self))

    def add_source(self, source: Callable[[], PulledValues]) -> None:
        """Register a callable whose counters are summed into the pulled metrics at scrape time."""
        self._sources.append(source)

    def pulled(self) -> dict[str, dict[str, float]]:
        """Sum every registered source (a failing source is logged, never breaks the scrape)."""
        out: dict[str, dict[str, float]] = {}
        for source in self._sources:
            try:
                values = source()
            except Exception as exc:  # a scrape must never take the worker down
                log.warning("metrics_source_failed error=%s", type(exc).__name__)
                continue
            for name, labelled in values.items():
                bucket = out.setdefault(name, {})
                for label, n in labelled.items():
                    bucket[label] = bucket.get(label, 0.0) + float(n)
        return out

    def set_queue(self, counts: Mapping[str, int], oldest: Mapping[str, float], now: float) -> None:
        """Backlog gauges from the queue: items per state, and the age of each unfinished state's oldest."""
        self.queue_depth = {k: float(v) for k, v in counts.items()}
        self.queue_oldest_age = {
            state: max(0.0, now - oldest[state]) if state in oldest else 0.0
            for state in ("pending", "leased", "retry")
        }

    def record_redactions(self, counts: Mapping[str, int]) -> None:
        """Count redactions per PII type (counts only — never values)."""
        for kind, n in counts.items():
            if n:
                self.redactions.labels(kind).inc(n)

    def render(self) -> bytes:
        """The text exposition format of every metric."""
        return generate_latest(self.registry)


class MetricsServer:
    """aiohttp server: `GET /metrics` (Prometheus text) and `GET /healthz` (200 while healthy, else 503)."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        host: str = "127.0.0.1",
        port: int = 9464,
        refresh: Callable[[], Awaitable[None]] | None = None,
        health: Callable[[], tuple[bool, str]] | None = None,
    ) -> None:
        self._metrics, self.host, self.requested_port = metrics, host, port
        self._refresh, self._health = refresh, health
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        """Bind and serve; `port=0` picks a free port (read `self.port` afterwards)."""
        app = web.Application()
        app.router.add_get("/metrics", self._on_metrics)
        app.router.add_get("/healthz", self._on_healthz)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = int(self._runner.addresses[0][1])
        log.info("metrics_listening url=http://%s:%d/metrics", self.host, self.port)

    async def _on_metrics(self, _request: web.Request) -> web.Response:
        if self._refresh is not None:
            try:
                await self._refresh()
            except Exception as exc:  # stale gauges beat a failed scrape
                log.warning("metrics_refresh_failed error=%s", type(exc).__name__)
        return web.Response(body=self._metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def _on_healthz(self, _request: web.Request) -> web.Response:
        ok, detail = self._health() if self._health is not None else (True, "ok")
        return web.json_response(
            {"status": "ok" if ok else "unhealthy", "detail": detail}, status=200 if ok else 503
        )

    async def close(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
