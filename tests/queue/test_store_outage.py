"""A storage outage under a running `archiver run` on the Azure queue: the worker rides it out.

The state container, the leader lease and the WORM archive container all sit behind the WORM proxy, which
drops every connection for as long as the test says — longer than the Azure SDK's own retries (the outage is
lifted only after `/healthz` turned 503, which the worker reports only once a call failed after the SDK gave
up). The worker must stay up, say so on `/healthz` and in a metric, log the outage once and its end once,
and afterwards archive every conversation exactly once with its write-back — those in flight when storage
went away and those that ended during the outage (the listener cannot enqueue them; the reconciler must).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from azure.storage.blob.aio import BlobServiceClient

from archiver.assemble import Components
from archiver.config import load_config
from archiver.errors import QueueError, QueueUnavailable
from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import AzureQueueSettings
from archiver.secret import Secret
from archiver.sim import Simulator
from archiver.sinks.naming import PREFIX, conversation_id_of
from archiver.testing.azurite import Azurite, connection_string
from archiver.testing.wormproxy import WormProxy, worm_stack
from tests.e2e.test_crash import wait_for, worker_env, worker_process
from tests.support import eventually, fast_sim_config, sim_worker_env

_METRICS_URL = re.compile(r"metrics_listening url=(http://\S+)/metrics")


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(fast_sim_config()) as s:
        yield s


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[Azurite, WormProxy]]:
    """Azurite with its queue service; blobs (archive + queue state) only through the WORM proxy."""
    with worm_stack(queue=True) as s:
        yield s


async def _probe(url: str) -> tuple[int, str]:
    """(status, body) of one GET, or (0, cause) when the worker does not answer."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s,
            s.get(url) as r,
        ):
            return r.status, await r.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        return 0, type(exc).__name__


