"""msgspec Structs for decoding the raw Genesys transcript payloads: only the fields the archive uses.

Decoding is lenient where Genesys may grow (unknown fields ignored, every field optional, enums read as plain
strings so a new value never fails a conversation) and strict where it matters (a string where an object
should be is a `TranscriptError` naming the path). Shapes follow docs/genesys.md (the SDK models):
MessageConversation, TextMessageListing → MessageData → ConversationNormalizedMessage →
ConversationMessageContent.

Named by purpose: `SourceConversation`, `SourceParticipant`, `SourceMessageDetails` and `SourceRef` are the
record builder's view of the same `GET /api/v2/conversations/messages/{id}` payload that
`archiver.genesys.models.MessageConversation` decodes for the pipeline (ended?, message ids, write-back
target). The two views differ on purpose: this one runs in the process pool, reads the participant fields
the record keeps (user, divisions, direction, …) and is lenient with every field; the pipeline's needs
only ids and states and is cheap to decode in the event loop.

Names, addresses, `fromAddress`/`toAddress`, channel `from`/`to` and participant attributes are never
declared here, so they are never decoded: personal data cannot reach the record by accident.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TypeVar

import msgspec

from archiver.errors import TranscriptError

T = TypeVar("T")


class _In(msgspec.Struct, rename="camel", frozen=True):
    pass


class SourceRef(_In, frozen=True):
    """DomainEntityRef / AddressableEntityRef: only the id."""

    id: str | None = None


# ---- SourceConversation (GET /api/v2/conversations/messages/{id}) ---------------------------------------


class SourceMessageDetails(_In, frozen=True):
    """One message reference on a participant (`participants[].messages[]`)."""

    message_id: str | None = None
    message_time: datetime | None = None
    message_status: str | None = None


class SourceParticipant(_In, frozen=True):
    """MessageMediaParticipant without name, address, attributes or from/to addresses."""

    id: str | None = None
    purpose: str | None = None
    state: str | None = None
    direction: str | None = None
    disconnect_type: str | None = None
    start_time: datetime | None = None
    connected_time: datetime | None = None
    end_time: datetime | None = None
    user: SourceRef | None = None
    queue: SourceRef | None = None
    type: str | None = None  # webmessaging, open, ...
    messages: list[SourceMessageDetails] | None = None


class DivisionMembership(_In, frozen=True):
    """ConversationDivisionMembership: the division the conversation belongs to (an id, never a name)."""

    division: SourceRef | None = None


class SourceConversation(_In, frozen=True):
    """The conversation's participants, the ids of its messages and its divisions."""

    id: str
    participants: list[SourceParticipant] | None = None
    divisions: list[DivisionMembership] | None = None


# ---- TextMessageListing (POST …/messages/bulk) -----------------------------------------------------------


class Attachment(_In, frozen=True):
    """ConversationContentAttachment without url and filename (links and file names are personal data)."""

    id: str | None = None
    media_type: str | None = None
    mime: str | None = None
    text: str | None = None
    sha256: str | None = None
    content_size_bytes: int | None = None


class QuickReply(_In, frozen=True):
    text: str | None = None
    payload: str | None = None
    action: str | None = None
    summary_text: str | None = None


class QuickReplyV2(_In, frozen=True):
    title: str | None = None
    actions: list[QuickReply] | None = None


class ButtonResponse(_In, frozen=True):
    type: str | None = None
    text: str | None = None
    payload: str | None = None
    originating_message_id: str | None = None


class CardAction(_In, frozen=True):
    type: str | None = None
    text: str | None = None
    payload: str | None = None


class Card(_In, frozen=True):
    title: str | None = None
    description: str | None = None
    default_action: CardAction | None = None
    actions: list[CardAction] | None = None


class Carousel(_In, frozen=True):
    cards: list[Card] | None = None


class TextContent(_In, frozen=True):
    type: str | None = None
    body: str | None = None


class Location(_In, frozen=True):
    """Only the free text; address and coordinates are where the customer is: dropped."""

    text: str | None = None


class TemplatePart(_In, frozen=True):
    text: str | None = None


class TemplateButton(_In, frozen=True):
    type: str | None = None
    text: str | None = None


class Template(_In, frozen=True):
    id: str | None = None
    language: str | None = None
    header: TemplatePart | None = None
    body: TemplatePart | None = None
    footer: TemplatePart | None = None
    buttons: list[TemplateButton] | None = None


class Story(_In, frozen=True):
    type: str | None = None
    reply_to_id: str | None = None


class Reaction(_In, frozen=True):
    reaction_type: str | None = None
    count: int | None = None


