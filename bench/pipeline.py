"""Pipeline benchmark: `python -m bench.pipeline [--conversations N] [--budget-seconds S]`.

1. Throughput: the whole worker (listener, reconciler, processors, spawn pool) archives N seeded
   conversations from the in-process simulator with no effective rate limit, into the local sink and into
   Azurite behind the WORM proxy. Reports conversations/s, record MB/s (uncompressed JSON) and archive MB/s.
2. API calls per archived conversation (target ≤ 3: messages GET, bulk POST, write-back PATCH).
3. Rate budget: simulator and client both at 300 requests/min with a backlog larger than the budget; the
   share of the theoretical maximum (300 requests in one 60 s window) actually used (target ≥ 90%) and
   whether any 429 was left unretried.

Default run: ~2 minutes. Everything binds 127.0.0.1 on free ports; nothing is written outside a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archiver.app import RunOptions, reconcile_settings, serve
from archiver.assemble import Components
from archiver.audit import list_local_names
from archiver.config import Config, load_config
from archiver.pool import CpuPool
from archiver.sim import SimConfig, Simulator
from archiver.worker import Worker
from bench import print_measures

# transcript (messages GET, bulk POST) and write-back calls: the attributes PATCH, or the analytics details
# GET + properties POST of the default mode (writeback.mode = "analytics-properties": 4 calls, not 3)
PER_CONVERSATION = (
    "GET /api/v2/conversations/messages/{",
    "/messages/bulk",
    "/attributes",
    "GET /api/v2/analytics/conversations/{conversationId}/details",
    "/details/properties",
)


def _config(sim: Simulator, root: Path, rate: int, processors: int, **env: str) -> Config:
    values = {
        "GENESYS_BASE_URL": sim.base_url,
        "GENESYS_CLIENT_ID": sim.config.client_id,
        "GENESYS_CLIENT_SECRET": sim.config.client_secret,
        "ARCHIVER_GENESYS__RATE_LIMIT_PER_MIN": str(rate),
        "ARCHIVER_SINK__KIND": "local",
        "ARCHIVER_SINK__LOCAL__DIR": str(root / "archive"),
        "ARCHIVER_QUEUE__PATH": str(root / "state" / "queue.sqlite3"),
        "ARCHIVER_METRICS__PORT": "0",
        "ARCHIVER_WORKER__PROCESSORS": str(processors),
        "ARCHIVER_LOGGING__LEVEL": "WARNING",
    }
    values.update(env)
    return load_config(None, env=values)


async def _run(
    config: Config, sim: Simulator, pool: CpuPool, n: int, *, until_done: int | None, seconds: float | None
) -> dict[str, Any]:
    """Generate n conversations, run the worker until `until_done` are done or `seconds` have passed."""
    out: dict[str, Any] = {}

    async def on_ready(c: Components, worker: Worker) -> None:
        assert c.client is not None
        out["c"] = c
        await sim.generate(n)
        sim.reset_call_counts()
        out["t0"] = time.monotonic()
        out["throttled0"] = c.client.stats.throttled
        if seconds is not None:
            # Snapshot just inside the window: the sliding budget frees its next slots at exactly +60 s.
            asyncio.get_running_loop().call_later(max(0.1, seconds - 0.5), snapshot)

    def snapshot() -> None:
        out["window_calls"] = sim.call_counts()
        out["window_throttled"] = out["c"].client.stats.throttled - out["throttled0"]
        out["window_s"] = time.monotonic() - out["t0"]

    async def finished() -> bool:
        c = out.get("c")
        if c is None or "t0" not in out:
            return False
        elapsed = time.monotonic() - out["t0"]
        counts = await c.queue.counts()
        if (until_done is not None and counts["done"] >= until_done) or (
            seconds is not None and elapsed >= seconds
        ):
            out["elapsed"] = elapsed
            out["counts"] = counts
            out["calls"] = sim.call_counts()
            out["throttled"] = c.client.stats.throttled - out["throttled0"]
            return True
        return False

    fast = {"interval_s": 2.0, "settle_s": 0.5, "overlap_s": 300.0, "initial_lookback_s": 600.0}
    options = RunOptions(reconcile=reconcile_settings(config, **fast), stop_when=finished, on_ready=on_ready)
    await serve(config, options, pool=pool)
    return out


def _sizes(root: Path) -> tuple[int, int]:
    gz = raw = 0
    for name in list_local_names(root):
        data = (root / name).read_bytes()
        gz += len(data)
        raw += len(zlib.decompress(data, 31))  # 31: gzip wrapper
    return raw, gz


@contextlib.contextmanager
def _azurite() -> Iterator[Any]:
    from archiver.testing.wormproxy import worm_stack

    with worm_stack() as (_azurite_proc, proxy):
        yield proxy


async def _container(proxy: Any) -> str:
    from azure.storage.blob.aio import BlobServiceClient

    name = f"bench{int(time.time())}"
    async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
        await svc.create_container(name)
    return name


async def main_async(args: argparse.Namespace) -> int:
    from archiver.pool import CpuPool

    rows: list[tuple[str, str, str]] = []
    failures: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    pool = CpuPool(args.pool)
    try:
        ratio = 1.0
        results: dict[str, float] = {}
        for kind in ("local", "azure"):
            if kind == "azure" and args.skip_azure:
                continue
            sim = Simulator(
                SimConfig(seed=args.seed, rate_limit_per_min=1_000_000, transcript_processing_s=0.0)
            )
            await sim.start()
            root = tmp / kind
            try:
                if kind == "local":
                    config = _config(sim, root, 100_000, args.processors)
                    res = await _run(
                        config, sim, pool, args.conversations, until_done=args.conversations, seconds=None
                    )
                    raw, gz = await asyncio.to_thread(_sizes, root / "archive")
                    ratio = raw / gz if gz else 1.0
                else:
                    with _azurite() as proxy:
                        container = await _container(proxy)
                        config = _config(
                            sim,
                            root,
                            100_000,
                            args.processors,
                            ARCHIVER_SINK__KIND="azure",
                            AZURE_STORAGE_CONNECTION_STRING=proxy.connection_string,
                            AZURE_CONTAINER_NAME=container,
                            ARCHIVER_SINK__AZURE__RETENTION_DAYS="1",
                        )
                        res = await _run(
                            config, sim, pool, args.conversations, until_done=args.conversations, seconds=None
                        )
                        gz = int(_metric(res, "archive_bytes"))
                        raw = int(gz * ratio)
            finally:
                await sim.stop()
            done = res["counts"]["done"]
            secs = res["elapsed"]
            per_conv = sum(n for k, n in res["calls"].items() if any(p in k for p in PER_CONVERSATION)) / max(
                1, done
            )
            total = sum(n for k, n in res["calls"].items() if "/api/v2/" in k) / max(1, done)
            results[kind] = done / secs
            rows.append((f"throughput, {kind} sink", f"{done / secs:.1f} conv/s", f"{done} in {secs:.1f} s"))
            rows.append(
                (
                    f"record MB/s, {kind} sink",
                    f"{raw / secs / 1e6:.2f} MB/s",
                    f"archive {gz / secs / 1e6:.2f} MB/s gz",
                )
            )
            rows.append(
                (
                    f"API calls/conversation, {kind}",
                    f"{per_conv:.2f}",
                    f"{total:.2f} incl. analytics/notifications",
                )
            )
            if done < args.conversations:
                failures.append(f"{kind}: only {done}/{args.conversations} archived")
            bar = 4.0 if config.writeback.mode == "analytics-properties" else 3.0
            if per_conv > bar:
                failures.append(f"{kind}: {per_conv:.2f} API calls per conversation > {bar:g}")
        if "azure" in results and "local" in results:
            rows.append(("azure vs. local", f"{results['azure'] / results['local']:.2f}x", ""))

        # Rate budget at 300 requests/min: a backlog larger than one window's budget; within one 60 s
        # window the simulator admits at most 300 requests, so that is the theoretical maximum.
        rate, window = 300, min(60.0, args.budget_seconds)
        sim = Simulator(SimConfig(seed=args.seed + 1, rate_limit_per_min=rate, transcript_processing_s=0.0))
        await sim.start()
        try:
            config = _config(sim, tmp / "budget", rate, args.processors)
            backlog = int(rate / 3 * 1.5) + 10
            res = await _run(config, sim, pool, backlog, until_done=None, seconds=window)
        finally:
            await sim.stop()
        calls = sum(n for k, n in res["window_calls"].items() if "/api/v2/" in k)
        used = calls - res["window_throttled"]
        share = used / rate
        dead = res["counts"]["dead"]
        rows.append(
            (
                "rate budget used @300/min",
                f"{share:.1%}",
                f"{used} of {rate} in one {res['window_s']:.1f} s window",
            )
        )
        rows.append(
            (
                "429s received / left unretried",
                f"{res['window_throttled']} / {dead}",
                f"archived {res['counts']['done']} of {backlog}",
            )
        )
        if share < 0.9:
            failures.append(f"rate budget share {share:.1%} < 90%")
        if dead:
            failures.append(f"{dead} conversations dead under the rate limit")
    finally:
        pool.close()
        shutil.rmtree(tmp, ignore_errors=True)

    pool_n = args.pool or os.cpu_count()
    return print_measures(
        f"archiver pipeline benchmark: {args.conversations} conversations, "
        f"{args.processors} processors, pool {pool_n}",
        rows,
        failures,
        ["aiohttp", "msgspec", "azure-storage-blob", "isal", "pyre2"],
    )


def _metric(res: dict[str, Any], name: str) -> float:
    c = res["c"]
    if name == "archive_bytes":
        return float(c.metrics.archive_bytes._value.get())
    raise KeyError(name)


def main() -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.pipeline", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--conversations", type=int, default=300)
    p.add_argument("--processors", type=int, default=16)
    p.add_argument("--pool", type=int, default=None, help="pool processes (default: CPU count)")
    p.add_argument("--budget-seconds", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--skip-azure", action="store_true")
    args = p.parse_args()
    from archiver.loop import run

    return run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
