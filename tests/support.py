"""Test helpers shared by several suites: a fast simulator config and worker env, a listener recorder,
polling, and the real worker run in-process until a condition."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from archiver.app import RunOptions, reconcile_settings, serve
from archiver.config import Config
from archiver.genesys import ConversationEnded, Gap, GenesysClient, GenesysSettings, NotificationListener
from archiver.sim import SimConfig, Simulator


def fast_sim_config(**overrides: Any) -> SimConfig:
    """A fast simulator: no rate limit to speak of, instant transcripts, no background traffic.

    The simulator's seed comes from `random`, which pytest-randomly reseeds before every test from the run's
    `--randomly-seed` (printed in the header): rerun with `--randomly-seed=N` to replay the same draws. The
    seed is printed too, so a failing test's captured output names it.
    """
    base: dict[str, Any] = {
        "seed": random.getrandbits(32),
        "rate_limit_per_min": 1_000_000,
        "heartbeat_s": 5.0,
        "transcript_processing_s": 0.0,
        "conversations_per_min": 0.0,
    }
    base.update(overrides)
    print(f"fast_sim_config seed={base['seed']}")
    return SimConfig(**base)


def sim_worker_env(sim: Simulator, tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Settings for a fast worker against `sim`, archiving to a local sink under tmp_path (env names).

    Suites override what they test: processors, attempts, leases, heartbeat and reconcile timings.
    """
    env = {
        "GENESYS_BASE_URL": sim.base_url,
        "GENESYS_CLIENT_ID": sim.config.client_id,
        "GENESYS_CLIENT_SECRET": sim.config.client_secret,
        "ARCHIVER_GENESYS__RATE_LIMIT_PER_MIN": "100000",
        "ARCHIVER_SINK__KIND": "local",
        "ARCHIVER_SINK__LOCAL__DIR": str(tmp_path / "archive"),
        "ARCHIVER_QUEUE__PATH": str(tmp_path / f"state-{uuid.uuid4().hex[:6]}" / "q.sqlite3"),
        "ARCHIVER_QUEUE__BACKOFF_BASE_S": "0.2",
        "ARCHIVER_QUEUE__BACKOFF_MAX_S": "1.0",
        "ARCHIVER_METRICS__PORT": "0",
        "ARCHIVER_WORKER__PROCESSORS": "4",
        "ARCHIVER_WORKER__POOL_PROCESSES": "1",
        "ARCHIVER_WORKER__SHUTDOWN_TIMEOUT_S": "10",
    }
    env.update(overrides)
    return env


class Recorder:
    """Runs a real NotificationListener as a task and collects what it emits."""

    def __init__(self) -> None:
        self.ended: list[ConversationEnded] = []
        self.gaps: list[Gap] = []
        self.listener: NotificationListener | None = None
        self.task: asyncio.Task[None] | None = None

    async def on_ended(self, ev: ConversationEnded) -> None:
        self.ended.append(ev)

    async def on_gap(self, gap: Gap) -> None:
        self.gaps.append(gap)

    def ids(self) -> list[str]:
        return [e.conversation_id for e in self.ended]

    async def start(self, client: GenesysClient, settings: GenesysSettings) -> NotificationListener:
        self.listener = NotificationListener(client, settings, self.on_ended, self.on_gap)
        self.task = asyncio.create_task(self.listener.run())
        async with asyncio.timeout(10):
            await self.listener.wait_connected()
        return self.listener

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def eventually(predicate: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Poll until `predicate()` holds, else fail naming `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


FAST_RECONCILE = {"interval_s": 1.0, "settle_s": 0.5, "overlap_s": 300.0, "initial_lookback_s": 600.0}


async def run_worker(
    config: Config,
    pool: Any,
    *,
    until: Callable[[dict[str, int]], bool],
    timeout_s: float,
    on_ready: Callable[[Any, Any], Coroutine[Any, Any, None]] | None = None,
    reconcile: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Serve `archiver run` in-process until `until(queue counts)` holds (or the timeout).

    Returns the final counts, the /metrics page and /healthz status scraped then, and the outcomes.
    """
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
                base = f"http://127.0.0.1:{server.port}"
                async with aiohttp.ClientSession() as http:
                    async with http.get(f"{base}/metrics") as r:
                        seen["metrics"] = await r.text()
                    async with http.get(f"{base}/healthz") as r:
                        seen["healthz"] = r.status
            return True
        return False

    options = RunOptions(
        reconcile=reconcile_settings(config, **(reconcile or FAST_RECONCILE)),
        stop_when=finished,
        on_ready=ready,
        progress_every_s=60.0,
    )
    await serve(config, options, pool=pool)
    seen["outcomes"] = dict(seen["worker"].outcomes) if seen["worker"] else {}
    return seen


class FakeClock:
    """Monotonic time that only moves when someone sleeps on it: no wall-clock time passes in a test."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
