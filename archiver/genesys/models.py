"""msgspec models of the Genesys payloads the client reads — only the fields it uses (unknown fields ignored).

Field names follow the official SDK models (docs/genesys.md); `rename="camel"` maps snake_case attributes
to the wire's camelCase. Decoders are built once at import.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import msgspec

from archiver.errors import GenesysTransientError
from archiver.ids import CONVERSATION_ID_PATTERN

ENDED_STATES = frozenset({"disconnected", "terminated"})

# A conversation id from an event becomes a queue key and then a file/blob name: accept only the one rule
# (archiver.ids), so a hostile frame is a bad event here instead of a failure downstream.
ConversationId = Annotated[str, msgspec.Meta(pattern=CONVERSATION_ID_PATTERN, max_length=128)]


T = TypeVar("T")
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def decode(kind: type[T], body: bytes, what: str) -> T:
    """Decode a response body as `kind`; a body of another shape is a transient error naming `what`."""
    dec = _DECODERS.get(kind)
    if dec is None:
        dec = _DECODERS[kind] = msgspec.json.Decoder(kind)
    try:
        return dec.decode(body)  # type: ignore[no-any-return]
    except msgspec.DecodeError as exc:
        # A proxy's HTML error page or a truncated body: worth retrying later, not fatal.
        raise GenesysTransientError(f"cannot {what}: unexpected response shape ({exc})") from exc


def seg(value: str) -> str:
    """`value` quoted as one URL path segment."""
    return quote(value, safe="")


class _Model(msgspec.Struct, rename="camel", frozen=True):
    pass


# --- errors and auth ---


class ErrorBody(_Model, frozen=True):
    """The standard Genesys error body (docs/genesys.md, "Rate limits: Retry-After and 413")."""

    message: str | None = None
    code: str | None = None
    status: int | None = None
    message_with_params: str | None = None
    message_params: dict[str, str] | None = None
    context_id: str | None = None


class OAuthToken(msgspec.Struct, frozen=True):
    """`POST /oauth/token` success body."""

    access_token: str
    expires_in: float = 86400.0
    token_type: str | None = None


class OAuthError(msgspec.Struct, frozen=True):
    """`POST /oauth/token` failure body."""

    error: str | None = None
    description: str | None = None
    error_description: str | None = None


# --- routing ---


class Ref(_Model, frozen=True):
    """Any `{id, name}` entity reference."""

    id: str | None = None
    name: str | None = None


class Queue(_Model, frozen=True):
    """A routing queue (only identity is needed to subscribe to its topic)."""

    id: str
    name: str | None = None
    division: Ref | None = None


class QueueListing(_Model, frozen=True):
    entities: list[Queue] = []
    page_number: int | None = None
    page_count: int | None = None
    total: int | None = None
    next_uri: str | None = None


# --- notifications ---


class Channel(_Model, frozen=True):
    """A notification channel: where to connect and until when it lives."""

    id: str
    connect_uri: str
    expires: datetime | None = None


class ChannelListing(_Model, frozen=True):
    entities: list[Channel] = []


class ChannelTopic(_Model, frozen=True):
    id: str
    state: str | None = None  # Permitted | Rejected
    rejection_reason: str | None = None
    missing_permissions: list[str] | None = None


class ChannelTopicListing(_Model, frozen=True):
    entities: list[ChannelTopic] = []


class Envelope(_Model, frozen=True):
    """A WebSocket frame: `{topicName, version, eventBody, metadata}` (docs/genesys.md#notifications)."""

    topic_name: str
    event_body: msgspec.Raw = msgspec.Raw(b"null")
    version: str | None = None


class EventParticipant(_Model, frozen=True):
    id: str | None = None
    purpose: str | None = None
    state: str | None = None
    type: str | None = None  # webmessaging | open | sms | …
    end_time: datetime | None = None
    queue: Ref | None = None


class QueueConversationEvent(_Model, frozen=True):
    """eventBody of `v2.routing.queues.{id}.conversations.messages` (docs/genesys.md#notifications)."""

    id: ConversationId
    participants: list[EventParticipant] = []


class MetadataBody(_Model, frozen=True):
    """eventBody of `channel.metadata` frames (heartbeat, pong)."""

    message: str | None = None


# --- conversations ---


class MessageDetails(_Model, frozen=True):
    message_id: str | None = None
    message_time: datetime | None = None


class MessageParticipant(_Model, frozen=True):
    id: str
    purpose: str | None = None
    state: str | None = None
    type: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    queue: Ref | None = None
    messages: list[MessageDetails] = []


class MessageConversation(_Model, frozen=True):
    """`GET /api/v2/conversations/messages/{id}` as the pipeline reads it: ended-ness (no endTime: it comes
    from the participants), message ids, the write-back target. The record builder decodes the same payload
    its own way in the process pool (archiver/archive/payloads.py, `SourceConversation`)."""

    id: str
    participants: list[MessageParticipant] = []

    @property
    def message_ids(self) -> list[str]:
        """Every message id in participant order, first occurrence kept."""
        seen: dict[str, None] = {}
        for p in self.participants:
            for m in p.messages:
                if m.message_id:
                    seen.setdefault(m.message_id, None)
        return list(seen)

    @property
    def ended(self) -> bool:
        """All participants disconnected or terminated."""
        return bool(self.participants) and all(p.state in ENDED_STATES for p in self.participants)

    @property
    def end_time(self) -> datetime | None:
        """The latest participant endTime, once ended."""
        ends = [p.end_time for p in self.participants if p.end_time is not None]
        return max(ends) if self.ended and ends else None

    @property
    def customer_participant_id(self) -> str | None:
        """The customer participant (target of the attribute write-back)."""
        return next((p.id for p in self.participants if p.purpose == "customer"), None)

    @property
    def is_webmessaging(self) -> bool:
        return any(p.type == "webmessaging" for p in self.participants)


# --- analytics ---


class AnalyticsProperty(_Model, frozen=True):
    """A typed property indexed onto an analytics segment (propertyType: bool, integer, real, date, string,
    uuid)."""

    property: str
    property_type: str
    value: str


class PropertyIndexRequest(_Model, frozen=True, omit_defaults=True):
    """`POST /api/v2/analytics/conversations/{id}/details/properties` body (and its 202 answer): attach
    `properties` to the segment of session `session_id` covering `target_date`."""

    session_id: str
    target_date: str  # RFC 3339 UTC with milliseconds, as analytics writes its own times
    properties: list[AnalyticsProperty]


class AnalyticsSegment(_Model, frozen=True):
    queue_id: str | None = None
    segment_start: datetime | None = None
    segment_end: datetime | None = None
    properties: list[AnalyticsProperty] = []


class AnalyticsSession(_Model, frozen=True):
    session_id: str | None = None
    media_type: str | None = None
    message_type: str | None = None
    segments: list[AnalyticsSegment] = []


class AnalyticsParticipant(_Model, frozen=True):
    participant_id: str | None = None
    purpose: str | None = None
    sessions: list[AnalyticsSession] = []


class AnalyticsConversation(_Model, frozen=True):
    """One conversation of a details query or job (metadata only, never text)."""

    conversation_id: str
    conversation_start: datetime | None = None
    conversation_end: datetime | None = None
    external_tag: str | None = None
    participants: list[AnalyticsParticipant] = []

    @property
    def message_types(self) -> set[str]:
        return {s.message_type for p in self.participants for s in p.sessions if s.message_type}

    @property
    def queue_ids(self) -> set[str]:
        return {g.queue_id for p in self.participants for s in p.sessions for g in s.segments if g.queue_id}


class AnalyticsPage(_Model, frozen=True):
    """`POST /api/v2/analytics/conversations/details/query` response."""

    conversations: list[AnalyticsConversation] = []
    total_hits: int | None = None


class JobSubmitted(_Model, frozen=True):
    job_id: str


class JobStatus(_Model, frozen=True):
    """State of an async details job (QUEUED, PENDING, FAILED, CANCELLED, FULFILLED, EXPIRED)."""

    state: str
    error_message: str | None = None
    expiration_date: datetime | None = None
    submission_date: datetime | None = None
    completion_date: datetime | None = None


class JobResults(_Model, frozen=True):
    """One cursor page of an async details job; `cursor` is None on the last page."""

    conversations: list[AnalyticsConversation] = []
    cursor: str | None = None
    data_availability_date: datetime | None = None


class DataAvailability(_Model, frozen=True):
    data_availability_date: datetime | None = None
