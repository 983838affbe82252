"""Kill a process that is writing the queue (SIGKILL, mid-transaction) and check the file is consistent."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archiver.queue import SqliteQueue

BATCH = 5000

_WRITER = """
import asyncio, sys
from archiver.queue import SqliteQueue

async def main(path: str, start: int) -> None:
    q = SqliteQueue(path, max_attempts=1000)
    await q.start()
    n = start
    while True:
        await q.enqueue_many((f"{n}-{i}" for i in range(BATCH_SIZE)), source="crash")
        n += 1
        for lease in await q.lease("crashy", 60, limit=50):
            await q.set_stage(lease, "uploaded", uri="u" + lease.conversation_id, sha256="0" * 64)
            await q.done(lease, uri="u" + lease.conversation_id, sha256="0" * 64)
        print("batch", flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
""".replace("BATCH_SIZE", str(BATCH))


def test_sigkill_mid_transaction_leaves_a_consistent_file(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    for round_no, delay in enumerate([0.05, 0.17, 0.31]):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(round_no * 1_000_000)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"batch"  # at least one batch committed
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()

        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        total = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        # Batches are atomic: never a partial batch, whatever instant the kill hit.
        assert total % BATCH == 0 and total > 0
        # done rows always carry their stage and uri (done and its fields commit together).
        bad = conn.execute(
            "SELECT count(*) FROM items WHERE state='done' AND (stage!='done' OR uri IS NULL)"
        ).fetchone()[0]
        assert bad == 0
        conn.close()

    async def reopen() -> None:
        queue = SqliteQueue(path)
        await queue.start()  # reopens cleanly (quick_check passes), leases still work
        counts = await queue.counts()
        assert sum(counts.values()) % BATCH == 0
        assert await queue.lease("after", 60, limit=5)
        await queue.close()

    asyncio.run(reopen())
