"""What the Azure Blob sink and the Azure work queue share about Azure Storage's error answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
from azure.core.exceptions import AzureError, HttpResponseError, ServiceRequestError, ServiceResponseError

# What one storage call raises when it fails: the SDK's errors (HTTP answers and its own transport errors),
# aiohttp's below it, and timeouts. Callers classify what they catch (`is_transient`, sinks/azure.py
# `map_error`).
FAILURES = (AzureError, aiohttp.ClientError, TimeoutError)


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


def endpoints_of(connection_string: str) -> tuple[str, str]:
    """(blob, queue) service endpoints named by a connection string, as scheme://host[:port] ("" when it
    names none): what a log line or /healthz may show of it — never the key or a SAS."""
    fields = {}
    for part in connection_string.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip().lower()] = value.strip()
    blob, queue = fields.get("blobendpoint", ""), fields.get("queueendpoint", "")
    account, suffix = fields.get("accountname"), fields.get("endpointsuffix", "core.windows.net")
    if account:
        blob = blob or f"https://{account}.blob.{suffix}"
        queue = queue or f"https://{account}.queue.{suffix}"

    def origin(url: str) -> str:
        p = urlsplit(url)
        return f"{p.scheme}://{p.netloc}" if p.scheme and p.netloc else ""

    return origin(blob), origin(queue)
