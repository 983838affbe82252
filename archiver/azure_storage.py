"""What the Azure Blob sink and the Azure work queue share about Azure Storage's error answers."""

from __future__ import annotations

import aiohttp
from azure.core.exceptions import AzureError, HttpResponseError

# What one storage call raises when it fails: the SDK's errors (HTTP answers and its own transport errors),
# aiohttp's below it, and timeouts. Callers classify what they catch (sinks/azure.py `map_error`).
FAILURES = (AzureError, aiohttp.ClientError, TimeoutError)


def error_code(exc: HttpResponseError) -> str | None:
    """The storage error code; some APIs (policy, queue) leave `error_code` empty, so read the header too."""
    code: object = None
    if exc.response is not None:
        code = getattr(exc.response, "headers", {}).get("x-ms-error-code")
    code = code or getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # the SDK's StorageErrorCode enum → its wire string
    return str(code) if code else None
