"""The shared request budget: never more than the limit per window, one probe after a 429, no retry storms."""

from __future__ import annotations

import asyncio
import time

from archiver.genesys import RateBudget
from tests.support import FakeClock

from .conftest import ClientFactory, SimFactory

QUEUES = "GET /api/v2/routing/queues"


async def test_budget_never_exceeds_limit_in_any_window() -> None:
    budget = RateBudget(5, window_s=0.3)
    stamps: list[float] = []

    async def one() -> None:
        await budget.acquire()
        stamps.append(time.monotonic())
        budget.succeeded()

    t0 = time.monotonic()
    await asyncio.gather(*(one() for _ in range(15)))
    assert time.monotonic() - t0 >= 0.6
    assert _max_in_window(stamps, 0.3) <= 5


async def test_requests_delayed_on_the_way_never_overrun_the_servers_window() -> None:
    # The server counts a request when it arrives. The first five spend 0.25 s on the way, the next ones
    # none: had the budget counted from the send, the second five would arrive within 0.05 s of the first
    # five, ten in one 0.3 s window.
    budget = RateBudget(5, window_s=0.3)
    arrivals: list[float] = []

    async def one(latency: float) -> None:
        await budget.acquire()
        await asyncio.sleep(latency)
        arrivals.append(time.monotonic())
        budget.succeeded()

    await asyncio.gather(*(one(0.25) for _ in range(5)))
    await asyncio.gather(*(one(0.0) for _ in range(10)))
    assert _max_in_window(arrivals, 0.3) <= 5


async def test_a_unit_in_flight_is_not_reused_until_settled() -> None:
    clock = FakeClock()  # (on wall time, a loaded machine could sleep past the window the test looks into)
    budget = RateBudget(1, window_s=0.05, clock=clock, sleep=clock.sleep)
    await budget.acquire()
    second = asyncio.create_task(budget.acquire())
    clock.now += 0.2  # four windows: a send-time budget would have let the second one go
    await asyncio.sleep(0.1)
    assert not second.done()
    budget.released()
    await asyncio.sleep(0.1)
    assert not second.done()  # the unit is held for a window after the answer
    clock.now += 0.06
    await asyncio.wait_for(second, 5.0)


def _max_in_window(stamps: list[float], window_s: float) -> int:
    stamps = sorted(stamps)
    return max(sum(1 for u in stamps[i:] if u < t + window_s) for i, t in enumerate(stamps))


async def test_after_429_one_probe_then_everyone() -> None:
    clock = FakeClock()  # (a wall-clock version failed when a loaded machine woke the probe late)
    budget = RateBudget(100, window_s=0.05, clock=clock, sleep=clock.sleep)
    await budget.acquire()
    budget.throttled(0.2)
    released: list[float] = []

    async def one() -> None:
        await budget.acquire()
        released.append(clock())

    t0 = clock()
    tasks = [asyncio.create_task(one()) for _ in range(10)]
    for _ in range(100):  # every task runs until it waits: the probe sleeps out Retry-After, the rest queue
        await asyncio.sleep(0)
    assert released == [t0 + 0.2]  # the probe alone, after Retry-After
    budget.succeeded()
    await asyncio.gather(*tasks)
    assert len(released) == 10


async def test_429_storm_recovers_without_retry_storm(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await make_sim(rate_limit_per_min=10, ratelimit_headers=False)
    sim.tokens.WINDOW_S = 1.0  # a 1 s window instead of 60 s keeps the test short
    # The client's budget is deliberately larger than the server's: only 429s can slow it down.
    client = await make_client(sim, rate_limit_per_min=300, rate_window_s=1.0, max_retry_after_s=2.0)
    results = await asyncio.gather(*(client.list_queues() for _ in range(40)))
    assert all(len(r) == len(sim.queue_ids) for r in results)
    throttled = client.stats.throttled
    # The first burst of 40 overruns a limit of 10 once (30 × 429); then the budget has learnt the limit.
    assert throttled <= 30 + 3, throttled
    assert client.budget.limit <= 10
    assert sim.call_counts()[QUEUES] == 40 + throttled


async def test_budget_matching_the_server_sees_no_429(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await make_sim(rate_limit_per_min=10, ratelimit_headers=False)
    sim.tokens.WINDOW_S = 1.0
    client = await make_client(sim, rate_limit_per_min=8, rate_window_s=1.0)
    await asyncio.gather(*(client.list_queues() for _ in range(20)))
    assert client.stats.throttled == 0
    assert client.budget.waits > 0


async def test_ratelimit_headers_teach_the_budget(make_sim: SimFactory, make_client: ClientFactory) -> None:
    sim = await make_sim(rate_limit_per_min=10, ratelimit_headers=True)
    sim.tokens.WINDOW_S = 1.0
    client = await make_client(sim, rate_limit_per_min=300, rate_window_s=1.0)
    await client.list_queues()
    assert client.budget.limit == 10
    await asyncio.gather(*(client.list_queues() for _ in range(25)))
    assert client.stats.throttled <= 2
