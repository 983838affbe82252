"""Fault injection: what production throws at a client, on demand (tests and `/_sim/faults/*`)."""

from __future__ import annotations

import asyncio
import fnmatch
import random
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from archiver.sim.auth import Tokens
from archiver.sim.model import Store
from archiver.sim.notify import Notifications
from archiver.sim.rest import Rest


@dataclass
class _Failure:
    remaining: int
    status: int | str  # an HTTP status, or "timeout" (hold the request, then 504)
    path_prefix: str | None
    retry_after: str = "1"  # the Retry-After header of an injected 429


@dataclass
class _Fraction:
    fraction: float
    status: int | str
    path_prefix: str | None


def _check_status(status: int | str) -> None:
    if status != "timeout" and not (isinstance(status, int) and 400 <= status <= 599):
        raise ValueError(f"cannot inject failure: status must be 4xx/5xx or 'timeout', got {status!r}")


@dataclass
class _Answer:
    remaining: int
    body: bytes  # a canned body (answer_next) …
    status: int
    path_prefix: str | None
    find: bytes = b""  # … or a byte substitution in the real body (rewrite_next)
    rewrite: bool = False


class Faults:
    """Switches read by the request middleware and the notification hub. Socket faults return a Task."""

    def __init__(
        self, seed: int, *, tokens: Tokens, rest: Rest, store: Store, notifications: Notifications
    ) -> None:
        # Only the parts a fault switches, not the whole simulator.
        self._tokens, self._rest, self._store, self._notifications = tokens, rest, store, notifications
        self._failures: list[_Failure] = []
        self._fractions: list[_Fraction] = []
        self._rng = random.Random(seed ^ 0xFA17)  # seeded: a soak replays the same failures
        self._answers: list[_Answer] = []
        self.denied: dict[str, str] = {}  # path prefix -> permission the OAuth client lacks
        self.latency_s = 0.0

    def _task(self, coro: Coroutine[Any, Any, int]) -> asyncio.Task[int]:
        return asyncio.get_running_loop().create_task(coro)

    # ---- sockets ---------------------------------------------------------------------------------

    def drop_sockets(self, code: int = 1006) -> asyncio.Task[int]:
        """Close every open WebSocket: 1006 = TCP dropped without a close frame; else a close frame."""
        return self._task(self._notifications.drop_sockets(code))

    def socket_closing(self, grace_s: float | None = None) -> asyncio.Task[int]:
        """Send `v2.system.socket_closing` to every socket, then close them after the grace period."""
        return self._task(self._notifications.socket_closing(grace_s))

    def silence_heartbeats(self, on: bool = True) -> None:
        """Stop (or resume) `channel.metadata` heartbeats; pongs are still answered."""
        self._notifications.heartbeats_silenced = on

    def set_heartbeat(self, seconds: float) -> None:
        """Change the heartbeat interval (takes effect after the current sleep)."""
        self._notifications.heartbeat_s = seconds

    def send_raw(self, frame: str) -> asyncio.Task[int]:
        """Push an arbitrary text frame (malformed JSON, unknown topic, …) to every open socket."""
        return self._task(self._notifications.send_raw(frame))

    def expire_channels(self) -> asyncio.Task[int]:
        """Expire every channel now: sockets close and the channel ids become unknown (404)."""
        return self._task(self._notifications.expire_channels())

    # ---- HTTP ------------------------------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int | str = 503,
        path_prefix: str | None = None,
        retry_after: float | str = 1,
    ) -> None:
        """Fail the next n requests (optionally only those under `path_prefix`) with `status` or "timeout".

        A 429 carries `Retry-After: retry_after` (seconds, or an HTTP date): Genesys may ask for minutes.
        """
        _check_status(status)
        after = f"{retry_after:g}" if isinstance(retry_after, int | float) else str(retry_after)
        self._failures.append(_Failure(n, status, path_prefix, after))

    def fail_fraction(self, fraction: float, status: int | str = 503, path_prefix: str | None = None) -> None:
        """Fail a random `fraction` of requests (seeded) with `status` or "timeout" until `clear()`.

        Several fractions add up (e.g. 5% 429 + 1.5% 503 + 0.5% timeouts); 429s carry `Retry-After`.
        """
        _check_status(status)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"cannot inject failure: fraction must be within [0, 1], got {fraction!r}")
        self._fractions.append(_Fraction(fraction, status, path_prefix))

    def take_failure(self, path: str) -> tuple[int | str, str] | None:
        """Consume one injected failure matching `path`, if any: (status, Retry-After) for the middleware."""
        for f in self._failures:
            if f.remaining > 0 and (f.path_prefix is None or path.startswith(f.path_prefix)):
                f.remaining -= 1
                if f.remaining == 0:
                    self._failures.remove(f)
                return f.status, f.retry_after
        if self._fractions:
            roll = self._rng.random()
            for fr in self._fractions:
                if fr.path_prefix is None or path.startswith(fr.path_prefix):
                    if roll < fr.fraction:
                        return fr.status, "1"
                    roll -= fr.fraction
        return None

    def deny_permission(self, permission: str, path_prefix: str = "/api/v2/") -> None:
        """Answer 403 `missing.permissions` naming `permission` under `path_prefix` until `clear()`.

        A prefix with `*` is a pattern (`*` matches any characters, e.g. "/api/v2/conversations/*/tags"),
        for routes whose distinguishing part follows an id.

        Checked after authentication and the rate limit, as Genesys does: the token is fine, its role is not.
        """
        if not permission or not path_prefix.startswith("/"):
            raise ValueError("cannot deny permission: need a permission name and a path prefix starting '/'")
        self.denied[path_prefix] = permission

    def denied_permission(self, path: str) -> str | None:
        """The permission a request to `path` lacks, if one was denied (longest prefix wins)."""
        hits = [
            p for p in self.denied if (fnmatch.fnmatchcase(path, p + "*") if "*" in p else path.startswith(p))
        ]
        return self.denied[max(hits, key=len)] if hits else None

    def answer_next(
        self, n: int, body: bytes | str, status: int = 200, path_prefix: str | None = None
    ) -> None:
        """Answer the next n authorized requests under `path_prefix` with this raw body (a malformed 200)."""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        self._answers.append(_Answer(n, raw, status, path_prefix))

    def rewrite_next(
        self, n: int, find: bytes | str, replace: bytes | str, path_prefix: str | None = None
    ) -> None:
        """Substitute bytes in the next n real response bodies (e.g. inject `\\ud800` or invalid UTF-8)."""
        old = find.encode() if isinstance(find, str) else bytes(find)
        new = replace.encode() if isinstance(replace, str) else bytes(replace)
        if not old:
            raise ValueError("cannot rewrite responses: `find` is empty")
        self._answers.append(_Answer(n, new, 200, path_prefix, find=old, rewrite=True))

    def take_answer(self, path: str) -> _Answer | None:
        """Consume one canned answer matching `path`, if any (called by the middleware)."""
        return next(iter(self._consume(path, rewrite=False)), None)

    def take_rewrites(self, path: str) -> list[tuple[bytes, bytes]]:
        """Consume every body rewrite matching `path`: (find, replace) pairs, applied in order."""
        return [(a.find, a.body) for a in self._consume(path, rewrite=True)]

    def _consume(self, path: str, *, rewrite: bool) -> list[_Answer]:
        hits = [
            a
            for a in self._answers
            if a.rewrite == rewrite and (a.path_prefix is None or path.startswith(a.path_prefix))
        ]
        if not rewrite:
            hits = hits[:1]
        for a in hits:
            a.remaining -= 1
            if a.remaining <= 0:
                self._answers.remove(a)
        return hits

    def latency(self, seconds: float) -> None:
        """Delay every API/OAuth response by `seconds` (0 turns it off)."""
        self.latency_s = max(0.0, seconds)

    def revoke_tokens(self) -> None:
        """Invalidate every issued token: the next call with one gets 401."""
        self._tokens.revoke_all()

    def expire_tokens(self) -> None:
        """Make every issued token expired now."""
        self._tokens.expire_all()

    def set_rate_limit(self, per_min: int) -> None:
        """Change the per-token request budget per 60 s window."""
        self._tokens.rate_limit_per_min = max(0, per_min)

    def refuse_bulk_above(self, max_ids: int | None, status: int = 413) -> None:
        """Refuse `messages/bulk` bodies of more than `max_ids` ids (0: every one; None: accept up to 1000).

        413 answers as Genesys does for a body over its size limit (`request.entity.too.large`); 400 as it
        does for an answer over its size limit (`response.entity.too.large`) — the swagger lists both.
        """
        if max_ids is not None and max_ids < 0:
            raise ValueError("cannot refuse bulk requests: max_ids must be >= 0 or None")
        if status not in (400, 413):
            raise ValueError(f"cannot refuse bulk requests: status must be 400 or 413, got {status!r}")
        self._rest.bulk_refuse_above = max_ids
        self._rest.bulk_refuse_status = status

    def refuse_writeback(self, on: bool = True) -> None:
        """Make participant-attribute PATCHes fail with 400, as if Genesys refused post-end writes."""
        self._rest.refuse_writeback = on

    def delete_conversation(self, cid: str) -> None:
        """Delete a conversation: later GETs and bulk calls answer 404."""
        conv = self._store.by_id.get(cid)
        if conv is None:
            raise KeyError(cid)
        conv.deleted = True
        self._store.touch()

    def clear(self) -> None:
        """Remove every HTTP fault (failures, latency, writeback refusal) and resume heartbeats."""
        self._failures.clear()
        self._fractions.clear()
        self._answers.clear()
        self.denied.clear()
        self.latency_s = 0.0
        self._rest.refuse_writeback = False
        self._rest.bulk_refuse_above = None
        self._notifications.heartbeats_silenced = False
