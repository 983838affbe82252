"""REST transport: bearer auth, the shared rate budget, retries, and Genesys ErrorBody → archiver errors.

Retry policy (docs/genesys.md, "Rate limits: Retry-After and 413"): 401 drops the token and retries once; 429
waits the full `Retry-After` (plus jitter) behind the shared budget gate — up to `max_retry_after_s`; a longer
one (or a gate closed for longer) raises `GenesysRateLimited`, which releases the work until then instead of
holding it or retrying early into another 429; 5xx, 408, timeouts and connection errors back off
exponentially with equal jitter (archiver.backoff); every other 4xx is permanent and raised with Genesys's
`code` and `contextId`.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msgspec
from multidict import CIMultiDictProxy

from archiver.backoff import backoff_s
from archiver.errors import (
    GenesysAPIError,
    GenesysAuthError,
    GenesysNotFound,
    GenesysPermissionError,
    GenesysRateLimited,
    GenesysTransientError,
)
from archiver.genesys.auth import TokenManager
from archiver.genesys.models import ErrorBody
from archiver.genesys.ratelimit import RateBudget
from archiver.genesys.settings import GENESYS_FIX, GenesysSettings
from archiver.health import Reach, network_cause

log = logging.getLogger(__name__)

_error_decoder = msgspec.json.Decoder(ErrorBody)
_MISSING_RE = re.compile(r"missing the following permission\(s\):\s*(.+)$", re.IGNORECASE)
_RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})


@dataclass
class ClientStats:
    """Counters for metrics: requests sent, answers by status, retries by cause."""

    requests: int = 0
    throttled: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: CIMultiDictProxy[str]


class Transport:
    """Sends one logical REST call, retrying as the policy says; shared by every endpoint method."""

    def __init__(
        self,
        settings: GenesysSettings,
        session: aiohttp.ClientSession,
        tokens: TokenManager,
        budget: RateBudget,
    ) -> None:
        self._s = settings
        self._session = session
        self._tokens = tokens
        self.budget = budget
        self._base = settings.hosts().api
        self._rng = random.Random()
        self.stats = ClientStats()
        self.reach = Reach("Genesys API", self._base, GENESYS_FIX)  # for /healthz (archiver/health.py)

    async def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """Send `method path`; return the answer if its status is in `ok`, else raise (`what` names it)."""
        body = msgspec.json.encode(json) if json is not None else None
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        timeout = aiohttp.ClientTimeout(total=self._s.request_timeout_s)
        url = self._base + path
        attempt = 0
        reauthed = False
        while True:
            self._refuse_long_block(what)
            await self.budget.acquire()
            settled = False
            try:
                token = await self._tokens.token()
                headers["Authorization"] = "Bearer " + token
                self.stats.requests += 1
                failure: BaseException | None = None
                try:
                    async with self._session.request(
                        method, url, params=params, data=body, headers=headers, timeout=timeout
                    ) as resp:
                        payload = await resp.read()
                        answer = Response(resp.status, payload, resp.headers)
                except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                    cause, failure = "timeout", exc
                except aiohttp.ClientError as exc:
                    cause, failure = "connection", exc
                else:
                    cause = ""
                if cause:
                    assert failure is not None
                    attempt += 1
                    settled = True
                    self.reach.failed(network_cause(failure))
                    await self._back_off(what, attempt, cause, network_cause(failure), failure)
                    continue
                status = answer.status
                if status >= 500 or status == 408:
                    self.reach.failed(f"status {status}")
                else:
                    self.reach.ok()
                self.stats.statuses[status] += 1
                self._hint(answer.headers)
                if status == 429:
                    self.stats.throttled += 1
                    wait = self._retry_after(answer.headers, attempt + 1)
                    self.budget.throttled(wait)
                    settled = True
                    self._refuse_long_block(what)
                    attempt += 1
                    self._give_up_if(attempt, what, "rate limited (429)", None)
                    self.stats.retries["429"] += 1
                    log.info("genesys_throttled what=%r attempt=%d wait=%.2f", what, attempt, wait)
                    continue
                if status in _RETRY_STATUSES:
                    attempt += 1
                    settled = True
                    kind = f"{status // 100}xx" if status >= 500 else str(status)
                    await self._back_off(what, attempt, kind, f"status {status}", None)
                    continue
                self.budget.succeeded()
                settled = True
                if status == 401:
                    self._tokens.invalidate(token)
                    if not reauthed:
                        reauthed = True
                        self.stats.retries["401"] += 1
                        log.info("genesys_token_rejected what=%r: refreshing once", what)
                        continue
                    raise GenesysAuthError(f"cannot {what}: Genesys rejected a freshly issued token (401)")
                if status in ok:
                    return answer
                raise error_for(what, status, answer.body)
            finally:
                if not settled:
                    self.budget.released()

    async def _back_off(
        self, what: str, attempt: int, kind: str, cause: str, failure: BaseException | None
    ) -> None:
        """Settle a failed attempt with the budget, then sleep a jittered backoff (or give up)."""
        self.budget.released()
        self._give_up_if(attempt, what, cause, failure)
        self.stats.retries[kind] += 1
        delay = self._backoff(attempt)
        log.info(
            "genesys_retry what=%r host=%s cause=%r attempt=%d delay=%.2f",
            what, self.reach.endpoint, cause, attempt, delay,
        )  # fmt: skip
        await asyncio.sleep(delay)

    def _refuse_long_block(self, what: str) -> None:
        # --- Retry-After beyond max_retry_after_s (docs/genesys.md, "Rate limits: Retry-After and 413") ---
        # The gate stays closed for everyone as long as Genesys asked; work that would wait longer than the
        # cap is released (the pipeline schedules its retry after `retry_after_s`) rather than held.
        blocked = self.budget.blocked_for()
        if blocked > self._s.max_retry_after_s + 1.0:  # + the ≤ 1 s jitter added to every wait
            self.stats.retries["429_released"] += 1
            raise GenesysRateLimited(
                f"cannot {what}: rate limited (429), Genesys asks to wait {blocked:.0f} s, longer than "
                f"genesys.max_retry_after_s={self._s.max_retry_after_s:g}",
                retry_after_s=blocked,
            )

    def _give_up_if(self, attempt: int, what: str, cause: str, exc: BaseException | None) -> None:
        if attempt > self._s.max_retries:
            raise GenesysTransientError(
                f"cannot {what}: {self.reach.endpoint}: {cause} after {self._s.max_retries} retries"
            ) from exc

    def _backoff(self, attempt: int) -> float:
        return backoff_s(attempt, self._s.backoff_base_s, self._s.backoff_cap_s, self._rng)

    def _retry_after(self, headers: Mapping[str, str], attempt: int) -> float:
        raw = headers.get("Retry-After")
        wait: float | None = None
        if raw:
            try:
                wait = float(raw)
            except ValueError:
                when = email.utils.parsedate_to_datetime(raw) if raw else None
                if when is not None:
                    wait = when.timestamp() - time.time()
        if wait is None or wait < 0:
            wait = self._backoff(attempt)
        # Never shorter than asked: an early retry is another 429 (a longer wait is refused by the caller).
        return wait + self._rng.uniform(0, min(1.0, 0.1 * wait + 0.05))

    def _hint(self, headers: Mapping[str, str]) -> None:
        allowed = _int_header(headers, "inin-ratelimit-allowed")
        if allowed is None:
            return
        count = _int_header(headers, "inin-ratelimit-count")
        reset = _int_header(headers, "inin-ratelimit-reset")
        self.budget.server_hint(allowed, float(reset) if reset is not None else None, count)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        value = headers.get(name)
        return int(value) if value is not None else None
    except ValueError:
        return None


def error_for(what: str, status: int, body: bytes) -> GenesysAPIError:
    """Map a permanent 4xx answer to the archiver error carrying Genesys's code and contextId."""
    try:
        err = _error_decoder.decode(body) if body else ErrorBody()
    except msgspec.DecodeError:
        err = ErrorBody()
    code, ctx = err.code, err.context_id
    if status == 404:
        return GenesysNotFound(f"cannot {what}: not found", status=status, code=code, context_id=ctx)
    if status == 403:
        missing = missing_permissions(err)
        cause = (
            f"the OAuth client's role lacks permission {', '.join(missing)}"
            if missing
            else f"forbidden ({err.message or 'no reason given'})"
        )
        return GenesysPermissionError(f"cannot {what}: {cause}", status=status, code=code, context_id=ctx)
    return GenesysAPIError(
        f"cannot {what}: {err.message or 'request refused'}", status=status, code=code, context_id=ctx
    )


def missing_permissions(err: ErrorBody) -> list[str]:
    """Permission names from a 403 ErrorBody (`messageParams` first, then the message text)."""
    names: list[str] = []
    for value in (err.message_params or {}).values():
        names += [p.strip() for p in re.split(r"[,\s]+", value) if ":" in p]
    if not names:
        for text in (err.message_with_params, err.message):
            m = _MISSING_RE.search(text or "")
            if m:
                names = [p.strip(" .[]") for p in re.split(r"[,\s]+", m.group(1)) if ":" in p]
                break
    return list(dict.fromkeys(names))
