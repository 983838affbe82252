"""/healthz tells the truth: 503 with the reason once Genesys has not answered for
`worker.unhealthy_after_s`, 200 again by itself when it answers; the first failure of a host never reached
is logged loudly with the fix; /healthz logic for the store, on a controlled clock."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from archiver.app import RunOptions, reconcile_settings, serve
from archiver.config import load_config
from archiver.health import Health, Reach
from archiver.sim import Simulator
from tests.conftest import free_port
from tests.support import fast_sim_config

pytestmark = pytest.mark.timeout(180)


async def _healthz(port: int) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r,
    ):
        return r.status, await r.json()


async def _until(port: int, want: Callable[[int, dict[str, Any]], bool], within_s: float) -> dict[str, Any]:
    """Poll /healthz until `want` holds (generous timeout; no fixed sleeps before asserting)."""
    deadline = time.monotonic() + within_s
    last: tuple[int, dict[str, Any]] | None = None
    while time.monotonic() < deadline:
        try:
            last = await _healthz(port)
        except aiohttp.ClientError:
            last = None  # the metrics server is not up yet
        if last is not None and want(*last):
            return last[1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz never reached the wanted state; last answer: {last}")


async def test_healthz_turns_503_naming_genesys_and_recovers_by_itself(
    tmp_path: Path, cpu_pool: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sim_cfg = fast_sim_config()
    genesys_port, metrics_port = free_port(), free_port()  # nothing listens on genesys_port yet
    env = {
        "GENESYS_BASE_URL": f"http://127.0.0.1:{genesys_port}",
        "GENESYS_CLIENT_ID": sim_cfg.client_id,
        "GENESYS_CLIENT_SECRET": sim_cfg.client_secret,
        "ARCHIVER_SINK__KIND": "local",
        "ARCHIVER_SINK__LOCAL__DIR": str(tmp_path / "archive"),
        "ARCHIVER_QUEUE__PATH": str(tmp_path / "state" / "q.sqlite3"),
        "ARCHIVER_METRICS__PORT": str(metrics_port),
        "ARCHIVER_WORKER__PROCESSORS": "1",
        "ARCHIVER_WORKER__UNHEALTHY_AFTER_S": "1",
    }
    config = load_config(None, env=env)
    stop = asyncio.Event()

    async def stop_when() -> bool:
        return stop.is_set()

    options = RunOptions(stop_when=stop_when, reconcile=reconcile_settings(config, error_retry_s=0.5))
    worker = asyncio.create_task(serve(config, options, pool=cpu_pool))
    sim = Simulator(sim_cfg)
    try:
        body = await _until(metrics_port, lambda status, _: status == 503, 90)
        assert f"127.0.0.1:{genesys_port}" in body["detail"] and "never reached" in body["detail"]
        assert "cannot connect" in body["detail"]
        loud = [r for r in caplog.records if r.levelno >= logging.ERROR and "UNREACHABLE" in r.getMessage()]
        assert loud and "GENESYS_BASE_URL" in loud[0].getMessage()
        retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
        assert retries and all(f"127.0.0.1:{genesys_port}" in m for m in retries), retries
        # Genesys comes back: healthy again, without a restart
        await sim.start(host="127.0.0.1", port=genesys_port)
        body = await _until(metrics_port, lambda status, _: status == 200, 120)
        assert body["status"] == "ok"
    finally:
        stop.set()
        assert await asyncio.wait_for(worker, 60) == 0
        await sim.stop()


def test_the_store_is_unhealthy_only_after_the_threshold_and_recovers() -> None:
    now = [100.0]
    store = Reach(
        "archive store", "https://acct.blob.core.windows.net/archive", "check it", clock=lambda: now[0]
    )
    health = Health([store], unhealthy_after_s=120.0)
    store.ok()
    assert health.problem() is None
    store.failed("cannot put archive x: network error (ServiceRequestError)")
    now[0] += 119.0
    store.failed("cannot put archive y: network error (ServiceRequestError)")
    assert health.problem() is None  # a blip is not an outage
    now[0] += 1.0
    problem = health.problem()
    assert problem is not None
    assert "https://acct.blob.core.windows.net" in problem and "120 s" in problem and "archive y" in problem
    assert "never reached" not in problem
    store.ok()
    assert health.problem() is None
