"""One request budget shared by every REST call of a process, so a worker never causes a 429 storm.

Genesys limits each client-credentials token to N requests per minute (docs/genesys.md, "Rate limits:
Retry-After and 413"). The budget is a sliding-window log with a twist: a request holds its unit from the
moment it is sent until one window after its answer arrived. The server counts a request when it arrives,
some time between our send and the answer; counting from the send instead lets a request delayed on the way
(a busy loop, a slow network) land in the server's next window on top of that window's own N, and that is a
429 (seen in CI on a loaded 2-core box).
Holding the unit until answer + window makes any set of requests that arrive within one window overlap at
the last one's send, so the server never sees more than N in any window, fixed or sliding, whatever the
latency. It costs one round trip per window of throughput (under 1 % for a 60 s window).

When the server is stricter than configured (a 429, or `inin-ratelimit-allowed` below our limit):
- the budget closes until `Retry-After` has passed, then lets a single probe through; everyone else waits
  for the probe instead of retrying on their own;
- the limit drops to what the server accepted in the last window, so the next window does not overrun
  again; it creeps back up (+10 % per window spent at the limit without a 429) towards the configured one.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Awaitable, Callable


class RateBudget:
    """Sliding-window request budget with a shared 429 back-off gate and an adaptive limit."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock`/`sleep` are injectable so a test can honour a 2-minute `Retry-After` in no time."""
        if limit < 1 or window_s <= 0:
            raise ValueError("rate budget needs limit >= 1 and window_s > 0")
        self._clock, self._sleep = clock, sleep
        self.limit = self._configured = limit
        self.window_s = window_s
        self._sent: collections.deque[float] = collections.deque()  # answer times of settled requests
        self._in_flight = 0  # sent, not yet settled: each holds a unit until its answer + window
        self._settled = asyncio.Event()  # replaced after every wake-up; set when an in-flight request ends
        self._throttled: collections.deque[float] = collections.deque()
        self._last_change = -float("inf")
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._probing = False  # after a 429: one request at a time until one succeeds
        self._probe_done = asyncio.Event()
        self._probe_done.set()
        self.waits = 0  # acquisitions that had to wait for budget (metrics)
        self._waiting = 0  # callers waiting in acquire() right now
        self._wait_until = 0.0  # when the latest of them expects to look again

    async def acquire(self) -> None:
        """Wait until a request may be sent, and spend one unit of budget.

        Every acquire must be settled by exactly one of `succeeded`, `throttled` or `released` once the
        request's answer (or failure) is in; until then the unit stays in flight.
        """
        while True:
            await self._probe_done.wait()
            async with self._lock:
                now = self._clock()
                if now < self._blocked_until:
                    delay = self._blocked_until - now
                    blocked = True
                elif self._probe_done.is_set() or not self._probing:
                    self._expire(now)
                    if self._used() >= self.limit:
                        self._maybe_raise_limit(now)
                    if self._used() < self.limit:
                        self._in_flight += 1
                        if self._probing:
                            self._probe_done.clear()  # this caller is the probe; the rest queue behind it
                        return
                    # The oldest settled unit that must expire for us to fit; if every unit needed is still
                    # in flight, wait for an answer (a window at most, then look again).
                    need = self._used() - self.limit
                    blocked = False
                    delay = self.window_s
                    if need < len(self._sent):
                        delay = self._sent[need] + self.window_s - now
                else:
                    continue
            self.waits += 1
            self._waiting += 1
            self._wait_until = max(self._wait_until, self._clock() + delay)
            try:
                if blocked:  # the server said how long: wait exactly that (then look again)
                    await self._sleep(delay)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._settled.wait(), timeout=max(delay, 0.001))
            finally:
                self._waiting -= 1
                if self._waiting == 0:
                    self._wait_until = 0.0

    def waiting_for(self) -> float:
        """Seconds until a request now waiting for budget may go, as far as known (0: nobody waits).

        For progress displays: a backfill held back by the rate limit says so instead of looking frozen.
        """
        if self._waiting == 0:
            return 0.0
        return max(0.0, self._wait_until - self._clock())

    def blocked_for(self) -> float:
        """Seconds until the 429 gate reopens (0 when open)."""
        return max(0.0, self._blocked_until - self._clock())

    def throttled(self, retry_after_s: float) -> None:
        """A 429 arrived: close the gate for `retry_after_s`, probe with one request, lower the limit."""
        now = self._settle()
        self._blocked_until = max(self._blocked_until, now + retry_after_s)
        self._probing = True
        self._probe_done.set()  # the failed probe (if it was one) is over; waiters re-check the gate
        self._expire(now)
        self._throttled.append(now)
        used, refused = self._used(), len(self._throttled)
        accepted = used - refused  # sent this window minus the refused ones
        # A 429 says the server's limit is below ours only when we were using our budget (≥ half of it) or
        # many requests of the window were refused. A stray 429 (Genesys also throttles per endpoint and per
        # org) right after a start or a quiet spell would otherwise cut the limit to the handful sent so far
        # and starve the worker for many windows (found by the fault soak: 5% random 429s).
        if used * 2 >= self.limit or (refused >= 3 and refused * 4 >= used):
            self.limit = max(1, min(self.limit, accepted))
            self._last_change = now

    def succeeded(self) -> None:
        """A request completed without 429: reopen the budget fully if we were probing."""
        self._settle()
        self._probing = False
        self._probe_done.set()

    def released(self) -> None:
        """A request ended saying nothing about throttling (e.g. a 5xx): let the next probe go."""
        self._settle()
        self._probe_done.set()

    def server_hint(self, allowed: int | None, reset_s: float | None, count: int | None) -> None:
        """Honour `inin-ratelimit-*` headers: the server's limit, and a full window until `reset`."""
        if allowed is not None and allowed > 0 and allowed != self.limit:
            self.limit = min(self._configured, allowed)
            self._last_change = self._clock()
        if allowed is not None and count is not None and reset_s is not None and count >= allowed > 0:
            self._blocked_until = max(self._blocked_until, self._clock() + max(reset_s, 0.0))

    def _settle(self) -> float:
        """One in-flight request got its answer (or failed): its unit now expires a window from now."""
        now = self._clock()
        if self._in_flight > 0:
            self._in_flight -= 1
            self._sent.append(now)
            self._settled.set()
            self._settled = asyncio.Event()
        return now

    def _used(self) -> int:
        return len(self._sent) + self._in_flight

    def _expire(self, now: float) -> None:
        for log in (self._sent, self._throttled):
            while log and log[0] <= now - self.window_s:
                log.popleft()

    def _maybe_raise_limit(self, now: float) -> None:
        # Only while actually held back by our own limit, and after a whole quiet window.
        if self.limit < self._configured and not self._throttled and now - self._last_change >= self.window_s:
            self.limit = min(self._configured, self.limit + max(1, self.limit // 10))
            self._last_change = now
