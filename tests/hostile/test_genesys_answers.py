"""Genesys answers the worker must survive with an exact outcome.

- 403 `missing.permissions`: `archiver run` (a real subprocess) names the permission the OAuth client lacks
  and exits with EXIT_PERMISSION; nothing is dead-lettered or left leased — the queue keeps every id.
- 404 for a conversation deleted before archiving: dead-lettered with the reason after one attempt, never
  retried; the other conversations are archived.
- 200 answers whose body fails validation: a JSON body of the wrong shape is a TranscriptError (permanent:
  dead-lettered at once with a message naming the payload and the field, never the content); a body that is
  not JSON at all, once (a proxy's page, a cut connection), is retried like any transient failure; intake
  answers (queues, channels, analytics) of the wrong shape are retried and every conversation is archived;
  an id in an analytics/job answer that cannot be an archive name is skipped without blocking the rest.
- A write-back refused for a missing permission stops the worker; the restart only writes back.
- Rejected client credentials: EXIT_AUTH, without echoing the secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from archiver.errors import EXIT_PERMISSION
from archiver.sim import Simulator

from .conftest import clean_env, make_config, worker_env
from .worker import archive_paths, pre_enqueue, queue_items, run_worker

pytestmark = pytest.mark.timeout(120)

MESSAGES = "/api/v2/conversations/messages/"


@contextlib.asynccontextmanager
async def _archiver_run(env: dict[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`archiver run` as a real child process with `env` as its only settings; killed on the way out."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "archiver",
        "run",
        env=clean_env(**env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def _wait_listening(sim: Simulator, within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        while not sim.notifications.channels or not all(  # noqa: ASYNC110 - polling the sim's state
            ch.ws is not None for ch in sim.notifications.channels.values()
        ):
            await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("permission", "prefix"),
    [
        ("conversation:webmessaging:view", MESSAGES),
        ("analytics:conversationDetail:view", "/api/v2/analytics/"),
        ("routing:queue:view", "/api/v2/routing/queues"),
    ],
    ids=["transcript", "analytics", "queues"],
)
async def test_missing_permission_names_it_and_stops_with_exit_code(
    sim: Simulator, tmp_path: Path, permission: str, prefix: str
) -> None:
    env = worker_env(sim, tmp_path, ARCHIVER_WORKER__RECONCILE_LAG_S="0")
    ids = await sim.generate(3)  # already ended: the reconciler's first sweep finds them
    sim.faults.deny_permission(permission, prefix)
    async with _archiver_run(env, tmp_path) as proc:
        if prefix == MESSAGES:
            await _wait_listening(sim)
            ids += await sim.generate(2)  # ended while listening: the listener enqueues them too
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    stderr = err.decode(errors="replace")
    assert proc.returncode == EXIT_PERMISSION, stderr[-3000:]
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert last.startswith("archiver run: ") and permission in last, last
    assert "Traceback" not in stderr
    assert sim.config.client_secret not in stderr + out.decode(errors="replace")
    if prefix == MESSAGES:
        config = make_config(sim, tmp_path, ARCHIVER_QUEUE__PATH=env["ARCHIVER_QUEUE__PATH"])
        items = await queue_items(config, ids)
        states = {cid: item.state if item else None for cid, item in items.items()}
        # Nothing lost: every id is still queued for the next start, none dead, none left leased.
        assert set(states.values()) <= {"pending", "retry"}, states
        assert not list((tmp_path / "archive").glob("**/*.json.gz"))


async def test_deleted_conversation_is_dead_lettered_once_with_reason(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    config = make_config(sim, tmp_path, ARCHIVER_QUEUE__MAX_ATTEMPTS="5")
    ids = await sim.generate(4)
    await pre_enqueue(config, ids)  # the listener saw them end; then one was deleted before archiving
    gone = ids[1]
    sim.faults.delete_conversation(gone)
    sim.reset_call_counts()
    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] + n["dead"] >= 4, timeout_s=40)
    # Give a would-be retry loop time to show itself.
    assert seen["counts"] == {**seen["counts"], "done": 3, "dead": 1}, seen["counts"]
    items = await queue_items(config, ids)
    dead = items[gone]
    assert dead is not None and dead.state == "dead" and dead.attempts == 1
    assert dead.last_error is not None and "not found" in dead.last_error.lower()
    assert gone in dead.last_error or "GenesysNotFound" in dead.last_error
    gets = sim.call_counts().get("GET /api/v2/conversations/messages/{conversationId}", 0)
    assert gets == 3 + 1  # one GET per archived conversation, exactly one for the deleted one
    for cid in ids:
        assert len(archive_paths(tmp_path / "archive", cid)) == (0 if cid == gone else 1)


CARD = "4111 1111 1111 1111"  # customer text in a bad payload: the error names the field, never the value
BAD_CONVERSATION_BODIES = {
    "wrong-type": json.dumps({"id": 5, "participants": [], "note": f"card {CARD}"}),
    "state-wrong-type": json.dumps(
        {"id": "x", "participants": [{"id": "p", "state": ["disconnected"], "name": f"Dana {CARD}"}]}
    ),
    "participants-not-list": json.dumps({"id": "x", "participants": {"a": 1}}),
    "array": "[]",
}
BAD_PAGE_BODIES = {
    "entities-not-list": json.dumps({"entities": "nope"}),
    "message-wrong-type": json.dumps({"entities": [{"id": 7, "timestamp": "yesterday", "textBody": CARD}]}),
    "text-wrong-type": json.dumps({"entities": [{"id": "m1", "normalizedMessage": {"text": [CARD]}}]}),
}


async def test_wrong_shape_200_transcript_is_dead_lettered_with_clear_error(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    config = make_config(sim, tmp_path)
    ids = await sim.generate(len(BAD_CONVERSATION_BODIES) + len(BAD_PAGE_BODIES) + 2)
    bad: dict[str, str] = {}
    it = iter(ids)
    for body in BAD_CONVERSATION_BODIES.values():
        cid = next(it)
        bad[cid] = "message conversation"
        sim.faults.answer_next(100, body, path_prefix=f"{MESSAGES}{cid}")
    for body in BAD_PAGE_BODIES.values():
        cid = next(it)
        bad[cid] = "message page"
        sim.faults.answer_next(100, body, path_prefix=f"{MESSAGES}{cid}/messages/bulk")
    good = list(it)
    await pre_enqueue(config, ids)
    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] + n["dead"] >= len(ids), timeout_s=40)
    assert seen["counts"]["done"] == len(good) and seen["counts"]["dead"] == len(bad), seen["counts"]
    assert seen["healthz"] == 200  # a bad payload is not a reason to stop the worker
    items = await queue_items(config, ids)
    for cid, what in bad.items():
        item = items[cid]
        assert item is not None and item.state == "dead" and item.attempts == 1, item
        assert item.last_error is not None and f"cannot decode {what}" in item.last_error, item.last_error
        assert "4111" not in item.last_error
    for cid in good:
        assert len(archive_paths(tmp_path / "archive", cid)) == 1
    assert "4111" not in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "body", ["<html><body>502 Bad Gateway</body></html>", "", '{"id": "truncated', "\x00\x01"]
)
async def test_one_garbled_200_transcript_answer_is_retried_not_lost(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, body: str
) -> None:
    """A body that is not JSON at all (a proxy page, a cut connection) once: retried, then archived."""
    config = make_config(sim, tmp_path)
    [cid] = await sim.generate(1)
    sim.faults.answer_next(1, body, path_prefix=f"{MESSAGES}{cid}")
    await pre_enqueue(config, [cid])
    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] + n["dead"] >= 1, timeout_s=30)
    item = (await queue_items(config, [cid]))[cid]
    assert item is not None and item.state == "done", (item.state if item else None, item and item.last_error)
    assert seen["counts"]["dead"] == 0
    assert len(archive_paths(tmp_path / "archive", cid)) == 1


async def test_wrong_shape_200_on_intake_endpoints_is_retried(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """Queue, channel and analytics answers of the wrong shape are retried; everything is still archived."""
    config = make_config(sim, tmp_path, ARCHIVER_WORKER__RECONCILE_LAG_S="0")
    bots = await sim.generate(2, kind="bot")  # never on a queue topic: only the reconciler can find them
    sim.faults.answer_next(2, '{"entities": "nope"}', path_prefix="/api/v2/routing/queues")
    sim.faults.answer_next(2, "<html>oops</html>", path_prefix="/api/v2/notifications/channels")
    sim.faults.answer_next(2, '{"conversations": 5}', path_prefix="/api/v2/analytics/")
    later: list[str] = []

    async def on_ready(c: Any, worker: Any) -> None:
        await _wait_listening(sim)
        later.extend(await sim.generate(3))

    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] >= 5, timeout_s=60, on_ready=on_ready)
    assert seen["counts"]["done"] == 5 and seen["counts"]["dead"] == 0, seen["counts"]
    for cid in bots + later:
        assert len(archive_paths(tmp_path / "archive", cid)) == 1


@pytest.mark.parametrize(
    "bad_id",
    [b"../../etc/passwd", b"a/b", b"bad\\u0000id", b"x" * 300],
    ids=["traversal", "slash", "nul", "long"],
)
async def test_hostile_id_in_analytics_neither_stops_the_worker_nor_blocks_the_sweep(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, bad_id: bytes
) -> None:
    """An id that cannot be an archive name (path tricks, control characters) in an analytics answer: skipped
    or dead-lettered with a reason; the other conversations of the same page are archived, the worker runs."""
    config = make_config(sim, tmp_path, ARCHIVER_WORKER__RECONCILE_LAG_S="0")
    bots = await sim.generate(3, kind="bot")  # only the reconciler (analytics) finds bot-only conversations
    sim.faults.rewrite_next(
        1000, f'"{bots[0]}"'.encode(), b'"' + bad_id + b'"', path_prefix="/api/v2/analytics/"
    )
    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] >= 2, timeout_s=15)
    assert seen["counts"]["done"] == 2, seen["counts"]
    assert seen["healthz"] == 200, "the worker must keep running"
    for cid in bots[1:]:
        assert len(archive_paths(tmp_path / "archive", cid)) == 1
    assert not [p for p in (tmp_path / "archive").rglob("*") if "passwd" in p.name]


async def test_hostile_id_in_backfill_job_results_does_not_abort_the_backfill(
    tmp_path: Path, client_for_jobs: Any
) -> None:
    """A details-job page with one id that cannot be an archive name: the rest of the page is enqueued."""
    from datetime import UTC, datetime, timedelta

    from archiver.backfill import BackfillSettings, enqueue_range
    from archiver.queue import SqliteQueue

    sim, client = client_for_jobs
    ids = await sim.generate(3)
    await asyncio.sleep(0.05)
    sim.faults.rewrite_next(100, f'"{ids[0]}"'.encode(), b'"bad\\u0000id"', path_prefix="/api/v2/analytics/")
    queue = SqliteQueue(str(tmp_path / "q.sqlite3"))
    await queue.start()
    try:
        now = datetime.now(UTC)
        _found, new = await asyncio.wait_for(
            enqueue_range(
                client, queue, now - timedelta(hours=1), now, settings=BackfillSettings(poll_s=0.05)
            ),
            30,
        )
        items = {cid: await queue.get(cid) for cid in ids}
    finally:
        await queue.close()
    assert new == 2 and items[ids[0]] is None
    assert all(items[cid] is not None for cid in ids[1:])


async def test_writeback_permission_missing_stops_then_resumes_without_reupload(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    """403 on the write-back: the worker stops naming the permission; the archive stays stored (stage
    "uploaded"); after the fix a restart only writes back — one archive, never a second upload."""
    from archiver.errors import GenesysPermissionError

    config = make_config(
        sim, tmp_path, ARCHIVER_WRITEBACK__MODE="participant-attributes"
    )  # the attributes PATCH is refused
    ids = await sim.generate(2)
    await pre_enqueue(config, ids)
    for cid in ids:  # reads are allowed; only the participant-attribute PATCHes are refused
        sim.faults.deny_permission("conversation:webmessaging:view", f"{MESSAGES}{cid}/participants/")
    with pytest.raises(GenesysPermissionError) as info:
        await run_worker(config, cpu_pool, until=lambda n: n["done"] >= 2, timeout_s=20)
    assert "conversation:webmessaging:view" in str(info.value) and info.value.exit_code == EXIT_PERMISSION
    items = await queue_items(config, ids)
    assert any(i is not None and i.stage == "uploaded" for i in items.values()), items
    assert all(i is not None and i.state != "dead" for i in items.values()), items
    sim.faults.clear()
    seen = await run_worker(config, cpu_pool, until=lambda n: n["done"] >= 2, timeout_s=20)
    assert seen["counts"]["done"] == 2 and seen["counts"]["dead"] == 0
    for cid in ids:
        assert len(archive_paths(tmp_path / "archive", cid)) == 1
        truth = sim.truth(cid)
        assert sim.attributes(cid)[truth.customer_participant_id]["archiveUri"].endswith(f"{cid}.json.gz")


async def test_rejected_client_credentials_exit_with_auth_code(sim: Simulator, tmp_path: Path) -> None:
    from archiver.errors import EXIT_AUTH

    env = worker_env(sim, tmp_path, GENESYS_CLIENT_SECRET="wrong-secret-123")
    async with _archiver_run(env, tmp_path) as proc:
        _out, err = await asyncio.wait_for(proc.communicate(), 60)
    stderr = err.decode(errors="replace")
    assert proc.returncode == EXIT_AUTH, stderr[-3000:]
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert last.startswith("archiver run: ") and "Traceback" not in stderr
    assert "wrong-secret-123" not in stderr
