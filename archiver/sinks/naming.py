"""Archive names: `conversations/{yyyy}/{mm}/{dd}/{conversationId}.json.gz`, dated by conversation end (UTC).

The name is a pure function of (id, end time), so a re-delivered conversation lands on the same name and
put-if-absent makes the whole pipeline idempotent. The id is validated strictly because it becomes a path
component in both sinks: anything that could escape the day directory (`..`, `/`, `\\`, NUL) is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.errors import SinkPermanentError
from archiver.ids import CONVERSATION_ID_RULE, is_conversation_id

PREFIX = "conversations/"
SUFFIX = ".json.gz"
SIDECAR_SUFFIX = ".meta.json"


def validate_conversation_id(conversation_id: str) -> str:
    """Return the id unchanged if it is safe as a file/blob name component, else raise SinkPermanentError."""
    # The rule (archiver.ids) has no separators and no leading dot (hidden files, `..`), and is a valid
    # Azure blob index tag value far below Azure's 1024-char name limit.
    if not is_conversation_id(conversation_id):
        raise SinkPermanentError(
            f"cannot name archive: invalid conversation id {conversation_id[:80]!r} "
            f"(expected {CONVERSATION_ID_RULE})"
        )
    return conversation_id


def as_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC; naive datetimes are refused (their day would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SinkPermanentError("cannot name archive: end_time has no timezone (expected an aware datetime)")
    return moment.astimezone(UTC)


def blob_name(conversation_id: str, end_time: datetime) -> str:
    """`conversations/{yyyy}/{mm}/{dd}/{id}.json.gz` with the date of `end_time` in UTC."""
    day = as_utc(end_time)
    return f"{PREFIX}{day:%Y/%m/%d}/{validate_conversation_id(conversation_id)}{SUFFIX}"


def conversation_id_of(name: str) -> str | None:
    """The conversation id encoded in an archive name, or None if `name` is not an archive name."""
    parts = name.split("/")
    if len(parts) != 5 or f"{parts[0]}/" != PREFIX or not name.endswith(SUFFIX):
        return None
    cid = parts[4][: -len(SUFFIX)]
    return cid if is_conversation_id(cid) else None
