"""Leader election across VMs with a blob lease: exactly one worker runs the listener and the reconciler.

Every VM runs processors; only the holder of a lease on one well-known blob (`leader` in the queue's state
container) runs leader-only work. The lease lasts `lease_s` (Azure allows 15-60 s) and is renewed every
`renew_s`. Leadership ends *locally* before the lease can end on the server: when a renewal is refused
(someone broke or took the lease) at once, and when renewals keep failing (network, throttling) at
`lease_s - guard_s` after the last successful request was sent — the server's clock starts later than ours,
so the old leader always stops before a new one can acquire. Through a storage outage it keeps campaigning
(every `retry_s`) and takes the lease again once the store answers; the outage itself is logged once, by the
store's `Reach` (archiver/health.py), not per failed acquire or renewal.

    async with Leader(container, identity=worker.owner) as leader:
        intake = {"listener": leader.guard(listener.run), "reconciler": leader.guard(reconciler.run)}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from types import TracebackType

from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.storage.blob.aio import BlobLeaseClient, ContainerClient

from archiver.azure_storage import FAILURES, is_transient
from archiver.health import Reach, network_cause
from archiver.queue.azure.calls import queue_error

log = logging.getLogger(__name__)

LEADER_BLOB = "leader"


class Leader:
    """Holds (or waits for) the leader lease in the background; `guard` runs work only while leader."""

    def __init__(
        self,
        container: ContainerClient,
        *,
        identity: str,
        blob_name: str = LEADER_BLOB,
        lease_s: int = 60,
        renew_s: float = 20.0,
        retry_s: float = 5.0,
        guard_s: float | None = None,
        reach: Reach | None = None,
    ) -> None:
        if not 15 <= lease_s <= 60:
            raise ValueError("lease_s must be within 15..60 (Azure blob lease limits)")
        if not 0 < renew_s < lease_s / 2:
            raise ValueError("renew_s must be positive and under half of lease_s")
        self.identity = identity
        self.lease_s, self.renew_s, self.retry_s = lease_s, renew_s, retry_s
        self.guard_s = guard_s if guard_s is not None else max(2.0, lease_s / 10)
        self._blob = container.get_blob_client(blob_name)
        # A fixed proposed id makes acquire idempotent for us: re-acquiring our own lease just succeeds.
        self._lease = BlobLeaseClient(self._blob, lease_id=str(uuid.uuid4()))
        self._is_leader = asyncio.Event()
        self._not_leader = asyncio.Event()
        self._not_leader.set()
        self._task: asyncio.Task[None] | None = None
        self._deadline = 0.0  # monotonic time at which our leadership ends unless renewed
        self.terms = 0  # how many times we became leader
        self.reach = reach  # the state container's reachability (/healthz), fed by every lease request

    def __repr__(self) -> str:
        return f"Leader(blob={self._blob.blob_name!r}, identity={self.identity!r}, leader={self.is_leader})"

    @property
    def is_leader(self) -> bool:
        """True while we hold the lease (as far as we can know locally)."""
        return self._is_leader.is_set()

    async def start(self) -> None:
        """Create the lease blob if missing and start campaigning in the background."""
        if self._task is not None:
            return
        try:
            await self._blob.upload_blob(b"", overwrite=False)
        except ResourceExistsError:
            pass
        except HttpResponseError as exc:
            if exc.status_code != 412:  # leased by the current leader: it exists, which is all we need
                raise queue_error("create", f"leader blob {self._blob.blob_name}", exc) from exc
        except FAILURES as exc:
            raise queue_error("create", f"leader blob {self._blob.blob_name}", exc) from exc
        self._task = asyncio.create_task(self._campaign(), name="leader-election")

    async def wait_leader(self) -> None:
        """Return once we are the leader."""
        await self._is_leader.wait()

    async def wait_lost(self) -> None:
        """Return once we are not (or no longer) the leader."""
        await self._not_leader.wait()

    async def guard(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` whenever we are leader; cancel it as soon as leadership is lost, then wait to win again.

        Returns when `work` returns; re-raises what it raises. Use as an intake task of the worker.
        """
        while True:
            await self.wait_leader()
            task = asyncio.ensure_future(work())
            lost = asyncio.ensure_future(self.wait_lost())
            try:
                await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                lost.cancel()
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if not task.cancelled():
                task.result()  # finished or raised on its own while we were leader
                return
            log.warning("leader_work_stopped identity=%s reason=leadership_lost", self.identity)

    def _won(self, sent_at: float) -> None:
        self._deadline = sent_at + self.lease_s - self.guard_s
        if not self.is_leader:
            self.terms += 1
            log.info("leader_elected identity=%s lease_s=%d", self.identity, self.lease_s)
            self._not_leader.clear()
            self._is_leader.set()

    def _answered(self) -> None:
        if self.reach is not None:
            self.reach.ok()

    def _trouble(self, op: str, exc: BaseException, sent: float) -> None:
        """A failed acquire/renew: the store's outage (logged once by its Reach) or a line of its own."""
        if self.reach is not None and is_transient(exc):
            status = getattr(exc, "status_code", None)
            cause = f"HTTP {status}" if status is not None else network_cause(exc)
            since = time.monotonic() - sent  # `sent` is on the lease deadline's clock, not the Reach's
            self.reach.failed(f"cannot {op} the leader lease: {cause}", sent_at=self.reach.now() - since)
            return
        if isinstance(exc, HttpResponseError):
            log.warning("leader_%s_failed status=%s", op, exc.status_code)
        else:
            log.warning("leader_%s_failed error=%s", op, type(exc).__name__)

    def _lost(self, reason: str) -> None:
        if self.is_leader:
            log.warning("leader_lost identity=%s reason=%s", self.identity, reason)
            self._is_leader.clear()
            self._not_leader.set()

    async def _campaign(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:  # a bug here must not leave us leading blind, nor stop campaigning
                log.exception("leader_campaign_error identity=%s", self.identity)
                self._lost("campaign_error")
                await asyncio.sleep(self.retry_s)

    async def _step(self) -> None:
        """One acquire attempt (follower), or one renewal round (leader)."""
        if not self.is_leader:
            sent = time.monotonic()
            try:
                # An answer later than this would grant a lease already too old to lead on (see _won).
                await asyncio.wait_for(
                    self._lease.acquire(lease_duration=self.lease_s), self.lease_s - self.guard_s
                )
                self._answered()
                self._won(sent)
                return
            except HttpResponseError as exc:
                if exc.status_code == 409:  # 409 LeaseAlreadyPresent: someone else leads
                    self._answered()
                else:
                    self._trouble("acquire", exc, sent)
            except FAILURES as exc:  # includes TimeoutError from wait_for
                self._trouble("acquire", exc, sent)
            await asyncio.sleep(self.retry_s)
            return
        # Leader: renew on schedule; on trouble retry sooner, but never past the local deadline.
        await asyncio.sleep(max(0.0, min(self.renew_s, self._deadline - time.monotonic())))
        while self.is_leader:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                self._lost("renewals_failed")
                return
            sent = time.monotonic()
            try:
                await asyncio.wait_for(self._lease.renew(), timeout=remaining)
                self._answered()
                self._won(sent)
                return
            except HttpResponseError as exc:
                if exc.status_code in (409, 412):  # the lease was broken or taken: stop at once
                    self._answered()
                    self._lost(f"renew_refused_{exc.status_code}")
                    return
                self._trouble("renew", exc, sent)
            except FAILURES as exc:  # includes TimeoutError from wait_for
                self._trouble("renew", exc, sent)
            await asyncio.sleep(min(1.0, max(0.0, self._deadline - time.monotonic())))

    async def close(self) -> None:
        """Stop campaigning and release the lease if held, so another VM takes over at once."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.is_leader:
            self._lost("closing")
            if self.reach is not None and self.reach.failing_since is not None:
                # The store is away: a release would only spend the SDK's retries of a stopping worker.
                log.info("leader_release_skipped identity=%s (the lease expires on its own)", self.identity)
                return
            try:
                await self._lease.release()
                log.info("leader_released identity=%s", self.identity)
            except (*FAILURES, HttpResponseError) as exc:
                log.warning(
                    "leader_release_failed error=%s (the lease expires on its own)", type(exc).__name__
                )

    async def __aenter__(self) -> Leader:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def leader_for(queue: object, *, reach: Reach | None = None) -> Leader | None:
    """A Leader on the shared queue's state container, or None when the queue is local (SQLite: one VM)."""
    from archiver.queue.azure.queue import AzureQueue  # lazy: leader.py stays importable without a queue

    if not isinstance(queue, AzureQueue):
        return None
    identity = f"{socket.gethostname()}:{os.getpid()}"
    return Leader(queue.clients.container, identity=identity, reach=reach or queue.state_reach)
