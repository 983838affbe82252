"""`archiver demo --conversations N`: archive N simulated conversations end to end, audit, print a summary.

Always uses the built-in simulator (never a real org) and a fresh local archive directory. Besides the N
web messaging conversations (about 5% of them bot-only, which only the reconciler can find) it plants a few
open/SMS conversations that must NOT be archived. Exit status 0 only if all N were archived exactly once,
no planted PII or customer name/address is in any archive, every write-back is present and nothing else
was archived.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from archiver import logs
from archiver.app import RunOptions, reconcile_settings, serve
from archiver.assemble import Components, embedded_seed
from archiver.audit import audit, list_local_names
from archiver.config import Config, LocalSinkConfig, load_config
from archiver.errors import EXIT_FAILURE
from archiver.loop import run as run_loop
from archiver.reconcile import ReconcileSettings
from archiver.sinks import LocalSink
from archiver.worker import Worker

if TYPE_CHECKING:
    from archiver.sim import Simulator


def main(argv: list[str]) -> int:
    """Run the demo; exit 0 only if everything checks out."""
    p = argparse.ArgumentParser(
        prog="archiver demo", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--conversations", "-n", type=int, default=200, help="conversations to archive (200)")
    p.add_argument("--config", metavar="PATH", help="TOML config (worker/redaction/writeback settings apply)")
    p.add_argument("--dir", help="archive directory (default: a new ./archive/demo-<time>/)")
    p.add_argument(
        "--rate", type=int, default=3000, help="Genesys API requests/min for sim and client (3000)"
    )
    p.add_argument("--processors", type=int, default=None, help="conversations in flight (config default)")
    p.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    p.add_argument("--seed", type=int, default=None, help="simulator seed (default: random)")
    args = p.parse_args(argv)
    if args.conversations < 1:
        p.error("--conversations must be >= 1")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out = str(Path(args.dir or f"./archive/demo-{stamp}").absolute())
    config = load_config(args.config)
    logs.setup_for_command(config.logging.level, config.logging.format)
    return run_loop(demo(config, args))


async def demo(config: Config, args: argparse.Namespace) -> int:
    """Run the worker against an in-process simulator until N are archived, then audit."""
    from archiver.sim import SimConfig, Simulator

    n = int(args.conversations)
    out = Path(args.out)
    state = Path(tempfile.mkdtemp(prefix="archiver-demo-"))
    bots = n // 20
    decoys = max(1, n // 40)
    timeout = args.timeout or max(60.0, n * 0.5)
    config = _demo_config(config, state, args)
    sim = Simulator(
        SimConfig(seed=args.seed if args.seed is not None else embedded_seed(), rate_limit_per_min=args.rate)
    )
    run = _DemoRun(sim, n=n, bots=bots, decoys=decoys, timeout_s=timeout)
    expected, excluded, t0 = run.expected, run.excluded, run.t0

    options = RunOptions(
        reconcile=_reconcile(config),
        stop_when=run.finished,
        metrics_port=0,
        on_ready=run.on_ready,
        progress_every_s=2.0,
        announce=[
            f"DEMO: {n} conversations from the built-in Genesys Cloud SIMULATOR (not a real org)",
            f"archived to the LOCAL directory {out}/ (not WORM)",
        ],
    )
    try:
        await serve(config, options, simulator=sim, local_dir=str(out))
        wall = time.monotonic() - t0
        sink = LocalSink(LocalSinkConfig(dir=str(out)))
        await sink.start()
        try:
            report = await audit(
                sink,
                list_local_names(out),
                [sim.truth(cid) for cid in expected],
                excluded_truths=[sim.truth(cid) for cid in excluded],
                attributes=sim.attributes,
                tags=sim.tags,
                properties=sim.properties_of,
                writeback=config.writeback.mode,
            )
        finally:
            await sink.close()
    finally:
        shutil.rmtree(state, ignore_errors=True)
    ok = report.ok and report.archived == n and not run.stopped_early
    print(f"archiver demo summary ({'OK' if ok else 'FAILED'})")
    print(f"  {'conversations requested':<32} {n} ({bots} bot-only, +{2 * decoys} open/SMS decoys)")
    print(report.summary())
    print(f"  {'wall time':<32} {wall:.1f} s ({report.archived / wall if wall else 0:.1f} conversations/s)")
    print(f"  {'archive directory':<32} {out}")
    if run.stopped_early:
        print(f"  timed out after {timeout:.0f} s")
    for name in ("missing", "duplicates", "unexpected", "invalid", "writebacks_missing"):
        ids = getattr(report, name)
        if ids:
            print(f"  {name}: {', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
    return 0 if ok else EXIT_FAILURE


class _DemoRun:
    """The demo's traffic and stop rule: N conversations (some bot-only) and decoys, until all are done."""

    def __init__(self, sim: Simulator, *, n: int, bots: int, decoys: int, timeout_s: float) -> None:
        self.sim, self.n, self.bots, self.decoys, self.timeout_s = sim, n, bots, decoys, timeout_s
        self.expected: list[str] = []
        self.excluded: list[str] = []
        self.t0 = time.monotonic()
        self.deadline = self.t0 + timeout_s
        self.stopped_early = False
        self._components: Components | None = None
        self._feed: asyncio.Task[None] | None = None

    def on_ready(self, c: Components, worker: Worker) -> None:
        self._components = c
        self._feed = asyncio.get_running_loop().create_task(self._generate())

    async def _generate(self) -> None:
        await asyncio.sleep(0.3)  # let the listener subscribe first; the reconciler catches stragglers
        self.deadline = time.monotonic() + self.timeout_s
        sim = self.sim
        self.excluded.extend(await sim.generate(self.decoys, kind="open"))
        self.excluded.extend(await sim.generate(self.decoys, kind="sms"))
        self.expected.extend(await sim.generate(self.bots, kind="bot"))
        left = self.n - self.bots
        while left > 0:
            batch = min(25, left)
            self.expected.extend(await sim.generate(batch, kind="webmessaging"))
            left -= batch
            await asyncio.sleep(0.02)

    async def finished(self) -> bool:
        counts = await self._components.queue.counts() if self._components is not None else {}
        if counts.get("done", 0) >= self.n and len(self.expected) >= self.n:
            return True
        if time.monotonic() > self.deadline:
            self.stopped_early = True
            return True
        return False


def _demo_config(config: Config, state: Path, args: argparse.Namespace) -> Config:
    s = msgspec.structs.replace
    worker = config.worker
    if args.processors:
        worker = s(worker, processors=args.processors)
    return s(
        config,
        # A queue and a store of its own: a demo never touches the configured (production) ones.
        queue=s(
            config.queue,
            kind="sqlite",
            path=str(state / "queue.sqlite3"),
            backoff_base_s=0.5,
            backoff_max_s=5.0,
        ),
        genesys=s(config.genesys, rate_limit_per_min=args.rate),
        sink=s(config.sink, kind="local"),
        worker=worker,
    )


def _reconcile(config: Config) -> ReconcileSettings:
    # Minutes-scale settling is for a real org's analytics; the simulator's data is visible at once.
    return reconcile_settings(config, interval_s=2.0, settle_s=0.5, overlap_s=300.0, initial_lookback_s=600.0)
