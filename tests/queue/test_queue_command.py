"""`archiver queue`: an operator sees why items died and gives them another chance, on a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.errors import EXIT_FAILURE, EXIT_USAGE
from archiver.queue import SqliteQueue


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state" / "q.sqlite3"
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    monkeypatch.setenv("ARCHIVER_STATE_PATH", str(path))
    return path


def _ids(n: int) -> list[str]:
    return [str(uuid.UUID(int=i + 1, version=4)) for i in range(n)]


async def _setup(path: Path, dead: list[str], uploaded: str | None, pending: list[str]) -> None:
    q = SqliteQueue(path, max_attempts=3)
    await q.start()
    try:
        await q.enqueue_many(dead + pending, source="listener")
        leases = {ls.conversation_id: ls for ls in await q.lease("w1", 60, limit=len(dead) + len(pending))}
        for cid in dead:
            if cid == uploaded:
                await q.set_stage(leases[cid], "uploaded", uri="az://c/x.json.gz", sha256="ab" * 32)
            await q.dead(
                leases[cid], error=f"cannot archive {cid[:8]}: 403 missing.permissions", cause="permission"
            )
        for cid in pending:
            await q.release(leases[cid])
    finally:
        await q.close()


async def _state(path: Path, cid: str) -> tuple[str, int, str | None]:
    q = SqliteQueue(path)
    await q.start()
    try:
        item = await q.get(cid)
        stage = await q.stage(cid)
    finally:
        await q.close()
    assert item is not None
    return item.state, item.attempts, stage.stage if stage else None


def test_status_and_list_show_dead_items_with_their_error(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead, pending = _ids(2), _ids(3)[2:]
    asyncio.run(_setup(db, dead, None, pending))
    assert main(["queue", "status"]) == 0
    rows = dict(line.split() for line in capsys.readouterr().out.splitlines()[1:])
    assert rows == {"pending": "1", "leased": "0", "retry": "0", "done": "0", "dead": "2"}
    assert main(["queue", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(dead)
    assert all("cause=permission" in line and "missing.permissions" in line for line in lines)
    assert main(["queue", "list", "--state", "pending"]) == 0
    assert capsys.readouterr().out.split()[0] == pending[0]


def test_requeue_gives_fresh_attempts_and_keeps_the_uploaded_stage(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = _ids(3)
    asyncio.run(_setup(db, dead, dead[0], []))
    assert main(["queue", "requeue", dead[0]]) == 0
    assert "requeued 1" in capsys.readouterr().out
    # The blob is already in the WORM store: the revived item must go on to the write-back, not re-upload.
    assert asyncio.run(_state(db, dead[0])) == ("pending", 0, "uploaded")
    assert asyncio.run(_state(db, dead[1]))[0] == "dead"
    # an id that is not dead (any more) is reported as a failure
    assert main(["queue", "requeue", dead[0], dead[1]]) == EXIT_FAILURE
    assert "requeued 1" in capsys.readouterr().out
    assert main(["queue", "requeue", "--all-dead"]) == 0
    assert "requeued 1" in capsys.readouterr().out
    assert {asyncio.run(_state(db, cid))[0] for cid in dead} == {"pending"}


def test_enqueue_adds_new_ids_and_says_why_known_ones_are_not_redone(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead, fresh = _ids(1), _ids(2)[1]
    asyncio.run(_setup(db, dead, None, []))
    assert main(["queue", "enqueue", fresh]) == 0
    assert f"{fresh} queued" in capsys.readouterr().out
    assert main(["queue", "enqueue", fresh, dead[0]]) == EXIT_FAILURE
    out = capsys.readouterr().out
    assert "already known (pending)" in out and "already known (dead)" in out and "requeue" in out


def test_ids_that_are_not_uuids_are_refused_before_touching_the_queue(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["queue", "enqueue", "not-a-conversation"])
    assert exc.value.code == EXIT_USAGE
    assert "not a conversation id" in capsys.readouterr().err
    assert not db.exists()
    with pytest.raises(SystemExit):
        main(["queue", "requeue"])


def test_prune_forgets_only_old_done_items(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, recent, dead = _ids(3)

    async def archive() -> None:
        q = SqliteQueue(db, max_attempts=3)
        await q.start()
        try:
            await q.enqueue_many([old, recent, dead], source="listener")
            leases = {ls.conversation_id: ls for ls in await q.lease("w1", 60, limit=3)}
            for cid in (old, recent):
                await q.done(leases[cid], uri=f"file:///{cid}", sha256="ab" * 32)
            await q.dead(leases[dead], error="404", cause="not_found")
        finally:
            await q.close()

    asyncio.run(archive())
    with sqlite3.connect(db) as conn:  # age two rows by 30 days, as if archived last month
        conn.execute(
            "UPDATE items SET updated_at = updated_at - 30 * 86400 WHERE conversation_id IN (?, ?)",
            (old, dead),
        )
    assert main(["queue", "prune", "--older-than-days", "10"]) == 0
    assert "pruned 1 done" in capsys.readouterr().out
    with sqlite3.connect(db) as conn:
        left = {row[0] for row in conn.execute("SELECT conversation_id FROM items")}
    assert left == {recent, dead}  # dead items are never pruned: they wait for an operator
    with pytest.raises(SystemExit):
        main(["queue", "prune", "--older-than-days", "1"])
    assert "at least 7" in capsys.readouterr().err
