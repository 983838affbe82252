"""Analytics conversation properties: `POST /api/v2/analytics/conversations/{id}/details/properties`.

A `PropertyIndexRequest` `{sessionId, targetDate, properties: [AnalyticsProperty]}` attaches typed
properties to the analytics segment of that session covering `targetDate`; they then appear as
`segments[].properties` (AnalyticsConversationSegment) in every analytics rendering — the details query,
the per-id details and the async jobs. This is the write-back that stays visible after the end, where
participant attributes do not (docs/genesys.md, "Write-back after the end"). The body is checked against
the SDK models exactly (no other field, `propertyType` from its enum, a value of that type); the answer is
202 echoing the request, as Genesys documents.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from archiver.sim.analytics import parse_time
from archiver.sim.analytics_render import analytics_segments
from archiver.sim.model import Conversation, Store, iso
from archiver.sim.render import comm_id
from archiver.sim.web import ApiError, json_response, read_json

PROPERTY_TYPES = ("bool", "integer", "real", "date", "string", "uuid")
_REQUEST_FIELDS = frozenset({"sessionId", "targetDate", "properties"})
_PROPERTY_FIELDS = frozenset({"property", "propertyType", "value"})
_INTEGER = re.compile(r"-?[0-9]+")

# per conversation: (sessionId, segmentStart) → property name → AnalyticsProperty
Indexed = dict[tuple[str, str], dict[str, dict[str, str]]]


def _bad(message: str) -> ApiError:
    return ApiError(400, message, "bad.request")


def _check_value(kind: str, value: str, name: str) -> None:
    """A value must parse as its propertyType (Genesys indexes typed values)."""
    ok = True
    if kind == "bool":
        ok = value in ("true", "false")
    elif kind == "integer":
        ok = bool(_INTEGER.fullmatch(value))
    elif kind == "real":
        try:
            float(value)
        except ValueError:
            ok = False
    elif kind == "date":
        try:
            parse_time(value)
        except ApiError:
            ok = False
    elif kind == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            ok = False
    if not ok:
        raise _bad(f"property {name!r}: value is not a valid {kind}")


def parse_request(body: Any) -> tuple[str, float, str, list[dict[str, str]]]:
    """Validate a PropertyIndexRequest: (sessionId, targetDate epoch, targetDate text, properties)."""
    if not isinstance(body, dict):
        raise _bad("The request body must be a PropertyIndexRequest object")
    unknown = set(body) - _REQUEST_FIELDS
    if unknown:
        raise _bad(f"Unrecognized field(s) in PropertyIndexRequest: {sorted(unknown)}")
    session, target, props = body.get("sessionId"), body.get("targetDate"), body.get("properties")
    if not isinstance(session, str) or not session:
        raise _bad("sessionId is required")
    if not isinstance(target, str):
        raise _bad("targetDate is required")
    at = parse_time(target)
    if not isinstance(props, list) or not props:
        raise _bad("properties must be a non-empty list of AnalyticsProperty")
    out: list[dict[str, str]] = []
    for p in props:
        if not isinstance(p, dict) or set(p) - _PROPERTY_FIELDS:
            raise _bad("each property must be an AnalyticsProperty {property, propertyType, value}")
        name, kind, value = p.get("property"), p.get("propertyType"), p.get("value")
        if not isinstance(name, str) or not name:
            raise _bad("property is required")
        if kind not in PROPERTY_TYPES:
            raise _bad(f"property {name!r}: propertyType must be one of {', '.join(PROPERTY_TYPES)}")
        if not isinstance(value, str):
            raise _bad(f"property {name!r}: value must be a string")
        _check_value(str(kind), value, name)
        out.append({"property": name, "propertyType": str(kind), "value": value})
    return session, at, target, out


class Properties:
    """The indexed properties of every conversation, and the route handler that indexes them."""

    def __init__(self, store: Store, lag_s: float) -> None:
        self.store = store
        self.lag_s = lag_s
        self.indexed: dict[str, Indexed] = {}

    def of(self, cid: str) -> Mapping[tuple[str, str], dict[str, dict[str, str]]]:
        """(sessionId, segmentStart) → property → AnalyticsProperty, for the analytics renderers."""
        return self.indexed.get(cid, {})

    def values(self, cid: str) -> dict[str, str]:
        """Every property indexed on the conversation: name → value (test helper; later segments win)."""
        out: dict[str, str] = {}
        for _, props in sorted(self.indexed.get(cid, {}).items()):
            out.update({k: v["value"] for k, v in props.items()})
        return out

    def _segment_start(self, conv: Conversation, session: str, target: float, at: float) -> str:
        part = next((p for p in conv.participants if comm_id(p) == session and p.active(at)), None)
        if part is None:
            raise _bad(f"sessionId {session} is not a session of conversation {conv.id}")
        for seg in analytics_segments(conv, part, at):
            start = parse_time(seg["segmentStart"])
            end = parse_time(seg["segmentEnd"]) if "segmentEnd" in seg else None
            if start <= target and (end is None or target <= end):
                return str(seg["segmentStart"])
        raise _bad(f"no segment of session {session} covers targetDate {iso(target)}")

    async def handle(self, request: web.Request) -> web.Response:
        """POST …/details/properties → 202 PropertyIndexRequest (the request, echoed)."""
        at = time.time() - self.lag_s
        conv = self.store.get(request.match_info["conversationId"])
        if conv is None or conv.deleted or conv.start > at:
            # analytics has not seen this conversation (yet): nothing to attach to
            raise ApiError(404, "The requested conversation was not found", "not.found")
        session, target, target_text, props = parse_request(await read_json(request))
        seg_start = self._segment_start(conv, session, target, at)
        slot = self.indexed.setdefault(conv.id, {}).setdefault((session, seg_start), {})
        for p in props:
            slot[p["property"]] = p  # the same property again replaces its value: idempotent
        self.store.touch()
        echo = {"sessionId": session, "targetDate": target_text, "properties": props}
        return json_response(echo, status=202)
