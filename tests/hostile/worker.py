"""Run the real worker (`archiver.commands.run.serve`) in-process against the simulator, until a condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from archiver.commands.run import reconcile_settings, serve
from archiver.config import Config
from archiver.queue import QueueItem, SqliteQueue

FAST_RECONCILE = {"interval_s": 1.0, "settle_s": 0.5, "overlap_s": 300.0, "initial_lookback_s": 600.0}


async def run_worker(
    config: Config,
    pool: Any,
    *,
    until: Callable[[dict[str, int]], bool],
    timeout_s: float,
    on_ready: Callable[[Any, Any], Coroutine[Any, Any, None]] | None = None,
) -> dict[str, Any]:
    """Serve until `until(queue counts)` holds (or the timeout); returns counts, healthz status, outcomes."""
    seen: dict[str, Any] = {"components": None, "worker": None, "healthz": None}
    deadline = time.monotonic() + timeout_s

    async def ready(c: Any, worker: Any) -> None:
        seen["components"], seen["worker"] = c, worker
        if on_ready is not None:
            asyncio.get_running_loop().create_task(on_ready(c, worker))

    async def finished() -> bool:
        c = seen["components"]
        if c is None:
            return False
        counts = await c.queue.counts()
        if until(counts) or time.monotonic() > deadline:
            seen["counts"] = counts
            server = seen["worker"]._metrics_server
            if server is not None:
                url = f"http://127.0.0.1:{server.port}/healthz"
                async with aiohttp.ClientSession() as http, http.get(url) as r:
                    seen["healthz"] = r.status
            return True
        return False

    await serve(
        config,
        reconcile=reconcile_settings(config, **FAST_RECONCILE),
        stop_when=finished,
        on_ready=ready,
        pool=pool,
        progress_every_s=60.0,
    )
    seen["outcomes"] = dict(seen["worker"].outcomes) if seen["worker"] else {}
    return seen


async def queue_items(config: Config, ids: list[str]) -> dict[str, QueueItem | None]:
    """Each id's queue row after the worker stopped."""
    queue = SqliteQueue(config.queue.path)
    await queue.start()
    try:
        return {cid: await queue.get(cid) for cid in ids}
    finally:
        await queue.close()


async def pre_enqueue(config: Config, ids: list[str], source: str = "listener") -> None:
    """Ids the listener had already enqueued before the worker (re)started."""
    Path(config.queue.path).parent.mkdir(parents=True, exist_ok=True)
    queue = SqliteQueue(config.queue.path)
    await queue.start()
    try:
        await queue.enqueue_many(ids, source=source)
    finally:
        await queue.close()


def archive_paths(root: Path, cid: str) -> list[Path]:
    """Every archive file of one conversation under a local sink root (more than one = a duplicate)."""
    return sorted(root.glob(f"conversations/*/*/*/{cid}.json.gz"))
