"""The worker: one asyncio process (uvloop) whose long-lived tasks share one TaskGroup.

Tasks: the intake tasks (notification listener and reconciler; none for a backfill), N processors that
lease conversations and run the pipeline, the metrics server, and an optional progress reporter.

Shutdown order (docs/architecture.md#shutdown-order), on SIGTERM/SIGINT or when `stop_when` says the work is
finished:
1. stop intake (cancel listener and reconciler), 2. processors finish the conversation in hand and take no
new lease, 3. after `shutdown_timeout_s` the stragglers are cancelled and their leases released, 4. the
metrics server stops, 5. the caller closes the components in reverse order of opening. A second signal
forces: everything is cancelled at once (leases are released on a best-effort basis, and in any case
expire). A restart resumes from the durable queue: leased items whose worker died become leasable again.

A store outage is not fatal: processors wait for the queue to answer again (`queue_outage`,
archiver/outage.py) and the pipeline holds the conversation in hand meanwhile; only a permanent error (403,
a missing container, a corrupt SQLite file) stops the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from archiver import sdnotify
from archiver.errors import ArchiverError, ConfigError, PermanentError, TransientError
from archiver.metrics import Metrics, MetricsServer
from archiver.outage import RideOut, through
from archiver.pipeline import Outcome, Pipeline
from archiver.queue import Lease, WorkQueue

log = logging.getLogger(__name__)

IntakeTask = Callable[[], Awaitable[None]]


class Worker:
    """Intake + processors until stopped; `run` returns after a clean shutdown or raises the fatal error."""

    def __init__(
        self,
        *,
        queue: WorkQueue,
        pipeline: Pipeline,
        metrics: Metrics,
        processors: int,
        lease_s: float,
        shutdown_timeout_s: float = 30.0,
        intake: dict[str, IntakeTask] | None = None,
        metrics_server: MetricsServer | None = None,
        stop_when: Callable[[], Awaitable[bool]] | None = None,
        poll_s: float = 1.0,
        progress: Callable[[], Awaitable[None]] | None = None,
        progress_every_s: float = 5.0,
        on_outcome: Callable[[str, Outcome], None] | None = None,
        queue_outage: RideOut | None = None,
    ) -> None:
        self._queue, self._pipeline, self._metrics = queue, pipeline, metrics
        self._processors, self._lease_s = processors, lease_s
        self._shutdown_timeout_s = shutdown_timeout_s
        self._intake = intake or {}
        self._metrics_server = metrics_server
        self._stop_when, self._poll_s = stop_when, poll_s
        self._progress, self._progress_every_s = progress, progress_every_s
        self._on_outcome = on_outcome
        self._queue_outage = queue_outage
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._up = asyncio.Event()  # set once /metrics is bound: what systemd's READY=1 waits for
        self._forced = False
        self._finished = False
        self._fatal: BaseException | None = None
        self._intake_tasks: list[asyncio.Task[None]] = []
        self._processor_tasks: list[asyncio.Task[None]] = []
        self._held: dict[int, Lease] = {}
        self.outcomes: dict[str, int] = {}
        self.started_at = time.monotonic()
        # Called once when a graceful stop begins, with the reason and the conversations still in flight:
        # `archiver backfill` tells the user at once what the Ctrl-C is waiting for.
        self.on_stop: Callable[[str, int], None] | None = None

    # --- control -------------------------------------------------------------------------------------------

    def wake(self) -> None:
        """New work was enqueued: idle processors lease now instead of at their next poll."""
        self._wake.set()

    def stop(self, reason: str = "requested") -> None:
        """Begin a graceful shutdown (idempotent)."""
        if self._stopping.is_set():
            return
        log.info("shutdown_begin reason=%s in_flight=%d", reason, len(self._held))
        if self.on_stop is not None:
            self.on_stop(reason, len(self._held))
        sdnotify.stopping()
        self._stopping.set()
        self._wake.set()
        for task in self._intake_tasks:
            task.cancel()

    def force(self) -> None:
        """Second signal: cancel everything now."""
        if self._finished:
            return
        log.warning("shutdown_forced in_flight=%d", len(self._held))
        self._forced = True
        self.stop("forced")
        for task in self._processor_tasks:
            task.cancel()

    @property
    def stopping(self) -> bool:
        """True once shutdown has begun."""
        return self._stopping.is_set()

    def healthy(self) -> tuple[bool, str]:
        """For /healthz: unhealthy once a fatal error stopped the worker."""
        if self._fatal is not None:
            return False, f"fatal: {type(self._fatal).__name__}"
        if self.stopping:
            return False, "stopping"
        return True, "ok"

    def install_signal_handlers(self) -> Callable[[], None]:
        """SIGTERM/SIGINT → graceful stop; a second one forces. Returns a function that removes them."""
        loop = asyncio.get_running_loop()

        def on_signal(signame: str) -> None:
            if self.stopping:
                self.force()
            else:
                self.stop(signame)

        installed: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, on_signal, sig.name)
                installed.append(sig)

        def remove() -> None:
            for sig in installed:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)

        return remove

    # --- run ------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until stopped; re-raise the fatal error (e.g. a missing permission) that stopped the worker."""
        try:
            async with asyncio.TaskGroup() as tg:
                aux: list[asyncio.Task[None]] = []
                if self._metrics_server is not None:
                    aux.append(tg.create_task(self._serve_metrics(), name="metrics"))
                for name, fn in self._intake.items():
                    self._intake_tasks.append(tg.create_task(self._guard_intake(name, fn), name=name))
                for i in range(self._processors):
                    self._processor_tasks.append(tg.create_task(self._processor(i), name=f"processor-{i}"))
                aux.append(tg.create_task(self._supervise(), name="supervisor"))
                if self._progress is not None:
                    aux.append(tg.create_task(self._report(), name="progress"))
                # systemd (Type=notify): READY=1 once every task runs and /metrics is bound, then WATCHDOG=1
                # from this loop — a blocked loop stops the pings and systemd restarts the service.
                if self._metrics_server is None:
                    self._up.set()
                aux.append(tg.create_task(sdnotify.serve(self._up), name="sd-notify"))
                if self.stopping:  # stop() before the tasks existed
                    for task in self._intake_tasks:
                        task.cancel()
                await self._stopping.wait()
                await self._drain()
                for task in aux:
                    task.cancel()
        finally:
            if self._progress is not None:
                with contextlib.suppress(Exception):
                    await self._progress()
        self._finished = True
        log.info("shutdown_done outcomes=%s", _fmt(self.outcomes))
        if self._fatal is not None:
            raise self._fatal

    async def _drain(self) -> None:
        # Intake is already cancelled; processors finish what they hold and exit on their own.
        pending = [t for t in self._processor_tasks if not t.done()]
        if pending and not self._forced:
            _done, pending_set = await asyncio.wait(pending, timeout=self._shutdown_timeout_s)
            if pending_set:
                log.warning("shutdown_timeout cancelling=%d", len(pending_set))
        for task in self._processor_tasks:
            task.cancel()
        await asyncio.gather(*self._processor_tasks, return_exceptions=True)

    async def _serve_metrics(self) -> None:
        assert self._metrics_server is not None
        try:
            await self._metrics_server.start()
        except OSError as exc:
            where = f"{self._metrics_server.host}:{self._metrics_server.requested_port}"
            self._fail(
                ConfigError(
                    "metrics.port",
                    f"cannot listen on {where}: {exc.strerror or exc}",
                    "choose a free port (0 = any) or set metrics.enabled = false",
                ),
                "metrics",
            )
            return
        self._up.set()
        try:
            await asyncio.Event().wait()
        finally:
            await self._metrics_server.close()

    async def _guard_intake(self, name: str, fn: IntakeTask) -> None:
        try:
            await fn()
        except asyncio.CancelledError:
            raise
        except ArchiverError as exc:
            # Intake loops retry transient trouble themselves; what escapes is fatal (403, bad credentials).
            self._fail(exc, name)
        except Exception as exc:
            log.exception("intake_crashed task=%s error=%s", name, type(exc).__name__)
            self._fail(exc, name)

    def _fail(self, exc: BaseException, where: str) -> None:
        if self._fatal is None:
            self._fatal = exc
            log.error("fatal task=%s error=%s: %s", where, type(exc).__name__, exc)
        self.stop(f"fatal:{type(exc).__name__}")

    async def _supervise(self) -> None:
        # Stops the worker when its finite job is done (backfill, demo).
        if self._stop_when is None:
            return
        while not self.stopping:
            await asyncio.sleep(self._poll_s / 2)
            try:
                if await self._stop_when():
                    self.stop("finished")
            except TransientError:  # e.g. the queue's store is away: ask again at the next poll
                continue
            except Exception as exc:
                self._fail(exc, "supervisor")

    async def _report(self) -> None:
        assert self._progress is not None
        while True:
            await asyncio.sleep(self._progress_every_s)
            try:
                await self._progress()
            except TransientError:  # the queue's store is away: the outage is reported, not this line
                continue

    async def _lease(self) -> list[Lease]:
        """One lease call, waiting out a queue outage, abandoned (nothing leased) when a stop begins."""
        call = asyncio.ensure_future(
            through(self._queue_outage, lambda: self._queue.lease(self.owner, self._lease_s, 1))
        )
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({call, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not call.done():
                call.cancel()  # AzureQueue.lease hands back what it leased meanwhile
                with contextlib.suppress(asyncio.CancelledError):
                    await call
        return [] if call.cancelled() else call.result()

    async def _processor(self, slot: int) -> None:
        while not self.stopping:
            try:
                leases = await self._lease()
            except Exception as exc:  # the queue is unusable (disk full, corrupt, 403): nothing can proceed
                self._fail(exc, f"processor-{slot}")
                return
            if not leases:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)
                continue
            lease = leases[0]
            self._held[slot] = lease
            try:
                outcome = await self._pipeline.process(lease)
            except asyncio.CancelledError:
                await self._release_quietly(lease)
                raise
            except PermanentError as exc:  # the pipeline already released the lease
                self._fail(exc, f"processor-{slot}")
                return
            except TransientError as exc:
                # Not even the retry could be recorded (the queue fails for this item while answering
                # others): the lease expires and the item is leased again; not a reason to stop.
                log.warning("process_abandoned id=%s error=%s", lease.conversation_id, type(exc).__name__)
                await self._release_quietly(lease)
                continue
            except Exception as exc:
                await self._release_quietly(lease)
                self._fail(exc, f"processor-{slot}")
                return
            finally:
                self._held.pop(slot, None)
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            if self._on_outcome is not None:
                self._on_outcome(lease.conversation_id, outcome)

    async def _release_quietly(self, lease: Lease) -> None:
        # Cancelled mid-item: hand the conversation back so the next start retakes it at once.
        try:
            await asyncio.shield(asyncio.wait_for(self._queue.release(lease), timeout=2.0))
        except (Exception, asyncio.CancelledError):
            log.warning("release_failed id=%s (the lease will expire)", lease.conversation_id)


def _fmt(values: dict[str, Any]) -> str:
    return ",".join(f"{k}:{v}" for k, v in sorted(values.items())) or "none"
