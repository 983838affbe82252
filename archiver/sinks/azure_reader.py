"""A lean bulk reader for `archiver verify`/`export`: plain GETs on one aiohttp session instead of the SDK.

The SDK's download path costs several milliseconds of Python per blob (pipeline policies, header
deserialisation), which dominates when an attestation reads every archive of a year. This reader signs
nothing per request: with an account key it mints one short-lived read-only container SAS; with a SAS it
uses it; with Entra ID it sends the credential's bearer token. The Content-MD5 the service returns for a
whole-blob GET is checked against the body. Anything it cannot handle returns None, and the caller falls
back to the SDK.
"""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp

from archiver.errors import SinkPermanentError, SinkTransientError
from archiver.secret import Secret
from archiver.sinks.base import ArchiveNotFound

_VERSION = "2021-12-02"  # any version that serves Get Blob; the SDK default is newer than Azurite knows
_SCOPE = "https://storage.azure.com/.default"


class LeanReader:
    """GET blob bytes from one container with minimal per-request work."""

    def __init__(self, container: Any, *, sas_token: Secret | None = None, concurrency: int = 32) -> None:
        self._container = container  # the sink's started azure.storage.blob.aio.ContainerClient
        self._base = container.url.split("?", 1)[0].rstrip("/")
        self._sas = sas_token.reveal().lstrip("?") if sas_token else ""
        self._concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None
        self._token: tuple[str, float] | None = None

    async def _auth(self) -> tuple[str, dict[str, str]] | None:
        cred = self._container.credential
        if self._sas:
            return self._sas, {}
        if hasattr(cred, "account_key") and hasattr(cred, "account_name"):
            if not self._token:
                from azure.storage.blob import ContainerSasPermissions, generate_container_sas

                now = datetime.now(UTC)
                sas = generate_container_sas(
                    cred.account_name,
                    self._container.container_name,
                    account_key=cred.account_key,
                    permission=ContainerSasPermissions(read=True),
                    start=now - timedelta(minutes=5),
                    expiry=now + timedelta(hours=6),
                )
                self._token = (sas, time.monotonic() + 5 * 3600)
            return self._token[0], {}
        if hasattr(cred, "get_token"):
            if self._token is None or self._token[1] < time.monotonic():
                token = await cred.get_token(_SCOPE)
                self._token = (
                    token.token,
                    time.monotonic() + max(60.0, token.expires_on - time.time() - 300),
                )
            return "", {"Authorization": f"Bearer {self._token[0]}"}
        return None

    async def read(self, name: str) -> bytes | None:
        """The blob's bytes, or None when this reader cannot authenticate (use the SDK)."""
        auth = await self._auth()
        if auth is None:
            return None
        query, headers = auth
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._concurrency),
                timeout=aiohttp.ClientTimeout(total=120),
                auto_decompress=False,  # the bytes exactly as stored
            )
        url = f"{self._base}/{quote(name)}" + (f"?{query}" if query else "")
        headers = headers | {"x-ms-version": _VERSION}
        what = f"archive {name}"
        try:
            async with self._session.get(url, headers=headers) as resp:
                body = await resp.read()
                if resp.status == 404:
                    raise ArchiveNotFound(f"cannot read {what}: deleted")
                if resp.status in {408, 429} or resp.status >= 500:
                    raise SinkTransientError(f"cannot read {what}: HTTP {resp.status}")
                if resp.status != 200:
                    code = resp.headers.get("x-ms-error-code", "")
                    raise SinkPermanentError(f"cannot read {what}: HTTP {resp.status} {code}".rstrip())
                md5 = resp.headers.get("Content-MD5")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SinkTransientError(f"cannot read {what}: network error ({type(exc).__name__})") from exc
        if md5 and base64.b64encode(hashlib.md5(body).digest()).decode() != md5:  # noqa: S324 - transport check
            raise SinkTransientError(f"cannot read {what}: Content-MD5 mismatch in transit")
        return body

    async def close(self) -> None:
        """Close the session (idempotent)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
