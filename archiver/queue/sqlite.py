"""The work queue on one VM: a SQLite file in WAL mode, driven from one dedicated thread.

Durability: `synchronous=FULL`. A commit is on disk when it returns, even across power loss. NORMAL would
survive a killed process too, but after an OS crash it can lose the last commits. Some of those commits
describe things that cannot be undone: a blob uploaded to a WORM store, or `first_leased_at`, which fixes the
record's `archivedAt` and so its digest. One fsync per commit costs little next to the network round trips
in each conversation. Bulk enqueues are batched into one transaction, so they pay one fsync per batch.

Lease queries use a partial index over due items only (pending/retry/leased ordered by `next_at`). Leasing
from a backlog of 100,000 ids reads `limit` index entries; it never scans the table, and done rows
are not in that index at all.

Why one module of ~490 lines: it implements the whole `WorkQueue` contract in SQL, and the schema and the
statements that rely on its partial index must change together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from archiver.errors import QueueError
from archiver.ids import check_conversation_id
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
from archiver.queue.schema import open_db

log = logging.getLogger(__name__)

T = TypeVar("T")

_INSERT = (
    "INSERT OR IGNORE INTO items (conversation_id, state, source, next_at, enqueued_at, updated_at)"
    " VALUES (?, 'pending', ?, ?, ?, ?)"
)
_ROW_COLUMNS = (
    "conversation_id, state, source, attempts, next_at, enqueued_at, updated_at, "
    "last_error, last_cause, stage, uri, sha256"
)


class SqliteQueue:
    """`WorkQueue` on a SQLite file. Several instances (processes) may share a file; leases are exclusive."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_attempts: int = 10,
        backoff_base_s: float = 5.0,
        backoff_max_s: float = 900.0,
        busy_timeout_s: float = 30.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self.path = Path(path)
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.busy_timeout_s = busy_timeout_s
        self._conn: sqlite3.Connection | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"SqliteQueue(path={str(self.path)!r}, max_attempts={self.max_attempts})"

    # ---- plumbing ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Open (creating if needed) the file and check it is an archiver queue of a known schema version."""
        if self._executor is not None:
            return
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="queue-sqlite")
        try:
            await self._call(self._open)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise QueueError(f"cannot use work queue {self.path}: it is closed")
        if self._executor is None:
            await self.start()
        assert self._executor is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise QueueError(f"cannot use work queue {self.path}: it is not open")
        return self._conn

    def _open(self) -> None:
        self._conn = open_db(self.path, self.busy_timeout_s)

    def _tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction; BEGIN IMMEDIATE takes the write lock up front (no upgrades)."""
        conn = self._db()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise QueueError(f"cannot write work queue {self.path}: {exc}") from exc
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise QueueError(f"cannot write work queue {self.path}: {exc}") from exc
            raise
        return result

    # ---- intake ------------------------------------------------------------------------------------------

    async def enqueue(self, conversation_id: str, *, source: str, not_before: float | None = None) -> bool:
        """Add an id; False if it is already known in any state (a done conversation is never re-enqueued)."""
        check_conversation_id(conversation_id)
        now = time.time()
        due = now if not_before is None else not_before

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                _INSERT,
                (conversation_id, source, due, now, now),
            )
            return cur.rowcount == 1

        return await self._call(self._tx, run)

    async def enqueue_many(self, ids: Iterable[str], *, source: str) -> int:
        """Add many ids in one transaction; returns how many were new."""
        now = time.time()
        rows = []
        for cid in ids:
            check_conversation_id(cid)
            rows.append((cid, source, now, now, now))

        def run(conn: sqlite3.Connection) -> int:
            before = conn.total_changes
            conn.executemany(
                _INSERT,
                rows,
            )
            return conn.total_changes - before

        return await self._call(self._tx, run) if rows else 0

    # ---- leasing -----------------------------------------------------------------------------------------

    async def lease(self, owner: str, lease_s: float, limit: int = 1) -> list[Lease]:
        """Lease up to `limit` due items (pending, due retry, or expired lease), oldest first."""
        if limit < 1:
            return []
        loop = asyncio.get_running_loop()
        if self._closed:
            raise QueueError(f"cannot use work queue {self.path}: it is closed")
        if self._executor is None:
            await self.start()
        assert self._executor is not None
        fut = loop.run_in_executor(
            self._executor, self._tx, lambda c: self._lease_tx(c, owner, lease_s, limit)
        )
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            # The caller is gone but the rows may be leased already: hand them back instead of leaving them
            # stuck until the lease expires (and counting an attempt nobody made).
            fut.add_done_callback(self._release_orphans)
            raise

    def _release_orphans(self, fut: asyncio.Future[list[Lease]]) -> None:
        if fut.cancelled() or fut.exception() is not None or self._executor is None:
            return
        for lease in fut.result():
            try:
                self._executor.submit(self._tx, lambda c, lease=lease: self._release_tx(c, lease))
            except RuntimeError:  # executor already shut down: the lease simply expires
                return

    def _lease_tx(self, conn: sqlite3.Connection, owner: str, lease_s: float, limit: int) -> list[Lease]:
        now = time.time()
        rows = conn.execute(
            "SELECT conversation_id, state, attempts, first_leased_at, source FROM items INDEXED BY items_due"
            " WHERE state IN ('pending', 'retry', 'leased') AND next_at <= ? ORDER BY next_at LIMIT ?",
            (now, limit),
        ).fetchall()
        leases: list[Lease] = []
        for cid, state, attempts, first, source in rows:
            if state == "leased" and attempts >= self.max_attempts:
                # Its worker died on every attempt (crash, OOM, hang): stop feeding it to workers.
                conn.execute(
                    "UPDATE items SET state='dead', next_at=NULL, lease_owner=NULL, lease_token=NULL,"
                    " updated_at=?, last_error=?, last_cause='lease_expired' WHERE conversation_id=?",
                    (now, f"lease expired on each of {attempts} attempts (worker crashed or hung)", cid),
                )
                log.warning("queue_dead id=%s cause=lease_expired attempts=%d", cid, attempts)
                continue
            if state == "leased":
                log.info("queue_lease_expired id=%s attempts=%d", cid, attempts)
            token = secrets.token_hex(8)
            first_leased = now if first is None else float(first)
            conn.execute(
                "UPDATE items SET state='leased', attempts=attempts+1, lease_owner=?, lease_token=?,"
                " next_at=?, first_leased_at=?, updated_at=? WHERE conversation_id=?",
                (owner, token, now + lease_s, first_leased, now, cid),
            )
            leases.append(Lease(cid, int(attempts) + 1, token, first_leased, str(source)))
        return leases

    async def extend(self, lease: Lease, lease_s: float) -> bool:
        """Push a held lease's expiry to now + lease_s; False if the lease was lost (expired, re-leased)."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE items SET next_at=?, updated_at=? WHERE conversation_id=? AND state='leased'"
                " AND lease_token=?",
                (time.time() + lease_s, time.time(), lease.conversation_id, lease.token),
            )
            return cur.rowcount == 1

        return await self._call(self._tx, run)

    # ---- outcomes ----------------------------------------------------------------------------------------

    async def done(self, lease: Lease, *, uri: str, sha256: str) -> None:
        """Mark archived (final), even if the lease was lost meanwhile: the archive exists either way."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE items SET state='done', stage='done', uri=?, sha256=?, next_at=NULL,"
                " lease_owner=NULL, lease_token=NULL, updated_at=?"
                " WHERE conversation_id=? AND state != 'done'",
                (uri, sha256, time.time(), lease.conversation_id),
            )

        await self._call(self._tx, run)

    async def retry(
        self,
        lease: Lease,
        *,
        error: str,
        cause: str,
        delay_s: float | None = None,
        count_attempt: bool = True,
    ) -> State:
        """Schedule another attempt; dead after max attempts. Returns the item's state afterwards.

        `delay_s` (e.g. a Retry-After) replaces the backoff, plus up to 10% jitter so a burst does not come
        back at one instant. `count_attempt=False` is for "not ready yet" (conversation not ended,
        transcript 202): waiting is not failing.
        """
        final = final_error(lease, error, count_attempt=count_attempt, max_attempts=self.max_attempts)
        if final is not None:
            return await self._call(self._tx, lambda c: self._dead_tx(c, lease, final, cause))
        delay = retry_delay(lease.attempts, delay_s, self.backoff_base_s, self.backoff_max_s)
        undo = 0 if count_attempt else 1
        msg = clean_error(error)

        def run(conn: sqlite3.Connection) -> State:
            now = time.time()
            cur = conn.execute(
                "UPDATE items SET state='retry', attempts=max(0, attempts-?), next_at=?, lease_owner=NULL,"
                " lease_token=NULL, last_error=?, last_cause=?, updated_at=?"
                " WHERE conversation_id=? AND state='leased' AND lease_token=?",
                (undo, now + delay, msg, cause, now, lease.conversation_id, lease.token),
            )
            return "retry" if cur.rowcount == 1 else self._lost(conn, lease, "retry")

        return await self._call(self._tx, run)

    async def dead(self, lease: Lease, *, error: str, cause: str = "permanent") -> None:
        """Give up on the item, keeping the error."""
        msg = clean_error(error)
        await self._call(self._tx, lambda c: self._dead_tx(c, lease, msg, cause))

    def _dead_tx(self, conn: sqlite3.Connection, lease: Lease, msg: str, cause: str) -> State:
        now = time.time()
        cur = conn.execute(
            "UPDATE items SET state='dead', next_at=NULL, lease_owner=NULL, lease_token=NULL,"
            " last_error=?, last_cause=?, updated_at=? WHERE conversation_id=? AND state='leased'"
            " AND lease_token=?",
            (msg, cause, now, lease.conversation_id, lease.token),
        )
        if cur.rowcount != 1:
            return self._lost(conn, lease, "dead")
        log.warning("queue_dead id=%s cause=%s attempts=%d", lease.conversation_id, cause, lease.attempts)
        return "dead"

    async def release(self, lease: Lease) -> None:
        """Return a lease unprocessed (shutdown) without counting the attempt."""
        await self._call(self._tx, lambda c: self._release_tx(c, lease))

    def _release_tx(self, conn: sqlite3.Connection, lease: Lease) -> None:
        now = time.time()
        conn.execute(
            "UPDATE items SET state='pending', attempts=max(0, attempts-1), next_at=?, lease_owner=NULL,"
            " lease_token=NULL, updated_at=? WHERE conversation_id=? AND state='leased' AND lease_token=?",
            (now, now, lease.conversation_id, lease.token),
        )

    def _lost(self, conn: sqlite3.Connection, lease: Lease, action: str) -> State:
        cid = lease.conversation_id
        row = conn.execute("SELECT state FROM items WHERE conversation_id=?", (cid,)).fetchone()
        state: State = row[0] if row else "dead"
        log.warning("queue_lease_lost id=%s action=%s state=%s", lease.conversation_id, action, state)
        return state

    async def revive(self, conversation_ids: Iterable[str] | None = None) -> int:
        """Make dead items leasable again with a fresh attempt count (all of them, or those listed).

        For the operator who fixed what killed them (a missing permission, a full container). The recorded
        stage stays, so a conversation whose blob is already in the store only retries its write-back; the
        last error stays too, for the record. Returns how many items were revived.
        """
        ids = None if conversation_ids is None else list(conversation_ids)
        for cid in ids or ():
            check_conversation_id(cid)

        def run(conn: sqlite3.Connection) -> int:
            now = time.time()
            sql = "UPDATE items SET state='pending', attempts=0, next_at=?, updated_at=? WHERE state='dead'"
            if ids is None:
                return conn.execute(sql, (now, now)).rowcount
            return sum(conn.execute(sql + " AND conversation_id=?", (now, now, cid)).rowcount for cid in ids)

        n: int = await self._call(self._tx, run)
        if n:
            log.warning("queue_revived count=%d", n)
        return n

    async def prune_done(self, before: float) -> int:
        """Forget done items last updated before `before` (epoch seconds); returns how many.

        A done row costs ~200 bytes and is what stops the reconciler re-enqueueing an archived conversation.
        Once a conversation is older than any reconcile window it is never looked up again, except by a
        backfill over its day; then it is re-found, rebuilt and recognised as the archive already stored
        (pipeline: archived by an earlier run), so pruning costs a re-check, never a second archive.
        """

        def run(conn: sqlite3.Connection) -> int:
            return conn.execute("DELETE FROM items WHERE state='done' AND updated_at < ?", (before,)).rowcount

        n: int = await self._call(self._tx, run)
        log.info("queue_pruned count=%d", n)
        return n

    # ---- stages ------------------------------------------------------------------------------------------

    async def set_stage(self, lease: Lease, stage: StageName, *, uri: str, sha256: str) -> None:
        """Remember progress with the archive's address and digest (recorded even if the lease was lost)."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE items SET stage=?, uri=?, sha256=?, updated_at=? WHERE conversation_id=?"
                " AND (stage IS NULL OR stage != 'done')",
                (stage, uri, sha256, time.time(), lease.conversation_id),
            )

        await self._call(self._tx, run)

    async def stage(self, conversation_id: str) -> Stage | None:
        """The recorded stage of a conversation, if any."""

        def run() -> Stage | None:
            row = (
                self._db()
                .execute("SELECT stage, uri, sha256 FROM items WHERE conversation_id=?", (conversation_id,))
                .fetchone()
            )
            if row is None or row[0] is None:
                return None
            return Stage(row[0], row[1], row[2])

        return await self._call(run)

    async def get(self, conversation_id: str) -> QueueItem | None:
        """One row, or None."""

        def run() -> QueueItem | None:
            row = (
                self._db()
                .execute(f"SELECT {_ROW_COLUMNS} FROM items WHERE conversation_id=?", (conversation_id,))  # noqa: S608
                .fetchone()
            )
            return None if row is None else QueueItem(*row)

        return await self._call(run)

    async def items(self, state: State, limit: int = 100) -> list[QueueItem]:
        """Up to `limit` rows in one state (e.g. the dead letters, for an operator)."""

        def run() -> list[QueueItem]:
            rows = (
                self._db()
                .execute(
                    f"SELECT {_ROW_COLUMNS} FROM items WHERE state=? ORDER BY updated_at LIMIT ?",  # noqa: S608
                    (state, limit),
                )
                .fetchall()
            )
            return [QueueItem(*r) for r in rows]

        return await self._call(run)

    async def counts(self) -> dict[str, int]:
        """Items per state (every state present, zero if empty)."""

        def run() -> dict[str, int]:
            out: dict[str, int] = dict.fromkeys(STATES, 0)
            for state, n in self._db().execute("SELECT state, count(*) FROM items GROUP BY state"):
                out[state] = int(n)
            return out

        return await self._call(run)

    async def oldest(self) -> dict[str, float]:
        """Per unfinished state: unix time of its least recently changed item (backlog-age metric)."""

        def run() -> dict[str, float]:
            rows = self._db().execute(
                "SELECT state, min(updated_at) FROM items WHERE state IN ('pending', 'leased', 'retry')"
                " GROUP BY state"
            )
            return {state: float(t) for state, t in rows}

        return await self._call(run)

    # ---- watermarks --------------------------------------------------------------------------------------

    async def get_watermark(self, name: str) -> datetime | None:
        """A persisted timestamp (UTC, aware)."""

        def run() -> datetime | None:
            row = self._db().execute("SELECT value FROM watermarks WHERE name=?", (name,)).fetchone()
            return None if row is None else datetime.fromisoformat(row[0]).astimezone(UTC)

        return await self._call(run)

    async def set_watermark(self, name: str, value: datetime) -> None:
        """Persist a timestamp (must be timezone-aware)."""
        if value.tzinfo is None:
            raise ValueError("watermark must be a timezone-aware datetime")
        text = value.astimezone(UTC).isoformat()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO watermarks (name, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                (name, text, time.time()),
            )

        await self._call(self._tx, run)

    async def close(self) -> None:
        """Close the file and the thread; idempotent."""
        if self._closed:
            return
        executor = self._executor
        if executor is not None:

            def shut() -> None:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None

            await asyncio.get_running_loop().run_in_executor(executor, shut)
            executor.shutdown(wait=False)
        self._executor = None
        self._closed = True
