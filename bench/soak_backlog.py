"""Backlog mode of the soak: `python -m bench.soak --backlog 100000 [--backlog-sample 3000]`.

The simulator is "paused" (no worker running) while N ended conversations pile up; then the worker is
released on them: its reconciler finds all N through the analytics API and queues them. Once all N are in
the queue, the next `sample` archives are timed (the worker drains a full queue) and compared with an
empty-queue run that archives just `sample` conversations (its first 10% not timed: start-up). Targets:
worker RSS under 300 MB for the whole backlog run, throughput within 20% of the empty-queue run. No faults
and no request budget to speak of: this measures the cost of a deep queue, not recovery or rate limits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import msgspec

from archiver.sim import Simulator
from bench.soak import SoakOptions, sim_config, worker_config, worker_env
from bench.soak_stack import BlobStore, WorkerProcess

RSS_LIMIT_MB = 300.0
MIN_RATIO = 0.8


class PhaseResult(msgspec.Struct, kw_only=True):
    """One run: how many were queued, how fast the sample was archived, how much memory the worker used."""

    queued: int
    max_queue_depth: int
    archived: int
    timed: int
    rate_per_s: float
    peak_rss_mb: float
    peak_rss_with_pool_mb: float
    generate_s: float
    wall_s: float
    sweep_s: float  # worker start → every conversation queued (the reconciler's discovery)
    archived_during_sweep: int
    cpu_ms_per_archive: float  # worker + pool CPU over the timed span / archives timed


def _counts(db: Path) -> tuple[int, int]:
    """(items known to the queue, items not yet done or dead), read-only; (0, 0) before the file exists."""
    if not db.exists():
        return 0, 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
        try:
            rows = dict(conn.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return 0, 0
    total = sum(int(v) for v in rows.values())
    return total, total - int(rows.get("done", 0)) - int(rows.get("dead", 0))


def _cpu_per_archive_ms(samples: list[tuple[float, float]], timed: list[float]) -> float:
    """CPU the worker and its pool spent over the timed span, per archive (nearest samples)."""
    if len(timed) < 2 or len(samples) < 2:
        return 0.0
    a = min(samples, key=lambda s: abs(s[0] - timed[0]))
    b = min(samples, key=lambda s: abs(s[0] - timed[-1]))
    n = sum(1 for t in timed if a[0] <= t <= b[0])
    return 1000.0 * (b[1] - a[1]) / n if n and b[1] > a[1] else 0.0


async def run_phase(
    total: int, sample: int, run_dir: Path, opts: SoakOptions, timeout_s: float
) -> PhaseResult:
    """Queue `total` conversations, release the worker, time the first `sample` archives."""
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    # Shorter chats keep 100k conversations affordable in the driver; both phases use the same shape.
    sim = Simulator(sim_config(opts.seed, secret, max_turns=12, rate_limit_per_min=100_000))
    await sim.start(host="127.0.0.1", port=0)
    store = BlobStore(run_dir / "azurite")
    worker: WorkerProcess | None = None
    try:
        t0 = time.monotonic()
        for start in range(0, total, 5000):  # in chunks, so the loop stays responsive
            await sim.generate(min(5000, total - start), end=True)
        generate_s = time.monotonic() - t0
        # The conversations never change again: keep the collector from re-scanning 100k of them (the
        # simulator shares the driver process with the WORM proxy, and its pauses would be billed to us).
        gc.collect()
        gc.freeze()
        await store.start()
        cfg = worker_config(run_dir, sim, opts)
        worker = WorkerProcess(run_dir, cfg, worker_env(secret, store.connection_string))
        assert store.proxy is not None
        created = store.proxy.created
        db = run_dir / "state" / "queue.sqlite3"
        w0 = time.monotonic()
        await worker.start()
        depth, queued_at, sweep_s = 0, None, 0.0
        # Timing starts once every conversation is in the queue (the reconciler's first sweep is over):
        # from then on the worker drains a full queue, which is what a backlog costs.
        while time.monotonic() - w0 < timeout_s:
            if not worker.running:
                raise RuntimeError(f"worker exited: see {run_dir}/worker-*.err")
            known, pending = await asyncio.to_thread(_counts, db)
            depth = max(depth, pending)
            if queued_at is None and known >= total:
                queued_at = time.time()
                sweep_s = time.monotonic() - w0
            if (
                queued_at is not None
                and sum(1 for ts in created.values() for t in ts if t >= queued_at) >= sample
            ):
                break
            await asyncio.sleep(0.5)
        wall = time.monotonic() - w0
        await worker.terminate(60.0)
        times = sorted(t for ts in created.values() for t in ts if queued_at is not None and t >= queued_at)
        if total == sample:  # empty-queue run: everything counts except the start-up tenth
            times = sorted(t for ts in created.values() for t in ts)
        skip = len(times) // 10
        timed = times[skip:sample]
        rate = (len(timed) - 1) / (timed[-1] - timed[0]) if len(timed) > 1 and timed[-1] > timed[0] else 0.0
        cpu_ms = _cpu_per_archive_ms(worker.cpu_samples, timed)
        before = sum(1 for ts in created.values() for t in ts if queued_at is None or t < queued_at)
        return PhaseResult(
            queued=total,
            max_queue_depth=depth,
            archived=len(times),
            timed=len(timed),
            rate_per_s=rate,
            peak_rss_mb=worker.peak_main_kb / 1024,
            peak_rss_with_pool_mb=worker.peak_total_kb / 1024,
            generate_s=generate_s,
            wall_s=wall,
            sweep_s=sweep_s if queued_at is not None else wall,
            archived_during_sweep=before,
            cpu_ms_per_archive=cpu_ms,
        )
    finally:
        if worker is not None:
            await worker.terminate(10.0)
        await store.close()
        await sim.stop()
        gc.unfreeze()


def backlog_table(n: int, empty: PhaseResult, backlog: PhaseResult) -> tuple[str, bool]:
    """The backlog table and whether both targets are met."""
    ratio = backlog.rate_per_s / empty.rate_per_s if empty.rate_per_s else 0.0
    rss_ok = backlog.peak_rss_mb < RSS_LIMIT_MB
    ok = rss_ok and ratio >= MIN_RATIO and backlog.timed > 1 and empty.timed > 1
    e, b = empty, backlog
    ratio_target = f"≥ {MIN_RATIO:.2f} {'ok' if ratio >= MIN_RATIO else 'FAIL'}"
    rss_target = f"< {RSS_LIMIT_MB:.0f} MB {'ok' if rss_ok else 'FAIL'}"
    rows = [
        ("", "empty queue", f"backlog {n:,}", "target"),
        ("conversations queued", f"{empty.queued:,}", f"{backlog.queued:,}", ""),
        ("max queue depth (not done)", f"{empty.max_queue_depth:,}", f"{backlog.max_queue_depth:,}", ""),
        ("archives timed", f"{empty.timed:,}", f"{backlog.timed:,}", ""),
        ("throughput (archives/s)", f"{empty.rate_per_s:.1f}", f"{backlog.rate_per_s:.1f}", ""),
        ("throughput vs empty queue", "1.00", f"{ratio:.2f}", ratio_target),
        (
            "worker + pool CPU per archive",
            f"{e.cpu_ms_per_archive:.1f} ms",
            f"{b.cpu_ms_per_archive:.1f} ms",
            "",
        ),
        (
            "peak RSS worker (VmHWM)",
            f"{empty.peak_rss_mb:.0f} MB",
            f"{backlog.peak_rss_mb:.0f} MB",
            rss_target,
        ),
        (
            "peak RSS worker + pool",
            f"{e.peak_rss_with_pool_mb:.0f} MB",
            f"{b.peak_rss_with_pool_mb:.0f} MB",
            "",
        ),
        ("discovered and queued after", f"{e.sweep_s:.0f} s", f"{b.sweep_s:.0f} s", ""),
        (
            "archived meanwhile (not timed)",
            f"{e.archived_during_sweep:,}",
            f"{b.archived_during_sweep:,}",
            "",
        ),
        ("simulator generation time", f"{empty.generate_s:.0f} s", f"{backlog.generate_s:.0f} s", ""),
        ("worker wall time", f"{empty.wall_s:.0f} s", f"{backlog.wall_s:.0f} s", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    title = f"archiver backlog soak — {n:,} conversations queued"
    lines = [title, "=" * len(title)]
    lines += [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.append(f"RESULT: {'PASS' if ok else 'FAIL'}")
    return "\n".join(lines), ok


def main_backlog(a: argparse.Namespace) -> int:
    """`--backlog N`: the empty-queue run, then the backlog run; print the table; 0 if targets are met."""
    opts = SoakOptions(seed=a.seed, processors=a.processors, pool_processes=a.pool_processes)
    # One sweep at start finds them all; no request budget to speak of, so the figure is the pipeline's
    # and the queue's, not the sliding-window budget's (which lets a short run burst).
    opts = msgspec.structs.replace(opts, reconcile_interval_s=3600.0, client_rate_limit_per_min=100_000)
    keep = a.run_dir is not None
    root = a.run_dir or Path(tempfile.mkdtemp(prefix="archiver-backlog-"))
    sample = min(a.backlog_sample, a.backlog)
    print(f"backlog soak: {a.backlog:,} queued, {sample:,} archives timed, run dir {root}", file=sys.stderr)
    ok = False
    try:
        empty = asyncio.run(run_phase(sample, sample, root / "empty", opts, a.drain_timeout * 4))
        backlog = asyncio.run(run_phase(a.backlog, sample, root / "backlog", opts, a.drain_timeout * 8))
        text, ok = backlog_table(a.backlog, empty, backlog)
        print(text)
    finally:
        if ok and not keep:
            shutil.rmtree(root, ignore_errors=True)
        elif not ok:
            print(f"evidence kept in {root}", file=sys.stderr)
    return 0 if ok else 1
