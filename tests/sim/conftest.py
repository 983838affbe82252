"""Fixtures: a real Simulator on a free loopback port, an aiohttp session and a bearer token for it."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def make_config(**overrides: Any) -> SimConfig:
    base: dict[str, Any] = {
        "seed": 7,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "queues": 3,
        "max_turns": 10,
        "transcript_processing_s": 0.3,
    }
    base.update(overrides)
    return SimConfig(**base)


@pytest.fixture
def sim_config() -> SimConfig:
    return make_config()


@pytest.fixture
async def sim(sim_config: SimConfig) -> AsyncIterator[Simulator]:
    async with Simulator(sim_config) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_token(http: aiohttp.ClientSession, sim: Simulator) -> str:
    async with http.post(
        f"{sim.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers=basic()
    ) as r:
        assert r.status == 200, await r.text()
        return str((await r.json())["access_token"])


@pytest.fixture
async def auth(http: aiohttp.ClientSession, sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {await get_token(http, sim)}"}


def assert_error_body(doc: dict[str, Any], status: int, code: str | None = None) -> None:
    """The real ErrorBody shape: message, code, status, contextId, details, errors."""
    assert {"message", "code", "status", "contextId", "details", "errors"} <= set(doc), doc
    assert doc["status"] == status
    if code is not None:
        assert doc["code"] == code


JOBS = "/api/v2/analytics/conversations/details/jobs"


async def details_job(
    http: aiohttp.ClientSession, sim: Simulator, auth: dict[str, str], interval: str
) -> dict[str, Any]:
    """Submit an analytics details job over `interval`; when FULFILLED, its first page of results."""
    async with http.post(f"{sim.base_url}{JOBS}", json={"interval": interval}, headers=auth) as r:
        job = (await r.json())["jobId"]
    for _ in range(200):
        async with http.get(f"{sim.base_url}{JOBS}/{job}", headers=auth) as r:
            if (await r.json())["state"] == "FULFILLED":
                break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"details job {job} not fulfilled after 200 polls")
    async with http.get(f"{sim.base_url}{JOBS}/{job}/results", headers=auth) as r:
        doc: dict[str, Any] = await r.json()
    return doc


class SimThread:
    """A Simulator serving from a background thread's event loop."""

    def __init__(self, config: SimConfig) -> None:
        self.loop = asyncio.new_event_loop()
        self.sim = Simulator(config)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=timeout)

    def __enter__(self) -> SimThread:
        self.thread.start()
        self.run(self.sim.start(host="127.0.0.1", port=0))
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()
