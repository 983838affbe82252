"""One request budget shared by every REST call of a process, so a worker never causes a 429 storm.

Genesys limits each client-credentials token to N requests per minute (genesys-api.md §7.1). The budget is a
token bucket whose tokens come back exactly one window after they were spent (a sliding-window log): no
window of that length ever holds more than N requests, whichever way the server counts.

When the server is stricter than configured (a 429, or `inin-ratelimit-allowed` below our limit):
- the budget closes until `Retry-After` has passed, then lets a single probe through; everyone else waits
  for the probe instead of retrying on their own;
- the limit drops to what the server accepted in the last window, so the next window does not overrun
  again; it creeps back up (+10 % per window spent at the limit without a 429) towards the configured one.
"""

from __future__ import annotations

import asyncio
import collections
import time


class RateBudget:
    """Sliding-window request budget with a shared 429 back-off gate and an adaptive limit."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("rate budget needs limit >= 1 and window_s > 0")
        self.limit = self._configured = limit
        self.window_s = window_s
        self._sent: collections.deque[float] = collections.deque()
        self._throttled: collections.deque[float] = collections.deque()
        self._last_change = -float("inf")
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._probing = False  # after a 429: one request at a time until one succeeds
        self._probe_done = asyncio.Event()
        self._probe_done.set()
        self.waits = 0  # acquisitions that had to wait for budget (metrics)

    async def acquire(self) -> None:
        """Wait until a request may be sent, and spend one unit of budget."""
        while True:
            await self._probe_done.wait()
            async with self._lock:
                now = time.monotonic()
                if now < self._blocked_until:
                    delay = self._blocked_until - now
                elif self._probe_done.is_set() or not self._probing:
                    self._expire(now)
                    if len(self._sent) >= self.limit:
                        self._maybe_raise_limit(now)
                    if len(self._sent) < self.limit:
                        self._sent.append(now)
                        if self._probing:
                            self._probe_done.clear()  # this caller is the probe; the rest queue behind it
                        return
                    delay = self._sent[len(self._sent) - self.limit] + self.window_s - now
                else:
                    continue
            self.waits += 1
            await asyncio.sleep(max(delay, 0.001))

    def throttled(self, retry_after_s: float) -> None:
        """A 429 arrived: close the gate for `retry_after_s`, probe with one request, lower the limit."""
        now = time.monotonic()
        self._blocked_until = max(self._blocked_until, now + retry_after_s)
        self._probing = True
        self._probe_done.set()  # the failed probe (if it was one) is over; waiters re-check the gate
        self._expire(now)
        self._throttled.append(now)
        accepted = len(self._sent) - len(self._throttled)  # sent this window minus the refused ones
        # A 429 says the server's limit is below ours only when we were using our budget (≥ half of it) or
        # many requests of the window were refused. A stray 429 (Genesys also throttles per endpoint and per
        # org) right after a start or a quiet spell would otherwise cut the limit to the handful sent so far
        # and starve the worker for many windows (found by the fault soak: 5% random 429s).
        used, refused = len(self._sent), len(self._throttled)
        if used * 2 >= self.limit or (refused >= 3 and refused * 4 >= used):
            self.limit = max(1, min(self.limit, accepted))
            self._last_change = now

    def succeeded(self) -> None:
        """A request completed without 429: reopen the budget fully if we were probing."""
        self._probing = False
        self._probe_done.set()

    def released(self) -> None:
        """A request ended saying nothing about throttling (e.g. a 5xx): let the next probe go."""
        self._probe_done.set()

    def server_hint(self, allowed: int | None, reset_s: float | None, count: int | None) -> None:
        """Honour `inin-ratelimit-*` headers: the server's limit, and a full window until `reset`."""
        if allowed is not None and allowed > 0 and allowed != self.limit:
            self.limit = min(self._configured, allowed)
            self._last_change = time.monotonic()
        if allowed is not None and count is not None and reset_s is not None and count >= allowed > 0:
            self._blocked_until = max(self._blocked_until, time.monotonic() + max(reset_s, 0.0))

    def _expire(self, now: float) -> None:
        for log in (self._sent, self._throttled):
            while log and log[0] <= now - self.window_s:
                log.popleft()

    def _maybe_raise_limit(self, now: float) -> None:
        # Only while actually held back by our own limit, and after a whole quiet window.
        if self.limit < self._configured and not self._throttled and now - self._last_change >= self.window_s:
            self.limit = min(self._configured, self.limit + max(1, self.limit // 10))
            self._last_change = now
