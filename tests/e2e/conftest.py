"""End-to-end fixtures: a real simulator on a free loopback port, one spawn CPU pool per session, and configs
built through `load_config` exactly as the worker builds them (environment variables)."""

from __future__ import annotations

import collections.abc
from pathlib import Path

import pytest

from archiver.config import Config, load_config
from archiver.sim import Simulator
from tests.support import fast_sim_config, sim_worker_env

sim_config = fast_sim_config


@pytest.fixture
async def sim() -> collections.abc.AsyncIterator[Simulator]:
    """A started simulator (fresh org per test)."""
    async with Simulator(sim_config()) as s:
        yield s


def make_config(sim: Simulator, tmp_path: Path, **env: str) -> Config:
    """Config for a worker against `sim`, local sink under tmp_path (override anything via env names)."""
    suite = {"ARCHIVER_WORKER__PROCESSORS": "6"}
    return load_config(None, env=sim_worker_env(sim, tmp_path, **(suite | env)))
