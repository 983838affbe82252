"""OAuth client credentials (`POST /oauth/token`) and per-token rate limiting."""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

from archiver.sim.config import SimConfig
from archiver.sim.web import json_response


@dataclass
class Token:
    value: str
    expires: float
    window_start: float = 0.0
    window_count: int = 0


class Tokens:
    """Issued bearer tokens with their expiry and their rate-limit window (fixed windows, 60 s by default)."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.WINDOW_S = config.rate_limit_window_s  # upper case: a knob other tests already set
        self.rate_limit_per_min = config.rate_limit_per_min
        self.token_ttl_s = config.token_ttl_s
        self._tokens: dict[str, Token] = {}
        self.issued = 0
        # Every token ever handed out (revoked ones too), so security tests can scan for leaked bearers.
        self.history: list[str] = []

    def issue(self) -> Token:
        tok = Token(value=secrets.token_urlsafe(32), expires=time.time() + self.token_ttl_s)
        self._tokens[tok.value] = tok
        self.issued += 1
        self.history.append(tok.value)
        return tok

    def lookup(self, value: str) -> Token | None:
        """The live token, or None if unknown, revoked or expired."""
        tok = self._tokens.get(value)
        if tok is None:
            return None
        if tok.expires <= time.time():
            del self._tokens[value]
            return None
        return tok

    def revoke_all(self) -> None:
        self._tokens.clear()

    def expire_all(self) -> None:
        """Make every token expired now (what a client sees when its token's lifetime runs out)."""
        for tok in self._tokens.values():
            tok.expires = 0.0

    def admit(self, tok: Token) -> tuple[bool, int, int]:
        """Count one request against the token: (allowed, count in window, seconds until reset)."""
        now = time.time()
        if now - tok.window_start >= self.WINDOW_S:
            tok.window_start, tok.window_count = now, 0
        reset = max(1, math.ceil(tok.window_start + self.WINDOW_S - now))
        if tok.window_count >= self.rate_limit_per_min:
            return False, tok.window_count, reset
        tok.window_count += 1
        return True, tok.window_count, reset

    async def handle_token(self, request: web.Request) -> web.Response:
        """POST /oauth/token — client credentials via Basic auth (or form fields, as some clients send)."""
        form = await request.post()
        grant = form.get("grant_type")
        client_id, secret = _basic(request.headers.get("Authorization", ""))
        if client_id is None:
            cid, sec = form.get("client_id"), form.get("client_secret")
            client_id = cid if isinstance(cid, str) else None
            secret = sec if isinstance(sec, str) else None
        if grant != "client_credentials":
            return _auth_error(400, "unsupported_grant_type", "grant type not supported")
        if client_id is None or client_id != self.config.client_id:
            return _auth_error(self.config.bad_credentials_status, "invalid_client", "client not found")
        if secret is None or not secrets.compare_digest(secret, self.config.client_secret):
            return _auth_error(self.config.bad_credentials_status, "invalid_client", "authentication failed")
        tok = self.issue()
        return json_response(
            {"access_token": tok.value, "token_type": "bearer", "expires_in": self.token_ttl_s}
        )


def _basic(header: str) -> tuple[str | None, str | None]:
    if not header.lower().startswith("basic "):
        return None, None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, pw = raw.partition(":")
    return (user, pw) if sep else (None, None)


def _auth_error(status: int, error: str, description: str) -> web.Response:
    """The login service's error shape `{error, description, error_description}` (docs/genesys.md#oauth)."""
    return json_response(
        {"error": error, "description": description, "error_description": description}, status=status
    )
