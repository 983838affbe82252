"""The soak's seeded fault schedule: what production throws at the worker, laid out on a timeline.

`plan()` turns (seed, duration, knobs) into a sorted list of `FaultEvent`s; `FaultPlayer` applies them to the
simulator, the blob store and the worker process as the clock reaches them. The same seed gives the same
timeline (and the simulator's random failures are seeded too), so a failing soak can be replayed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

if TYPE_CHECKING:
    from archiver.sim import Simulator
    from bench.soak_stack import BlobStore

log = logging.getLogger("bench.soak")


class FaultKnobs(msgspec.Struct, frozen=True, kw_only=True):
    """How hard the schedule hits; the defaults are the issue's figures."""

    socket_drop_every_s: float = 20.0
    throttle_fraction: float = 0.05  # 429 + Retry-After
    error_fraction: float = 0.015  # 503
    timeout_fraction: float = 0.005  # held until the client times out
    latency_spike_s: float = 1.5
    latency_spike_len_s: float = 5.0
    latency_spikes: int = 4
    heartbeat_silence_s: float = 12.0
    writeback_refusal_s: float = 60.0
    blob_outage_s: float = 15.0
    worker_kills: int = 2
    restart_after_s: float = 2.0
    socket_closings: int = 2
    channel_expiries: int = 2
    token_revocations: int = 2


class FaultEvent(msgspec.Struct, frozen=True):
    """One fault at `at` seconds after the start; `length_s` for faults that last (then revert)."""

    at: float
    name: str
    length_s: float = 0.0
    value: float = 0.0


def _spread(rng: random.Random, n: int, lo: float, hi: float) -> list[float]:
    """n instants spread over [lo, hi] (one per equal slot, jittered inside it)."""
    if n <= 0 or hi <= lo:
        return []
    slot = (hi - lo) / n
    return [lo + slot * i + rng.uniform(0.2, 0.8) * slot for i in range(n)]


def plan(seed: int, duration_s: float, knobs: FaultKnobs) -> list[FaultEvent]:
    """The timeline over the traffic window [0, duration_s]; kills and outages avoid each other."""
    rng = random.Random(seed ^ 0x50A4)
    d = duration_s
    ev: list[FaultEvent] = [
        FaultEvent(1.0, "random_failures", value=0.0),  # 429s, 5xx and timeouts, on until the end
    ]
    t = 5.0 + rng.uniform(0, knobs.socket_drop_every_s / 2)
    while t < d:
        ev.append(FaultEvent(t, "drop_sockets"))
        t += rng.uniform(0.75, 1.25) * knobs.socket_drop_every_s
    ev += [FaultEvent(x, "socket_closing") for x in _spread(rng, knobs.socket_closings, 0.1 * d, 0.9 * d)]
    ev += [FaultEvent(x, "expire_channels") for x in _spread(rng, knobs.channel_expiries, 0.2 * d, 0.95 * d)]
    ev += [FaultEvent(x, "revoke_tokens") for x in _spread(rng, knobs.token_revocations, 0.1 * d, 0.9 * d)]
    ev += [
        FaultEvent(x, "latency_spike", knobs.latency_spike_len_s, knobs.latency_spike_s)
        for x in _spread(rng, knobs.latency_spikes, 0.05 * d, 0.95 * d)
    ]
    ev.append(FaultEvent(rng.uniform(0.3, 0.4) * d, "heartbeat_silence", knobs.heartbeat_silence_s))
    ev.append(FaultEvent(rng.uniform(0.15, 0.25) * d, "refuse_writeback", knobs.writeback_refusal_s))
    # Fixed slots keep the kills and the blob outage apart, so each one is seen on its own.
    kill_slots = [(0.40, 0.48), (0.80, 0.90), (0.92, 0.97)][: knobs.worker_kills]
    ev += [FaultEvent(rng.uniform(a, b) * d, "kill_worker", knobs.restart_after_s) for a, b in kill_slots]
    ev.append(FaultEvent(rng.uniform(0.58, 0.66) * d, "blob_outage", knobs.blob_outage_s))
    return sorted(ev, key=lambda e: e.at)


class Restartable(Protocol):
    """What a kill fault acts on: one worker process, or (multi-VM soak) whichever VM currently leads."""

    async def kill(self) -> None: ...

    async def start(self) -> None: ...


class FaultPlayer:
    """Applies a plan against live components; `applied` counts what actually ran (for the table)."""

    def __init__(
        self, sim: Simulator, store: BlobStore, worker: Restartable, knobs: FaultKnobs, t0: float
    ) -> None:
        self.sim, self.store, self.worker, self.knobs, self.t0 = sim, store, worker, knobs, t0
        self.applied: Counter[str] = Counter()
        self.errors: list[str] = []
        self._lasting: set[asyncio.Task[None]] = set()

    async def play(self, events: list[FaultEvent]) -> None:
        """Apply each event at its time; lasting faults revert in the background."""
        for e in events:
            await asyncio.sleep(max(0.0, self.t0 + e.at - time.monotonic()))
            try:
                await self._apply(e)
            except Exception as exc:  # one broken fault must not stop the others (reported in the table)
                self.errors.append(f"{e.name}: {type(exc).__name__}: {exc}")
                log.exception("fault %s failed", e.name)
            else:
                self.applied[e.name] += 1
                log.info("fault t=%.1f %s", time.monotonic() - self.t0, e.name)

    async def settle(self) -> None:
        """Wait for lasting faults to revert (a restart after a kill, the end of an outage, …)."""
        while self._lasting:
            await asyncio.gather(*list(self._lasting), return_exceptions=True)

    def _later(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._lasting.add(task)
        task.add_done_callback(self._lasting.discard)

    async def _apply(self, e: FaultEvent) -> None:
        f = self.sim.faults
        k = self.knobs
        if e.name == "random_failures":
            if k.throttle_fraction:
                f.fail_fraction(k.throttle_fraction, status=429)
            if k.error_fraction:
                f.fail_fraction(k.error_fraction, status=503)
            if k.timeout_fraction:
                f.fail_fraction(k.timeout_fraction, status="timeout")
        elif e.name == "drop_sockets":
            await f.drop_sockets(code=1006)
        elif e.name == "socket_closing":
            await f.socket_closing()
        elif e.name == "expire_channels":
            await f.expire_channels()
        elif e.name == "revoke_tokens":
            f.revoke_tokens()
        elif e.name == "latency_spike":
            f.latency(e.value)
            self._later(self._revert(e.length_s, lambda: f.latency(0.0)))
        elif e.name == "heartbeat_silence":
            f.silence_heartbeats(True)
            self._later(self._revert(e.length_s, lambda: f.silence_heartbeats(False)))
        elif e.name == "refuse_writeback":
            f.refuse_writeback(True)
            self._later(self._revert(e.length_s, lambda: f.refuse_writeback(False)))
        elif e.name == "blob_outage":
            self._later(self.store.outage(e.length_s))
        elif e.name == "kill_worker":
            await self.worker.kill()
            self._later(self._restart(e.length_s))
        else:
            raise ValueError(f"unknown fault {e.name!r}")

    async def _revert(self, after_s: float, undo: Callable[[], None]) -> None:
        await asyncio.sleep(after_s)
        undo()

    async def _restart(self, after_s: float) -> None:
        await asyncio.sleep(after_s)
        await self.worker.start()
