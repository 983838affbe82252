"""Download one attachment into memory, capped, with the URL kept secret.

Media URLs are capabilities (whoever holds one can read the customer's upload), so no URL ever reaches a
log line, an exception message or the record: errors name the attachment id and the HTTP status only, and
library exceptions (whose text carries the URL) are replaced, not chained for display. The Genesys bearer
token is sent only to the Genesys API origin — never to a redirect target or any other host — and only
https is followed (plain http for a loopback simulator). Redirects are followed by hand (≤ 5) so that rule
holds for every hop.

Bytes stay in memory (never a temp file): the cap `attachments.max_bytes` bounds that, checked against the
declared size, the Content-Length and while reading. Statuses (docs/genesys.md, "Attachments"): 404/410 →
`expired` (Genesys drops media 30 days after upload); 403 → `denied`; 401 → retried (a token refresh may be
under way), `denied` on the last attempt; 408/429/5xx/network → AttachmentTransient, retried by the queue
under the normal backoff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import urljoin, urlsplit

import aiohttp
import msgspec

from archiver.attachments.refs import AttachmentRef
from archiver.endpoints import is_allowed_endpoint
from archiver.errors import TransientError

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_HOPS = 5
_CHUNK = 1 << 16


class AttachmentTransient(TransientError):
    """A download failed in a way a later attempt may not (5xx, 429, timeout, network)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Fetched(msgspec.Struct, frozen=True, kw_only=True):
    """The bytes (outcome "ok") or why there are none."""

    outcome: Literal["ok", "expired", "denied", "too_large", "unsafe_url", "failed"]
    data: bytes = b""
    status: int | None = None

    def __repr__(self) -> str:  # never the customer's bytes in a repr
        return f"Fetched(outcome={self.outcome!r}, bytes={len(self.data)}, status={self.status!r})"


def origin(url: str) -> str:
    """scheme://host:port, lowercased, default ports made explicit."""
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower(), 0)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


class Downloader:
    """GETs attachment URLs over its own session (`start`/`close`)."""

    def __init__(
        self,
        *,
        api_origin: str,
        token: Callable[[], Awaitable[str]] | None,
        max_bytes: int,
        timeout_s: float,
    ) -> None:
        self._api_origin = origin(api_origin)
        self._token, self._max, self._timeout_s = token, max_bytes, timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(raise_for_status=False)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def fetch(self, ref: AttachmentRef, *, last_attempt: bool) -> Fetched:
        """Download `ref.url` (module docstring for the outcomes); AttachmentTransient to retry later."""
        assert ref.url is not None
        if self._session is None:
            await self.start()
        assert self._session is not None
        url, what = ref.url, f"attachment {ref.id}"
        timeout = aiohttp.ClientTimeout(total=self._timeout_s)
        try:
            for _ in range(_MAX_HOPS + 1):
                if not is_allowed_endpoint(url):
                    return Fetched(outcome="unsafe_url")
                headers = {"Accept": "*/*"}
                if self._token is not None and origin(url) == self._api_origin:
                    headers["Authorization"] = "Bearer " + await self._token()
                async with self._session.get(
                    url, headers=headers, allow_redirects=False, timeout=timeout
                ) as resp:
                    status = resp.status
                    if status in _REDIRECTS and resp.headers.get("Location"):
                        url = urljoin(url, resp.headers["Location"])
                        continue
                    if status == 200:
                        return await self._read(resp)
                    return _refused(what, status, resp.headers.get("Retry-After"), last_attempt)
            raise AttachmentTransient(f"cannot download {what}: more than {_MAX_HOPS} redirects")
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The library's message names the URL: keep only the exception's type.
            raise AttachmentTransient(
                f"cannot download {what}: network error ({type(exc).__name__})"
            ) from None

    async def _read(self, resp: aiohttp.ClientResponse) -> Fetched:
        if resp.content_length is not None and resp.content_length > self._max:
            return Fetched(outcome="too_large", status=200)
        buf = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            buf += chunk
            if len(buf) > self._max:
                return Fetched(outcome="too_large", status=200)
        return Fetched(outcome="ok", data=bytes(buf), status=200)


def _refused(what: str, status: int, retry_after: str | None, last_attempt: bool) -> Fetched:
    if status in (404, 410):
        return Fetched(outcome="expired", status=status)
    if status == 403 or (status == 401 and last_attempt):
        return Fetched(outcome="denied", status=status)
    if status == 401 or status in (408, 429) or status >= 500:
        delay = None
        if retry_after and retry_after.strip().isdigit():
            delay = float(retry_after.strip())
        raise AttachmentTransient(f"cannot download {what}: HTTP {status}", retry_after_s=delay)
    return Fetched(outcome="failed", status=status)  # another 4xx: asking again gives the same answer
