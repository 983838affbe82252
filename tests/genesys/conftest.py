"""Fixtures: a real Simulator on a free loopback port, and clients/listeners pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from archiver.genesys import GenesysClient, GenesysSettings
from archiver.secret import Secret
from archiver.sim import SimConfig, Simulator
from tests.support import Recorder

SimFactory = Callable[..., Awaitable[Simulator]]
ClientFactory = Callable[..., Awaitable[GenesysClient]]

# Fast retries so fault tests take milliseconds, not the production seconds.
FAST = {"backoff_base_s": 0.02, "backoff_cap_s": 0.2, "request_timeout_s": 5.0}


def settings_for(sim: Simulator, **overrides: Any) -> GenesysSettings:
    base: dict[str, Any] = {
        "client_id": sim.config.client_id,
        "client_secret": Secret(sim.config.client_secret),
        "base_url": sim.base_url,
        **FAST,
    }
    base.update(overrides)
    return GenesysSettings(**base)


@pytest.fixture
async def make_sim() -> AsyncIterator[SimFactory]:
    sims: list[Simulator] = []

    async def factory(**config: Any) -> Simulator:
        sim = Simulator(SimConfig(**config))
        await sim.start(host="127.0.0.1", port=0)
        sims.append(sim)
        return sim

    yield factory
    for sim in sims:
        await sim.stop()


@pytest.fixture
async def sim(make_sim: SimFactory) -> Simulator:
    return await make_sim(seed=7)


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    clients: list[GenesysClient] = []

    async def factory(sim: Simulator, **overrides: Any) -> GenesysClient:
        client = GenesysClient(settings_for(sim, **overrides))
        await client.start()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()


@pytest.fixture
async def client(sim: Simulator, make_client: ClientFactory) -> GenesysClient:
    return await make_client(sim)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    rec = Recorder()
    yield rec
    await rec.stop()
