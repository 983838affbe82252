"""The archive record, schema `archiver.conversation/v1`, and how it is built from raw Genesys payloads.

`build_archive` is the process-pool entry point. It takes the raw JSON bytes the client fetched, decodes only
the fields the record uses (payloads.py), redacts every customer-text string with the worker's redactor,
encodes deterministic JSON, then gzips it and hashes it. The same input gives the same bytes except for
`archivedAt`. The pipeline passes a stable `archivedAt` (the first lease time), so a rebuild after a crash
produces identical bytes and the same digest.

Personal data policy: participant names, addresses, `fromAddress`/`toAddress`, channel from/to,
participant attributes, attachment urls and file names, and location addresses and coordinates are
dropped (never decoded). Free text (message text, captions, button/quick-reply/card text and payloads) is
redacted. Invalid UTF-8 and lone surrogates in a payload are replaced with U+FFFD before redaction, and
`textReplacements` counts them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

import msgspec

from archiver import __version__
from archiver.archive import payloads as p
from archiver.archive.content import (
    AttachmentArchive,
    RecordAttachment,
    RecordContent,
    attachment,
    content,
)
from archiver.errors import TranscriptError

SCHEMA = "archiver.conversation/v1"
ENDED_STATES = frozenset({"disconnected", "terminated"})


class _Out(msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=True):
    pass


class RecordParticipant(_Out, frozen=True):
    """A participant by role and ids only: no name, address or attributes."""

    id: str | None
    purpose: str | None
    user_id: str | None
    queue_id: str | None
    start_time: datetime | None
    end_time: datetime | None
    disconnect_type: str | None
    state: str | None
    type: str | None  # messenger type: webmessaging, open, ...


class RecordMessage(_Out, frozen=True):
    """One message, text redacted, in timestamp order."""

    id: str | None
    timestamp: datetime | None
    direction: str | None  # inbound | outbound
    participant_id: str | None
    purpose: str | None  # customer | agent | workflow | acd | ...
    type: str | None  # Text | Structured | Event | ...
    originating_entity: str | None  # Human | Bot
    status: str | None
    text: str | None
    attachments: list[RecordAttachment]
    content: list[RecordContent]
    events: list[str]


class RedactionInfo(_Out, frozen=True):
    """Which redactor ran and how many values of each type it replaced."""

    engine: str
    counts: dict[str, int]


class ArchiveRecord(_Out, frozen=True):
    """`archiver.conversation/v1` (docs/archive-format.md)."""

    schema: str
    conversation_id: str
    start_time: datetime | None
    end_time: datetime | None
    ended: bool
    media_type: str
    message_type: str | None
    participants: list[RecordParticipant]
    messages: list[RecordMessage]
    message_count: int
    unavailable_message_ids: list[str]  # listed on the conversation but not returned by the bulk endpoint
    text_replacements: int  # invalid UTF-8 / lone surrogates replaced by U+FFFD
    redaction: RedactionInfo
    archived_at: datetime
    archiver_version: str


class BuiltArchive(msgspec.Struct, frozen=True, kw_only=True):
    """What the pool returns to the I/O process: the gzip bytes and the facts the sink and write-back need."""

    gz: bytes
    sha256: str  # hex sha256 of the uncompressed record JSON (what the archive metadata carries)
    size: int  # uncompressed bytes
    counts: dict[str, int]
    end_time: datetime
    message_count: int
    customer_participant_id: str | None
    ended: bool
    queue_id: str | None = None  # first routing queue: an index tag for `archiver find --queue`
    division_id: str | None = None  # the conversation's division: an index tag for `find --division`


class RedactorLike(Protocol):
    """`archiver.redact.Redactor` (`redact_many`, and `known_values_of` for the customer's own details)."""

    def redact_many(
        self, texts: Iterable[str], known: tuple[tuple[str, str], ...] = ()
    ) -> tuple[list[str], dict[str, int]]: ...

    def known_values_of(self, raws: list[bytes]) -> tuple[tuple[str, str], ...]: ...


_encoder = msgspec.json.Encoder(order="deterministic")
_record_decoder = msgspec.json.Decoder(ArchiveRecord, strict=True)


def encode_record(record: ArchiveRecord) -> bytes:
    """Deterministic JSON: fixed field order, sorted map keys, UTF-8."""
    return _encoder.encode(record)


def decode_record(data: bytes) -> ArchiveRecord:
    """Strictly validate and decode a record (unknown or missing fields and wrong types are errors)."""
    record = _record_decoder.decode(data)
    if record.schema != SCHEMA:
        raise msgspec.ValidationError(f"Expected schema {SCHEMA!r}, got {record.schema!r}")
    return record


def json_schema() -> dict[str, object]:
    """The JSON Schema of the record, for auditors' tooling."""
    schema: dict[str, object] = msgspec.json.schema(ArchiveRecord)
    return schema


class _Collect:
    """Pass 1: records every non-empty string in call order and returns it unchanged."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str | None) -> str | None:
        if text:
            self.texts.append(text)
        return text


class _Replay:
    """Pass 2: returns the redacted strings in the order pass 1 saw their originals."""

    def __init__(self, redacted: list[str], start: int) -> None:
        self._redacted, self._next = redacted, start

    def __call__(self, text: str | None) -> str | None:
        if not text:
            return text
        self._next += 1
        return self._redacted[self._next - 1]


def _utc(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def build_record(
    conversation_raw: bytes,
    message_pages_raw: Sequence[bytes],
    *,
    archived_at: str | datetime,
    redactor: RedactorLike,
    redactor_version: str,
    attachments: Mapping[str, AttachmentArchive] | None = None,
) -> tuple[ArchiveRecord, str | None]:
    """Decode, redact and assemble the record; returns it and the customer participant's id.
    `attachments`: the archive outcome per attachment id (attachments.mode = "archive")."""
    stored = attachments or {}
    conv, repairs = p.decode(conversation_raw, p.SourceConversation, "message conversation")
    pages: list[p.TextMessageListing] = []
    for i, raw in enumerate(message_pages_raw):
        page, n = p.decode(raw, p.TextMessageListing, f"message page {i}")
        pages.append(page)
        repairs += n
    archived = _parse_time(archived_at)
    collect = _Collect()

    participants = [_participant(mp) for mp in conv.participants or ()]
    customer = next((mp for mp in conv.participants or () if mp.purpose == "customer" and mp.id), None)
    by_user = {mp.user.id: mp for mp in conv.participants or () if mp.user and mp.user.id}
    owner: dict[str, p.SourceParticipant] = {}
    listed: list[str] = []
    for mp in conv.participants or ():
        for md in mp.messages or ():
            if md.message_id:
                owner.setdefault(md.message_id, mp)
                listed.append(md.message_id)

    # Redaction runs once per record (`redact_many`: one RE2 pass over all texts, ~4x faster than one call
    # per string): pass 1 builds each message with its texts as they are and collects them, then only the
    # messages whose texts changed are rebuilt from the redacted strings, in the same call order.
    seen: set[str] = set()
    built: list[tuple[p.MessageData, int, RecordMessage]] = []  # data, index of its first text, message
    for page in pages:
        for data in page.entities or ():
            if data.id is not None:
                if data.id in seen:
                    continue  # pages may overlap when a fetch was retried
                seen.add(data.id)
            first = len(collect.texts)
            built.append(
                (data, first, _message(data, owner.get(data.id or ""), customer, by_user, collect, stored))
            )
    texts = collect.texts
    # the customer's name and personal attributes (never stored) are redacted wherever the texts hold them
    raws = [conversation_raw]
    known = redactor.known_values_of(raws) if texts else ()
    redacted, counts = redactor.redact_many(texts, known) if texts else ([], {})
    bounds = [first for _, first, _ in built] + [len(texts)]
    entries: list[tuple[datetime, int, RecordMessage]] = []
    for k, (data, first, msg) in enumerate(built):
        if redacted[first : bounds[k + 1]] != texts[first : bounds[k + 1]]:
            msg = _message(
                data, owner.get(data.id or ""), customer, by_user, _Replay(redacted, first), stored
            )
        entries.append((msg.timestamp or _LAST, len(entries), msg))
    entries.sort(key=lambda e: (e[0], e[1]))
    messages = [m for _, _, m in entries]
    unavailable = sorted({mid for mid in listed if mid not in seen})

    start, end, ended = _times(conv, messages)
    record = ArchiveRecord(
        schema=SCHEMA,
        conversation_id=conv.id,
        start_time=start,
        end_time=end,
        ended=ended,
        media_type="message",
        message_type=_message_type(conv, customer, pages),
        participants=participants,
        messages=messages,
        message_count=len(messages),
        unavailable_message_ids=unavailable,
        text_replacements=repairs,
        redaction=RedactionInfo(engine=redactor_version, counts=dict(sorted(counts.items()))),
        archived_at=archived,
        archiver_version=__version__,
    )
    return record, customer.id if customer else None


_LAST = datetime.max.replace(tzinfo=UTC)  # messages without a timestamp sort last, in arrival order


def _parse_time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise TranscriptError(
                f"cannot build record: archived_at {value[:40]!r} is not ISO 8601"
            ) from None
    result = _utc(parsed)
    assert result is not None
    return result


def _participant(mp: p.SourceParticipant) -> RecordParticipant:
    return RecordParticipant(
        id=mp.id,
        purpose=mp.purpose,
        user_id=mp.user.id if mp.user else None,
        queue_id=mp.queue.id if mp.queue else None,
        start_time=_utc(mp.start_time or mp.connected_time),
        end_time=_utc(mp.end_time),
        disconnect_type=mp.disconnect_type,
        state=mp.state,
        type=mp.type,
    )


def _message(
    data: p.MessageData,
    owner: p.SourceParticipant | None,
    customer: p.SourceParticipant | None,
    by_user: dict[str, p.SourceParticipant],
    redact: Callable[[str | None], str | None],
    stored: Mapping[str, AttachmentArchive],
) -> RecordMessage:
    nm = data.normalized_message
    direction = data.direction or (nm.direction.lower() if nm and nm.direction else None)
    if owner is None and direction == "inbound":
        owner = customer  # only the customer sends inbound messages on a web messaging conversation
    elif direction == "outbound" and (owner is None or owner.purpose == "customer"):
        # Genesys lists a conversation's messages on the customer's communication whichever side sent them;
        # an outbound message was sent by the agent in `createdBy`, or (no user) by a bot/flow: unknown.
        sender = by_user.get(data.created_by.id or "") if data.created_by else None
        owner = sender
    items = nm.content if nm and nm.content else []
    return RecordMessage(
        id=data.id,
        timestamp=_utc(data.timestamp),
        direction=direction,
        participant_id=owner.id if owner else None,
        purpose=owner.purpose if owner else None,
        type=nm.type if nm else None,
        originating_entity=nm.originating_entity if nm else None,
        status=data.status,
        text=redact(nm.text if nm else data.text_body),
        attachments=[attachment(c.attachment, redact, stored) for c in items if c.attachment is not None],
        content=[rc for rc in (content(c, redact) for c in items) if rc is not None],
        events=[e.event_type for e in (nm.events if nm and nm.events else ()) if e.event_type],
    )


def _times(
    conv: p.SourceConversation, messages: list[RecordMessage]
) -> tuple[datetime | None, datetime | None, bool]:
    parts = conv.participants or []
    starts = [t for t in (_utc(mp.start_time or mp.connected_time) for mp in parts) if t]
    stamps = [m.timestamp for m in messages if m.timestamp]
    start = min(starts or stamps, default=None)
    ends = [t for t in (_utc(mp.end_time) for mp in parts) if t]
    ended = bool(parts) and all(mp.end_time is not None or mp.state in ENDED_STATES for mp in parts)
    end = max(ends + stamps, default=None)
    return start, end, ended


def _message_type(
    conv: p.SourceConversation, customer: p.SourceParticipant | None, pages: list[p.TextMessageListing]
) -> str | None:
    if customer is not None and customer.type:
        return customer.type
    for mp in conv.participants or ():
        if mp.type:
            return mp.type
    for page in pages:
        for data in page.entities or ():
            if data.messenger_type:
                return data.messenger_type
    return None


def build_archive(
    conversation_raw: bytes,
    message_pages_raw: list[bytes],
    *,
    archived_at: str | datetime,
    gzip_level: int | None = None,
    redactor: RedactorLike | None = None,
    attachments: Mapping[str, AttachmentArchive] | None = None,
) -> BuiltArchive:
    """Pool entry point: raw payloads → redacted, deterministic, gzip'd record + sha256 of the JSON."""
    # Imported here: these load in pool workers only, and keep this module importable for audits.
    from archiver.archive.compress import gzip_bytes
    from archiver.redact import REDACTOR_VERSION

    if redactor is None:
        from archiver.pool import worker_redactor

        redactor = worker_redactor()
    record, customer_id = build_record(
        conversation_raw,
        message_pages_raw,
        archived_at=archived_at,
        redactor=redactor,
        redactor_version=REDACTOR_VERSION,
        attachments=attachments,
    )
    data = encode_record(record)
    gz = gzip_bytes(data) if gzip_level is None else gzip_bytes(data, gzip_level)
    end = record.end_time or record.archived_at
    return BuiltArchive(
        gz=gz,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        counts=dict(record.redaction.counts),
        end_time=end,
        message_count=record.message_count,
        customer_participant_id=customer_id,
        ended=record.ended,
        queue_id=next((rp.queue_id for rp in record.participants if rp.queue_id), None),
        division_id=_division_id(conversation_raw),
    )


def _division_id(conversation_raw: bytes) -> str | None:
    try:
        conv = msgspec.json.decode(conversation_raw, type=p.SourceConversation)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # build_record already decoded it; a repaired payload just goes without the tag
    for membership in conv.divisions or ():
        if membership.division is not None and membership.division.id:
            return membership.division.id
    return None
