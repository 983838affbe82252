"""Background traffic: new live conversations at the configured rate, each ended after a short hold."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from archiver.sim.config import SimConfig
from archiver.sim.model import MAX_OPEN_S

log = logging.getLogger(__name__)


class Traffic:
    """start() / pause() / resume() / stop(); `rate_per_min` may be changed while running."""

    def __init__(
        self,
        config: SimConfig,
        create_live: Callable[[str, float], Awaitable[str]],
        end_conversation: Callable[[str], object],
        rate_per_min: float,
        seed: int,
    ) -> None:
        # The two simulator operations traffic needs, not the whole simulator.
        self._config, self._create_live, self._end_conversation = config, create_live, end_conversation
        self.rate_per_min = rate_per_min
        self._rng = random.Random(seed ^ 0x7AFF1C)
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Event()
        self.created = 0
        self._ends: set[asyncio.TimerHandle] = set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done() and self._running.is_set()

    def start(self, rate_per_min: float | None = None) -> None:
        """Start generating (at `rate_per_min` if given, else the configured rate)."""
        if rate_per_min is not None:
            self.rate_per_min = rate_per_min
        self._running.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    async def stop(self) -> None:
        self._running.clear()
        for handle in self._ends:
            handle.cancel()
        self._ends.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _end(self, cid: str) -> None:
        self._ends = {
            h for h in self._ends if not h.cancelled() and h.when() > asyncio.get_running_loop().time()
        }
        self._end_conversation(cid)

    def _kind(self) -> str:
        kinds, weights = zip(*self._config.traffic_mix, strict=True)
        return str(self._rng.choices(kinds, weights=weights)[0])

    def _open_for(self) -> float:
        c = self._config
        if c.long_lived_fraction <= 0 or self._rng.random() >= c.long_lived_fraction:
            return 0.0
        return self._rng.uniform(3600.0, max(3600.0, min(c.long_lived_max_s, MAX_OPEN_S)))

    async def _loop(self) -> None:
        while True:
            await self._running.wait()
            if self.rate_per_min <= 0:
                await asyncio.sleep(0.5)
                continue
            await asyncio.sleep(self._rng.expovariate(self.rate_per_min / 60.0))
            if not self._running.is_set():
                continue
            try:
                cid = await self._create_live(self._kind(), self._open_for())
            except Exception:
                log.exception("sim traffic: cannot create conversation")
                continue
            self.created += 1
            lo, hi = self._config.traffic_hold_s
            handle = asyncio.get_running_loop().call_later(self._rng.uniform(lo, hi), self._end, cid)
            self._ends.add(handle)
