"""The queue file's schema and how it is opened: created on first use, refused when corrupt or foreign.

The file is marked with `PRAGMA application_id` and carries a `schema_version` table. Opening a file of
another application, of an unknown schema version, or a damaged file is a QueueError that says how to fix it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from archiver.errors import QueueError

APPLICATION_ID = 0x41524351  # "ARCQ": marks the file as ours (PRAGMA application_id)
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at REAL NOT NULL
);
CREATE TABLE items (
    conversation_id TEXT PRIMARY KEY,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'leased', 'retry', 'done', 'dead')),
    source          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- pending/retry: earliest next attempt, leased: lease expiry, done/dead: NULL
    next_at         REAL,
    lease_owner     TEXT,
    lease_token     TEXT,
    first_leased_at REAL,
    enqueued_at     REAL NOT NULL,
    updated_at      REAL NOT NULL,
    last_error      TEXT,
    last_cause      TEXT,
    stage           TEXT CHECK (stage IS NULL OR stage IN ('uploaded', 'done')),
    uri             TEXT,
    sha256          TEXT
) WITHOUT ROWID;
CREATE INDEX items_due ON items (next_at) WHERE state IN ('pending', 'retry', 'leased');
CREATE INDEX items_state ON items (state);
CREATE TABLE watermarks (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""


def open_db(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """Open (creating if needed) a queue file; QueueError if it is corrupt, foreign or of another schema."""
    where = f"work queue {path}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise QueueError(f"cannot open {where}: {exc}") from exc
    try:
        _check_or_create(conn, where)
        conn.execute("PRAGMA synchronous=FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise QueueError(
            f"cannot open {where}: not a valid SQLite database ({exc}); move the file aside "
            "(the reconciler re-finds unarchived conversations) or point queue.path elsewhere"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _check_or_create(conn: sqlite3.Connection, where: str) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id == 0:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-check under the write lock: another process may have created it meanwhile.
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and tables:
                raise QueueError(
                    f"cannot open {where}: the file is an SQLite database of another application; "
                    "point queue.path at a new file"
                )
            if app_id == 0:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
                conn.execute(
                    "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                    (SCHEMA_VERSION, time.time()),
                )
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    if app_id not in (0, APPLICATION_ID):
        raise QueueError(
            f"cannot open {where}: the file belongs to another application "
            f"(application_id={app_id:#x}); point queue.path at a new file"
        )
    # WAL is persistent in the file; setting it again is a no-op but covers files created before.
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise QueueError(f"cannot open {where}: the filesystem does not support WAL mode (got {mode})")
    try:
        version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
    except sqlite3.OperationalError as exc:
        raise QueueError(f"cannot open {where}: no schema table ({exc}); the file is damaged") from exc
    if version != SCHEMA_VERSION:
        raise QueueError(
            f"cannot open {where}: schema version {version} is not supported (this archiver knows "
            f"{SCHEMA_VERSION}); run a matching archiver version or point queue.path at a new file"
        )
    check = conn.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise QueueError(f"cannot open {where}: integrity check failed ({check}); move the file aside")
