"""The simulated org's internal state: conversations planned as timelines, indexed by id and start day.

A participant stores the wall-clock times it started, connected and ended; its `state` at any instant is
derived from them, so REST, topic events and analytics all render the same truth at a given time.
"""

from __future__ import annotations

import bisect
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec

KINDS = ("webmessaging", "open", "sms", "bot")
# Web messaging threads stay open for days and "rarely extend past 30 days" (docs/genesys.md, "Long-lived
# conversations and the reconciler window"); the simulator allows a little more than that.
MAX_OPEN_S = 31 * 86400.0


def new_id(rng: random.Random) -> str:
    """A seeded random UUID4 string."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso(ts: float) -> str:
    """Genesys timestamp format: `2026-05-14T10:02:11.123Z`."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def day_of(ts: float) -> int:
    """UTC day number (days since the epoch)."""
    return int(ts // 86400)


@dataclass(slots=True)
class Attachment:
    id: str
    media_type: str  # ConversationContentAttachment.mediaType: Image, Video, Audio, File, Link
    mime: str
    filename: str
    size: int
    sha256: str
    url: str


@dataclass(slots=True)
class Msg:
    id: str
    participant_id: str  # sender
    ts: float
    inbound: bool  # customer → org
    text: str
    bot: bool = False
    attachments: tuple[Attachment, ...] = ()


@dataclass(slots=True)
class Participant:
    id: str
    purpose: str  # customer | workflow | acd | agent
    name: str
    start: float
    connected: float | None
    end: float | None = None
    disconnect_type: str = "client"
    end_state: str = "disconnected"
    alerting_first: bool = False  # agents are offered (alerting) before they connect
    user_id: str | None = None
    queue_id: str | None = None
    address: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # written through the API (the archiver's)
    # frozen by the first attributes PATCH after the end: analytics never saves later writes (sim/rest.py)
    analytics_attributes: dict[str, str] | None = None
    prechat: dict[str, str] = field(default_factory=dict)  # set by the website (`context.firstName` …)
    # the customer sees every message; other participants the ones they sent or received while connected
    sees_all: bool = False

    def state(self, t: float) -> str:
        """Participant state at wall time t."""
        if self.end is not None and t >= self.end:
            return self.end_state
        if self.connected is not None and t >= self.connected:
            return "connected"
        return "alerting" if self.alerting_first else "connected"

    def active(self, t: float) -> bool:
        return t >= self.start


@dataclass(slots=True)
class Transfer:
    id: str
    ts: float
    from_user: str
    to_user: str


@dataclass(slots=True)
class Conversation:
    id: str
    kind: str  # webmessaging | open | sms | bot (bot = web messaging that never reaches a queue)
    queue_id: str | None
    start: float
    participants: list[Participant]
    messages: list[Msg]  # sorted by ts
    planted_pii: list[str]
    division_id: str
    integration_id: str
    customer_name: str
    customer_address: str
    transfers: list[Transfer] = field(default_factory=list)
    external_tag: str | None = None
    deleted: bool = False
    _by_msg: dict[str, Msg] | None = None

    def message(self, mid: str) -> Msg | None:
        """A message by id (the index is built on first use: most conversations are never read)."""
        if self._by_msg is None:
            self._by_msg = {m.id: m for m in self.messages}
        return self._by_msg.get(mid)

    @property
    def msg_type(self) -> str:
        """Participant `type` / analytics `messageType`: bot-only conversations are web messaging."""
        return "webmessaging" if self.kind == "bot" else self.kind

    @property
    def customer(self) -> Participant:
        return self.participants[0]

    def end_time(self) -> float | None:
        """When the last participant disconnected, or None while any is still connected."""
        ends = [p.end for p in self.participants]
        if any(e is None for e in ends):
            return None
        return max(e for e in ends if e is not None)

    def ended(self, t: float) -> bool:
        end = self.end_time()
        return end is not None and end <= t

    def transition_times(self) -> list[float]:
        """Every instant at which some participant changed state, ascending."""
        times: set[float] = set()
        for p in self.participants:
            times.add(p.start)
            if p.connected is not None:
                times.add(p.connected)
            if p.end is not None:
                times.add(p.end)
        return sorted(times)


class ConversationTruth(msgspec.Struct, frozen=True):
    """Ground truth of one simulated conversation, for tests and audits."""

    id: str
    kind: str
    queue_id: str | None
    ended: bool
    start_time: str
    end_time: str | None
    messages: list[tuple[str, str]]  # (message id, exact text as sent)
    planted_pii: list[str]  # exact PII values planted in message texts
    customer_participant_id: str
    bot_only: bool
    customer_name: str  # personal data in participant metadata (not in planted_pii)
    customer_address: str
    attachments: int
    deleted: bool


class Store:
    """Conversations indexed by id and by UTC start day (analytics reads one day bucket at a time)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Conversation] = {}
        self.by_day: dict[int, list[Conversation]] = {}
        self.order: list[Conversation] = []
        # `version` changes with any edit analytics can see; `times` holds every participant transition
        # instant, so a cached query result stays valid until a transition falls between two reads.
        self.version = 0
        self.times: list[float] = []

    def add(self, conv: Conversation) -> None:
        self.by_id[conv.id] = conv
        self.by_day.setdefault(day_of(conv.start), []).append(conv)
        self.order.append(conv)
        self.touch(conv.transition_times())

    def touch(self, new_times: list[float] | None = None) -> None:
        """Record a visible change (and any new transition instants)."""
        self.version += 1
        for t in new_times or ():
            bisect.insort(self.times, t)

    def changed_between(self, a: float, b: float) -> bool:
        """True if some transition instant lies in (a, b]."""
        return bisect.bisect_right(self.times, a) != bisect.bisect_right(self.times, b)

    def get(self, cid: str) -> Conversation | None:
        conv = self.by_id.get(cid)
        return None if conv is None or conv.deleted else conv

    def started_on_days(self, first_day: int, last_day: int) -> list[Conversation]:
        """Conversations whose start falls on any UTC day in [first_day, last_day]."""
        if last_day - first_day > len(self.by_day):
            days = [d for d in self.by_day if first_day <= d <= last_day]
        else:
            days = [d for d in range(first_day, last_day + 1) if d in self.by_day]
        out: list[Conversation] = []
        for d in sorted(days):
            out.extend(c for c in self.by_day[d] if not c.deleted)
        return out

    def truth(self, conv: Conversation, now: float) -> ConversationTruth:
        end = conv.end_time()
        return ConversationTruth(
            id=conv.id,
            kind=conv.kind,
            queue_id=conv.queue_id,
            ended=conv.ended(now),
            start_time=iso(conv.start),
            end_time=iso(end) if end is not None and end <= now else None,
            messages=[(m.id, m.text) for m in conv.messages],
            planted_pii=list(conv.planted_pii),
            customer_participant_id=conv.customer.id,
            bot_only=conv.kind == "bot",
            customer_name=conv.customer_name,
            customer_address=conv.customer_address,
            attachments=sum(len(m.attachments) for m in conv.messages),
            deleted=conv.deleted,
        )
