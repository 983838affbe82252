"""Archive the attachments of one conversation before its record is written.

For each attachment of the transcript, in order: a `Link` is never fetched; a mime outside
`attachments.mime_types` or a declared size above `attachments.max_bytes` is skipped; an attachment already
stored under its name (an earlier attempt stored it, then crashed or failed before the record) is taken
from the store without downloading it again; otherwise it is downloaded (fetch.py) and stored write-once
(stores.py). Each gets an outcome for the record (archive/content.py `AttachmentArchive`). A transient
failure is raised only after every other attachment had its turn, so the retry (under the queue's normal
backoff) finds them stored; on the conversation's last attempt it becomes the outcome `failed` instead, so
the transcript is archived rather than dead-lettered for one attachment. The bytes are never redacted,
logged or written anywhere but the store.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from archiver.archive.content import AttachmentArchive, AttachmentOutcome
from archiver.attachments.fetch import AttachmentTransient, Downloader
from archiver.attachments.naming import attachment_name
from archiver.attachments.refs import AttachmentRef
from archiver.attachments.stores import AttachmentStore
from archiver.config_model import AttachmentsConfig
from archiver.errors import SinkPermanentError

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


def mime_allowed(mime: str | None, allowed: Sequence[str]) -> bool:
    """Exact match, or `type/*` for a whole type; an attachment without a declared mime is never allowed."""
    if not mime:
        return False
    kind = mime.split("/", 1)[0]
    return mime in allowed or f"{kind}/*" in allowed


class AttachmentArchiver:
    """Downloads and stores the attachments of conversations (one instance per worker)."""

    def __init__(
        self,
        settings: AttachmentsConfig,
        store: AttachmentStore,
        downloader: Downloader,
        metrics: Any = None,
    ) -> None:
        self._settings, self._store, self._downloader, self._metrics = settings, store, downloader, metrics

    async def archive(
        self, conversation_id: str, end_time: datetime, refs: Sequence[AttachmentRef], *, last_attempt: bool
    ) -> dict[str, AttachmentArchive]:
        """The outcome per attachment id; AttachmentTransient when one should be tried again later."""
        outcomes: dict[str, AttachmentArchive] = {}
        pending: AttachmentTransient | None = None
        counted: list[str] = []
        for ref in refs:
            try:
                outcome, how = await self._one(conversation_id, end_time, ref, last_attempt=last_attempt)
            except AttachmentTransient as exc:
                pending = pending or exc
                continue
            outcomes[ref.id] = outcome
            counted.append(how)
            level = logging.WARNING if how in ("denied", "failed", "unsafe_url") else logging.INFO
            log.log(
                level, "attachment id=%s conversation=%s outcome=%s status=%s bytes=%s",
                ref.id, conversation_id, how, outcome.status, outcome.size_bytes,
            )  # fmt: skip
        if pending is not None:
            raise pending
        if self._metrics is not None:
            for how in counted:
                self._metrics.attachments.labels(how).inc()
        return outcomes

    async def _one(
        self, cid: str, end_time: datetime, ref: AttachmentRef, *, last_attempt: bool
    ) -> tuple[AttachmentArchive, str]:
        s = self._settings
        if ref.media_type == "Link":
            return AttachmentArchive(outcome="link"), "link"
        if not mime_allowed(ref.mime, s.mime_types):
            return AttachmentArchive(outcome="mime_not_allowed"), "mime_not_allowed"
        if ref.size is not None and ref.size > s.max_bytes:
            return AttachmentArchive(outcome="too_large"), "too_large"
        if ref.url is None:
            return AttachmentArchive(outcome="no_url"), "no_url"
        try:
            name = attachment_name(cid, end_time, ref.id, ref.mime)
        except SinkPermanentError as exc:
            log.warning("attachment not stored conversation=%s: %s", cid, exc)
            return AttachmentArchive(outcome="failed"), "failed"
        stored = await self._store.stat(name)
        if stored is not None and _SHA256.fullmatch(stored.sha256):
            done = AttachmentArchive(
                outcome="archived", name=name, sha256=stored.sha256, size_bytes=stored.size
            )
            return done, "already_stored"
        try:
            fetched = await self._downloader.fetch(ref, last_attempt=last_attempt)
        except AttachmentTransient as exc:
            if not last_attempt:
                raise
            log.warning("attachment failed on the last attempt conversation=%s: %s", cid, exc)
            return AttachmentArchive(outcome="failed"), "failed"
        if fetched.outcome != "ok":
            outcome: AttachmentOutcome = fetched.outcome
            return AttachmentArchive(outcome=outcome, status=fetched.status), fetched.outcome
        digest = hashlib.sha256(fetched.data).hexdigest()
        await self._store.put(
            name, fetched.data, sha256=digest, mime=ref.mime, conversation_id=cid, attachment_id=ref.id
        )
        size = len(fetched.data)
        return AttachmentArchive(outcome="archived", name=name, sha256=digest, size_bytes=size), "archived"
