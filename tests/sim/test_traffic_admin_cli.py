"""Background traffic, the /_sim admin endpoints and `archiver sim` as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from tests.conftest import free_port
from tests.sim.conftest import basic, make_config
from tests.support import eventually

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "sim_config", [make_config(conversations_per_min=1200.0, traffic_hold_s=(0.05, 0.2))]
)
async def test_traffic_start_pause_resume(sim: Simulator, sim_config: SimConfig) -> None:
    assert sim.traffic.running  # configured rate > 0 starts it with the simulator
    await eventually(lambda: len(sim.truths()) >= 3, what="three conversations from the traffic")
    sim.traffic.pause()
    # (waits, not fixed sleeps: a loaded machine runs the holds' timers late)
    await eventually(lambda: all(t.ended for t in sim.truths()), what="the last holds to end")
    made = len(sim.truths())
    await asyncio.sleep(0.3)
    assert len(sim.truths()) == made  # paused: nothing new
    assert {t.kind for t in sim.truths()} <= {"webmessaging", "open", "sms", "bot"}
    sim.traffic.resume()
    await eventually(lambda: len(sim.truths()) > made, what="traffic after resume")
    await sim.traffic.stop()


async def test_traffic_off_by_default(sim: Simulator) -> None:
    assert not sim.traffic.running
    sim.traffic.start(rate_per_min=600.0)
    assert sim.traffic.running
    await sim.traffic.stop()


async def test_generate_validates_kind(sim: Simulator) -> None:
    with pytest.raises(ValueError):
        await sim.generate(1, kind="voice")


async def test_seeded_generation_is_reproducible() -> None:
    a, b = Simulator(make_config(seed=3)), Simulator(make_config(seed=3))
    ta = [a.truth(c).messages for c in await a.generate(3)]
    tb = [b.truth(c).messages for c in await b.generate(3)]
    assert ta == tb


async def test_admin_endpoints(sim: Simulator, http: aiohttp.ClientSession) -> None:
    base = f"{sim.base_url}/_sim"
    async with http.post(f"{base}/generate", json={"n": 2, "kind": "webmessaging", "end": False}) as r:
        ids = (await r.json())["ids"]
    async with http.post(f"{base}/conversations/{ids[0]}/end") as r:
        assert r.status == 200
    async with http.get(f"{base}/truth/{ids[0]}") as r:
        truth = await r.json()
    assert truth["ended"] is True and truth["planted_pii"] is not None
    async with http.get(f"{base}/truths") as r:
        assert len(await r.json()) == 2
    async with http.post(f"{base}/faults/set_rate_limit", json={"per_min": 7}) as r:
        assert r.status == 200
    assert sim.tokens.rate_limit_per_min == 7
    async with http.post(f"{base}/faults/fail_next", json={"n": 1, "status": 502}) as r:
        assert r.status == 200
    async with http.get(f"{sim.base_url}/api/v2/routing/queues") as r:
        assert r.status == 502
    async with http.post(f"{base}/faults/nonsense") as r:
        assert r.status == 404
    async with http.post(f"{base}/faults/latency", json={"bogus": 1}) as r:
        assert r.status == 400
    async with http.delete(f"{base}/conversations/{ids[1]}") as r:
        assert r.status == 200
    async with http.get(f"{base}/calls") as r:
        assert (await r.json())["GET /api/v2/routing/queues"] == 1
    async with http.get(f"{base}/info") as r:
        info = await r.json()
    assert len(info["queues"]) == 3 and info["conversations"] == 2
    async with http.post(f"{base}/traffic", json={"action": "pause"}) as r:
        assert r.status == 200
    async with http.get(f"{base}/attributes/{ids[0]}") as r:
        assert await r.json() == {}


async def test_cli_serves_until_interrupted(http: aiohttp.ClientSession) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "archiver",
        "sim",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--seed",
        "5",
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret",
        "--rate",
        "0",
        "--backlog",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert f"http://127.0.0.1:{port}" in line
        creds = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
        assert "cli-id" in creds
        async with http.post(
            f"http://127.0.0.1:{port}/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic("cli-id", "cli-secret"),
        ) as r:
            assert r.status == 200
        async with http.get(f"http://127.0.0.1:{port}/_sim/info") as r:
            assert (await r.json())["conversations"] == 2
    finally:
        proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(proc.wait(), 10)
    assert rc == 0
