"""Long Retry-After answers and bulk chunks Genesys finds too large, against the simulator.

No test sleeps for real: the client's rate budget gets a fake clock whose `sleep` only moves the clock.
"""

from __future__ import annotations

import msgspec
import pytest

from archiver.errors import GenesysAPIError, GenesysRateLimited, PermanentError, TransientError
from archiver.genesys import GenesysClient
from archiver.genesys.ratelimit import RateBudget
from archiver.sim import Simulator
from tests.genesys.conftest import ClientFactory, settings_for
from tests.support import FakeClock

QUEUES = "GET /api/v2/routing/queues"
BULK = "POST /api/v2/conversations/messages/{conversationId}/messages/bulk"


async def client_with_clock(sim: Simulator, clock: FakeClock, **overrides: object) -> GenesysClient:
    client = GenesysClient(settings_for(sim, **overrides))
    client.budget = RateBudget(300, 60.0, clock=clock, sleep=clock.sleep)
    await client.start()
    return client


@pytest.mark.parametrize(
    ("retry_after", "overrides"),
    [(120, {}), (500, {"max_retry_after_s": 600.0})],
    ids=["two-minutes-under-the-default-cap", "up-to-a-configured-cap"],
)
async def test_a_429_retry_after_within_the_cap_is_waited_in_full(
    sim: Simulator, retry_after: int, overrides: dict[str, object]
) -> None:
    clock = FakeClock()
    client = await client_with_clock(sim, clock, **overrides)
    try:
        sim.faults.fail_next(1, status=429, path_prefix="/api/v2/routing/queues", retry_after=retry_after)
        queues = await client.list_queues()
        assert len(queues) == len(sim.queue_ids)
        # Retried once, and only after the whole wait (+ < 1 s jitter): never cut short (once at 60 s).
        assert sim.call_counts()[QUEUES] == 2
        assert retry_after <= sum(clock.slept) < retry_after + 1, clock.slept
    finally:
        await client.close()


async def test_a_retry_after_beyond_the_cap_releases_the_work_instead_of_hammering(sim: Simulator) -> None:
    clock = FakeClock()
    client = await client_with_clock(sim, clock, max_retry_after_s=300.0)
    try:
        sim.faults.fail_next(1, status=429, path_prefix="/api/v2/routing/queues", retry_after=900)
        with pytest.raises(GenesysRateLimited) as info:
            await client.list_queues()
        assert isinstance(info.value, TransientError)  # the item is retried later, not dead-lettered
        assert 900.0 <= info.value.retry_after_s < 901.0
        assert clock.slept == []  # nothing waited: the work is released at once
        # Every other call is refused without a request until the server's pause has passed …
        with pytest.raises(GenesysRateLimited):
            await client.get_message_conversation_raw("6a1b0000-0000-4000-8000-000000000001")
        assert {k: v for k, v in sim.call_counts().items() if "oauth" not in k} == {QUEUES: 1}
        # … and then goes through.
        clock.now += 901.0
        assert len(await client.list_queues()) == len(sim.queue_ids)
    finally:
        await client.close()


@pytest.mark.parametrize("status", [413, 400])
async def test_bulk_chunks_refused_as_too_large_are_halved(
    sim: Simulator, make_client: ClientFactory, status: int
) -> None:
    client = await make_client(sim)
    (cid,) = await sim.generate(1, messages=250)
    ids = [m for m, _ in sim.truth(cid).messages]
    sim.faults.refuse_bulk_above(100, status=status)
    sim.reset_call_counts()
    bodies = await client.bulk_messages_raw(cid, ids)
    got = [e["id"] for b in bodies for e in msgspec.json.decode(b)["entities"]]
    assert sorted(got) == sorted(ids)
    assert all(len(msgspec.json.decode(b)["entities"]) <= 100 for b in bodies)
    # 250 refused, 125 refused, then 62-id chunks: two refusals, five answers
    assert sim.call_counts()[BULK] == 2 + 5


async def test_a_single_message_too_large_is_a_clear_permanent_error(
    sim: Simulator, make_client: ClientFactory
) -> None:
    client = await make_client(sim)
    (cid,) = await sim.generate(1, messages=5)
    ids = [m for m, _ in sim.truth(cid).messages]
    sim.faults.refuse_bulk_above(0)
    with pytest.raises(GenesysAPIError) as info:
        await client.bulk_messages_raw(cid, ids)
    assert isinstance(info.value, PermanentError)
    assert info.value.status == 413 and info.value.code == "request.entity.too.large"
    assert "even a single message" in str(info.value)
    # 5 → 2 → 1 → refused: a bounded number of attempts
    assert sim.call_counts()[BULK] == 3


async def test_other_bulk_refusals_are_not_halved(sim: Simulator, make_client: ClientFactory) -> None:
    client = await make_client(sim)
    (cid,) = await sim.generate(1, messages=5)
    ids = [m for m, _ in sim.truth(cid).messages]
    body = {"message": "bad", "code": "bad.request", "status": 400, "details": [], "errors": []}
    sim.faults.answer_next(1, msgspec.json.encode(body), status=400, path_prefix="/api/v2/conversations/")
    sim.reset_call_counts()
    with pytest.raises(GenesysAPIError) as info:
        await client.bulk_messages_raw(cid, ids)
    assert info.value.code == "bad.request"
    assert sim.call_counts()[BULK] == 1
