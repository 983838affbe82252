"""Fault injection: what production throws at a client, on demand (tests and `/_sim/faults/*`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archiver.sim.app import Simulator


@dataclass
class _Failure:
    remaining: int
    status: int | str  # an HTTP status, or "timeout" (hold the request, then 504)
    path_prefix: str | None


class Faults:
    """Switches read by the request middleware and the notification hub. Socket faults return a Task."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._failures: list[_Failure] = []
        self.latency_s = 0.0

    def _task(self, coro: Coroutine[Any, Any, int]) -> asyncio.Task[int]:
        return asyncio.get_running_loop().create_task(coro)

    # ---- sockets ---------------------------------------------------------------------------------

    def drop_sockets(self, code: int = 1006) -> asyncio.Task[int]:
        """Close every open WebSocket: 1006 = TCP dropped without a close frame; else a close frame."""
        return self._task(self._sim.notifications.drop_sockets(code))

    def socket_closing(self, grace_s: float | None = None) -> asyncio.Task[int]:
        """Send `v2.system.socket_closing` to every socket, then close them after the grace period."""
        return self._task(self._sim.notifications.socket_closing(grace_s))

    def silence_heartbeats(self, on: bool = True) -> None:
        """Stop (or resume) `channel.metadata` heartbeats; pongs are still answered."""
        self._sim.notifications.heartbeats_silenced = on

    def set_heartbeat(self, seconds: float) -> None:
        """Change the heartbeat interval (takes effect after the current sleep)."""
        self._sim.notifications.heartbeat_s = seconds

    def send_raw(self, frame: str) -> asyncio.Task[int]:
        """Push an arbitrary text frame (malformed JSON, unknown topic, …) to every open socket."""
        return self._task(self._sim.notifications.send_raw(frame))

    def expire_channels(self) -> asyncio.Task[int]:
        """Expire every channel now: sockets close and the channel ids become unknown (404)."""
        return self._task(self._sim.notifications.expire_channels())

    # ---- HTTP ------------------------------------------------------------------------------------

    def fail_next(self, n: int, status: int | str = 503, path_prefix: str | None = None) -> None:
        """Fail the next n requests (optionally only those under `path_prefix`) with `status` or "timeout"."""
        if status != "timeout" and not (isinstance(status, int) and 400 <= status <= 599):
            raise ValueError(f"cannot inject failure: status must be 4xx/5xx or 'timeout', got {status!r}")
        self._failures.append(_Failure(n, status, path_prefix))

    def take_failure(self, path: str) -> int | str | None:
        """Consume one injected failure matching `path`, if any (called by the middleware)."""
        for f in self._failures:
            if f.remaining > 0 and (f.path_prefix is None or path.startswith(f.path_prefix)):
                f.remaining -= 1
                if f.remaining == 0:
                    self._failures.remove(f)
                return f.status
        return None

    def latency(self, seconds: float) -> None:
        """Delay every API/OAuth response by `seconds` (0 turns it off)."""
        self.latency_s = max(0.0, seconds)

    def revoke_tokens(self) -> None:
        """Invalidate every issued token: the next call with one gets 401."""
        self._sim.tokens.revoke_all()

    def expire_tokens(self) -> None:
        """Make every issued token expired now."""
        self._sim.tokens.expire_all()

    def set_rate_limit(self, per_min: int) -> None:
        """Change the per-token request budget per 60 s window."""
        self._sim.tokens.rate_limit_per_min = max(0, per_min)

    def refuse_writeback(self, on: bool = True) -> None:
        """Make participant-attribute PATCHes fail with 400, as if Genesys refused post-end writes."""
        self._sim.rest.refuse_writeback = on

    def delete_conversation(self, cid: str) -> None:
        """Delete a conversation: later GETs and bulk calls answer 404."""
        conv = self._sim.store.by_id.get(cid)
        if conv is None:
            raise KeyError(cid)
        conv.deleted = True
        self._sim.store.touch()

    def clear(self) -> None:
        """Remove every HTTP fault (failures, latency, writeback refusal) and resume heartbeats."""
        self._failures.clear()
        self.latency_s = 0.0
        self._sim.rest.refuse_writeback = False
        self._sim.notifications.heartbeats_silenced = False
