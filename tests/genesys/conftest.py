"""Fixtures: a real Simulator on a free loopback port, and clients/listeners pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from archiver.genesys import ConversationEnded, Gap, GenesysClient, GenesysSettings, NotificationListener
from archiver.sim import SimConfig, Simulator

SimFactory = Callable[..., Awaitable[Simulator]]
ClientFactory = Callable[..., Awaitable[GenesysClient]]

# Fast retries so fault tests take milliseconds, not the production seconds.
FAST = {"backoff_base_s": 0.02, "backoff_cap_s": 0.2, "request_timeout_s": 5.0}


def settings_for(sim: Simulator, **overrides: Any) -> GenesysSettings:
    base: dict[str, Any] = {
        "client_id": sim.config.client_id,
        "client_secret": sim.config.client_secret,
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


class Recorder:
    """Collects what a listener emits; runs the listener as a task."""

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


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    rec = Recorder()
    yield rec
    await rec.stop()


async def eventually(predicate: Callable[[], bool], within: float = 10.0, what: str = "condition") -> None:
    """Poll until `predicate()` holds, else fail naming `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