async def _wait_status(
    url: str, status: int, proc: asyncio.subprocess.Process, log: Path, within: float
) -> str:
    """Poll `url` until it answers `status` (the body); fail at once if the worker exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        if proc.returncode is not None:
            tail = log.read_text(errors="replace")[-4000:]  # noqa: ASYNC240 - failure path only
            raise AssertionError(f"the worker exited with {proc.returncode} while waiting; log tail:\n{tail}")
        got, body = await _probe(url)
        if got == status:
            return body
        if loop.time() > deadline:
            tail = log.read_text(errors="replace")[-4000:]  # noqa: ASYNC240 - failure path only
            raise AssertionError(f"{url} never answered {status} (last {got} {body}); log tail:\n{tail}")
        await asyncio.sleep(0.2)


def _metric(page: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in page.splitlines():
        if line.startswith(f"{name}{{{want}}} " if want else f"{name} "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{{{want}}} in /metrics")


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_worker_rides_out_a_storage_outage_and_loses_nothing(
    stack: tuple[Azurite, WormProxy], tmp_path: Path
) -> None:
    azurite, proxy = stack
    suffix = uuid.uuid4().hex[:10]
    archive, state = f"arch-{suffix}", f"state-{suffix}"
    conn = connection_string(proxy.blob_url, azurite.queue_url)
    async with BlobServiceClient.from_connection_string(conn) as svc:
        await svc.create_container(archive)  # WORM (the proxy's default)
    proxy.set_container_worm(state, False)  # queue state is rewritten: never WORM
    sim = Simulator(fast_sim_config())
    await sim.start(host="127.0.0.1", port=0)
    env = worker_env(
        sim,
        tmp_path,
        ARCHIVER_QUEUE__KIND="azure",
        ARCHIVER_QUEUE__AZURE__NAME=f"work-{suffix}",
        ARCHIVER_QUEUE__AZURE__STATE_CONTAINER=state,
        ARCHIVER_QUEUE__LEASE_S="30",
        ARCHIVER_SINK__KIND="azure",
        AZURE_STORAGE_CONNECTION_STRING=conn,
        AZURE_CONTAINER_NAME=archive,
        ARCHIVER_SINK__AZURE__RETENTION_DAYS="1",
        ARCHIVER_WORKER__UNHEALTHY_AFTER_S="1",
    )
    log = tmp_path / "worker.log"
    expected: list[str] = []
    try:
        async with worker_process(env, log) as proc:
            await wait_for(lambda: _METRICS_URL.search(log.read_text(errors="replace")), 60, "/metrics", log)
            base = _METRICS_URL.search(log.read_text(errors="replace"))
            assert base is not None
            healthz, metrics = f"{base.group(1)}/healthz", f"{base.group(1)}/metrics"
            cust: dict[str, str | None] = {}

            def written_back() -> bool:
                return all("archiveUri" in sim.attributes(cid).get(cust[cid] or "", {}) for cid in expected)

            async def more(n: int) -> None:
                ids = await sim.generate(n)
                expected.extend(ids)
                cust.update({cid: sim.truth(cid).customer_participant_id for cid in ids})

            await more(8)
            await wait_for(written_back, 90, "the first conversations archived and written back", log)
            await _wait_status(healthz, 200, proc, log, 30)

            await more(8)  # in flight when storage goes away
            proxy.set_unreachable(True)
            detail = json.loads(await _wait_status(healthz, 503, proc, log, 180))["detail"]
            assert proxy.url in detail, detail  # names the endpoint that does not answer
            await more(4)  # ended during the outage: only the reconciler can enqueue them

            async def down_for() -> float:
                page = (await _probe(metrics))[1]
                return _metric(page, "archiver_unreachable_seconds", dependency="work_queue_store")

            # Keep storage away for two more SDK retry budgets (~18 s each) after the first call gave up:
            # the worker's own retries must fail too, and it must still be there.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 180
            while (seconds := await down_for()) < 40:
                assert proc.returncode is None, log.read_text(errors="replace")[-3000:]
                assert loop.time() < deadline, f"unreachable_seconds stuck at {seconds}"
                await asyncio.sleep(0.5)
            assert json.loads((await _probe(healthz))[1])["status"] == "unhealthy"
            assert proc.returncode is None
            proxy.set_unreachable(False)

            await _wait_status(healthz, 200, proc, log, 180)
            await wait_for(written_back, 180, "every conversation archived and written back", log)
            assert await down_for() == 0
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 60) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        proxy.set_unreachable(False)
        await sim.stop()

    async with BlobServiceClient.from_connection_string(conn) as svc:
        names = [b.name async for b in svc.get_container_client(archive).list_blobs()]
    archived = [conversation_id_of(n) for n in names if n.startswith(PREFIX)]
    assert sorted(archived) == sorted(expected)  # each exactly once (put-if-absent: one blob per name)
    probe = AzureQueue(
        AzureQueueSettings(
            queue_name=f"work-{suffix}", state_container=state, connection_string=Secret(conn),
            create=False, counts_cache_s=0.0,
        )
    )  # fmt: skip
    try:
        counts = await probe.counts()
    finally:
        await probe.close()
    assert counts["done"] == len(expected) and counts["dead"] == 0, counts
    text = log.read_text(errors="replace")
    # One line when the outage began and one when it ended, per store — not one per retry.
    assert len(re.findall(r"\bunreachable what=work_queue_store", text)) == 1, text[-4000:]
    assert len(re.findall(r"reachable_again what=work_queue_store", text)) == 1, text[-4000:]


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_an_archive_store_outage_keeps_the_built_archive_and_counts_no_attempt(
    worm_proxy: WormProxy, azure_container: str, sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """The upload fails with 503 ServerBusy past the SDK's retries: the conversation stays leased with its
    built archive in hand (no attempt counted, no second build) until the store answers, then is archived."""
    env = sim_worker_env(
        sim,
        tmp_path,
        ARCHIVER_SINK__KIND="azure",
        AZURE_STORAGE_CONNECTION_STRING=worm_proxy.connection_string,
        AZURE_CONTAINER_NAME=azure_container,
        ARCHIVER_SINK__AZURE__RETENTION_DAYS="1",
    )
    [cid] = await sim.generate(1)
    async with Components(load_config(None, env=env), pool=cpu_pool) as c:
        await c.queue.enqueue(cid, source="test")
        [lease] = await c.queue.lease("t", 300.0)
        worm_proxy.fail("put_blob", status=503, code="ServerBusy", times=None, blob_contains=PREFIX)
        task = asyncio.create_task(c.pipeline().process(lease))
        await eventually(lambda: c.store_reach.failing_since is not None, 120, "the store reported down")
        item = await c.queue.get(cid)
        assert item is not None and item.state == "leased" and item.attempts == 1
        assert not task.done()
        worm_proxy.clear_faults()
        assert await asyncio.wait_for(task, 120) == "archived"
        item = await c.queue.get(cid)
        assert item is not None and item.state == "done" and item.attempts == 1
        assert c.store_reach.failing_since is None


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (503, "ServerBusy", QueueUnavailable),
        (500, "InternalError", QueueUnavailable),
        (429, "TooManyRequests", QueueUnavailable),
        (403, "AuthorizationFailure", QueueError),
        (403, "AuthorizationPermissionMismatch", QueueError),
    ],
)
async def test_queue_failures_are_ridden_out_only_when_waiting_can_fix_them(
    stack: tuple[Azurite, WormProxy], status: int, code: str, error: type[Exception]
) -> None:
    """Throttling and 5xx (after the SDK's retries) are `QueueUnavailable`, reported to the state
    container's Reach; a 403 is `QueueError`, which stops the worker — and proves the endpoint answers."""
    azurite, proxy = stack
    suffix = uuid.uuid4().hex[:10]
    proxy.set_container_worm(f"state-{suffix}", False)
    settings = AzureQueueSettings(
        queue_name=f"work-{suffix}", state_container=f"state-{suffix}", sdk_retry_total=0,
        connection_string=Secret(connection_string(proxy.blob_url, azurite.queue_url)),
    )  # fmt: skip
    queue = AzureQueue(settings)
    try:
        await queue.start()
        proxy.fail("put_blob", status=status, code=code, times=None, blob_contains="items/")
        with pytest.raises(error, match=f"HTTP {status} {code}") as caught:
            await queue.enqueue(f"c-{suffix}", source="test")
        assert not isinstance(caught.value, QueueError if error is QueueUnavailable else QueueUnavailable)
        down = queue.state_reach.failing_since is not None
        assert down == (error is QueueUnavailable)
        assert queue.messages_reach.failing_since is None  # the queue service answered throughout
    finally:
        proxy.clear_faults()
        await queue.close()
