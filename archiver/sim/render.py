"""Render internal conversations as the exact JSON shapes of the official models (docs/genesys.md).

Every renderer takes the wall time `t` it renders at, so REST, topic events and analytics agree. Null
fields are omitted, as Genesys does. Field names and enum values must stay inside the SDK's models —
tests/sim/test_sdk_compat.py walks every response against `swagger_types`/`attribute_map`.
"""

from __future__ import annotations

import uuid
from typing import Any

from archiver.sim.model import Conversation, Msg, Participant, iso
from archiver.sim.web import drop_none

PLATFORM = {"webmessaging": "WebMessaging", "open": "Open", "sms": "Sms"}
SELF = "/api/v2/conversations/messages/"


def comm_id(p: Participant) -> str:
    """A participant's communication (session) id, stable across renders."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "comm:" + p.id))


def _opt(ts: float | None, t: float) -> str | None:
    return iso(ts) if ts is not None and ts <= t else None


def participant_messages(conv: Conversation, p: Participant, t: float) -> list[Msg]:
    """The messages a participant's `messages` list carries at time t."""
    if p.purpose == "acd":
        return []
    if p.sees_all:
        return [m for m in conv.messages if m.ts <= t]
    lo = p.connected if p.connected is not None else p.start
    hi = p.end if p.end is not None and p.end <= t else t
    if p.purpose == "agent":
        return [m for m in conv.messages if lo <= m.ts <= hi]
    return [m for m in conv.messages if m.participant_id == p.id and m.ts <= t]


def _status(m: Msg) -> str:
    return "received" if m.inbound else "sent"


def _metadata(m: Msg) -> dict[str, Any]:
    content = [{"contentType": "Attachment", "subType": a.media_type} for a in m.attachments]
    return {"type": "Text", "events": [], "content": content}


def message_details(conv: Conversation, m: Msg) -> dict[str, Any]:
    """MessageDetails (REST participants[].messages[])."""
    return {
        "messageId": m.id,
        "messageURI": f"{SELF}{conv.id}/messages/{m.id}",
        "messageStatus": _status(m),
        "messageSegmentCount": 1,
        "messageTime": iso(m.ts),
        "media": [
            {"url": a.url, "mediaType": a.mime, "contentLengthBytes": a.size, "name": a.filename, "id": a.id}
            for a in m.attachments
        ],
        "stickers": [],
        "messageMetadata": _metadata(m),
    }


def _divisions(conv: Conversation) -> list[dict[str, Any]]:
    return [
        {
            "division": {
                "id": conv.division_id,
                "name": "Home",
                "selfUri": f"/api/v2/authorization/divisions/{conv.division_id}",
            },
            "entities": [{"id": conv.id}],
        }
    ]


def _base_participant(conv: Conversation, p: Participant, t: float) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": p.address,
        "startTime": iso(p.start),
        "connectedTime": _opt(p.connected, t),
        "endTime": _opt(p.end, t),
        "purpose": p.purpose,
        "state": p.state(t),
        "direction": "inbound",
        "disconnectType": p.disconnect_type if p.end is not None and p.end <= t else None,
        "held": False,
        "wrapupRequired": False,
        "attributes": {**p.prechat, **p.attributes},
    }


def message_conversation(conv: Conversation, t: float) -> dict[str, Any]:
    """MessageConversation (GET /api/v2/conversations/messages/{id})."""
    parts = []
    for p in conv.participants:
        if not p.active(t):
            continue
        doc = _base_participant(conv, p, t)
        doc["user"] = (
            {"id": p.user_id, "name": p.name, "selfUri": f"/api/v2/users/{p.user_id}"} if p.user_id else None
        )
        doc["queue"] = (
            {"id": p.queue_id, "selfUri": f"/api/v2/routing/queues/{p.queue_id}"} if p.queue_id else None
        )
        doc["type"] = conv.msg_type
        doc["authenticated"] = False
        if p.purpose == "customer":
            doc["fromAddress"] = {"name": p.name}
        doc["messages"] = [message_details(conv, m) for m in participant_messages(conv, p, t)]
        parts.append(drop_none(doc))
    return {
        "id": conv.id,
        "participants": parts,
        "otherMediaUris": [],
        "recentTransfers": [
            {
                "id": tr.id,
                "state": "Complete",
                "dateIssued": iso(tr.ts),
                "initiator": {"userId": tr.from_user},
                "destination": {"userId": tr.to_user},
                "transferType": "Unattended",
            }
            for tr in conv.transfers
            if tr.ts <= t
        ],
        "divisions": _divisions(conv),
        "selfUri": f"{SELF}{conv.id}",
    }


