"""Shared fixtures. Servers bind 127.0.0.1 only, on free ports."""

from __future__ import annotations

import collections.abc
import socket
import uuid
from typing import Any

import pytest

from archiver.testing.azurite import Azurite
from archiver.testing.wormproxy import WormProxy, worm_stack


@pytest.fixture(scope="session")
def cpu_pool() -> collections.abc.Iterator[Any]:
    """One 2-process spawn pool for every suite that runs the pipeline (spawning costs ~1 s per process)."""
    from archiver.pool import CpuPool

    pool = CpuPool(2)
    yield pool
    pool.close()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the OS picks; we release it for the server to bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- Azurite + WORM proxy: started once per session, only when a test asks for it -------------------------


@pytest.fixture(scope="session")
def azurite_worm() -> collections.abc.Iterator[tuple[Azurite, WormProxy]]:
    """(Azurite, WormProxy) for the session; the proxy serves from its own thread, so any event loop works."""
    with worm_stack() as stack:
        yield stack


@pytest.fixture
def worm_proxy(azurite_worm: tuple[Azurite, WormProxy]) -> collections.abc.Iterator[WormProxy]:
    """The session's WORM proxy, with faults/clock/counters reset after the test."""
    proxy = azurite_worm[1]
    proxy.reset()
    yield proxy
    proxy.reset()


@pytest.fixture
async def azure_container(worm_proxy: WormProxy) -> str:
    """A fresh, empty container (version-level WORM on, per the proxy default) for one test."""
    from azure.storage.blob.aio import BlobServiceClient

    name = f"t{uuid.uuid4().hex[:20]}"
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        await svc.create_container(name)
    return name
