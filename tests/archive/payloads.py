"""Hand-written Genesys payloads shaped like docs/genesys.md#transcripts (SDK 269 field names).

Every personal detail the record must drop (names, addresses, from/to, attributes, urls, file names) is
planted here with a recognisable value, so tests can assert it never reaches an archive.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

CID = "5b0f3c1e-9a44-4b4e-8a86-2f1d3c7e9a01"
CUSTOMER = "c0ffee00-0000-4000-8000-000000000001"
ACD = "c0ffee00-0000-4000-8000-000000000002"
AGENT = "c0ffee00-0000-4000-8000-000000000003"
BOT = "c0ffee00-0000-4000-8000-000000000004"
QUEUE = "9e1c0a7b-1111-4222-8333-444455556666"
USER = "a9b8c7d6-0000-4000-8000-00000000aaaa"
T0 = datetime(2026, 5, 14, 10, 0, 0, tzinfo=UTC)

# Personal data that must never appear in an archive (dropped, not redactable by pattern).
CUSTOMER_NAME = "Zebulon Quixwright"
CUSTOMER_EMAIL_ADDR = "zebulon.quixwright@example.org"
AGENT_NAME = "Agatha Pembleton"
FILENAME = "zebulon_passport_scan.png"
ATTACHMENT_URL = "https://api.mypurecloud.com/media/secret-signed-url?sig=ATTACHMENTSIG"
STREET = "742 Evergreen Terrace, Springfield"
PLANTED = [
    CUSTOMER_NAME,
    "Zebulon",
    "Quixwright",
    AGENT_NAME,
    FILENAME,
    ATTACHMENT_URL,
    "ATTACHMENTSIG",
    STREET,
    "40.7128",
    "-74.006",
    "Pembleton",
    "deviceTokenSECRET",
]

# PII inside free text, which the redactor must replace.
CARD = "4111 1111 1111 1111"
SSN = "123-45-6789"
PHONE = "(415) 555-0132"
EMAIL = "jane.doe@example.com"


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def at(seconds: float) -> str:
    return iso(T0 + timedelta(seconds=seconds))


def participant(
    pid: str, purpose: str, message_ids: list[str], *, end: float | None = 600, **extra: Any
) -> dict[str, Any]:
    """A MessageMediaParticipant with everything personal filled in."""
    return {
        "id": pid,
        "name": CUSTOMER_NAME if purpose == "customer" else AGENT_NAME,
        "address": CUSTOMER_EMAIL_ADDR if purpose == "customer" else "agent-address",
        "startTime": at(0),
        "connectedTime": at(1),
        "endTime": at(end) if end is not None else None,
        "purpose": purpose,
        "state": "disconnected" if end is not None else "connected",
        "direction": "inbound",
        "disconnectType": "client" if end is not None else None,
        "held": False,
        "wrapupRequired": False,
        "attributes": {"customerName": CUSTOMER_NAME, "street": STREET},
        "queue": {"id": QUEUE, "selfUri": f"/api/v2/routing/queues/{QUEUE}"},
        "user": {"id": USER, "name": AGENT_NAME} if purpose == "agent" else None,
        "toAddress": {"name": AGENT_NAME, "addressNormalized": "to-address"},
        "fromAddress": {
            "name": CUSTOMER_NAME,
            "addressNormalized": CUSTOMER_EMAIL_ADDR,
            "addressRaw": STREET,
        },
        "type": "webmessaging",
        "authenticated": False,
        "messages": [
            {
                "messageId": mid,
                "messageURI": f"/api/v2/conversations/messages/{CID}/messages/{mid}",
                "messageStatus": "received",
                "messageSegmentCount": 1,
                "messageTime": at(10),
                "messageMetadata": {"type": "Text", "events": [], "content": []},
            }
            for mid in message_ids
        ],
        **extra,
    }


def conversation(parts: list[dict[str, Any]], cid: str = CID) -> bytes:
    """GET /api/v2/conversations/messages/{id} → MessageConversation."""
    return json.dumps(
        {
            "id": cid,
            "name": CUSTOMER_NAME,
            "participants": parts,
            "otherMediaUris": [],
            "recentTransfers": [],
            "utilizationLabelId": "label",
            "divisions": [{"division": {"id": "div"}, "entities": [{"id": cid}]}],
            "selfUri": f"/api/v2/conversations/messages/{cid}",
        }
    ).encode()


def message(
    mid: str,
    seconds: float,
    text: str | None,
    *,
    inbound: bool = True,
    content: list[dict[str, Any]] | None = None,
    bot: bool = False,
    mtype: str = "Text",
) -> dict[str, Any]:
    """One MessageData entity of the bulk endpoint (normalizedMessage is the only body since SDK 269)."""
    who = {
        "nickname": CUSTOMER_NAME,
        "id": CUSTOMER_EMAIL_ADDR,
        "idType": "Email",
        "firstName": "Zebulon",
        "lastName": "Quixwright",
        "email": CUSTOMER_EMAIL_ADDR,
    }
    return {
        "id": mid,
        "name": "message",
        "providerMessageId": f"prov-{mid}",
        "timestamp": at(seconds),
        "fromAddress": CUSTOMER_EMAIL_ADDR if inbound else "agent",
        "toAddress": "agent" if inbound else CUSTOMER_EMAIL_ADDR,
        "direction": "inbound" if inbound else "outbound",
        "messengerType": "webmessaging",
        "status": "received" if inbound else "sent",
        "normalizedMessage": {
            "id": mid,
            "channel": {
                "id": "integration",
                "platform": "WebMessaging",
                "type": "Private",
                "messageId": mid,
                "time": at(seconds),
                "from": who if inbound else {},
                "to": {} if inbound else who,
            },
            "type": mtype,
            "text": text,
            "content": content or [],
            "originatingEntity": "Bot" if bot else "Human",
            "direction": "Inbound" if inbound else "Outbound",
            "metadata": {"customerName": CUSTOMER_NAME},
        },
        "normalizedReceipts": [],
        "createdBy": {"id": USER, "name": AGENT_NAME},
        "conversationId": CID,
        "selfUri": f"/api/v2/conversations/messages/{CID}/messages/{mid}",
    }


def listing(entities: list[dict[str, Any]]) -> bytes:
    """POST …/messages/bulk → TextMessageListing."""
    return json.dumps({"entities": entities}).encode()


def attachment_content(text: str | None = None) -> dict[str, Any]:
    return {
        "contentType": "Attachment",
        "attachment": {
            "id": "att-1",
            "mediaType": "Image",
            "url": ATTACHMENT_URL,
            "mime": "image/png",
            "filename": FILENAME,
            "contentSizeBytes": 1234,
            "sha256": "ab" * 32,
            "text": text,
        },
    }


def rich_contents() -> list[dict[str, Any]]:
    """One of each structured content kind, every text field carrying PII."""
    card = {
        "title": f"Card for {EMAIL}",
        "description": f"Call {PHONE}",
        "image": ATTACHMENT_URL,
        "defaultAction": {"type": "Link", "text": "open", "url": ATTACHMENT_URL},
        "actions": [{"type": "Postback", "text": f"SSN {SSN}", "payload": f"card={CARD}"}],
    }
    return [
        {
            "contentType": "QuickReply",
            "quickReply": {
                "text": f"mail {EMAIL}",
                "payload": CARD,
                "action": "Message",
                "image": ATTACHMENT_URL,
            },
        },
        {
            "contentType": "ButtonResponse",
            "buttonResponse": {
                "type": "Button",
                "text": f"call {PHONE}",
                "payload": "p",
                "originatingMessageId": "m-1",
            },
        },
        {"contentType": "Card", "card": card},
        {"contentType": "Carousel", "carousel": {"cards": [card, card]}},
        {"contentType": "Text", "text": {"type": "Text", "body": f"body {CARD}"}},
        {
            "contentType": "QuickReplyV2",
            "quickReplyV2": {"title": f"pick {EMAIL}", "actions": [{"text": "yes", "payload": SSN}]},
        },
        {
            "contentType": "Location",
            "location": {
                "url": ATTACHMENT_URL,
                "address": STREET,
                "text": f"here {PHONE}",
                "latitude": 40.7128,
                "longitude": -74.006,
            },
        },
        {
            "contentType": "Notification",
            "template": {
                "id": "tpl",
                "language": "en",
                "header": {"type": "Text", "text": f"hi {EMAIL}"},
                "body": {"text": f"card {CARD}", "parameters": []},
                "footer": {"text": "bye"},
                "buttons": [{"type": "Url", "text": "go", "url": ATTACHMENT_URL}],
            },
        },
        {"contentType": "Story", "story": {"type": "Reply", "url": ATTACHMENT_URL, "replyToId": "m-0"}},
        {"contentType": "Reactions", "reactions": [{"reactionType": "Like", "count": 2}]},
        {"contentType": "Push", "push": {"deviceType": "IOS", "deviceToken": "deviceTokenSECRET"}},
        {
            "contentType": "ListPicker",
            "listPicker": {
                "id": "lp",
                "sections": [
                    {
                        "title": "s",
                        "items": [
                            {"id": "i1", "title": f"{EMAIL}", "subtitle": "x", "imageUrl": ATTACHMENT_URL}
                        ],
                    }
                ],
            },
        },
        {
            "contentType": "DatePicker",
            "datePicker": {"title": f"when {PHONE}", "subtitle": "pick", "location": {"address": STREET}},
        },
    ]


def standard() -> tuple[bytes, list[bytes]]:
    """A realistic chat: customer, bot (workflow), acd, agent; text, PII, an attachment, rich content."""
    parts = [
        participant(CUSTOMER, "customer", ["m1", "m3", "m5"]),
        participant(BOT, "workflow", ["m2"], end=120),
        participant(ACD, "acd", [], end=130),
        participant(AGENT, "agent", ["m4", "m6"]),
    ]
    entities = [
        message("m4", 200, "Thanks, I see the card ending 1111. Anything else?", inbound=False),
        message("m1", 10, f"Hi, my card is {CARD} and my SSN is {SSN}"),
        message("m2", 11, "Hello from the bot. What is your phone?", inbound=False, bot=True),
        message("m3", 30, f"call me at {PHONE} or {EMAIL}", content=[attachment_content(f"scan of {CARD}")]),
        message("m6", 400, "Anything else?", inbound=False, mtype="Structured", content=rich_contents()),
        message("m5", 300, None, content=[attachment_content()]),
    ]
    return conversation(parts), [listing(entities)]
