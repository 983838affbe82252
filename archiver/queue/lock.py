"""One worker per SQLite queue file: an exclusive `fcntl` lock on a sidecar `<queue>.lock` file.

The SQLite queue itself can be shared by several processes (the `archiver queue` commands read and steer it
while the worker runs), but two *workers* on one file are a mistake: two listeners, two reconcilers and two
metrics servers on one VM. The second is refused before it opens anything, naming the PID of the first.

Why a sidecar file with `flock`: the kernel drops the lock when its holder exits, however it exits (SIGKILL,
OOM, power loss), so a crashed worker never leaves a stale lock behind; the PID written into the file is only
for the message. The lock file is never deleted (deleting it would let a third process lock a new inode while
the second still holds the old one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from archiver.errors import QueueError


def lock_path(queue_path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of a queue file."""
    p = Path(queue_path)
    return p.with_name(p.name + ".lock")


@contextlib.contextmanager
def worker_lock(queue_path: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the queue's worker lock for the duration; QueueError naming the holder's PID if it is taken."""
    path = lock_path(queue_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise QueueError(f"cannot lock work queue {queue_path}: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            raise QueueError(
                f"cannot start worker: work queue {queue_path} is in use by another worker "
                f"(PID {holder or 'unknown'}, lock {path}); stop that worker first, or give this one "
                "its own queue.path"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        return str(int(os.pread(fd, 32, 0).decode().strip()))
    return ""
