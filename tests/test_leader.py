"""Leader election on a real blob lease (Azurite): one leader at a time, prompt hand-over, prompt stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from azure.storage.blob.aio import BlobLeaseClient, BlobServiceClient, ContainerClient

from archiver.health import Reach
from archiver.queue.azure.leader import LEADER_BLOB, Leader
from archiver.testing.azurite import Azurite
from archiver.testing.wormproxy import WormProxy


@pytest.fixture
async def container(azurite_worm: tuple[Azurite, WormProxy]) -> AsyncIterator[ContainerClient]:
    """A fresh container, straight to Azurite."""
    async with BlobServiceClient.from_connection_string(azurite_worm[0].connection_string) as svc:
        client = svc.get_container_client(f"lead{uuid.uuid4().hex[:16]}")
        await client.create_container()
        yield client


class Work:
    """Leader-only work that runs until cancelled, recording starts and stops."""

    def __init__(self) -> None:
        self.started = 0
        self.cancelled = 0
        self.running = asyncio.Event()

    async def __call__(self) -> None:
        self.started += 1
        self.running.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.cancelled += 1
            self.running.clear()


def fast(container: ContainerClient, name: str) -> Leader:
    return Leader(container, identity=name, lease_s=15, renew_s=1.0, retry_s=0.2)


async def wait_for(cond: Callable[[], bool], within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_second_contender_waits_and_takes_over_after_release(container: ContainerClient) -> None:
    a, b = fast(container, "vm-a"), fast(container, "vm-b")
    work_a, work_b = Work(), Work()
    await a.start()
    await asyncio.wait_for(a.wait_leader(), 5)
    guard_a = asyncio.create_task(a.guard(work_a))
    await b.start()
    guard_b = asyncio.create_task(b.guard(work_b))
    try:
        await asyncio.wait_for(work_a.running.wait(), 2)
        await asyncio.sleep(1.5)  # b keeps trying and renewals of a keep succeeding
        assert a.is_leader and not b.is_leader and work_b.started == 0
        await a.close()  # releases the lease: b must not wait for it to expire
        assert work_a.cancelled == 1 and not a.is_leader
        t0 = time.monotonic()
        await asyncio.wait_for(b.wait_leader(), 3)
        await asyncio.wait_for(work_b.running.wait(), 2)
        assert time.monotonic() - t0 < 3
        assert b.terms == 1
    finally:
        for task in (guard_a, guard_b):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await a.close()
        await b.close()


async def test_broken_lease_stops_leader_work_at_the_next_renewal(container: ContainerClient) -> None:
    a = fast(container, "vm-a")
    work = Work()
    async with a:
        guard = asyncio.create_task(a.guard(work))
        try:
            await asyncio.wait_for(work.running.wait(), 5)
            # An operator (or a VM that believes the lease expired) breaks it: a must stop at once.
            await BlobLeaseClient(container.get_blob_client(LEADER_BLOB)).break_lease(lease_break_period=0)
            await wait_for(lambda: work.cancelled == 1, 3)
            # Nobody else wants it, so a wins a new term and its work starts again.
            await wait_for(lambda: work.started == 2 and work.running.is_set(), 5)
            assert a.terms == 2
        finally:
            guard.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await guard


async def test_guard_returns_and_raises_what_the_work_does(container: ContainerClient) -> None:
    async with fast(container, "vm-a") as a:

        async def finishes() -> None:
            await asyncio.sleep(0)

        async def fails() -> None:
            raise RuntimeError("boom")

        await asyncio.wait_for(a.guard(finishes), 5)
        with pytest.raises(RuntimeError, match="boom"):
            await asyncio.wait_for(a.guard(fails), 5)


def test_lease_limits_are_checked(azurite_worm: tuple[Azurite, WormProxy]) -> None:
    svc = BlobServiceClient.from_connection_string(azurite_worm[0].connection_string)
    container = svc.get_container_client("x")
    with pytest.raises(ValueError):
        Leader(container, identity="x", lease_s=90)
    with pytest.raises(ValueError):
        Leader(container, identity="x", lease_s=15, renew_s=10)


@pytest.mark.slow
async def test_unreachable_leader_stops_before_another_takes_over(
    container: ContainerClient, worm_proxy: WormProxy
) -> None:
    """A leader cut off from storage stops its work before its lease can expire; then another VM leads."""
    work_a, work_b = Work(), Work()
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as via_proxy:
        a = fast(via_proxy.get_container_client(container.container_name), "vm-a")
        b = fast(container, "vm-b")
        lost_at: list[float] = []
        async with a:
            guard_a = asyncio.create_task(a.guard(work_a))
            await asyncio.wait_for(work_a.running.wait(), 30)
            # b campaigns only once a leads (entering both at once let b, which needs no proxy, win first)
            await b.start()
            guard_b = asyncio.create_task(b.guard(work_b))
            try:
                worm_proxy.set_unreachable()  # a's renewals now fail with network errors
                cut = time.monotonic()

                async def note_lost() -> None:
                    await a.wait_lost()
                    lost_at.append(time.monotonic())

                watcher = asyncio.create_task(note_lost())
                await asyncio.wait_for(work_b.running.wait(), 25)
                won_at = time.monotonic()
                await watcher
                assert work_a.cancelled == 1
                # a stopped before the server-side lease (15 s from its last renewal) could end.
                assert lost_at[0] - cut < 15 and lost_at[0] < won_at
                assert won_at - cut >= 13
            finally:
                worm_proxy.set_unreachable(False)
                for task in (guard_a, guard_b):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await b.close()


@pytest.mark.slow
async def test_a_leader_cut_off_by_a_storage_outage_contends_again_when_it_ends(
    container: ContainerClient, worm_proxy: WormProxy, caplog: pytest.LogCaptureFixture
) -> None:
    """It stops leading (it cannot prove it holds the lease), reports the outage once — not per failed
    renewal or acquire — and leads again once storage answers."""
    reach = Reach("work queue store", worm_proxy.url, "check it", announce=True)
    work = Work()
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as via_proxy:
        leader = Leader(
            via_proxy.get_container_client(container.container_name), identity="vm-a", lease_s=15,
            renew_s=1.0, retry_s=0.2, reach=reach,
        )  # fmt: skip
        async with leader:
            guard = asyncio.create_task(leader.guard(work))
            try:
                await asyncio.wait_for(work.running.wait(), 10)
                caplog.clear()
                caplog.set_level(logging.INFO, logger="archiver")
                worm_proxy.set_unreachable()
                await asyncio.wait_for(leader.wait_lost(), 30)
                await wait_for(lambda: work.cancelled == 1, 10)  # the guard stops the work
                assert reach.failing_since is not None
                await wait_for(lambda: reach.down_for() > 3, 30)  # some failed acquires since
                worm_proxy.set_unreachable(False)
                await asyncio.wait_for(work.running.wait(), 60)
                assert leader.is_leader and leader.terms == 2 and work.started == 2
                assert reach.failing_since is None
            finally:
                worm_proxy.set_unreachable(False)
                guard.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await guard
    lines = [r.getMessage() for r in caplog.records]
    assert len([m for m in lines if m.startswith("unreachable what=work_queue_store")]) == 1, lines
    assert len([m for m in lines if m.startswith("reachable_again what=work_queue_store")]) == 1, lines
    assert not [m for m in lines if m.startswith(("leader_renew_failed", "leader_acquire_failed"))], lines
