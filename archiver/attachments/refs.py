"""The attachments of a transcript, with their URLs, read from the raw message pages in the I/O process.

The record builder never decodes URLs (archive/payloads.py drops them on purpose); this is the only place
that does, and what it returns is kept in memory for the downloads only. `__repr__` hides the URL so a
traceback or a debug print of a ref cannot leak it.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec


class _Attachment(msgspec.Struct, rename="camel"):
    id: str | None = None
    media_type: str | None = None
    url: str | None = None
    mime: str | None = None
    content_size_bytes: int | None = None


class _Content(msgspec.Struct, rename="camel"):
    attachment: _Attachment | None = None


class _Normalized(msgspec.Struct, rename="camel"):
    content: list[_Content] | None = None


class _Data(msgspec.Struct, rename="camel"):
    normalized_message: _Normalized | None = None


class _Listing(msgspec.Struct, rename="camel"):
    entities: list[_Data] | None = None


_decode_listing = msgspec.json.Decoder(_Listing).decode


class AttachmentRef(msgspec.Struct, frozen=True, kw_only=True, repr_omit_defaults=True):
    """One attachment to fetch. `url` is a capability: see the module docstring."""

    id: str
    media_type: str | None
    mime: str | None  # lowercased, parameters stripped
    size: int | None  # as declared by Genesys
    url: str | None

    def __repr__(self) -> str:
        return f"AttachmentRef(id={self.id!r}, mime={self.mime!r}, size={self.size!r}, url=<hidden>)"

    __str__ = __repr__


def _mime(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() or None if value else None


def attachment_refs(message_pages_raw: Sequence[bytes]) -> list[AttachmentRef]:
    """Every attachment with an id, in transcript order, each id once (pages may overlap after a retry).

    A page that does not decode gives no refs: the record builder reports that page's problem itself.
    """
    refs: dict[str, AttachmentRef] = {}
    for raw in message_pages_raw:
        try:
            listing = _decode_listing(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        for data in listing.entities or ():
            nm = data.normalized_message
            for c in nm.content if nm and nm.content else ():
                a = c.attachment
                if a is None or not a.id or a.id in refs:
                    continue
                refs[a.id] = AttachmentRef(
                    id=a.id,
                    media_type=a.media_type,
                    mime=_mime(a.mime),
                    size=a.content_size_bytes,
                    url=a.url or None,
                )
    return list(refs.values())
