"""What the Azure Blob sink and the Azure work queue share about Azure Storage's error answers."""

from __future__ import annotations

import aiohttp
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError


def error_code(exc: HttpResponseError) -> str | None:
    """The storage error code; some APIs (policy, queue) leave `error_code` empty, so read the header too."""
    code: object = None
    if exc.response is not None:
        code = getattr(exc.response, "headers", {}).get("x-ms-error-code")
    code = code or getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # the SDK's StorageErrorCode enum → its wire string
    return str(code) if code else None


def is_network(exc: BaseException) -> bool:
    """No answer at all: refused, reset, dropped, DNS, timeout (after the SDK's own retries)."""
    return isinstance(exc, ServiceRequestError | ServiceResponseError | aiohttp.ClientError | TimeoutError)


def is_transient(exc: BaseException) -> bool:
    """Worth waiting out: no answer, or 408, 429 or 5xx (ServerBusy, InternalError, OperationTimedOut).

    Everything else — 401/403 (AuthorizationFailure, AuthenticationFailed), 404 (ContainerNotFound), 409,
    an expired or unobtainable credential (`ClientAuthenticationError`, no status) — is permanent: waiting
    cannot fix it, an operator must (docs/operations.md#storage-outages).
    """
    if is_network(exc):
        return True
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        return exc.status_code in {408, 429} or exc.status_code >= 500
    return False