def conversation(conv: Conversation, t: float) -> dict[str, Any]:
    """Conversation (GET /api/v2/conversations/{id}): messages nest one level deeper, `endTime` is set."""
    parts = []
    for p in conv.participants:
        if not p.active(t):
            continue
        ended = p.end is not None and p.end <= t
        comm = drop_none(
            {
                "state": "disconnected" if ended else p.state(t),
                "id": comm_id(p),
                "held": False,
                "direction": "inbound",
                "disconnectType": p.disconnect_type if ended else None,
                "connectedTime": _opt(p.connected, t),
                "disconnectedTime": _opt(p.end, t),
                "type": conv.msg_type,
                "messages": [message_details(conv, m) for m in participant_messages(conv, p, t)],
            }
        )
        parts.append(
            drop_none(
                {
                    "id": p.id,
                    "startTime": iso(p.start),
                    "endTime": _opt(p.end, t),
                    "connectedTime": _opt(p.connected, t),
                    "name": p.name,
                    "userId": p.user_id,
                    "queueId": p.queue_id,
                    "purpose": p.purpose,
                    "address": p.address,
                    "wrapupRequired": False,
                    "attributes": {**p.prechat, **p.attributes},
                    "messages": [comm],
                }
            )
        )
    end = conv.end_time()
    return drop_none(
        {
            "id": conv.id,
            "externalTag": conv.external_tag,
            "startTime": iso(conv.start),
            "endTime": iso(end) if end is not None and end <= t else None,
            "participants": parts,
            "recordingState": "NONE",
            "divisions": _divisions(conv),
            "selfUri": f"/api/v2/conversations/{conv.id}",
        }
    )


def _recipient(conv: Conversation, inbound_side: bool) -> dict[str, Any]:
    if inbound_side:  # the customer
        id_type = "Phone" if conv.kind == "sms" else "Opaque"
        return {
            "nickname": conv.customer_name,
            "id": conv.customer.address or conv.customer.id,
            "idType": id_type,
        }
    return {"id": conv.integration_id, "idType": "Opaque"}


def message_data(conv: Conversation, m: Msg) -> dict[str, Any]:
    """MessageData (bulk and single message GET), normalizedMessage being the only body (SDK 269)."""
    sender = next((p for p in conv.participants if p.id == m.participant_id), None)
    cust = conv.customer.address or conv.customer.id
    content = [
        {
            "contentType": "Attachment",
            "attachment": {
                "id": a.id,
                "mediaType": a.media_type,
                "url": a.url,
                "mime": a.mime,
                "filename": a.filename,
                "contentSizeBytes": a.size,
                "sha256": a.sha256,
            },
        }
        for a in m.attachments
    ]
    normalized = drop_none(
        {
            "id": m.id,
            "channel": {
                "id": conv.integration_id,
                "platform": PLATFORM[conv.msg_type],
                "type": "Private",
                "messageId": m.id,
                "time": iso(m.ts),
                "from": _recipient(conv, m.inbound),
                "to": _recipient(conv, not m.inbound),
            },
            "type": "Text",
            "text": m.text or None,
            "content": content,
            "originatingEntity": "Bot" if m.bot else "Human",
            "direction": "Inbound" if m.inbound else "Outbound",
            "metadata": {},
        }
    )
    return drop_none(
        {
            "id": m.id,
            "timestamp": iso(m.ts),
            "fromAddress": cust if m.inbound else conv.integration_id,
            "toAddress": conv.integration_id if m.inbound else cust,
            "direction": "inbound" if m.inbound else "outbound",
            "messengerType": conv.msg_type,
            "status": _status(m),
            "normalizedMessage": normalized,
            "normalizedReceipts": [],
            "createdBy": {
                "id": sender.user_id,
                "name": sender.name,
                "selfUri": f"/api/v2/users/{sender.user_id}",
            }
            if sender is not None and sender.user_id
            else None,
            "conversationId": conv.id,
            "selfUri": f"{SELF}{conv.id}/messages/{m.id}",
        }
    )


