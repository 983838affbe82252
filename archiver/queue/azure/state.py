"""The Azure queue's durable state: one small JSON blob per conversation, changed only under ETag conditions.

`items/{conversationId}.json` holds ids, states, attempt counts, the archive's address and digest, and our
own error text — never transcript content. Creation is put-if-absent (`If-None-Match: *`) and every change is
`If-Match: <etag>`, so when two VMs race on one item exactly one write wins and the loser re-reads. The item's
state is also blob metadata, so `scan()` can count states from a listing (5,000 items per request) without
reading each blob. Watermarks are `watermarks/{name}.json`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

import msgspec
from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import ContainerClient

from archiver.azure_storage import FAILURES
from archiver.errors import QueueError
from archiver.queue.azure.calls import Calls, ensure_exists, queue_error
from archiver.queue.base import QueueItem, StageName, State

log = logging.getLogger(__name__)

ITEMS = "items/"
WATERMARKS = "watermarks/"
_JSON = ContentSettings(content_type="application/json")
_CAS_TRIES = 8  # contention on one item is between a handful of VMs at most


class ItemDoc(msgspec.Struct, frozen=True, kw_only=True):
    """The state of one conversation (schema v1). `message_id` names the one queue message that carries it."""

    v: int = 1
    conversation_id: str
    state: State
    source: str
    enqueued_at: float
    updated_at: float
    attempts: int = 0
    next_at: float | None = None  # pending/retry: earliest attempt; leased: expiry when leased
    first_leased_at: float | None = None
    message_id: str | None = None
    lease_token: str | None = None
    lease_owner: str | None = None
    last_error: str | None = None
    last_cause: str | None = None
    stage: StageName | None = None
    uri: str | None = None
    sha256: str | None = None

    def view(self) -> QueueItem:
        """The protocol's read-only view."""
        return QueueItem(
            self.conversation_id,
            self.state,
            self.source,
            self.attempts,
            self.next_at,
            self.enqueued_at,
            self.updated_at,
            self.last_error,
            self.last_cause,
            self.stage,
            self.uri,
            self.sha256,
        )


class _Watermark(msgspec.Struct, frozen=True):
    value: str
    updated_at: float


_DOC = msgspec.json.Decoder(ItemDoc)
_WM = msgspec.json.Decoder(_Watermark)


def item_name(conversation_id: str) -> str:
    """Blob name of an item; quoting keeps any id (even one with `/`) one flat, reversible name."""
    return f"{ITEMS}{quote(conversation_id, safe='')}.json"


def id_of(name: str) -> str:
    """The conversation id of an item blob name."""
    return unquote(name[len(ITEMS) : -len(".json")])


