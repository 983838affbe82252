"""Auditor fixtures: a simulated org whose ended conversations are archived by the real pipeline into a
local directory or Azure (Azurite behind the WORM proxy), plus a verify/find runner in-process."""

from __future__ import annotations

import argparse
import collections.abc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.assemble import Components
from archiver.config import Config, load_config
from archiver.sim import Simulator
from archiver.sinks.audit_base import Period
from tests.support import fast_sim_config, sim_worker_env


@dataclass
class Org:
    """A simulator, a config pointing at it and the store, and the archived conversations."""

    sim: Simulator
    config: Config
    env: dict[str, str]
    archived: list[str]
    start: datetime
    container: str | None = None
    proxy: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def period(self) -> Period:
        """From before the first conversation to now (every conversation of the org has ended)."""
        return Period(self.start, datetime.now(UTC) + timedelta(milliseconds=1))


@pytest.fixture
async def sim() -> collections.abc.AsyncIterator[Simulator]:
    async with Simulator(fast_sim_config()) as s:
        yield s


def azure_env(proxy: Any, container: str) -> dict[str, str]:
    return {
        "ARCHIVER_SINK__KIND": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": proxy.connection_string,
        "AZURE_CONTAINER_NAME": container,
        "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "1",
    }


async def store_env(
    request: pytest.FixtureRequest, env: dict[str, str]
) -> tuple[dict[str, str], str | None, Any]:
    """`env` for the store a fixture is parametrised with: "local" as it is (the archive under tmp_path), or
    "azure": a fresh container behind the session's WORM proxy. Returns (env, container, proxy)."""
    if request.param != "azure":
        return env, None, None
    proxy = request.getfixturevalue("worm_proxy")
    container = f"t{uuid.uuid4().hex[:20]}"
    from azure.storage.blob.aio import BlobServiceClient

    async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
        await svc.create_container(container)
    return env | azure_env(proxy, container), container, proxy


async def archive_all(config: Config, ids: list[str], pool: Any) -> None:
    """Archive `ids` through the real pipeline (fetch, redact, gzip, put, write-back)."""
    async with Components(config, pool=pool) as c:
        await c.queue.enqueue_many(ids, source="test")
        pipeline = c.pipeline()
        for _ in ids:
            [lease] = await c.queue.lease("t", 60.0)
            assert await pipeline.process(lease) == "archived"


@pytest.fixture(params=["azure", "local"])
async def org(
    request: pytest.FixtureRequest, sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> collections.abc.AsyncIterator[Org]:
    """Four archived web messaging conversations (plus whatever a test adds)."""
    start = datetime.now(UTC) - timedelta(hours=6)  # generated timelines lie in the past
    env, container, proxy = await store_env(request, sim_worker_env(sim, tmp_path))
    config = load_config(None, env=env)
    ids = await sim.generate(4)
    await archive_all(config, ids, cpu_pool)
    yield Org(sim, config, env, ids, start, container, proxy)


def verify_args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {"require_locked": False, "store": False, "report": None, "poll": 0.05}
    return argparse.Namespace(**(base | kw))


def find_args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {"queue": None, "division": None, "json": True, "listing": False}
    return argparse.Namespace(**(base | kw))


def new_id() -> str:
    return str(uuid.uuid4())
