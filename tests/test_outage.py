"""RideOut and Reach: a store outage is waited out with backoff and logged once; anything else is not."""

from __future__ import annotations

import logging
import random

import pytest

from archiver.errors import QueueError, QueueUnavailable, SinkTransientError
from archiver.health import Health, Reach
from archiver.outage import RideOut
from tests.support import FakeClock


def store(clock: FakeClock) -> Reach:
    reach = Reach(
        "archive store", "https://acct.blob.core.windows.net/archive", "check it", clock=clock, announce=True
    )
    reach.ok()  # it answered at start-up: a later failure is an outage
    return reach


class Flaky:
    """Fails with `errors` in turn, then returns "stored"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors, self.calls = list(errors), 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "stored"


async def test_an_outage_is_ridden_out_with_backoff_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    reach = store(clock)
    health = Health([reach], unhealthy_after_s=10.0)
    seen: list[str | None] = []

    async def sleep(seconds: float) -> None:
        await clock.sleep(seconds)
        seen.append(health.problem())

    rider = RideOut(reach, (SinkTransientError,), sleep=sleep, rng=random.Random(7))
    op = Flaky(*(SinkTransientError(f"cannot put archive x: HTTP 503 ServerBusy ({i})") for i in range(8)))
    with caplog.at_level(logging.DEBUG, logger="archiver"):
        assert await rider.call(op) == "stored"
    assert op.calls == 9
    # Equal jitter from archiver/backoff.py: each wait within [c/2, c], c = 1 s doubling up to 30 s.
    for attempt, waited in enumerate(clock.slept, start=1):
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= waited <= ceiling
    assert seen[-1] is not None and "https://acct.blob.core.windows.net" in seen[-1]  # 503 during it
    assert health.problem() is None and not rider.down  # 200 after
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len([m for m in lines if m.startswith("unreachable what=archive_store")]) == 1
    assert len([m for m in lines if m.startswith("reachable_again what=archive_store")]) == 1
    assert health.values() == {"unreachable_seconds": {"archive_store": 0.0}}


async def test_a_permanent_error_is_not_ridden_out() -> None:
    clock = FakeClock()
    reach = store(clock)
    rider = RideOut(reach, (QueueUnavailable,), sleep=clock.sleep)
    op = Flaky(QueueError("cannot read state of x: HTTP 403 AuthorizationFailure"))
    with pytest.raises(QueueError, match="403"):
        await rider.call(op)
    assert op.calls == 1 and clock.slept == [] and reach.failing_since is None


async def test_one_calls_own_trouble_is_not_an_outage() -> None:
    """The store answers others while this call keeps failing (one blob answering 500): give up after the
    next failure, so the item is retried with the queue's backoff instead of holding a processor forever."""
    clock = FakeClock()
    reach = store(clock)
    rider = RideOut(reach, (SinkTransientError,), sleep=clock.sleep)
    calls = 0

    async def op() -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            reach.ok()  # another processor's call answered meanwhile
        raise SinkTransientError("cannot put archive x: HTTP 500 InternalError")

    with pytest.raises(SinkTransientError):
        await rider.call(op)
    assert calls == 2


async def test_a_failure_reported_by_the_call_names_its_own_endpoint() -> None:
    """The Azure queue's calls report to the Reach of the endpoint that failed (queue or state container):
    the rider does not report again, and judges "outage or not" by that endpoint."""
    clock = FakeClock()
    state, messages = store(clock), store(clock)
    rider = RideOut(state, (QueueUnavailable,), report=False, sleep=clock.sleep)
    err = QueueUnavailable("cannot receive from work queue azure:q: ServiceRequestError")
    err.reach = messages
    messages.failed(str(err))
    op = Flaky(err)
    assert await rider.call(op) == "stored"
    assert state.failing_since is None  # the state container was never in doubt
    assert messages.failing_since is not None  # only an answer of the queue service ends its outage


def test_a_straggler_of_an_outage_does_not_open_another(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    reach = store(clock)
    sent = reach.now()
    clock.now += 5
    reach.failed("cannot read state of x: ServiceRequestError", sent_at=sent)
    clock.now += 5
    reach.ok()
    clock.now += 5
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="archiver"):
        reach.failed("cannot read state of y: ServiceRequestError", sent_at=sent + 1)  # sent before the ok
    assert reach.failing_since is None
    assert not [r for r in caplog.records if r.getMessage().startswith("unreachable")]
