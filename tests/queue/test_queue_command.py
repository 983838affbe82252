"""`archiver queue`: an operator sees why items died and gives them another chance, on a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.errors import EXIT_CONFIG, EXIT_FAILURE, EXIT_USAGE
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


# ---- issue 13: the queue commands never invent state ------------------------------------------------------


def test_a_missing_queue_is_an_error_naming_the_path_and_nothing_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    missing = tmp_path / "mistyped-dir" / "q.sqlite3"
    monkeypatch.setenv("ARCHIVER_QUEUE__PATH", str(missing))
    for action in (["status"], ["list"], ["enqueue", str(uuid.uuid4())], ["requeue", "--all-dead"]):
        assert main(["queue", *action]) == EXIT_CONFIG, action
        err = capsys.readouterr().err
        assert str(missing) in err and "queue.path" in err
    assert not missing.parent.exists()  # neither the file nor its directory


def test_with_nothing_configured_status_points_at_the_embedded_workers_temporary_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))]:
        monkeypatch.delenv(name)
    assert main(["queue", "status"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "embedded mode" in err and "temporary queue" in err and "--queue-path" in err
    assert list(tmp_path.iterdir()) == []
    # --queue-path reaches the file an embedded worker's banner names
    embedded = tmp_path / "archiver-embedded-x" / "queue.sqlite3"
    asyncio.run(_setup(embedded, [], None, _ids(1)))
    assert main(["queue", "status", "--queue-path", str(embedded)]) == 0
    assert "pending" in capsys.readouterr().out


def test_an_empty_list_says_zero_items(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_setup(db, [], None, _ids(2)))
    assert main(["queue", "list", "--state", "dead"]) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip() == "0 dead items"  # stdout: one line per item, for scripts
    assert main(["queue", "list", "--state", "pending", "--limit", "1"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 1 and "1 pending item (showing the first 1" in out.err


def test_config_after_the_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    monkeypatch.delenv("ARCHIVER_STATE_PATH", raising=False)
    monkeypatch.delenv("ARCHIVER_QUEUE__PATH", raising=False)
    db = tmp_path / "q.sqlite3"
    asyncio.run(_setup(db, _ids(1), None, []))
    cfg = tmp_path / "archiver.toml"
    cfg.write_text(f'[queue]\npath = "{db}"\n')
    for argv in (["queue", "status", "--config", str(cfg)], ["queue", "--config", str(cfg), "status"]):
        assert main(argv) == 0, argv
        out = capsys.readouterr().out
        assert out.splitlines()[0] == f"queue {db}" and "dead" in out


@pytest.mark.parametrize("action", ["status", "list", "requeue", "prune", "enqueue"])
def test_every_subcommand_explains_its_options(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["queue", action, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--config PATH" in out and "--queue-path PATH" in out
    # every option and positional of the subcommand has a help text (argparse prints a bare name otherwise)
    body = out.split("options:", 1)[1]
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith("-") and "  " not in stripped and not stripped.endswith("}"):
            idx = body.splitlines().index(line)
            assert body.splitlines()[idx + 1].startswith(" " * 10), f"{action}: {stripped} has no help"
