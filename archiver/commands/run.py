"""`archiver run`: the worker — listener, reconciler, processors and metrics in one process.

With nothing configured at all (no config file, no Genesys or Azure setting) it starts the built-in simulator
with live traffic and archives to the local directory (./archive/), and says so loudly; with anything
configured, missing Genesys credentials stop it with a config error (archiver/embedded.py).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from archiver import logs
from archiver.assemble import Components, embedded_seed
from archiver.config import Config, load_config, require_genesys
from archiver.embedded import check_store as embedded_store_check
from archiver.embedded import private_queue
from archiver.genesys import ConversationEnded, NotificationListener
from archiver.leader import leader_for
from archiver.loop import run as run_loop
from archiver.reconcile import Reconciler, ReconcileSettings
from archiver.worker import Worker

log = logging.getLogger("archiver.run")


def parser(prog: str = "archiver run") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    return p


def main(argv: list[str]) -> int:
    """Run the worker until SIGTERM/SIGINT."""
    args = parser().parse_args(argv)
    config = load_config(args.config)
    logs.setup(config.logging.level, config.logging.format)
    return run_loop(serve(config))


def reconcile_settings(config: Config, **overrides: Any) -> ReconcileSettings:
    """Reconciler cadence from config."""
    w = config.worker
    base = ReconcileSettings(
        interval_s=w.reconcile_interval_s, overlap_s=w.reconcile_overlap_s, settle_s=w.reconcile_lag_s
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


async def serve(config: Config, *, simulator: Any = None, local_dir: str | None = None, **kwargs: Any) -> int:
    """Build, start and run the worker; returns the exit status after a graceful shutdown."""
    embedded = simulator is not None or config.embedded
    if not embedded:
        require_genesys(config, "archiver run")
        return await _serve(config, None, local_dir=local_dir, **kwargs)
    embedded_store_check(config)
    if simulator is not None:  # demo, bench, tests: they chose the queue and the simulator
        return await _serve(config, simulator, local_dir=local_dir, **kwargs)
    from archiver.sim import SimConfig, Simulator

    simulator = Simulator(
        SimConfig(seed=embedded_seed(), conversations_per_min=config.simulator.conversations_per_min)
    )
    with private_queue(config) as config:
        return await _serve(config, simulator, local_dir=local_dir, **kwargs)


async def _serve(
    config: Config,
    simulator: Any,
    *,
    local_dir: str | None = None,
    reconcile: ReconcileSettings | None = None,
    on_archived: Callable[[str, Any], None] | None = None,
    stop_when: Any = None,
    metrics_port: int | None = None,
    on_ready: Callable[[Components, Worker], Any] | None = None,
    progress_every_s: float = 5.0,
    pool: Any = None,
    announce: list[str] | None = None,
) -> int:
    embedded = simulator is not None
    async with Components(config, simulator=simulator, local_dir=local_dir, pool=pool) as c:
        assert c.client is not None and c.settings is not None
        reconciler = Reconciler(c.client, c.queue, c.metrics, reconcile or reconcile_settings(config))
        holder: dict[str, Worker] = {}

        async def on_ended(event: ConversationEnded) -> None:
            if await c.queue.enqueue(event.conversation_id, source="listener"):
                c.metrics.enqueued.labels("listener").inc()
                holder["w"].wake()

        listener = NotificationListener(c.client, c.settings, on_ended, reconciler.on_gap)
        c.listener_stats.append(listener.stats)
        archived_total = [0]

        def note_archived(cid: str, result: Any) -> None:
            if result.created:
                archived_total[0] += 1
            if on_archived is not None:
                on_archived(cid, result)

        async def progress() -> None:
            counts = await c.queue.counts()
            log.info(
                "progress archived=%d pending=%d leased=%d retry=%d done=%d dead=%d listener_connected=%s",
                archived_total[0],
                counts.get("pending", 0),
                counts.get("leased", 0),
                counts.get("retry", 0),
                counts.get("done", 0),
                counts.get("dead", 0),
                listener.is_connected(),
            )

        # Several VMs on a shared (Azure) queue: only the elected leader listens and reconciles.
        leader = leader_for(c.queue)
        # /metrics: whether this VM leads (runs the listener) and whether its listener is connected.
        c.metrics.add_source(
            lambda: {
                "leader": {"": float(leader is None or leader.is_leader)},
                "listener_connected": {"": float(listener.is_connected())},
            }
        )
        intake: dict[str, Callable[[], Awaitable[None]]] = {
            "listener": listener.run,
            "reconciler": reconciler.run,
        }
        if leader is not None:
            intake = {name: functools.partial(leader.guard, fn) for name, fn in intake.items()}
        worker = Worker(
            queue=c.queue,
            pipeline=c.pipeline(on_archived=note_archived),
            metrics=c.metrics,
            processors=config.worker.processors,
            lease_s=config.queue.lease_s,
            shutdown_timeout_s=config.worker.shutdown_timeout_s,
            intake=intake,
            stop_when=stop_when,
            progress=progress,
            progress_every_s=progress_every_s,
        )
        holder["w"] = worker
        server = c.metrics_server(health=worker.healthy, port=metrics_port)
        worker.attach_metrics_server(server)
        if announce is not None:
            banner(announce)
        elif embedded:
            sim = c.sim
            banner(
                [
                    "EMBEDDED MODE: nothing is configured (no config file, no Genesys or Azure setting).",
                    f"Running the built-in Genesys Cloud SIMULATOR at {sim.base_url}",
                    f"with synthetic traffic ({sim.config.conversations_per_min:g} conversations/min),",
                    f"archiving to the LOCAL directory {c.sink_root()}/ (not WORM).",
                    f"Its work queue is temporary ({config.queue.path}): a restart starts afresh.",
                    "Set GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET / GENESYS_REGION to archive a real org.",
                ]
            )
        if embedded and c.sim.config.conversations_per_min > 0 and not c.sim.traffic.running:
            c.sim.traffic.start()
        if on_ready is not None:
            maybe = on_ready(c, worker)
            if maybe is not None:
                await maybe
        remove = worker.install_signal_handlers()
        try:
            if leader is not None:
                await leader.start()
            await worker.run()
        finally:
            remove()
            if leader is not None:
                await leader.close()
            if embedded and c.sim is not None:
                with contextlib.suppress(Exception):
                    await c.sim.traffic.stop()
    return 0
