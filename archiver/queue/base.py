"""The work-queue contract: conversation ids and their processing state — never transcript content.

States: pending → leased → done | retry (waits until its next-attempt time, then is leasable again) → dead
(after `max_attempts`, with the last error). A lease that expires (its worker crashed) is leasable again and
its attempt still counts, so a conversation that kills every worker ends up dead instead of looping forever.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from archiver.backoff import backoff_s

State = Literal["pending", "leased", "retry", "done", "dead"]
STATES: tuple[State, ...] = ("pending", "leased", "retry", "done", "dead")

# Processing stages remembered across attempts: once the blob is in the (WORM) store, a later attempt only
# retries the write-back and never uploads again.
StageName = Literal["uploaded", "done"]

# Error text stored per item is capped; errors are our own messages, but a cap keeps a hostile upstream
# error body from bloating the file.
MAX_ERROR_CHARS = 500


def clean_error(text: str) -> str:
    """One line, bounded: our own messages, but one must never grow the store or break a log line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_ERROR_CHARS else flat[: MAX_ERROR_CHARS - 1] + "…"


def retry_delay(attempts: int, delay_s: float | None, base_s: float, max_s: float) -> float:
    """The backoff, or a given delay (e.g. Retry-After) plus up to 10 % so a burst does not return at once."""
    return backoff_s(attempts, base_s, max_s) if delay_s is None else delay_s * random.uniform(1.0, 1.1)


class Lease(msgspec.Struct, frozen=True):
    """One leased conversation. `attempts` counts this attempt (1 on the first lease).

    `first_leased_at` (epoch seconds) is fixed at the first lease and survives retries and crashes: the
    pipeline uses it as the record's `archivedAt`, so a rebuilt record is byte-identical and a re-upload
    after a crash finds the same digest in the store.
    """

    conversation_id: str
    attempts: int
    token: str
    first_leased_at: float
    source: str


def final_error(lease: Lease, error: str, *, count_attempt: bool, max_attempts: int) -> str | None:
    """The dead letter's error when this failure used up the item's last attempt (it dies instead of being
    retried); None while attempts remain, and always for an attempt that does not count ("not ready yet")."""
    if count_attempt and lease.attempts >= max_attempts:
        return clean_error(f"{error} (gave up after {lease.attempts} attempts)")
    return None


class Stage(msgspec.Struct, frozen=True):
    """What has already happened to a conversation, with the archive's address and digest."""

    stage: StageName
    uri: str
    sha256: str


class QueueItem(msgspec.Struct, frozen=True):
    """A read-only view of one row, for status commands and tests."""

    conversation_id: str
    state: State
    source: str
    attempts: int
    next_at: float | None
    enqueued_at: float
    updated_at: float
    last_error: str | None
    last_cause: str | None
    stage: StageName | None
    uri: str | None
    sha256: str | None


class WorkQueue(Protocol):
    """A durable, idempotent work queue of conversation ids."""

    async def start(self) -> None:
        """Open the store (create or check the schema)."""

    async def enqueue(self, conversation_id: str, *, source: str, not_before: float | None = None) -> bool:
        """Add an id; False if it is already known in any state (a done conversation is never re-enqueued)."""

    async def enqueue_many(self, ids: Iterable[str], *, source: str) -> int:
        """Add many ids in one transaction; returns how many were new."""

    async def lease(self, owner: str, lease_s: float, limit: int = 1) -> list[Lease]:
        """Lease up to `limit` due items (pending, due retry, or expired lease), oldest first."""

    async def done(self, lease: Lease, *, uri: str, sha256: str) -> None:
        """Mark archived (final)."""

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

    async def dead(self, lease: Lease, *, error: str) -> None:
        """Give up on the item, keeping the error."""

    async def release(self, lease: Lease) -> None:
        """Return a lease unprocessed (shutdown) without counting the attempt."""

    async def extend(self, lease: Lease, lease_s: float) -> bool:
        """Push a held lease's expiry to now + lease_s; False if the lease was lost (expired, re-leased)."""

    async def revive(self, conversation_ids: Iterable[str] | None = None) -> int:
        """Make dead items leasable again with a fresh attempt count (all, or those listed); how many."""

    async def prune_done(self, before: float) -> int:
        """Forget done items last updated before `before` (epoch seconds); returns how many."""

    async def set_stage(self, lease: Lease, stage: StageName, *, uri: str, sha256: str) -> None:
        """Remember progress (e.g. "uploaded") with the archive's address and digest."""

    async def stage(self, conversation_id: str) -> Stage | None:
        """The recorded stage of a conversation, if any."""

    async def counts(self) -> dict[str, int]:
        """Items per state (every state present, zero if empty)."""

    async def get(self, conversation_id: str) -> QueueItem | None:
        """One item, or None if the id was never enqueued (or its done item was pruned)."""

    async def items(self, state: State, limit: int = 100) -> list[QueueItem]:
        """Up to `limit` items in one state (e.g. the dead letters, for an operator)."""

    async def oldest(self) -> dict[str, float]:
        """Per unfinished state (pending, leased, retry): unix time of its least recently changed item."""

    async def get_watermark(self, name: str) -> datetime | None:
        """A persisted timestamp (UTC, aware), e.g. the reconciler's."""

    async def set_watermark(self, name: str, value: datetime) -> None:
        """Persist a timestamp."""

    async def close(self) -> None:
        """Close the store; further calls fail."""
