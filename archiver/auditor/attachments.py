"""The archived attachments a record vouches for, as `hold`, `export` and `verify` see them.

Under `attachments.mode = "archive"` each attachment is its own immutable blob beside the record
(docs/archive-format.md "Attachments"); the record's `messages[].attachments[].archive` names it with the
sha256 and size of the stored bytes. The record is the only index of a conversation's attachments: nothing
lists the `attachments/` folder, so a stray blob there is never held, exported or trusted. A stored name the
record could not have written (another conversation's folder, a path) is a problem, never read.
"""

from __future__ import annotations

import hashlib

import msgspec

from archiver.attachments.naming import is_attachment_name
from archiver.attachments.stores import AttachmentStore
from archiver.errors import ArchiverError

# Every record that lists an archived attachment contains this exact byte string (msgspec writes compact
# JSON): records without it — all of them under attachments.mode = "metadata" — need no decoding and no
# extra reads, which keeps `verify` over many archives as cheap as before.
_MARK = b'"outcome":"archived"'


class _Archive(msgspec.Struct):
    outcome: str = ""
    name: str | None = None
    sha256: str | None = None
    sizeBytes: int | None = None


class _Attachment(msgspec.Struct):
    id: str | None = None
    archive: _Archive | None = None


class _Message(msgspec.Struct):
    attachments: list[_Attachment] = []


class _Record(msgspec.Struct):
    conversationId: str = ""
    messages: list[_Message] = []


_decode = msgspec.json.Decoder(_Record).decode


class Archived(msgspec.Struct, frozen=True, kw_only=True):
    """One attachment the record says is stored: where, and the digest and size of the stored bytes."""

    attachment_id: str
    name: str
    sha256: str
    size_bytes: int | None
    problem: str | None = None  # the record's entry is unusable (then `name` is not read)

    @property
    def file_name(self) -> str:
        """`{attachmentId}{ext}`: the last component of the stored name."""
        return self.name.rsplit("/", 1)[-1]


def archived_in(raw: bytes, conversation_id: str) -> list[Archived]:
    """The archived attachments of an uncompressed record (empty for a record that lists none)."""
    if _MARK not in raw:
        return []
    try:
        record = _decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return []  # an unreadable record is reported by the record's own digest check
    found: list[Archived] = []
    for m in record.messages:
        for a in m.attachments:
            if a.archive is None or a.archive.outcome != "archived":
                continue
            aid, name, sha = a.id or "-", a.archive.name or "", a.archive.sha256 or ""
            problem = None
            parts = name.split("/")
            if not is_attachment_name(name) or parts[4] != conversation_id or len(sha) != 64:
                problem, name = "the record's stored name or sha256 is invalid", ""
            found.append(
                Archived(
                    attachment_id=aid, name=name, sha256=sha, size_bytes=a.archive.sizeBytes, problem=problem
                )
            )
    return found


async def read_verified(store: AttachmentStore, item: Archived) -> tuple[bytes | None, str | None]:
    """The stored bytes if their sha256 and size are the record's; else (None, why)."""
    if item.problem is not None:
        return None, item.problem
    try:
        data = await store.read(item.name)
    except ArchiverError as exc:
        return None, f"cannot read: {exc}"
    why = _differs(item, hashlib.sha256(data).hexdigest(), len(data))
    return (data, None) if why is None else (None, why)


async def check_stored(store: AttachmentStore, item: Archived) -> str | None:
    """Why the stored attachment is not the one the record vouches for (missing, other digest), or None.

    Uses the store's `stat`: the local store hashes the file; Azure compares the sha256 written into the
    blob's metadata with the upload (the bytes' MD5 was checked by the service then; the blob is immutable)
    and its size — one HEAD per attachment instead of downloading it."""
    if item.problem is not None:
        return item.problem
    try:
        stored = await store.stat(item.name)
    except ArchiverError as exc:
        return f"cannot read: {exc}"
    if stored is None:
        return "missing: not in the store"
    return _differs(item, stored.sha256, stored.size)


def _differs(item: Archived, sha256: str, size: int) -> str | None:
    if sha256 != item.sha256 or (item.size_bytes is not None and size != item.size_bytes):
        return (
            f"stored bytes have sha256 {sha256 or '(none recorded)'} ({size} bytes), "
            f"the record says {item.sha256} ({item.size_bytes} bytes)"
        )
    return None
