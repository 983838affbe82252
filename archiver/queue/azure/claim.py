"""How a received queue message becomes a lease — the rules that keep several VMs consistent.

The item's state blob decides, by compare-and-swap:
- a message whose id is not the item's `message_id` is a duplicate (or a stale copy): deleted;
- a message of a done/dead item is a leftover of a crash between the state write and the delete: deleted;
- a message of a pending/retry item that is not due yet (a delay beyond 7 days, clock skew): hidden again;
- a message of a leased item means its lease expired (the queue is the clock): attempts+1, or dead at max;
- a message with no state blob is an enqueue that crashed between send and create: adopted after a grace
  (a younger one may belong to an enqueuer that is creating the blob right now);
- anything that is not one of our messages can never be processed and would loop forever: deleted.
"""

from __future__ import annotations

import logging
import secrets
import time

import msgspec
from azure.storage.queue import QueueMessage

from archiver.ids import is_conversation_id
from archiver.queue.azure.messages import Messages, decode
from archiver.queue.azure.state import ItemDoc, StateStore
from archiver.queue.base import Lease

log = logging.getLogger("archiver.queue.azure")

_CAS_TRIES = 8  # contention on one item is between a handful of VMs at most


async def claim(
    mq: Messages,
    st: StateStore,
    m: QueueMessage,
    *,
    owner: str,
    lease_s: float,
    max_attempts: int,
    orphan_grace_s: float,
) -> tuple[Lease, str] | None:
    """Turn one received message into a lease (plus the message's pop receipt), or settle the message."""
    body = decode(m)
    if body is None or not is_conversation_id(body.id):
        log.warning("queue_bad_message message_id=%s (deleted)", m.id)
        await mq.delete("?", m.id, m.pop_receipt)
        return None
    cid = body.id
    for _ in range(_CAS_TRIES):
        now = time.time()
        current = await st.read(cid)
        if current is None:
            inserted = m.inserted_on.timestamp() if m.inserted_on else now
            if now - inserted < orphan_grace_s:
                await mq.hide(cid, m.id, m.pop_receipt, 2)
                return None
            orphan = ItemDoc(
                conversation_id=cid, state="pending", source=body.source, enqueued_at=inserted,
                updated_at=now, next_at=now, message_id=m.id,
            )  # fmt: skip
            etag = await st.create(orphan)
            if etag is None:
                continue  # created meanwhile: decide on what is there
            log.info("queue_orphan_adopted id=%s", cid)
            doc = orphan
        else:
            doc, etag = current
        if doc.state in ("done", "dead") or doc.message_id != m.id:
            await mq.delete(cid, m.id, m.pop_receipt)
            return None
        if doc.state != "leased" and doc.next_at is not None and doc.next_at > now + 1:
            await mq.hide(cid, m.id, m.pop_receipt, doc.next_at - now)
            return None
        if doc.state == "leased" and doc.attempts >= max_attempts:
            # Its worker died on every attempt (crash, OOM, hang): stop feeding it to workers.
            error = f"lease expired on each of {doc.attempts} attempts (worker crashed or hung)"
            dead = msgspec.structs.replace(
                doc, state="dead", next_at=None, lease_token=None, lease_owner=None, updated_at=now,
                last_error=error, last_cause="lease_expired",
            )  # fmt: skip
            if await st.replace(dead, etag) is None:
                continue
            log.warning("queue_dead id=%s cause=lease_expired attempts=%d", cid, doc.attempts)
            await mq.delete(cid, m.id, m.pop_receipt)
            return None
        if doc.state == "leased":
            log.info("queue_lease_expired id=%s attempts=%d", cid, doc.attempts)
        token = secrets.token_hex(8)
        first = now if doc.first_leased_at is None else doc.first_leased_at
        new = msgspec.structs.replace(
            doc, state="leased", attempts=doc.attempts + 1, lease_token=token, lease_owner=owner,
            next_at=now + lease_s, first_leased_at=first, updated_at=now,
        )  # fmt: skip
        if await st.replace(new, etag) is None:
            continue  # another VM changed the item first: decide again on its new state
        return Lease(cid, new.attempts, token, first, doc.source), m.pop_receipt or ""
    await mq.hide(cid, m.id, m.pop_receipt, 1)  # heavily contended: try again shortly
    return None
