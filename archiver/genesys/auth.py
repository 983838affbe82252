"""Client-credentials tokens: one in-flight refresh however many callers, renewed ahead of expiry."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from dataclasses import dataclass

import aiohttp
import msgspec

from archiver.backoff import backoff_s
from archiver.errors import GenesysAuthError, GenesysTransientError
from archiver.genesys.models import OAuthError, OAuthToken
from archiver.genesys.settings import GENESYS_FIX, GenesysSettings
from archiver.health import Reach, network_cause

log = logging.getLogger(__name__)

_token_decoder = msgspec.json.Decoder(OAuthToken)
_error_decoder = msgspec.json.Decoder(OAuthError)
_TOKEN_ATTEMPTS = 5


@dataclass
class TokenStats:
    refreshes: int = 0  # successful token requests
    failures: int = 0  # failed token requests (any cause)
    invalidations: int = 0  # tokens dropped after a 401


@dataclass(frozen=True)
class _Token:
    value: str
    usable_until: float  # monotonic: expiry minus a safety margin for the request's own latency
    refresh_at: float  # monotonic: renew from here on


class TokenManager:
    """Hands out a valid bearer token; renews it when `now + buffer >= expiry` (never after expiry)."""

    def __init__(self, settings: GenesysSettings, session: aiohttp.ClientSession) -> None:
        self._settings = settings
        self._session = session
        self._url = settings.hosts().login + "/oauth/token"
        # Built once; never logged, never put in an exception.
        raw = f"{settings.client_id}:{settings.client_secret.reveal()}".encode()
        self._basic = "Basic " + base64.b64encode(raw).decode("ascii")
        self._token: _Token | None = None
        self._refresh: asyncio.Task[_Token] | None = None
        self._rng = random.Random()
        self.stats = TokenStats()
        self.reach = Reach("Genesys login", self._url, GENESYS_FIX)  # for /healthz (archiver/health.py)

    def __repr__(self) -> str:
        return f"TokenManager(url={self._url!r}, client_id={self._settings.client_id!r})"

    async def token(self) -> str:
        """A bearer token valid now; concurrent callers share one refresh."""
        now = time.monotonic()
        tok = self._token
        if tok is not None and now < tok.refresh_at:
            return tok.value
        task = self._refresh
        if task is None or task.done():
            task = self._refresh = asyncio.create_task(self._fetch(), name="genesys-token-refresh")
            task.add_done_callback(_consume_exception)
        # Still valid (inside the renewal buffer): keep serving it while the refresh runs in the background.
        if tok is not None and now < tok.usable_until:
            return tok.value
        return (await asyncio.shield(task)).value

    def invalidate(self, value: str) -> None:
        """Drop `value` after a 401 — unless another caller already replaced it."""
        if self._token is not None and self._token.value == value:
            self._token = None
            self.stats.invalidations += 1

    async def close(self) -> None:
        """Cancel a background refresh."""
        task, self._refresh = self._refresh, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _fetch(self) -> _Token:
        for attempt in range(1, _TOKEN_ATTEMPTS + 1):
            try:
                tok = await self._request()
            except GenesysTransientError as exc:
                self.stats.failures += 1
                if attempt == _TOKEN_ATTEMPTS:
                    raise
                log.warning("genesys_token_retry attempt=%d cause=%s", attempt, exc)
                s = self._settings
                await asyncio.sleep(backoff_s(attempt, s.backoff_base_s, s.backoff_cap_s, self._rng))
                continue
            except GenesysAuthError:
                self.stats.failures += 1
                raise
            self._token = tok
            self.stats.refreshes += 1
            return tok
        raise AssertionError("unreachable")

    async def _request(self) -> _Token:
        started = time.monotonic()
        headers = {"Authorization": self._basic, "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self._settings.request_timeout_s)
        try:
            async with self._session.post(
                self._url, data={"grant_type": "client_credentials"}, headers=headers, timeout=timeout
            ) as resp:
                body = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            cause = network_cause(exc)
            self.reach.failed(cause)
            raise GenesysTransientError(
                f"cannot obtain Genesys token from {self.reach.endpoint}: {cause}"
            ) from exc
        if status >= 500:
            self.reach.failed(f"login answered {status}")
        else:
            self.reach.ok()
        if status == 200:
            try:
                payload = _token_decoder.decode(body)
            except msgspec.DecodeError as exc:
                raise GenesysTransientError("cannot obtain Genesys token: malformed token response") from exc
            lifetime = max(float(payload.expires_in), 1.0)
            # A buffer longer than the lifetime would renew on every call: cap it at half the lifetime.
            buffer = min(self._settings.token_refresh_buffer_s, lifetime / 2)
            expires_at = started + lifetime
            log.info("genesys_token_obtained expires_in=%d", int(lifetime))
            return _Token(payload.access_token, expires_at - min(1.0, lifetime * 0.1), expires_at - buffer)
        if status in (400, 401, 403):
            err = _safe_decode(body)
            reason = (
                (err.error_description or err.description or err.error or "rejected") if err else "rejected"
            )
            raise GenesysAuthError(
                f"cannot obtain Genesys token: client credentials rejected ({status} {reason}); "
                "check the OAuth client id/secret and that it uses the client-credentials grant"
            )
        raise GenesysTransientError(
            f"cannot obtain Genesys token from {self.reach.endpoint}: login answered {status}"
        )


def _safe_decode(body: bytes) -> OAuthError | None:
    try:
        return _error_decoder.decode(body)
    except msgspec.DecodeError:
        return None


def _consume_exception(task: asyncio.Task[_Token]) -> None:
    # A background refresh whose caller moved on must not log "exception was never retrieved".
    if not task.cancelled():
        exc = task.exception()
        if exc is not None:
            log.warning("genesys_token_refresh_failed cause=%s", type(exc).__name__)
