"""The Azure Storage queue side of the cross-VM work queue: messages that deliver conversation ids.

A message is `{"id": conversationId, "source": ...}` as plain JSON text (no transcript content, far below the
64 KiB limit) and never expires (`time_to_live=-1`: the default 7-day TTL would silently drop an item that
waits for a long backoff). Operations on a message we may no longer own (its pop receipt went stale because
the lease expired and someone else received it, or it is already deleted) report False instead of raising:
the state blob already says what happened.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

import msgspec
from azure.core.exceptions import HttpResponseError
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from archiver.azure_storage import FAILURES
from archiver.queue.azure.calls import Calls, ensure_exists, queue_error

log = logging.getLogger(__name__)

MAX_VISIBILITY_S = 7 * 24 * 3600 - 60  # Azure's limit is 7 days


class Body(msgspec.Struct, frozen=True):
    """A message's content."""

    id: str
    source: str


_BODY = msgspec.json.Decoder(Body)


def visibility(seconds: float) -> int:
    """Whole seconds within Azure's 0..7 days."""
    return min(MAX_VISIBILITY_S, max(0, math.ceil(seconds)))


def decode(m: QueueMessage) -> Body | None:
    """The body of one of our messages, or None for anything else."""
    try:
        return _BODY.decode(m.content)
    except (msgspec.DecodeError, TypeError):
        return None


class Messages:
    """One Azure Storage queue."""

    def __init__(self, client: QueueClient, io: Calls | None = None) -> None:
        self.client = client
        self.io = io or Calls()
        self.where = f"work queue azure:{client.queue_name}"

    async def ensure(self, create: bool) -> None:
        """Check the queue exists (creating it if allowed)."""
        q = self.client
        await ensure_exists(self.io, self.where, q.get_queue_properties, q.create_queue, create=create)

    async def send(self, cid: str, source: str, delay: float) -> QueueMessage:
        """Send the message of one item, invisible for `delay` seconds."""
        body = msgspec.json.encode(Body(cid, source)).decode()
        try:
            with self.io.call("send message for", cid):
                return await self.client.send_message(
                    body, visibility_timeout=visibility(delay), time_to_live=-1
                )
        except FAILURES as exc:
            raise queue_error("send message for", cid, exc) from exc

    async def receive(self, limit: int, lease_s: float) -> list[QueueMessage]:
        """Up to `limit` visible messages, each hidden for `lease_s` (one page: never drain the queue)."""
        out: list[QueueMessage] = []
        try:
            pager = self.client.receive_messages(
                messages_per_page=min(32, limit),
                max_messages=limit,
                visibility_timeout=max(1, visibility(lease_s)),
            )
            with self.io.call("receive from", self.where):
                async for m in pager:
                    out.append(m)
        except FAILURES as exc:
            raise queue_error("receive from", self.where, exc) from exc
        return out

    async def _quietly(self, what: str, cid: str, op: Callable[[], Awaitable[object]]) -> tuple[bool, object]:
        try:
            with self.io.call(what, f"message of {cid}"):
                return True, await op()
        except HttpResponseError as exc:
            if exc.status_code in (400, 404):  # PopReceiptMismatch / MessageNotFound
                log.info("queue_message_gone id=%s op=%s status=%s", cid, what, exc.status_code)
                return False, None
            raise queue_error(what, f"message of {cid}", exc) from exc
        except FAILURES as exc:
            raise queue_error(what, f"message of {cid}", exc) from exc

    async def delete(self, cid: str, message_id: str, receipt: str | None) -> bool:
        """Delete a message; False if it is gone or no longer ours."""
        ok, _ = await self._quietly("delete", cid, lambda: self.client.delete_message(message_id, receipt))
        return ok

    async def hide(self, cid: str, message_id: str, receipt: str | None, delay: float) -> str | None:
        """Make a message visible again after `delay` s (0: now); its new pop receipt, or None if not ours."""
        _ok, m = await self._quietly(
            "hide",
            cid,
            lambda: self.client.update_message(message_id, receipt, visibility_timeout=visibility(delay)),
        )
        return m.pop_receipt if isinstance(m, QueueMessage) else None
