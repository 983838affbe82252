"""Notification frames → listener decisions (heartbeat, pong, socket_closing, ConversationEnded).

Decoding never raises: a frame that is not JSON, not an envelope, or whose body does not fit the topic is a
`BadEvent` — logged by kind only (never its content, which may carry transcript text) and counted.
"""

from __future__ import annotations

import collections
import enum
import logging
import re
from dataclasses import dataclass
from datetime import datetime

import msgspec

from archiver.genesys.models import (
    ENDED_STATES,
    Envelope,
    MetadataBody,
    QueueConversationEvent,
)

log = logging.getLogger(__name__)

QUEUE_TOPIC_RE = re.compile(r"^v2\.routing\.queues\.(?P<queue>[^.]+)\.conversations\.messages$")
METADATA_TOPIC = "channel.metadata"
SOCKET_CLOSING_TOPIC = "v2.system.socket_closing"
SYSTEM_PREFIX = "v2.system."

_envelope_decoder = msgspec.json.Decoder(Envelope)
_metadata_decoder = msgspec.json.Decoder(MetadataBody)
_bare_decoder = msgspec.json.Decoder(MetadataBody)  # a bare {"message": "pong"} some servers send
_event_decoder = msgspec.json.Decoder(QueueConversationEvent)


# Genesys topic grammar: dotted lowercase words and UUIDs (v2.routing.queues.{uuid}.conversations.messages).
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_LOGGABLE_TOPIC = re.compile(rf"(?:v2|[a-z][a-z_]*)(?:\.(?:[a-z][a-z_]*|{_UUID}))*")


def loggable_topic(topic: str) -> str:
    """A topic for a log line: as is when it fits Genesys's grammar, else only its length.

    A hostile frame can put anything in `topicName`, customer text included; logs never echo it.
    """
    if len(topic) <= 200 and _LOGGABLE_TOPIC.fullmatch(topic):
        return topic
    return f"<unrecognized topic, {len(topic)} chars>"


def queue_topic(queue_id: str) -> str:
    """The per-queue message-conversation topic (docs/genesys.md#notifications)."""
    return f"v2.routing.queues.{queue_id}.conversations.messages"


class ConversationEnded(msgspec.Struct, frozen=True):
    """A web messaging conversation whose participants are all disconnected/terminated (emitted once)."""

    conversation_id: str
    queue_id: str | None
    end_time: datetime | None


class Gap(msgspec.Struct, frozen=True):
    """A period when no socket was listening for a set of topics: events in it may be lost for good."""

    start: datetime
    end: datetime
    reason: str


@dataclass
class ListenerStats:
    """Counters for metrics and tests."""

    frames: int = 0
    heartbeats: int = 0
    pongs: int = 0
    pings_sent: int = 0
    queue_events: int = 0
    ended_emitted: int = 0
    bad_events: int = 0  # malformed or unknown frames (never fatal)
    unknown_topics: int = 0
    system_events: int = 0
    socket_closings: int = 0
    connects: int = 0
    reconnects: int = 0
    dead_sockets: int = 0  # declared dead after heartbeat silence
    channels_created: int = 0
    renewals: int = 0
    gaps: int = 0
    handler_errors: int = 0


class Kind(enum.Enum):
    HEARTBEAT = "heartbeat"
    PONG = "pong"
    SOCKET_CLOSING = "socket_closing"
    SYSTEM = "system"  # other v2.system.* (no_longer_subscribed, token_revoked, …)
    QUEUE_EVENT = "queue_event"
    UNKNOWN = "unknown"  # a well-formed envelope on a topic we did not subscribe to
    BAD = "bad"  # not JSON / not an envelope / a body that does not fit its topic


@dataclass(frozen=True)
class Frame:
    kind: Kind
    topic: str = ""
    envelope: Envelope | None = None
    detail: str = ""  # why a frame is BAD (a decoder message, never the content)


def parse_frame(data: str | bytes) -> Frame:
    """Classify one WebSocket text frame."""
    try:
        env = _envelope_decoder.decode(data)
    except msgspec.DecodeError as exc:
        try:
            bare = _bare_decoder.decode(data)
        except msgspec.DecodeError:
            return Frame(Kind.BAD, detail=str(exc))
        if bare.message in {"pong", "ping"}:
            return Frame(Kind.PONG)
        return Frame(Kind.BAD, detail="not a notification envelope")
    topic = env.topic_name
    if topic == METADATA_TOPIC:
        try:
            body = _metadata_decoder.decode(env.event_body)
        except msgspec.DecodeError as exc:
            return Frame(Kind.BAD, topic, detail=str(exc))
        message = (body.message or "").lower()
        return Frame(Kind.PONG if message == "pong" else Kind.HEARTBEAT, topic, env)
    if topic == SOCKET_CLOSING_TOPIC:
        return Frame(Kind.SOCKET_CLOSING, topic, env)
    if topic.startswith(SYSTEM_PREFIX):
        return Frame(Kind.SYSTEM, topic, env)
    if QUEUE_TOPIC_RE.match(topic):
        return Frame(Kind.QUEUE_EVENT, topic, env)
    return Frame(Kind.UNKNOWN, topic, env)


class EndDetector:
    """Turns queue-topic events into one ConversationEnded per conversation (bounded memory of ids)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._emitted: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._capacity = max(1, capacity)
        self.duplicates = 0
        self.other_media = 0

    def feed(self, topic: str, body: msgspec.Raw) -> ConversationEnded | None:
        """The end notice for this event, or None (not ended, not web messaging, or already emitted).

        Raises msgspec.DecodeError for a body that does not fit the topic.
        """
        event = _event_decoder.decode(body)
        parts = event.participants
        if not parts or not all(p.state in ENDED_STATES for p in parts):
            return None
        # Web vs open/sms messaging is told apart only by participant `type` (docs/genesys.md#notifications).
        if not any(p.type == "webmessaging" for p in parts):
            self.other_media += 1
            return None
        if event.id in self._emitted:
            self._emitted.move_to_end(event.id)
            self.duplicates += 1
            return None
        self._emitted[event.id] = None
        if len(self._emitted) > self._capacity:
            self._emitted.popitem(last=False)
        m = QUEUE_TOPIC_RE.match(topic)
        queue_id = m.group("queue") if m else None
        if queue_id is None:
            queue_id = next((p.queue.id for p in parts if p.queue is not None and p.queue.id), None)
        ends = [p.end_time for p in parts if p.end_time is not None]
        return ConversationEnded(event.id, queue_id, max(ends) if ends else None)

    def forget(self, conversation_id: str) -> None:
        """Allow a conversation to be emitted again (its handler failed)."""
        self._emitted.pop(conversation_id, None)
