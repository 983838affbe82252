"""Fetch a conversation's transcript as the raw bytes the archive builder decodes.

Primary path (docs/genesys.md#transcripts): `GET /api/v2/conversations/messages/{id}` for participants and
message ids, then `POST …/messages/bulk` in pages of ≤1000 ids — 2 calls, +1 per extra 1000 messages. Fallback
(configured): the recordings API's `messagingTranscript`, reshaped here into the bulk endpoint's
`TextMessageListing` so the builder has one input format. Text is only ever carried as bytes to the pool;
nothing here logs it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, Protocol

import msgspec

from archiver.archive.payloads import repair_json_text
from archiver.errors import (
    GenesysAPIError,
    GenesysNotFound,
    GenesysPermissionError,
    GenesysTransientError,
    NotReady,
    PermanentError,
    TranscriptError,
)
from archiver.genesys.models import MessageConversation

log = logging.getLogger(__name__)

TranscriptSource = Literal["messages", "recordings", "messages-then-recordings"]

_conversation_decoder = msgspec.json.Decoder(MessageConversation)


class TranscriptClient(Protocol):
    """The Genesys client calls the pipeline needs (`archiver.genesys.GenesysClient` provides them)."""

    async def get_message_conversation_raw(self, conversation_id: str) -> bytes: ...

    async def bulk_messages_raw(self, conversation_id: str, message_ids: Sequence[str]) -> list[bytes]: ...

    async def get_recordings_raw(self, conversation_id: str) -> bytes: ...


class NotWebMessaging(PermanentError):
    """Only web messaging conversations are archived (open/SMS/other media are out of scope)."""


class Transcript(msgspec.Struct, frozen=True):
    """Raw payloads for `build_archive` plus the few decoded facts the I/O process needs."""

    conversation_raw: bytes
    message_pages_raw: list[bytes]
    conversation: MessageConversation
    via: str  # "messages" | "recordings"


def decode_conversation(raw: bytes) -> MessageConversation:
    """Decode a MessageConversation (only the fields the pipeline uses).

    JSON of the wrong shape is a TranscriptError (Genesys would answer the same again); a body that is not
    JSON at all (a proxy's HTML page, an empty or cut-off answer) is transient, as in the Genesys client.
    """
    what = "cannot decode message conversation"
    try:
        return _conversation_decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise TranscriptError(f"{what}: {exc}") from exc
    except (msgspec.DecodeError, UnicodeDecodeError):
        # A lone surrogate escape or invalid UTF-8 in any field (e.g. the customer's display name) must not
        # cost the archive: repair it exactly as build_archive repairs the same bytes, then decode again.
        fixed, _ = repair_json_text(raw)
    try:
        return _conversation_decoder.decode(fixed)
    except msgspec.ValidationError as exc:
        raise TranscriptError(f"{what}: {exc}") from exc
    except msgspec.DecodeError as exc:
        # msgspec names only the position, never the payload text, so the message is safe to store and log.
        raise GenesysTransientError(f"{what}: not JSON ({exc})") from exc


# --- recordings fallback ---


class _RecAttachment(msgspec.Struct, rename="camel"):
    id: str | None = None
    media_type: str | None = None  # a MIME type here (MessageMediaAttachment), e.g. "image/png"
    content_length: int | None = None


class _RecMessage(msgspec.Struct, rename="camel"):
    id: str | None = None
    timestamp: str | None = None
    purpose: str | None = None
    participant_id: str | None = None
    message_text: str | None = None
    message_media_attachments: list[_RecAttachment] | None = None


class _Recording(msgspec.Struct, rename="camel"):
    media: str | None = None
    messaging_transcript: list[_RecMessage] | None = None


_recordings_decoder = msgspec.json.Decoder(list[_Recording])


def recordings_as_listing(raw: bytes) -> bytes:
    """Reshape `[Recording].messagingTranscript` into one `TextMessageListing` page (normalizedMessage)."""
    try:
        recordings = _recordings_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise TranscriptError(f"cannot decode recordings: {exc}") from exc
    entities: list[dict[str, object]] = []
    for rec in recordings:
        if rec.media not in (None, "messaging"):
            continue
        for n, msg in enumerate(rec.messaging_transcript or ()):
            inbound = msg.purpose == "customer"
            content = [
                {
                    "contentType": "Attachment",
                    "attachment": {
                        "id": a.id,
                        "mediaType": _media_type(a.media_type),
                        "mime": a.media_type,
                        "contentSizeBytes": a.content_length,
                    },
                }
                for a in msg.message_media_attachments or ()
            ]
            entities.append(
                {
                    "id": msg.id or f"recording-{n}",
                    "timestamp": msg.timestamp,
                    "direction": "inbound" if inbound else "outbound",
                    "messengerType": "webmessaging",
                    "normalizedMessage": {
                        "type": "Text",
                        "text": msg.message_text or "",
                        "direction": "Inbound" if inbound else "Outbound",
                        "content": content,
                    },
                }
            )
    return msgspec.json.encode({"entities": entities})


def _media_type(mime: str | None) -> str:
    # Recording attachments carry a MIME type; normalized content uses the ConversationContentAttachment enum.
    major = (mime or "").split("/", 1)[0].lower()
    return {"image": "Image", "video": "Video", "audio": "Audio"}.get(major, "File")


# --- fetch ---


async def fetch_transcript(
    client: TranscriptClient, conversation_id: str, source: TranscriptSource
) -> Transcript:
    """The conversation and its messages; NotReady until it has ended (or while the recording transcodes)."""
    conversation_raw = await client.get_message_conversation_raw(conversation_id)
    conversation = decode_conversation(conversation_raw)
    types = {p.type for p in conversation.participants if p.type}
    if types and "webmessaging" not in types:
        kinds = ",".join(sorted(types))
        raise NotWebMessaging(f"cannot archive conversation {conversation_id}: not web messaging ({kinds})")
    if not conversation.ended:
        raise NotReady(f"cannot archive conversation {conversation_id}: it has not ended yet")
    if source == "recordings":
        pages = [recordings_as_listing(await client.get_recordings_raw(conversation_id))]
        return Transcript(conversation_raw, pages, conversation, "recordings")
    ids = conversation.message_ids
    try:
        pages = await client.bulk_messages_raw(conversation_id, ids) if ids else []
    except (GenesysNotFound, GenesysPermissionError):
        raise
    except GenesysAPIError as exc:
        # A 4xx on the bulk endpoint (e.g. a message the API refuses) is where the recordings API can help.
        if source != "messages-then-recordings":
            raise
        log.warning("transcript_fallback id=%s status=%s via=recordings", conversation_id, exc.status)
        pages = [recordings_as_listing(await client.get_recordings_raw(conversation_id))]
        return Transcript(conversation_raw, pages, conversation, "recordings")
    return Transcript(conversation_raw, pages, conversation, "messages")
