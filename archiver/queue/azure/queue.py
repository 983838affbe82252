"""The work queue across VMs: an Azure Storage queue delivers, per-conversation state blobs decide.

Delivery: each pending conversation has exactly one *canonical* queue message (`{"id", "source"}`, no TTL).
Leasing receives it with `visibility_timeout = lease_s`; a crashed worker's message simply becomes visible
again. Retry hides it for the backoff (`update_message`), release makes it visible at once, done/dead delete
it. Queue messages can be duplicated (at-least-once, or two enqueuers racing), so they only *deliver*.

Truth: `items/{id}.json` in a non-WORM state container (`state.py`), written with ETag conditions,
records the state, attempts, stage and the id of the canonical message. Every decision is a compare-and-swap
on that blob, so two VMs never both lease, finish or dead-letter an item (receive rules: `claim.py`).

Enqueue = HEAD the state blob (known ids cost one request), send the message, create the blob if absent; the
loser of a race deletes its own message. Attempts live in the state blob, not in the message's
`dequeue_count`, so releases and "not ready yet" retries do not count and duplicates cannot inflate it.

Costs: lease ≈ 3 requests (receive, read, write), done ≈ 3 (read, write, delete). `counts()` and `items()`
list the state container (one request per 5,000 items) — `counts()` is cached `counts_cache_s`.

Why one module of ~430 lines: it implements the whole `WorkQueue` contract (enqueue, lease, done, retry,
dead, extend, revive, prune, counts, items) over one pair of resources; the message/state-blob protocol
that keeps two VMs from owning one id is only checkable when every operation on it is in one place.
Settings/clients, state blobs and the leader are already separate modules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from datetime import datetime

from azure.storage.queue import QueueMessage

from archiver.errors import QueueError
from archiver.health import QUEUE_FIX, Reach
from archiver.ids import check_conversation_id
from archiver.queue.azure.calls import Calls
from archiver.queue.azure.claim import claim
from archiver.queue.azure.messages import Messages
from archiver.queue.azure.settings import AzureQueueSettings, Clients, endpoints, open_clients
from archiver.queue.azure.state import ItemDoc, StateStore
from archiver.queue.azure.transitions import (
    to_dead,
    to_done,
    to_released,
    to_retry,
    to_revived,
    with_stage,
)
from archiver.queue.base import (
    STATES,
    Lease,
    QueueItem,
    Stage,
    StageName,
    State,
    clean_error,
    final_error,
    retry_delay,
)

log = logging.getLogger(__name__)


class _Held:
    """The message behind one of our leases; its pop receipt changes on every update."""

    __slots__ = ("lock", "message_id", "pop_receipt")

    def __init__(self, message_id: str, pop_receipt: str) -> None:
        self.message_id, self.pop_receipt = message_id, pop_receipt
        self.lock = asyncio.Lock()


class AzureQueue:
    """`WorkQueue` on Azure Queue Storage + state blobs; any number of VMs may share one."""

    def __init__(self, settings: AzureQueueSettings) -> None:
        self.settings = settings
        self.max_attempts = settings.max_attempts
        self._clients: Clients | None = None
        self._messages: Messages | None = None
        self._state: StateStore | None = None
        self._held: dict[str, _Held] = {}
        self._closed = False
        self._counts: tuple[float, dict[str, int], dict[str, float]] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._start_lock = asyncio.Lock()
        self.where = f"work queue azure:{settings.queue_name}"
        # Whether the state container and the queue answer (/healthz, outage logs): fed by every SDK call.
        blob_ep, queue_ep = endpoints(settings)
        self.state_reach = Reach("work queue store", blob_ep, QUEUE_FIX, announce=True)
        self.messages_reach = Reach("work queue messages", queue_ep, QUEUE_FIX, announce=True)

    def __repr__(self) -> str:
        return f"AzureQueue(queue={self.settings.queue_name!r}, state={self.settings.state_container!r})"

    @property
    def clients(self) -> Clients:
        """The SDK clients (after start), e.g. for a Leader on the same state container."""
        if self._clients is None:
            raise QueueError(f"cannot use {self.where}: it is not started")
        return self._clients

    async def start(self) -> None:
        """Open the clients; check (or create) the queue and the state container."""
        async with self._start_lock:  # concurrent first calls must not open (and leak) two clients
            await self._start()

    async def _start(self) -> None:
        if self._closed:
            raise QueueError(f"cannot use {self.where}: it is closed")
        if self._clients is not None:
            return
        clients = open_clients(self.settings)
        try:
            messages = Messages(clients.queue, Calls(self.messages_reach))
            await messages.ensure(self.settings.create)
            state = StateStore(clients.container, Calls(self.state_reach))
            await state.ensure(self.settings.create)
        except BaseException:
            await clients.close()
            raise
        self._clients, self._messages, self._state = clients, messages, state
        log.info(
            "queue started kind=azure queue=%s state_container=%s",
            self.settings.queue_name,
            self.settings.state_container,
        )

    async def _ready(self) -> tuple[Messages, StateStore]:
        if self._closed:
            raise QueueError(f"cannot use {self.where}: it is closed")
        if self._state is None:
            await self.start()
        assert self._messages is not None and self._state is not None
        return self._messages, self._state

    async def _finish(self, lease: Lease, *, delete: bool, delay: float = 0.0) -> None:
        """Settle the message of a lease we no longer hold: delete it, or make it visible after `delay`."""
        held = self._held.pop(lease.token, None)
        if held is None or self._messages is None:
            return  # not ours (another process's Lease) or closed: the message re-appears and is sorted out
        cid = lease.conversation_id
        async with held.lock:  # never race an extend() that is swapping the pop receipt
            if delete:
                await self._messages.delete(cid, held.message_id, held.pop_receipt)
            else:
                await self._messages.hide(cid, held.message_id, held.pop_receipt, delay)

    # ---- intake ------------------------------------------------------------------------------------------

    async def enqueue(self, conversation_id: str, *, source: str, not_before: float | None = None) -> bool:
        """Add an id; False if it is already known in any state (a done conversation is never re-enqueued)."""
        check_conversation_id(conversation_id)
        mq, st = await self._ready()
        if await st.exists(conversation_id):
            return False
        now = time.time()
        due = now if not_before is None else not_before
        msg = await mq.send(conversation_id, source, due - now)
        doc = ItemDoc(
            conversation_id=conversation_id,
            state="pending",
            source=source,
            enqueued_at=now,
            updated_at=now,
            next_at=due,
            message_id=msg.id,
        )
        if await st.create(doc) is None:  # lost a race with another enqueuer: ours is a duplicate
            await mq.delete(conversation_id, msg.id, msg.pop_receipt)
            return False
        return True

    async def enqueue_many(self, ids: Iterable[str], *, source: str) -> int:
        """Add many ids (concurrently, not atomically); returns how many were new."""
        unique = list(dict.fromkeys(ids))
        for cid in unique:
            check_conversation_id(cid)
        gate = asyncio.Semaphore(self.settings.enqueue_concurrency)

        async def one(cid: str) -> bool:
            async with gate:
                return await self.enqueue(cid, source=source)

        return sum(await asyncio.gather(*(one(cid) for cid in unique)))

    # ---- leasing -----------------------------------------------------------------------------------------

    async def lease(self, owner: str, lease_s: float, limit: int = 1) -> list[Lease]:
        """Lease up to `limit` due items (pending, due retry, or expired lease), roughly oldest first."""
        if limit < 1:
            return []
        await self._ready()
        task = asyncio.ensure_future(self._lease(owner, lease_s, limit))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # The caller is gone but items may be leased already: hand them back instead of letting the
            # leases expire (which would count an attempt nobody made).
            task.add_done_callback(self._release_orphans)
            raise

    def _release_orphans(self, task: asyncio.Future[list[Lease]]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        for lease in task.result():
            bg = asyncio.ensure_future(self.release(lease))
            self._background.add(bg)
            bg.add_done_callback(self._background.discard)

    async def _lease(self, owner: str, lease_s: float, limit: int) -> list[Lease]:
        mq, _st = await self._ready()
        msgs = await mq.receive(limit, lease_s)
        results = await asyncio.gather(
            *(self._claim(m, owner, lease_s) for m in msgs), return_exceptions=True
        )
        leases = [r for r in results if isinstance(r, Lease)]
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            for lease in leases:
                await self.release(lease)
            raise errors[0]
        return leases

    async def _claim(self, m: QueueMessage, owner: str, lease_s: float) -> Lease | None:
        mq, st = await self._ready()
        got = await claim(
            mq, st, m, owner=owner, lease_s=lease_s, max_attempts=self.max_attempts,
            orphan_grace_s=self.settings.orphan_grace_s,
        )  # fmt: skip
        if got is None:
            return None
        lease, receipt = got
        self._held[lease.token] = _Held(m.id, receipt)
        return lease

    async def extend(self, lease: Lease, lease_s: float) -> bool:
        """Push a held lease's expiry to now + lease_s; False if the lease was lost (expired, re-leased)."""
        held = self._held.get(lease.token)
        if held is None or self._messages is None:
            return False
        async with held.lock:
            receipt = await self._messages.hide(
                lease.conversation_id, held.message_id, held.pop_receipt, max(1.0, lease_s)
            )
            if receipt is None:  # someone else received the message: the lease is gone
                self._held.pop(lease.token, None)
                return False
            held.pop_receipt = receipt
        return True

    # ---- outcomes ----------------------------------------------------------------------------------------

    async def _lost(self, lease: Lease, doc: ItemDoc | None, action: str) -> State:
        state: State = doc.state if doc is not None else "dead"
        log.warning("queue_lease_lost id=%s action=%s state=%s", lease.conversation_id, action, state)
        if state in ("done", "dead"):
            await self._finish(lease, delete=True)
        else:
            self._held.pop(lease.token, None)  # the message is someone else's now
        return state

    async def done(self, lease: Lease, *, uri: str, sha256: str) -> None:
        """Mark archived (final), even if the lease was lost: the archive exists either way."""
        _q, st = await self._ready()
        await st.update(lease.conversation_id, to_done(uri, sha256))
        await self._finish(lease, delete=True)

    async def retry(
        self,
        lease: Lease,
        *,
        error: str,
        cause: str,
        delay_s: float | None = None,
        count_attempt: bool = True,
    ) -> State:
        """Schedule another attempt (backoff with jitter unless `delay_s`); dead after max attempts."""
        final = final_error(lease, error, count_attempt=count_attempt, max_attempts=self.max_attempts)
        if final is not None:
            return await self._dead(lease, final, cause)
        _q, st = await self._ready()
        s = self.settings
        delay = retry_delay(lease.attempts, delay_s, s.backoff_base_s, s.backoff_max_s)
        undo = 0 if count_attempt else 1
        change = to_retry(lease.token, delay=delay, undo=undo, error=clean_error(error), cause=cause)
        doc, changed = await st.update(lease.conversation_id, change)
        if not changed:
            return await self._lost(lease, doc, "retry")
        await self._finish(lease, delete=False, delay=delay)
        return "retry"

    async def dead(self, lease: Lease, *, error: str, cause: str = "permanent") -> None:
        """Give up on the item, keeping the error."""
        await self._dead(lease, clean_error(error), cause)

    async def _dead(self, lease: Lease, msg: str, cause: str) -> State:
        _q, st = await self._ready()
        change = to_dead(lease.token, error=msg, cause=cause)
        doc, changed = await st.update(lease.conversation_id, change)
        if not changed:
            return await self._lost(lease, doc, "dead")
        log.warning("queue_dead id=%s cause=%s attempts=%d", lease.conversation_id, cause, lease.attempts)
        await self._finish(lease, delete=True)
        return "dead"

    async def release(self, lease: Lease) -> None:
        """Return a lease unprocessed (shutdown) without counting the attempt."""
        _q, st = await self._ready()
        change = to_released(lease.token)
        _doc, changed = await st.update(lease.conversation_id, change)
        if changed:
            await self._finish(lease, delete=False, delay=0)
        else:
            self._held.pop(lease.token, None)

    async def revive(self, conversation_ids: Iterable[str] | None = None) -> int:
        """Make dead items leasable again with a fresh attempt count, keeping stage and last error."""
        mq, st = await self._ready()
        if conversation_ids is None:
            ids = [cid async for cid, state, _ in st.scan() if state == "dead"]
        else:
            ids = list(conversation_ids)
            for cid in ids:
                check_conversation_id(cid)
        n = 0
        for cid in ids:
            current = await st.read(cid)
            if current is None or current[0].state != "dead":
                continue
            msg = await mq.send(cid, current[0].source, 0)
            _doc, changed = await st.update(cid, to_revived(msg.id))
            if changed:
                n += 1
            else:  # revived (or changed) by someone else meanwhile: ours would be a duplicate
                await mq.delete(cid, msg.id, msg.pop_receipt)
        if n:
            log.warning("queue_revived count=%d", n)
        return n

    async def prune_done(self, before: float) -> int:
        """Forget done items last updated before `before` (epoch seconds); returns how many.

        Done is final (nothing changes a done item), so deleting its state blob races with nothing; a
        conversation re-found later is rebuilt and recognised as already archived, never archived twice.
        """
        _mq, st = await self._ready()
        old = [cid async for cid, state, updated in st.scan() if state == "done" and updated < before]
        gate = asyncio.Semaphore(self.settings.enqueue_concurrency)

        async def one(cid: str) -> bool:
            async with gate:
                return await st.delete(cid)

        n = sum(await asyncio.gather(*(one(cid) for cid in old)))
        log.info("queue_pruned count=%d", n)
        return n

    # ---- stages and views ---------------------------------------------------------------------------------

    async def set_stage(self, lease: Lease, stage: StageName, *, uri: str, sha256: str) -> None:
        """Remember progress with the archive's address and digest (recorded even if the lease was lost)."""
        _q, st = await self._ready()

        await st.update(lease.conversation_id, with_stage(stage, uri, sha256))

    async def stage(self, conversation_id: str) -> Stage | None:
        """The recorded stage of a conversation, if any."""
        _q, st = await self._ready()
        current = await st.read(conversation_id)
        if current is None or current[0].stage is None:
            return None
        doc = current[0]
        return Stage(doc.stage, doc.uri or "", doc.sha256 or "")  # type: ignore[arg-type]

    async def get(self, conversation_id: str) -> QueueItem | None:
        """One item, or None."""
        _q, st = await self._ready()
        current = await st.read(conversation_id)
        return None if current is None else current[0].view()

    async def items(self, state: State, limit: int = 100) -> list[QueueItem]:
        """Up to `limit` items in one state, least recently updated first (lists the state container)."""
        _q, st = await self._ready()
        hits = sorted([(updated, cid) async for cid, s, updated in st.scan() if s == state])[:limit]
        docs = await asyncio.gather(*(st.read(cid) for _, cid in hits))
        return [d[0].view() for d in docs if d is not None and d[0].state == state]

    async def counts(self) -> dict[str, int]:
        """Items per state (every state present); one listing of the state container, cached briefly."""
        _q, st = await self._ready()
        now = time.monotonic()
        if self._counts is not None and now - self._counts[0] < self.settings.counts_cache_s:
            return dict(self._counts[1])
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        oldest: dict[str, float] = {}
        async for _cid, state, updated in st.scan():
            if state in out:
                out[state] += 1
            if state in ("pending", "leased", "retry") and updated > 0:
                oldest[state] = min(updated, oldest.get(state, updated))
        self._counts = (now, out, oldest)
        return dict(out)

    async def oldest(self) -> dict[str, float]:
        """Per unfinished state: unix time of its least recently changed item (listing cached with counts)."""
        await self.counts()
        assert self._counts is not None
        return dict(self._counts[2])

    # ---- watermarks --------------------------------------------------------------------------------------

    async def get_watermark(self, name: str) -> datetime | None:
        """A persisted timestamp (UTC, aware)."""
        _q, st = await self._ready()
        return await st.get_watermark(name)

    async def set_watermark(self, name: str, value: datetime) -> None:
        """Persist a timestamp (must be timezone-aware)."""
        if value.tzinfo is None:
            raise ValueError("watermark must be a timezone-aware datetime")
        _q, st = await self._ready()
        await st.set_watermark(name, value, time.time())

    async def close(self) -> None:
        """Close the clients; idempotent. Leases still held simply expire."""
        if self._closed:
            return
        if self._background:  # releases of leases whose caller was cancelled
            await asyncio.wait(self._background, timeout=5)
        self._closed = True
        clients, self._clients, self._messages, self._state = self._clients, None, None, None
        self._held.clear()
        if clients is not None:
            await clients.close()
