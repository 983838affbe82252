"""Normalize structured message content (cards, quick replies, buttons, …) into the record's uniform shape.

Every string a customer or a bot can put text into passes through the redactor. Links (`url`, `image`),
attachment file names, location addresses and coordinates are dropped: they are personal data that the
redactor's patterns cannot recognise (a name in a file name, a street address). Ids, enums and counts are
kept, so an auditor still sees what was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import msgspec

from archiver.archive import payloads as p

Redact = Callable[[str | None], str | None]

# What became of an attachment's bytes under `attachments.mode = "archive"` (docs/archive-format.md,
# "Attachments"). Only "archived" has a stored blob; every other outcome is final for this record.
AttachmentOutcome = Literal[
    "archived",  # stored beside the record: `name`, `sha256`, `sizeBytes` describe the stored bytes
    "expired",  # the media URL answered 404/410: Genesys drops media 30 days after upload
    "denied",  # the media URL answered 403 (or 401 on the last attempt)
    "too_large",  # larger than attachments.max_bytes (declared or while downloading)
    "mime_not_allowed",  # mime not in attachments.mime_types
    "link",  # mediaType Link: a link to somewhere else, never fetched
    "no_url",  # the transcript carried no URL (e.g. the recordings fallback)
    "unsafe_url",  # not https (plain http only to a loopback host): never fetched
    "failed",  # still failing transiently on the last attempt: archived without its bytes
]


class AttachmentArchive(
    msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=True, omit_defaults=True
):
    """The download outcome of one attachment and, when stored, the stored blob (never the URL)."""

    outcome: AttachmentOutcome
    name: str | None = None  # the stored blob / file name, relative to the archive root
    sha256: str | None = None  # hex sha256 of the stored bytes (exactly as downloaded)
    size_bytes: int | None = None
    status: int | None = None  # the HTTP status behind expired / denied / failed, if there was one


class RecordAttachment(
    msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=True, omit_defaults=True
):
    """An attachment's metadata: no url and no file name. `archive` only under attachments.mode=archive
    (omitted otherwise, so metadata-mode records are byte-identical to those of earlier versions)."""

    id: str | None
    media_type: str | None
    mime: str | None
    content_size_bytes: int | None
    sha256: str | None  # as Genesys reports it (not verified); `archive.sha256` is ours
    text: str | None  # caption, redacted
    archive: AttachmentArchive | None = None


class RecordContent(msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=True):
    """One structured element. `items` nests carousel cards, card actions, quick replies and list items."""

    content_type: str
    sub_type: str | None = None  # button/story/reaction/template-button type, template language, ...
    title: str | None = None
    text: str | None = None
    payload: str | None = None
    count: int | None = None  # reactions
    status: str | None = None  # payment / notification responses
    ref_id: str | None = None  # originatingMessageId, replyToId, template id, list item id
    items: list[RecordContent] = []


def attachment(
    a: p.Attachment, redact: Redact, stored: Mapping[str, AttachmentArchive] | None = None
) -> RecordAttachment:
    """The attachment without url/filename; its caption redacted; its archive outcome if any."""
    return RecordAttachment(
        id=a.id,
        media_type=a.media_type,
        mime=a.mime,
        content_size_bytes=a.content_size_bytes,
        sha256=a.sha256,
        text=redact(a.text),
        archive=stored.get(a.id) if stored and a.id else None,
    )


def _card(c: p.Card, redact: Redact) -> RecordContent:
    actions = ([c.default_action] if c.default_action else []) + list(c.actions or ())
    return RecordContent(
        content_type="Card",
        title=redact(c.title),
        text=redact(c.description),
        items=[
            RecordContent(
                content_type="CardAction", sub_type=a.type, text=redact(a.text), payload=redact(a.payload)
            )
            for a in actions
        ],
    )


def _quick_reply(q: p.QuickReply, redact: Redact) -> RecordContent:
    return RecordContent(
        content_type="QuickReply",
        sub_type=q.action,
        title=redact(q.summary_text),
        text=redact(q.text),
        payload=redact(q.payload),
    )


def _button(b: p.ButtonResponse, redact: Redact) -> RecordContent:
    return RecordContent(
        content_type="ButtonResponse",
        sub_type=b.type,
        text=redact(b.text),
        payload=redact(b.payload),
        ref_id=b.originating_message_id,
    )


def content(c: p.Content, redact: Redact) -> RecordContent | None:
    """A non-attachment content element (attachments go to the message's `attachments`); None if empty."""
    kind = c.content_type or "Unknown"
    if c.attachment is not None:
        return None
    if c.quick_reply is not None:
        return _quick_reply(c.quick_reply, redact)
    if c.quick_reply_v2 is not None:
        q2 = c.quick_reply_v2
        return RecordContent(
            content_type=kind,
            title=redact(q2.title),
            items=[_quick_reply(q, redact) for q in q2.actions or ()],
        )
    if c.button_response is not None:
        return _button(c.button_response, redact)
    if c.card is not None:
        return _card(c.card, redact)
    if c.carousel is not None:
        return RecordContent(content_type=kind, items=[_card(x, redact) for x in c.carousel.cards or ()])
    if c.text is not None:
        return RecordContent(content_type=kind, sub_type=c.text.type, text=redact(c.text.body))
    if c.location is not None:
        return RecordContent(content_type=kind, text=redact(c.location.text))
    if c.template is not None:
        t = c.template
        return RecordContent(
            content_type=kind,
            sub_type=t.language,
            ref_id=t.id,
            title=redact(t.header.text if t.header else None),
            text=redact(t.body.text if t.body else None),
            payload=redact(t.footer.text if t.footer else None),
            items=[
                RecordContent(content_type="TemplateButton", sub_type=b.type, text=redact(b.text))
                for b in t.buttons or ()
            ],
        )
    if c.story is not None:
        return RecordContent(content_type=kind, sub_type=c.story.type, ref_id=c.story.reply_to_id)
    if c.reactions is not None:
        return RecordContent(
            content_type=kind,
            items=[
                RecordContent(content_type="Reaction", sub_type=r.reaction_type, count=r.count)
                for r in c.reactions
            ],
        )
    if c.date_picker is not None:
        d = c.date_picker
        return RecordContent(content_type=kind, title=redact(d.title), text=redact(d.subtitle))
    if c.list_picker is not None:
        return RecordContent(
            content_type=kind,
            ref_id=c.list_picker.id,
            items=[
                RecordContent(
                    content_type="ListPickerSection",
                    title=redact(s.title),
                    items=[
                        RecordContent(
                            content_type="ListPickerItem",
                            ref_id=i.id,
                            title=redact(i.title),
                            text=redact(i.subtitle),
                        )
                        for i in s.items or ()
                    ],
                )
                for s in c.list_picker.sections or ()
            ],
        )
    if c.form is not None:
        responses = [r.component.button_response for r in c.form.response or () if r.component]
        return RecordContent(
            content_type=kind, items=[_button(b, redact) for b in responses if b is not None]
        )
    if c.payment_response is not None:
        return RecordContent(content_type=kind, status=c.payment_response.payment_status)
    if c.notification_response is not None:
        n = c.notification_response
        return RecordContent(
            content_type=kind, status=n.notification_status, text=redact(n.notification_text)
        )
    # Other kinds (Push, PaymentRequest, InteractiveApplication, …) carry device tokens, prices or links but
    # no conversation text: record that the element existed, nothing of its body.
    return RecordContent(content_type=kind)
