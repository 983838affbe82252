"""Build the worker's components from `Config`, open them in order and close them in reverse.

Opening order: work queue → (embedded simulator) → Genesys client → CPU pool → sink. Closing runs the
other way, so nothing is closed while something opened after it may still use it. In embedded mode (no
Genesys credentials) the built-in simulator is started on a free loopback port and the client points at
it with the simulator's own demo credentials.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import msgspec

from archiver.attachments import AttachmentArchiver
from archiver.attachments.backends import store_for
from archiver.attachments.fetch import Downloader
from archiver.azure_storage import endpoints_of
from archiver.config import Config, redact_config
from archiver.errors import QueueUnavailable, SinkTransientError
from archiver.genesys import ClientStats, GenesysClient, GenesysSettings, ListenerStats
from archiver.health import STORE_FIX, Reach, endpoint_of
from archiver.metrics import Metrics, MetricsServer, PulledValues
from archiver.outage import RideOut
from archiver.pipeline import Pipeline, PipelineSettings
from archiver.queue import SqliteQueue, WorkQueue
from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import settings_from_config as azure_queue_settings
from archiver.secret import Secret
from archiver.sinks import AzureSink, LocalSink, PutResult, Sink

if TYPE_CHECKING:
    from archiver.pool import CpuPool
    from archiver.sim import Simulator

log = logging.getLogger(__name__)


def sink_kind(config: Config) -> str:
    """`azure` or `local`, resolving kind="auto" (Azure when an Azure URL or connection string is set)."""
    kind = config.sink.kind
    if kind == "auto":
        az = config.sink.azure
        kind = "azure" if (az.url or az.connection_string is not None) else "local"
    return kind


def build_sink(config: Config, *, local_dir: str | None = None) -> Sink:
    """The configured archive store (not yet started)."""
    if sink_kind(config) == "azure":
        return AzureSink(config.sink.azure)
    local = config.sink.local
    return LocalSink(local if local_dir is None else msgspec.structs.replace(local, dir=local_dir))


def build_queue(config: Config) -> WorkQueue:
    """The configured work queue (not started): SQLite on one VM, or Azure Queue Storage shared by many."""
    if config.queue.kind == "azure":
        return AzureQueue(azure_queue_settings(config))
    return SqliteQueue(
        config.queue.path,
        max_attempts=config.queue.max_attempts,
        backoff_base_s=config.queue.backoff_base_s,
        backoff_max_s=config.queue.backoff_max_s,
    )


def pipeline_settings(config: Config) -> PipelineSettings:
    """Pipeline settings from config."""
    return PipelineSettings(
        writeback=config.writeback,
        max_attempts=config.queue.max_attempts,
        transcript_source="messages-then-recordings" if config.genesys.recordings_fallback else "messages",
        lease_s=config.queue.lease_s,
    )


class Components:
    """Everything one worker process owns; use as `async with Components(config) as c:`."""

    def __init__(
        self,
        config: Config,
        *,
        simulator: Simulator | None = None,
        local_dir: str | None = None,
        metrics: Metrics | None = None,
        pool: CpuPool | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.sim = simulator  # an embedded archiver.sim.Simulator (started by the caller or by us)
        self._local_dir = local_dir
        self._stack = contextlib.AsyncExitStack()
        self.queue: WorkQueue = build_queue(config)
        self.client: GenesysClient | None = None
        self.attachments: AttachmentArchiver | None = None
        self.settings: GenesysSettings | None = None
        self.pool: CpuPool | None = pool  # injected pools (tests, benches) are shared: not closed here
        self._own_pool = pool is None
        self.sink: Sink = build_sink(config, local_dir=local_dir)
        self.listener_stats: list[ListenerStats] = []
        # Whether the stores answer, as the worker sees them: for /healthz (archiver/health.py). Their
        # outages are ridden out (archiver/outage.py); a SQLite queue has none (its errors are permanent).
        self.store_reach = Reach("archive store", self.sink_root(), STORE_FIX, announce=True)
        self.store_outage = RideOut(self.store_reach, (SinkTransientError,))
        self.queue_reaches: list[Reach] = []
        self.queue_outage: RideOut | None = None
        if isinstance(self.queue, AzureQueue):  # its SDK calls report to these themselves
            self.queue_reaches = [self.queue.state_reach, self.queue.messages_reach]
            self.queue_outage = RideOut(self.queue.state_reach, (QueueUnavailable,), report=False)

    async def __aenter__(self) -> Components:
        try:
            await self._open()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    async def _attachments(self) -> AttachmentArchiver | None:
        """attachments.mode = "archive": a downloader (its own session, closed with the components) and
        the sink's attachment store; None in "metadata" mode."""
        a = self.config.attachments
        if a.mode != "archive":
            return None
        assert self.client is not None and self.settings is not None
        downloader = Downloader(
            api_origin=self.settings.hosts().api,
            token=self.client.bearer_token,
            max_bytes=a.max_bytes,
            timeout_s=a.timeout_s,
        )
        await downloader.start()
        self._stack.push_async_callback(downloader.close)
        return AttachmentArchiver(a, store_for(self.sink), downloader, self.metrics)

    async def _open(self) -> None:
        from archiver.pool import CpuPool

        if isinstance(self.queue, SqliteQueue):
            Path(self.config.queue.path).parent.mkdir(parents=True, exist_ok=True)
        await self.queue.start()
        self._stack.push_async_callback(self.queue.close)
        if self.sim is not None:
            if not self.sim.port:  # not started yet: port 0 until bound
                await self.sim.start(host="127.0.0.1", port=0)
                self._stack.push_async_callback(self.sim.stop)
            cfg = self.sim.config
            self.settings = GenesysSettings.from_config(
                self.config.genesys,
                base_url=self.sim.base_url,
                creds=(cfg.client_id, Secret(cfg.client_secret)),
            )
        else:
            self.settings = GenesysSettings.from_config(self.config.genesys)
        self.client = GenesysClient(self.settings)
        await self.client.start()
        self._stack.push_async_callback(self.client.close)
        if self._own_pool:
            self.pool = CpuPool(self.config.worker.pool_processes, redact_config(self.config))
            self._stack.callback(self.pool.close)
        await self.sink.start()
        self._stack.push_async_callback(self.sink.close)
        self.store_reach.ok()  # it answered the start-up checks: a later failure is an outage
        self.attachments = await self._attachments()
        stats = self.client.stats
        self.metrics.add_source(lambda: _client_values(stats))
        self.metrics.add_source(self._listener_values)
        if isinstance(self.sink, AzureSink):  # azure branch: permission fallbacks, Unlocked-policy gauge
            self.metrics.add_source(self.sink.metric_values)
        worm, budget = float(getattr(self.sink, "worm", False)), float(self.settings.rate_limit_per_min)
        self.metrics.add_source(lambda: {"sink_worm": {"": worm}, "genesys_budget_per_minute": {"": budget}})

    def pipeline(
        self, on_archived: Callable[[str, PutResult], Awaitable[None] | None] | None = None
    ) -> Pipeline:
        """A pipeline over these components."""
        from archiver.archive.record import build_archive

        assert self.client is not None and self.pool is not None
        build = functools.partial(build_archive, gzip_level=self.config.archive.gzip_level)
        pipeline = Pipeline(
            client=self.client,
            pool=self.pool,
            sink=self.sink,
            queue=self.queue,
            metrics=self.metrics,
            build=build,
            settings=pipeline_settings(self.config),
            on_archived=on_archived,
            attachments=self.attachments,
        )
        pipeline.store_outage, pipeline.queue_outage = self.store_outage, self.queue_outage
        return pipeline

    def metrics_server(
        self, health: Callable[[], tuple[bool, str]] | None = None, port: int | None = None
    ) -> MetricsServer | None:
        """The /metrics + /healthz server, or None when disabled."""
        m = self.config.metrics
        if not m.enabled:
            return None

        async def refresh() -> None:
            if self.queue_outage is not None and self.queue_outage.down:
                return  # stale gauges: a listing would wait out the SDK retries, past the scrape timeout
            counts = await self.queue.counts()
            self.metrics.set_queue(counts, await self.queue.oldest(), time.time())

        return MetricsServer(
            self.metrics, host=m.host, port=m.port if port is None else port, refresh=refresh, health=health
        )

    def sink_root(self) -> str:
        """Where archives go, for banners: the local directory or the container URL."""
        if isinstance(self.sink, LocalSink):
            return str(Path(self.sink.config.dir).absolute())
        if isinstance(self.sink, AzureSink) and self.sink.config.url:
            return f"{endpoint_of(self.sink.config.url)}/{self.sink.config.container}"
        az = self.config.sink.azure
        named = endpoints_of(az.connection_string.reveal())[0] if az.connection_string else ""
        return f"{az.url or named or 'azure'}/{az.container}"

    def _listener_values(self) -> PulledValues:
        reconnects = sum(s.reconnects for s in self.listener_stats)
        bad = sum(s.bad_events for s in self.listener_stats)
        return {"socket_reconnects": {"": reconnects}, "bad_events": {"": bad}}


def _client_values(stats: ClientStats) -> PulledValues:
    return {
        "genesys_429": {"": stats.throttled},
        "genesys_requests": {"": stats.requests},
        "genesys_retries": {str(k): float(v) for k, v in stats.retries.items()},
    }


def embedded_seed() -> int:
    """A fresh simulator seed per embedded run, so ids never collide with archives of earlier runs."""
    return secrets.randbelow(2**31)