def topic_body(conv: Conversation, t: float, cap: int) -> dict[str, Any]:
    """eventBody of v2.routing.queues.{id}.conversations.messages (docs/genesys.md#notifications)."""
    parts = []
    for p in conv.participants:
        if not p.active(t):
            continue
        doc = _base_participant(conv, p, t)
        doc["initialState"] = "alerting" if p.alerting_first else "connected"
        doc["user"] = {"id": p.user_id, "name": p.name} if p.user_id else None
        doc["queue"] = {"id": p.queue_id} if p.queue_id else None
        doc["type"] = conv.msg_type
        msgs = participant_messages(conv, p, t)[-cap:]
        doc["messages"] = [
            {
                "message": {"id": m.id},
                "messageTime": iso(m.ts),
                "messageSegmentCount": 1,
                "messageStatus": _status(m),
                "media": [
                    {
                        "url": a.url,
                        "mediaType": a.mime,
                        "contentLengthBytes": a.size,
                        "name": a.filename,
                        "id": a.id,
                    }
                    for a in m.attachments
                ],
                "stickers": [],
                "messageMetadata": _metadata(m),
            }
            for m in msgs
        ]
        parts.append(drop_none(doc))
    return {
        "id": conv.id,
        "participants": parts,
        "otherMediaUris": [],
        "divisions": [{"division": {"id": conv.division_id}, "entities": [{"id": conv.id}]}],
    }


def recording(conv: Conversation) -> list[dict[str, Any]]:
    """[Recording] with `messagingTranscript` (GET /api/v2/conversations/{id}/recordings, when ready)."""
    end = conv.end_time() or conv.start
    by_id = {p.id: p for p in conv.participants}
    transcript = []
    for m in conv.messages:
        sender = by_id.get(m.participant_id)
        images = [a for a in m.attachments if a.mime in ("image/png", "image/jpeg", "image/gif")]
        transcript.append(
            drop_none(
                {
                    "from": m.participant_id,
                    "to": conv.customer.id if not m.inbound else (conv.queue_id or conv.integration_id),
                    "timestamp": iso(m.ts),
                    "id": m.id,
                    "purpose": sender.purpose if sender else None,
                    "participantId": m.participant_id,
                    "queue": {"id": conv.queue_id} if conv.queue_id else None,
                    "messageText": m.text or None,
                    "messageMediaAttachments": [
                        {
                            "url": a.url,
                            "mediaType": a.mime,
                            "contentLength": a.size,
                            "name": a.filename,
                            "id": a.id,
                        }
                        for a in images
                    ],
                    "messageStickerAttachments": [],
                    "contentType": "Attachment" if m.attachments else None,
                    "events": [],
                }
            )
        )
    rid = str(uuid.uuid5(uuid.NAMESPACE_URL, "rec:" + conv.id))
    return [
        {
            "id": rid,
            "conversationId": conv.id,
            "startTime": iso(conv.start),
            "endTime": iso(end),
            "media": "messaging",
            "fileState": "AVAILABLE",
            "messagingTranscript": transcript,
            "sessionId": comm_id(conv.customer),
            "creationTime": iso(end),
            "selfUri": f"/api/v2/conversations/{conv.id}/recordings/{rid}",
        }
    ]
