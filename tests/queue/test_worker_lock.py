"""One worker per SQLite queue: a second `archiver run` on the same file is refused up front, naming the PID
that holds it, and deletes nothing; a holder that died (even by SIGKILL) leaves no stale lock."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.errors import QueueError
from archiver.queue.lock import lock_path, worker_lock

pytestmark = pytest.mark.timeout(60)

_HOLDER = """
import sys
from archiver.queue.lock import worker_lock
with worker_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes stdin (or kills us)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Another process holding the worker lock of tmp_path/state/q.sqlite3."""
    queue = tmp_path / "state" / "q.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(queue)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    with proc:  # closes the pipes
        try:
            yield proc, queue
        finally:
            proc.kill()
            proc.wait()


def test_a_second_worker_is_refused_naming_the_pid_and_nothing_is_deleted(
    holder: tuple[subprocess.Popen[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    proc, queue = holder
    queue.write_bytes(b"the live worker's queue")
    Path(f"{queue}-wal").write_bytes(b"its WAL")
    for name in [k for k in os.environ if k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))]:
        monkeypatch.delenv(name)
    # A production-looking worker whose Genesys host would refuse connections: it must not get that far.
    monkeypatch.setenv("GENESYS_CLIENT_ID", "cid")
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", "secret")
    monkeypatch.setenv("GENESYS_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("ARCHIVER_QUEUE__PATH", str(queue))
    monkeypatch.setenv("ARCHIVER_METRICS__PORT", "0")
    monkeypatch.setenv("ARCHIVER_SINK__KIND", "local")
    monkeypatch.setenv("ARCHIVER_SINK__LOCAL__DIR", str(queue.parent.parent / "archive"))
    assert main(["run"]) != 0
    err = capsys.readouterr().err
    assert f"PID {proc.pid}" in err and str(queue) in err
    assert queue.read_bytes() == b"the live worker's queue"
    assert Path(f"{queue}-wal").read_bytes() == b"its WAL"


def test_a_killed_holder_leaves_no_stale_lock(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, queue = holder
    with pytest.raises(QueueError, match=f"PID {proc.pid}"), worker_lock(queue):
        pass
    proc.kill()
    proc.wait()
    assert lock_path(queue).read_text().strip() == str(proc.pid)  # the file stays, the lock does not
    with worker_lock(queue):
        assert lock_path(queue).read_text().strip() == str(os.getpid())
    with worker_lock(queue):  # released on exit
        pass
