"""End-to-end fixtures: a real simulator on a free loopback port, one spawn CPU pool per session, and configs
built through `load_config` exactly as the worker builds them (environment variables)."""

from __future__ import annotations

import collections.abc
import uuid
from pathlib import Path

import pytest

from archiver.config import Config, load_config
from archiver.sim import Simulator
from tests.support import fast_sim_config

sim_config = fast_sim_config


@pytest.fixture
async def sim() -> collections.abc.AsyncIterator[Simulator]:
    """A started simulator (fresh org per test)."""
    s = Simulator(sim_config())
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


def make_config(sim: Simulator, tmp_path: Path, **env: str) -> Config:
    """Config for a worker against `sim`, local sink under tmp_path (override anything via env names)."""
    values = {
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
        "ARCHIVER_WORKER__PROCESSORS": "6",
        "ARCHIVER_WORKER__SHUTDOWN_TIMEOUT_S": "10",
    }
    values.update(env)
    return load_config(None, env=values)
