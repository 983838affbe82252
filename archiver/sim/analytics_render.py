"""Analytics renderings of a conversation (details query, jobs, per-id details) and their filter rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archiver.sim.model import Conversation, Participant, iso
from archiver.sim.render import comm_id
from archiver.sim.web import drop_none

_ANALYTICS_PURPOSE = {"customer": "customer", "workflow": "workflow", "acd": "acd", "agent": "agent"}


def analytics_segments(conv: Conversation, p: Participant, t: float) -> list[dict[str, Any]]:
    """A participant's analytics segments at time t (alert while offered, then interact/system)."""
    ended = p.end is not None and p.end <= t
    segs: list[dict[str, Any]] = []
    if p.alerting_first and p.connected is not None:
        segs.append(
            drop_none(
                {
                    "segmentStart": iso(p.start),
                    "segmentEnd": iso(p.connected) if p.connected <= t else None,
                    "segmentType": "alert",
                    "queueId": p.queue_id,
                }
            )
        )
    if p.connected is not None and p.connected <= t:
        segs.append(
            drop_none(
                {
                    "segmentStart": iso(p.connected),
                    "segmentEnd": iso(p.end) if ended and p.end is not None else None,
                    "segmentType": "interact" if p.purpose != "workflow" else "system",
                    "queueId": p.queue_id or (conv.queue_id if p.purpose == "agent" else None),
                    "disconnectType": p.disconnect_type if ended else None,
                }
            )
        )
    return segs


def analytics_rows(conv: Conversation, t: float) -> list[dict[str, str | None]]:
    """One flat dimension row per analytics segment at time t, for segment filters (no full render)."""
    rows: list[dict[str, str | None]] = []
    for p in conv.participants:
        if not p.active(t):
            continue
        base: dict[str, str | None] = {
            "purpose": _ANALYTICS_PURPOSE[p.purpose],
            "userId": p.user_id,
            "mediaType": "message",
            "messageType": conv.msg_type,
            "direction": "inbound",
            "provider": "PureCloud Messaging",
            "participantName": p.name if p.purpose != "customer" else None,
        }
        for seg in analytics_segments(conv, p, t):
            row = dict(base)
            for k in ("queueId", "segmentType", "disconnectType", "segmentEnd"):
                row[k] = seg.get(k)
            rows.append(row)
    return rows


def analytics(
    conv: Conversation,
    t: float,
    *,
    with_attributes: bool,
    properties: Mapping[tuple[str, str], Mapping[str, dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """AnalyticsConversation(WithoutAttributes) as the details query / jobs see it at time t.

    `properties`: what was indexed through …/details/properties, keyed by (sessionId, segmentStart); each
    segment carries its own as `properties` (AnalyticsConversationSegment, sim/properties.py).
    """
    parts = []
    for p in conv.participants:
        if not p.active(t):
            continue
        sid = comm_id(p)
        segs = analytics_segments(conv, p, t)
        for seg in segs if properties else ():
            indexed = properties.get((sid, seg["segmentStart"])) if properties else None
            if indexed:
                seg["properties"] = list(indexed.values())
        session = drop_none(
            {
                "sessionId": sid,
                "mediaType": "message",
                "messageType": conv.msg_type,
                "direction": "inbound",
                "provider": "PureCloud Messaging",
                "peerId": comm_id(conv.customer) if p.purpose != "customer" else None,
                "flow": {
                    "flowId": conv.integration_id,
                    "flowName": "Digital Bot Flow" if conv.kind == "bot" else "Inbound Message Flow",
                    "flowType": "BOT" if conv.kind == "bot" else "INBOUNDSHORTMESSAGE",
                }
                if p.purpose == "workflow"
                else None,
                "segments": segs,
            }
        )
        doc = drop_none(
            {
                "participantId": p.id,
                "participantName": p.name if p.purpose != "customer" else None,
                "purpose": _ANALYTICS_PURPOSE[p.purpose],
                "userId": p.user_id,
                "sessions": [session],
            }
        )
        # Analytics keeps the attributes as they were at the end: it never saves later writes
        attrs = p.attributes if p.analytics_attributes is None else p.analytics_attributes
        if with_attributes and (attrs or p.prechat):
            doc["attributes"] = {**p.prechat, **attrs}
        parts.append(doc)
    end = conv.end_time()
    return drop_none(
        {
            "conversationId": conv.id,
            "conversationStart": iso(conv.start),
            "conversationEnd": iso(end) if end is not None and end <= t else None,
            "originatingDirection": "inbound",
            "conversationInitiator": "customer",
            "customerParticipation": True,
            "divisionIds": [conv.division_id],
            "externalTag": conv.external_tag,
            "participants": parts,
        }
    )
