"""Deploy fixtures: a real simulator on a free loopback port (fresh org per test)."""

from __future__ import annotations

import collections.abc

import pytest

from archiver.sim import Simulator
from tests.support import fast_sim_config


@pytest.fixture
async def sim() -> collections.abc.AsyncIterator[Simulator]:
    """A started simulator."""
    async with Simulator(fast_sim_config()) as s:
        yield s
