"""State transitions of one item, as pure functions for `StateStore.update` (compare-and-swap).

Each returns a `change(doc)` that gives the new document, or None to leave the item alone — e.g. when the
lease named by `token` is no longer the item's current lease (it expired and another VM took the item).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from archiver.queue.azure.state import ItemDoc
from archiver.queue.base import StageName

Change = Callable[[ItemDoc], ItemDoc | None]


def _held_by(d: ItemDoc, token: str) -> bool:
    return d.state == "leased" and d.lease_token == token


def to_done(uri: str, sha256: str) -> Change:
    """Archived: final, whoever holds the lease (the archive exists either way)."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if d.state == "done":
            return None
        return msgspec.structs.replace(
            d, state="done", stage="done", uri=uri, sha256=sha256, next_at=None, lease_token=None,
            lease_owner=None, updated_at=time.time(),
        )  # fmt: skip

    return change


def to_retry(token: str, *, delay: float, undo: int, error: str, cause: str) -> Change:
    """Back to waiting for `delay` s; `undo=1` takes back the attempt ("not ready yet" is not failing)."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if not _held_by(d, token):
            return None
        now = time.time()
        return msgspec.structs.replace(
            d, state="retry", attempts=max(0, d.attempts - undo), next_at=now + delay, lease_token=None,
            lease_owner=None, last_error=error, last_cause=cause, updated_at=now,
        )  # fmt: skip

    return change


def to_dead(token: str, *, error: str, cause: str) -> Change:
    """Given up, keeping the error."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if not _held_by(d, token):
            return None
        return msgspec.structs.replace(
            d, state="dead", next_at=None, lease_token=None, lease_owner=None, last_error=error,
            last_cause=cause, updated_at=time.time(),
        )  # fmt: skip

    return change


def to_released(token: str) -> Change:
    """Handed back unprocessed (shutdown): pending now, the attempt not counted."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if not _held_by(d, token):
            return None
        now = time.time()
        return msgspec.structs.replace(
            d, state="pending", attempts=max(0, d.attempts - 1), next_at=now, lease_token=None,
            lease_owner=None, updated_at=now,
        )  # fmt: skip

    return change


def to_revived(message_id: str) -> Change:
    """A dead item leasable again (fresh attempts; stage and last error kept), carried by a new message."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if d.state != "dead":
            return None
        now = time.time()
        return msgspec.structs.replace(
            d, state="pending", attempts=0, next_at=now, message_id=message_id, updated_at=now
        )

    return change


def with_stage(stage: StageName, uri: str, sha256: str) -> Change:
    """Progress recorded (even by a lost lease: the blob is in the store); never downgrades a done item."""

    def change(d: ItemDoc) -> ItemDoc | None:
        if d.stage == "done":
            return None
        return msgspec.structs.replace(d, stage=stage, uri=uri, sha256=sha256, updated_at=time.time())

    return change
