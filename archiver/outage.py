"""Riding out a store outage: a call that fails transiently is retried with backoff until the store answers.

The worker's calls to its stores (the Azure work queue's state container and messages, the archive store)
go through the SDK's own retries first; what still fails after them is an outage the worker waits out
instead of giving up its work. `RideOut.call(op)` keeps calling `op` — the conversation in hand, its built
archive and its lease stay with the caller — backing off with `archiver.backoff.backoff_s` (1 s doubling up
to 30 s, equal jitter, so a fleet that lost the store together does not return in lock-step). The store's
`Reach` hears every failure and every answer, which makes `/healthz` 503 naming the endpoint, sets
`archiver_unreachable_seconds`, and logs the outage once when it begins and once when it ends.

Only transient errors (no answer, 408, 429, 5xx) are ridden out; a permanent one (403, a missing container,
an expired credential, a config error) propagates at once and stops the worker as before. A call that keeps
failing while the same store answers other calls is not an outage but this call's own trouble (one blob
answering 500): it propagates after its next failure, and the pipeline retries the item with the
queue's backoff, counting an attempt, so one bad item cannot hold a processor forever.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from archiver.backoff import backoff_s
from archiver.errors import TransientError
from archiver.health import Reach

log = logging.getLogger(__name__)

T = TypeVar("T")

BASE_S = 1.0  # the SDK already spent its retries (~15 s) before the first of ours
CAP_S = 30.0  # a recovered store is noticed within half a minute; a probe every 30 s costs nothing


class RideOut:
    """Calls to one store, retried through its outages (transient errors of `transient` only)."""

    def __init__(
        self,
        reach: Reach,
        transient: tuple[type[TransientError], ...],
        *,
        report: bool = True,
        base_s: float = BASE_S,
        cap_s: float = CAP_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        # report=False: the calls report to their endpoints' Reach themselves (the Azure queue, per SDK
        # call), and a failure names its Reach (`exc.reach`); `reach` then only says whether it is down.
        self.reach, self._transient, self._report = reach, transient, report
        self.base_s, self.cap_s = base_s, cap_s
        self._sleep, self._rng = sleep, rng

    @property
    def down(self) -> bool:
        """True while the store is failing without an answer (a view may skip asking it)."""
        return self.reach.failing_since is not None

    async def call(self, op: Callable[[], Awaitable[T]]) -> T:
        """`await op()`, again after a backoff for as long as it fails transiently during an outage."""
        attempt = 0
        answers_when_failing: int | None = None
        while True:
            sent = self.reach.now()
            try:
                result = await op()
            except self._transient as exc:
                told = getattr(exc, "reach", None)
                reach = told if isinstance(told, Reach) else self.reach
                if told is None:
                    reach.failed(str(exc), sent_at=sent)
                if answers_when_failing is None:
                    answers_when_failing = reach.answers
                elif reach.answers != answers_when_failing:
                    raise  # the store answers others: not an outage, this call's own trouble
                attempt += 1
                log.debug("store_retry what=%s attempt=%d error=%s", reach.slug, attempt, exc)
                await self._sleep(backoff_s(attempt, self.base_s, self.cap_s, self._rng))
                continue
            if self._report:
                self.reach.ok()
            return result


async def through(rider: RideOut | None, op: Callable[[], Awaitable[T]]) -> T:
    """`rider.call(op)`, or `op()` where nothing rides out (a SQLite queue, a test's bare pipeline)."""
    return await (op() if rider is None else rider.call(op))