class StateStore:
    """Item and watermark blobs in one container, with conditional writes."""

    def __init__(self, container: ContainerClient, io: Calls | None = None) -> None:
        self.container = container
        self.io = io or Calls()
        self.where = f"work-queue state container {container.container_name}"

    async def ensure(self, create: bool) -> None:
        """Check the container exists (creating it if allowed)."""
        c = self.container
        await ensure_exists(
            self.io, self.where, c.get_container_properties, c.create_container, create=create
        )

    async def read(self, conversation_id: str) -> tuple[ItemDoc, str] | None:
        """The item and its ETag, or None."""
        blob = self.container.get_blob_client(item_name(conversation_id))
        try:
            with self.io.call("read", f"state of {conversation_id}"):
                stream = await blob.download_blob()
                data = await stream.readall()
        except ResourceNotFoundError:
            return None
        except FAILURES as exc:
            raise queue_error("read", f"state of {conversation_id}", exc) from exc
        try:
            doc = _DOC.decode(data)
        except msgspec.DecodeError as exc:
            raise QueueError(
                f"cannot read state of {conversation_id}: {item_name(conversation_id)} is not a valid "
                f"state document ({exc}); delete the blob to let the reconciler re-find the conversation"
            ) from None
        return doc, str(stream.properties.etag)

    async def exists(self, conversation_id: str) -> bool:
        """True if the item is known (one HEAD request)."""
        try:
            with self.io.call("read", f"state of {conversation_id}"):
                return bool(await self.container.get_blob_client(item_name(conversation_id)).exists())
        except FAILURES as exc:
            raise queue_error("read", f"state of {conversation_id}", exc) from exc

    async def create(self, doc: ItemDoc) -> str | None:
        """Put-if-absent; the new ETag, or None when the item already exists."""
        return await self._write(doc, None)

    async def replace(self, doc: ItemDoc, etag: str) -> str | None:
        """Write if unchanged since `etag`; the new ETag, or None when someone else wrote first."""
        return await self._write(doc, etag)

    async def _write(self, doc: ItemDoc, etag: str | None) -> str | None:
        blob = self.container.get_blob_client(item_name(doc.conversation_id))
        cond: dict[str, Any] = (
            {"overwrite": False}
            if etag is None
            else {"overwrite": True, "etag": etag, "match_condition": MatchConditions.IfNotModified}
        )
        try:
            with self.io.call("write", f"state of {doc.conversation_id}"):
                resp = await blob.upload_blob(
                    msgspec.json.encode(doc),
                    content_settings=_JSON,
                    metadata={"state": doc.state, "updated": f"{doc.updated_at:.3f}"},
                    **cond,
                )
        except (ResourceExistsError, ResourceModifiedError):
            return None
        except HttpResponseError as exc:
            if exc.status_code in (409, 412):  # a conflict code the SDK did not map to the classes above
                return None
            raise queue_error("write", f"state of {doc.conversation_id}", exc) from exc
        except FAILURES as exc:
            raise queue_error("write", f"state of {doc.conversation_id}", exc) from exc
        return str(resp["etag"])

    async def update(
        self, conversation_id: str, change: Callable[[ItemDoc], ItemDoc | None]
    ) -> tuple[ItemDoc | None, bool]:
        """Compare-and-swap loop: apply `change` to the current item until the write wins.

        `change` returns None to leave the item alone. Returns (the item afterwards, whether we changed it);
        (None, False) if the item does not exist.
        """
        for _ in range(_CAS_TRIES):
            current = await self.read(conversation_id)
            if current is None:
                return None, False
            doc, etag = current
            new = change(doc)
            if new is None:
                return doc, False
            if await self.replace(new, etag) is not None:
                return new, True
        raise QueueError(
            f"cannot update state of {conversation_id}: still contended after {_CAS_TRIES} attempts"
        )

    async def delete(self, conversation_id: str) -> bool:
        """Forget an item; False if it was already gone."""
        try:
            with self.io.call("delete", f"state of {conversation_id}"):
                await self.container.get_blob_client(item_name(conversation_id)).delete_blob()
        except ResourceNotFoundError:
            return False
        except FAILURES as exc:
            raise queue_error("delete", f"state of {conversation_id}", exc) from exc
        return True

    async def scan(self) -> AsyncIterator[tuple[str, str, float]]:
        """(conversation id, state, updated_at) of every item, from one listing (metadata only)."""
        try:
            with self.io.call("list", self.where):
                async for b in self.container.list_blobs(name_starts_with=ITEMS, include=["metadata"]):
                    meta = {k.lower(): v for k, v in (b.metadata or {}).items()}
                    try:
                        updated = float(meta.get("updated", "0"))
                    except ValueError:
                        updated = 0.0
                    yield id_of(b.name), meta.get("state", ""), updated
        except FAILURES as exc:
            raise queue_error("list", self.where, exc) from exc

    async def get_watermark(self, name: str) -> datetime | None:
        """A persisted timestamp, or None."""
        blob = self.container.get_blob_client(f"{WATERMARKS}{quote(name, safe='')}.json")
        try:
            with self.io.call("read", f"watermark {name}"):
                data = await (await blob.download_blob()).readall()
        except ResourceNotFoundError:
            return None
        except FAILURES as exc:
            raise queue_error("read", f"watermark {name}", exc) from exc
        try:
            return datetime.fromisoformat(_WM.decode(data).value).astimezone(UTC)
        except (msgspec.DecodeError, ValueError) as exc:
            raise QueueError(f"cannot read watermark {name}: not a valid watermark blob ({exc})") from None

    async def set_watermark(self, name: str, value: datetime, now: float) -> None:
        """Persist a timestamp (last writer wins: only the elected leader runs the reconciler)."""
        blob = self.container.get_blob_client(f"{WATERMARKS}{quote(name, safe='')}.json")
        body = msgspec.json.encode(_Watermark(value.astimezone(UTC).isoformat(), now))
        try:
            with self.io.call("write", f"watermark {name}"):
                await blob.upload_blob(body, overwrite=True, content_settings=_JSON)
        except FAILURES as exc:
            raise queue_error("write", f"watermark {name}", exc) from exc
