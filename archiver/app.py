"""The application layer: one worker process built from a `Config`, in one typed place.

`archiver run`, `archiver demo`, the tests and the benches all run the worker through `serve`; `archiver
backfill` builds its (intake-less) worker with `make_worker`. The pieces come from `assemble.Components`
(queue, Genesys client, CPU pool, sink, metrics); this module adds what turns them into a running worker:
the notification listener and the reconciler (guarded by the leader lease when the queue is shared by
several VMs), the processors, the metrics server with the worker's health as its /healthz, and the
progress log line.

Embedded mode (nothing configured) runs the built-in simulator with live traffic, archives to a local
directory and uses a private temporary queue; its guard rails live in `archiver.embedded`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from archiver.assemble import Components, embedded_seed
from archiver.config import Config, require_genesys
from archiver.embedded import check_store as embedded_store_check
from archiver.embedded import private_queue
from archiver.errors import QueueUnavailable
from archiver.genesys import ConversationEnded, NotificationListener
from archiver.health import Health
from archiver.metrics import MetricsServer
from archiver.progress import ProgressGate
from archiver.queue.azure.leader import leader_for
from archiver.queue.lock import worker_lock
from archiver.reconcile import Reconciler, ReconcileSettings
from archiver.sinks import PutResult
from archiver.worker import IntakeTask, Worker

if TYPE_CHECKING:
    from archiver.pipeline import Outcome
    from archiver.pool import CpuPool
    from archiver.sim import Simulator

log = logging.getLogger("archiver.run")

OnReady = Callable[[Components, Worker], Awaitable[None] | None]
OnArchived = Callable[[str, PutResult], None]
StopWhen = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class RunOptions:
    """How an in-process caller (demo, tests, benches) steers a worker; `archiver run` uses the defaults.

    reconcile: the reconciler's cadence (default: from config). metrics_port: overrides `metrics.port`
    (0 = any free port). stop_when: polled; True ends the run gracefully. on_ready: called once everything
    is open, before the worker runs. on_archived: called for every conversation the pipeline archived.
    announce: the banner to print instead of the embedded-mode one.
    """

    reconcile: ReconcileSettings | None = None
    metrics_port: int | None = None
    stop_when: StopWhen | None = None
    on_ready: OnReady | None = None
    on_archived: OnArchived | None = None
    progress_every_s: float = 5.0
    announce: list[str] | None = field(default=None)


def reconcile_settings(config: Config, **overrides: float) -> ReconcileSettings:
    """Reconciler cadence from config (`overrides`: ReconcileSettings fields, for demo and tests)."""
    w = config.worker
    base = ReconcileSettings(
        interval_s=w.reconcile_interval_s,
        overlap_s=w.reconcile_overlap_s,
        settle_s=w.reconcile_lag_s,
        max_age_s=w.reconcile_max_age_days * 86400.0,
        max_pages=w.reconcile_max_pages,
    )
    return msgspec.structs.replace(base, **overrides) if overrides else base


def banner(lines: list[str]) -> None:
    """A loud multi-line notice on stderr."""
    width = max(len(s) for s in lines) + 4
    sys.stderr.write("\n" + "#" * width + "\n")
    for s in lines:
        sys.stderr.write(f"# {s:<{width - 4}} #\n")
    sys.stderr.write("#" * width + "\n\n")
    sys.stderr.flush()


def make_worker(
    c: Components,
    *,
    intake: dict[str, IntakeTask] | None = None,
    metrics_server: MetricsServer | None = None,
    on_archived: OnArchived | None = None,
    stop_when: StopWhen | None = None,
    progress: Callable[[], Awaitable[None]] | None = None,
    progress_every_s: float = 5.0,
    on_outcome: Callable[[str, Outcome], None] | None = None,
) -> Worker:
    """A worker over open components, sized and timed from their config (intake: none for a backfill)."""
    cfg = c.config
    return Worker(
        queue=c.queue,
        pipeline=c.pipeline(on_archived=on_archived),
        metrics=c.metrics,
        processors=cfg.worker.processors,
        lease_s=cfg.queue.lease_s,
        shutdown_timeout_s=cfg.worker.shutdown_timeout_s,
        intake=intake,
        metrics_server=metrics_server,
        stop_when=stop_when,
        progress=progress,
        progress_every_s=progress_every_s,
        on_outcome=on_outcome,
        queue_outage=c.queue_outage,
    )


async def serve(
    config: Config,
    options: RunOptions | None = None,
    *,
    simulator: Simulator | None = None,
    local_dir: str | None = None,
    pool: CpuPool | None = None,
) -> int:
    """Build, start and run the worker; returns the exit status after a graceful shutdown.

    `simulator`: run against this (embedded) simulator — the caller chose it and the queue. `pool`: share
    an open CpuPool (tests, benches); it is not closed here. Without a simulator and with nothing
    configured, the built-in simulator runs with a private temporary queue (embedded mode).
    """
    opts = options or RunOptions()
    if simulator is None and not config.embedded:
        require_genesys(config, "archiver run")
        return await Application(config, opts, simulator=None, local_dir=local_dir, pool=pool).run()
    embedded_store_check(config)
    if simulator is not None:  # demo, bench, tests: they chose the queue and the simulator
        return await Application(config, opts, simulator=simulator, local_dir=local_dir, pool=pool).run()
    from archiver.sim import SimConfig, Simulator

    seed = config.simulator.seed if config.simulator.seed is not None else embedded_seed()
    sim = Simulator(SimConfig(seed=seed, conversations_per_min=config.simulator.conversations_per_min))
    with private_queue(config) as private:
        return await Application(private, opts, simulator=sim, local_dir=local_dir, pool=pool).run()


class Application:
    """One worker process: components, intake (listener + reconciler), processors and metrics server."""

    def __init__(
        self,
        config: Config,
        options: RunOptions,
        *,
        simulator: Simulator | None,
        local_dir: str | None,
        pool: CpuPool | None,
    ) -> None:
        self.config = config
        self.options = options
        self.sim = simulator
        self._local_dir = local_dir
        self._pool = pool
        self.archived_total = 0  # new archives written by this process, for the progress line
        self._progress_gate = ProgressGate()

    async def run(self) -> int:
        """Open the components, run the worker until it stops, close everything in reverse order."""
        # One worker per SQLite queue file, refused before anything is opened (archiver/queue/lock.py).
        q = self.config.queue
        with worker_lock(q.path) if q.kind == "sqlite" else contextlib.nullcontext():
            return await self._run()

    async def _run(self) -> int:
        opts = self.options
        async with Components(
            self.config, simulator=self.sim, local_dir=self._local_dir, pool=self._pool
        ) as c:
            assert c.client is not None and c.settings is not None
            reconciler = Reconciler(
                c.client, c.queue, c.metrics, opts.reconcile or reconcile_settings(self.config)
            )
            listener = NotificationListener(c.client, c.settings, self._on_ended, reconciler.on_gap)
            c.listener_stats.append(listener.stats)
            self._components, self._listener = c, listener
            reaches = [c.client.tokens.reach, c.client.transport.reach, c.store_reach]
            self._health = Health(
                reaches + c.queue_reaches,
                self.config.worker.unhealthy_after_s,
            )
            c.metrics.add_source(self._health.values)  # archiver_unreachable_seconds{dependency}
            # Several VMs on a shared (Azure) queue: only the elected leader listens and reconciles.
            leader = leader_for(c.queue)
            # /metrics: whether this VM leads (runs the listener) and whether its listener is connected.
            c.metrics.add_source(
                lambda: {
                    "leader": {"": float(leader is None or leader.is_leader)},
                    "listener_connected": {"": float(listener.is_connected())},
                }
            )
            intake: dict[str, IntakeTask] = {"listener": listener.run, "reconciler": reconciler.run}
            if leader is not None:
                intake = {name: functools.partial(leader.guard, fn) for name, fn in intake.items()}
            self.worker = make_worker(
                c,
                intake=intake,
                metrics_server=c.metrics_server(health=self._healthy, port=opts.metrics_port),
                on_archived=self._on_archived,
                stop_when=opts.stop_when,
                progress=self._progress,
                progress_every_s=opts.progress_every_s,
            )
            self._announce(c)
            if (
                self.sim is not None
                and self.sim.config.conversations_per_min > 0
                and not self.sim.traffic.running
            ):
                self.sim.traffic.start()
            if opts.on_ready is not None:
                maybe = opts.on_ready(c, self.worker)
                if maybe is not None:
                    await maybe
            remove = self.worker.install_signal_handlers()
            try:
                if leader is not None:
                    await leader.start()
                await self.worker.run()
            finally:
                remove()
                if leader is not None:
                    await leader.close()
                if self.sim is not None:
                    with contextlib.suppress(Exception):
                        await self.sim.traffic.stop()
        return 0

    def _healthy(self) -> tuple[bool, str]:
        # /healthz is served by one of the worker's own tasks, so the worker exists whenever it is asked.
        ok, detail = self.worker.healthy()
        if not ok:
            return ok, detail
        problem = self._health.problem()  # Genesys or the store not answering (archiver/health.py)
        return (False, problem) if problem else (True, "ok")

    async def _on_ended(self, event: ConversationEnded) -> None:
        c = self._components
        try:
            new = await c.queue.enqueue(event.conversation_id, source="listener")
        except QueueUnavailable:
            # Not waited out here (that would stall the socket; the failure is reported to the store's
            # Reach): the reconciler's next complete sweep enqueues it, as its watermark cannot pass a
            # sweep that failed to enqueue.
            log.debug("listener_enqueue_deferred id=%s", event.conversation_id)
            return
        if new:
            c.metrics.enqueued.labels("listener").inc()
            self.worker.wake()

    def _on_archived(self, cid: str, result: PutResult) -> None:
        if result.created:
            self.archived_total += 1
        if self.options.on_archived is not None:
            self.options.on_archived(cid, result)

    async def _progress(self) -> None:
        outage = self._components.queue_outage
        if outage is not None and outage.down:
            return  # the outage has its own log lines; a listing would only wait out the SDK's retries
        counts = await self._components.queue.counts()
        sample = (
            self.archived_total,
            *(counts.get(state, 0) for state in ("pending", "leased", "retry", "done", "dead")),
            self._listener.is_connected(),
        )
        if not self._progress_gate.should_log(
            sample
        ):  # unchanged: only at the heartbeat (archiver/progress.py)
            return
        log.info(
            "progress archived=%d pending=%d leased=%d retry=%d done=%d dead=%d listener_connected=%s",
            *sample,
        )

    def _announce(self, c: Components) -> None:
        if self.options.announce is not None:
            banner(self.options.announce)
        elif self.sim is not None:
            banner(
                [
                    "EMBEDDED MODE: nothing is configured (no config file, no Genesys or Azure setting).",
                    f"Running the built-in Genesys Cloud SIMULATOR at {self.sim.base_url}",
                    f"with synthetic traffic ({self.sim.config.conversations_per_min:g} conversations/min),",
                    f"archiving to the LOCAL directory {c.sink_root()}/ (not WORM).",
                    f"Its work queue is temporary ({self.config.queue.path}): a restart starts afresh;",
                    "`archiver queue status --queue-path <that path>` reads it while this worker runs.",
                    "Set GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET / GENESYS_REGION to archive a real org.",
                ]
            )
