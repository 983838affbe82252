"""HTTP helpers shared by the simulator's routes: JSON responses and the real `ErrorBody` shape."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from aiohttp import web

_enc = msgspec.json.Encoder()

# HTTP status → default Genesys error code (docs/genesys.md#errors)
_CODES = {
    400: "bad.request",
    401: "bad.credentials",
    403: "not.authorized",
    404: "not.found",
    405: "method.not.allowed",
    409: "conflict",
    413: "request.entity.too.large",
    415: "unsupported.media.type",
    429: "too.many.requests",
    500: "internal.server.error",
    503: "service.unavailable",
    504: "request.timeout",
}


def json_response(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response encoded with msgspec (fields with None values are dropped by the renderers)."""
    return web.Response(
        body=_enc.encode(doc), status=status, content_type="application/json", headers=headers
    )


def error_body(
    status: int, message: str | None = None, code: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The Genesys `ErrorBody`: message, code, status, contextId, details, errors (+ optional limit…)."""
    doc: dict[str, Any] = {
        "message": message or f"The requested operation failed with status {status}",
        "code": code or _CODES.get(status, "bad.request"),
        "status": status,
        "contextId": str(uuid.uuid4()),
        "details": [],
        "errors": [],
    }
    doc.update(extra)
    return doc


def error(
    status: int,
    message: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> web.Response:
    """An ErrorBody response; `inin-correlation-id` equals its contextId, as in production."""
    doc = error_body(status, message, code, **extra)
    hdrs = {"inin-correlation-id": doc["contextId"]}
    hdrs.update(headers or {})
    return json_response(doc, status=status, headers=hdrs)


class ApiError(Exception):
    """Raised by handlers; the middleware turns it into an ErrorBody response."""

    def __init__(self, status: int, message: str | None = None, code: str | None = None) -> None:
        super().__init__(message or str(status))
        self.status, self.message, self.code = status, message, code


async def read_json(request: web.Request) -> Any:
    """The request body as JSON, or a 400 ErrorBody for a malformed one."""
    raw = await request.read()
    if not raw:
        raise ApiError(400, "The request body is missing or empty", "bad.request")
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise ApiError(400, f"Unable to parse the request body: {exc}", "bad.request") from exc


def drop_none(doc: dict[str, Any]) -> dict[str, Any]:
    """Genesys omits null fields; so do we."""
    return {k: v for k, v in doc.items() if v is not None}
