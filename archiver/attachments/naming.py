"""Stored attachment names: `conversations/{yyyy}/{mm}/{dd}/{conversationId}/attachments/{attachmentId}{ext}`.

Beside the record (same day directory, dated by conversation end in UTC), a pure function of (conversation,
end time, attachment id, mime): a retried or re-delivered conversation finds what an earlier attempt stored
before downloading anything, and put-if-absent makes the store idempotent. The attachment id is Genesys's and
must pass the same rule as a conversation id (no separators, no `..`); the extension comes from a fixed
table of the declared mime (never from the file name, which is personal data), `.bin` otherwise. Such names
never end in `.json.gz` and sit one level deeper than records, so record listings never see them.
"""

from __future__ import annotations

from datetime import datetime

from archiver.errors import SinkPermanentError
from archiver.ids import CONVERSATION_ID_RULE, is_conversation_id
from archiver.sinks.naming import PREFIX, as_utc, validate_conversation_id

_EXT = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/ogg": ".ogg",
    "text/plain": ".txt",
}


def extension(mime: str | None) -> str:
    """The file extension of a declared mime type (`.bin` when unknown)."""
    return _EXT.get(mime or "", ".bin")


def attachment_name(conversation_id: str, end_time: datetime, attachment_id: str, mime: str | None) -> str:
    """The stored name (module docstring); SinkPermanentError for an id unfit to be a name component."""
    if not is_conversation_id(attachment_id):
        raise SinkPermanentError(
            f"cannot name attachment {attachment_id[:80]!r}: expected {CONVERSATION_ID_RULE}"
        )
    day = as_utc(end_time)
    cid = validate_conversation_id(conversation_id)
    return f"{PREFIX}{day:%Y/%m/%d}/{cid}/attachments/{attachment_id}{extension(mime)}"


def is_attachment_name(name: str) -> bool:
    """True for a name `attachment_name` can produce (what `archiver get --attachments` will read)."""
    parts = name.split("/")
    if len(parts) != 7 or f"{parts[0]}/" != PREFIX or parts[5] != "attachments":
        return False
    stem = parts[6].rsplit(".", 1)[0]
    return is_conversation_id(parts[4]) and is_conversation_id(stem) and ".." not in name