class DatePicker(_In, frozen=True):
    title: str | None = None
    subtitle: str | None = None


class ListPickerItem(_In, frozen=True):
    id: str | None = None
    title: str | None = None
    subtitle: str | None = None


class ListPickerSection(_In, frozen=True):
    title: str | None = None
    items: list[ListPickerItem] | None = None


class ListPicker(_In, frozen=True):
    id: str | None = None
    sections: list[ListPickerSection] | None = None


class FormResponseContent(_In, frozen=True):
    button_response: ButtonResponse | None = None


class FormResponse(_In, frozen=True):
    id: str | None = None
    component: FormResponseContent | None = None


class Form(_In, frozen=True):
    response: list[FormResponse] | None = None


class PaymentResponse(_In, frozen=True):
    payment_status: str | None = None


class NotificationResponse(_In, frozen=True):
    notification_status: str | None = None
    notification_text: str | None = None


class Content(_In, frozen=True):
    """ConversationMessageContent: one structured element of a message."""

    content_type: str | None = None
    attachment: Attachment | None = None
    quick_reply: QuickReply | None = None
    quick_reply_v2: QuickReplyV2 | None = None
    button_response: ButtonResponse | None = None
    template: Template | None = None
    story: Story | None = None
    card: Card | None = None
    carousel: Carousel | None = None
    text: TextContent | None = None
    location: Location | None = None
    reactions: list[Reaction] | None = None
    date_picker: DatePicker | None = None
    list_picker: ListPicker | None = None
    form: Form | None = None
    payment_response: PaymentResponse | None = None
    notification_response: NotificationResponse | None = None


class MessageEvent(_In, frozen=True):
    event_type: str | None = None


class NormalizedMessage(_In, frozen=True):
    """ConversationNormalizedMessage without the channel (its from/to carry names, emails and ids)."""

    id: str | None = None
    type: str | None = None
    text: str | None = None
    content: list[Content] | None = None
    events: list[MessageEvent] | None = None
    originating_entity: str | None = None
    direction: str | None = None


class MessageData(_In, frozen=True):
    """One message from the bulk endpoint; fromAddress/toAddress are not decoded."""

    id: str | None = None
    timestamp: datetime | None = None
    direction: str | None = None
    messenger_type: str | None = None
    status: str | None = None
    normalized_message: NormalizedMessage | None = None
    created_by: SourceRef | None = None  # the agent user who sent an outbound message
    text_body: str | None = None  # deprecated; read only when normalizedMessage is absent (older API)


class TextMessageListing(_In, frozen=True):
    """A bulk page."""

    entities: list[MessageData] | None = None


# ---- decoding with a hostile-input fallback --------------------------------------------------------------

# Inside JSON text: an escaped backslash (skip), a valid surrogate pair escape (keep), or a lone surrogate
# escape (replace). Matching the backslash pair first keeps `\\ud800` (a literal backslash) untouched.
_SURROGATE_ESCAPES = re.compile(
    r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
)


def repair_json_text(raw: bytes) -> tuple[bytes, int]:
    """Replace invalid UTF-8 and lone surrogate escapes with U+FFFD; returns the bytes and the count.

    Lossy by design: an archive must be valid UTF-8 JSON that every strict parser accepts, and neither raw
    invalid bytes nor `\\ud800` can be. The count goes into the record, so the repair is visible to auditors.
    """
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - raw.count("\ufffd".encode())
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        escape = m.group()
        if escape == "\\\\" or len(escape) == 12:
            return escape
        count += 1
        return "\\ufffd"

    text = _SURROGATE_ESCAPES.sub(fix, text)
    return text.encode(), replaced + count


def decode(raw: bytes, typ: type[T], what: str) -> tuple[T, int]:
    """Decode one payload; on invalid UTF-8 or lone surrogates, repair and retry (see repair_json_text).

    Returns the value and the number of repaired characters; a payload that is still invalid (or has the
    wrong shape) is a TranscriptError naming the payload and the path.
    """
    try:
        return msgspec.json.decode(raw, type=typ), 0
    except msgspec.ValidationError as exc:
        raise TranscriptError(f"cannot decode {what}: {exc}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as first:
        fixed, count = repair_json_text(raw)
        if count == 0:
            raise TranscriptError(f"cannot decode {what}: {_short(first)}") from None
        try:
            return msgspec.json.decode(fixed, type=typ), count
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise TranscriptError(f"cannot decode {what}: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    # Never echo payload text in an error (it is stored in the queue and logged): type and position only.
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8 at byte {exc.start}"
    return str(exc)[:200]
