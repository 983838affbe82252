"""Hostile-input fixtures: a real simulator on a free loopback port, a real listener, and the spawn pool.

Everything here drives real servers (simulator, worker subprocess); nothing of ours is mocked. Hostile bytes
reach our code the way production would deliver them: down the simulator's WebSocket, or inside the
simulator's HTTP answers (`sim.faults.rewrite_next` / `answer_next` / `deny_permission`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from archiver.config import Config, load_config
from archiver.genesys import GenesysClient, GenesysSettings
from archiver.secret import Secret
from archiver.sim import SimConfig, Simulator
from tests.support import Recorder, fast_sim_config, sim_worker_env

FAST: dict[str, Any] = {
    "backoff_base_s": 0.02,
    "backoff_cap_s": 0.2,
    "request_timeout_s": 5.0,
    "heartbeat_timeout_s": 3.0,
    "reconnect_backoff_max_s": 0.2,
}


def sim_config(**overrides: Any) -> SimConfig:
    """A fast simulator with short heartbeats, so silent-socket handling is exercised quickly."""
    return fast_sim_config(**{"heartbeat_s": 0.5, **overrides})


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A started simulator (fresh org per test)."""
    async with Simulator(sim_config()) as s:
        yield s


def settings_for(sim: Simulator, **overrides: Any) -> GenesysSettings:
    """Client/listener settings pointing at `sim`, with fast retries."""
    return GenesysSettings(
        client_id=sim.config.client_id,
        client_secret=Secret(sim.config.client_secret),
        base_url=sim.base_url,
        **{**FAST, **overrides},
    )


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[GenesysClient]:
    c = GenesysClient(settings_for(sim))
    await c.start()
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    rec = Recorder()
    yield rec
    await rec.stop()


def worker_env(sim: Simulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Environment for a worker against `sim` with a local sink under tmp_path (seed variable names)."""
    suite = {
        "ARCHIVER_GENESYS__HEARTBEAT_TIMEOUT_S": "5",
        "ARCHIVER_QUEUE__MAX_ATTEMPTS": "3",
        "ARCHIVER_WORKER__SHUTDOWN_TIMEOUT_S": "5",
    }
    return sim_worker_env(sim, tmp_path, **(suite | extra))


def make_config(sim: Simulator, tmp_path: Path, **extra: str) -> Config:
    """A worker config built through load_config exactly as `archiver run` builds it."""
    return load_config(None, env=worker_env(sim, tmp_path, **extra))


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment without any archiver/Genesys/Azure settings, plus `extra`."""
    drop = ("ARCHIVER_", "GENESYS_", "AZURE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra)
    return env


@pytest.fixture
async def client_for_jobs() -> AsyncIterator[tuple[Simulator, GenesysClient]]:
    """A simulator whose analytics data is available at once (details jobs see conversations immediately)."""
    async with Simulator(sim_config(data_availability_lag_s=0.0, analytics_lag_s=0.0)) as s:
        c = GenesysClient(settings_for(s))
        await c.start()
        try:
            yield s, c
        finally:
            await c.close()
