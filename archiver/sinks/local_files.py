"""Durable files in a directory: the one protocol behind everything the local store writes — archives and
their sidecars (local.py), attachments (attachments/stores.py), legal-hold sidecars and attestations
(local_audit.py).

A payload is written to a temp file in its final directory, made read-only and fsync'd, then published by a
name operation that is atomic on POSIX: `os.link`, which fails if the name exists (write-once without locks,
`link_once`), or `os.replace` for files that are rewritten whole (`replace_file`). New directories and names
survive a power cut only once their parent directory is fsync'd too (`sync_dirs`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from archiver.errors import SinkPermanentError, SinkTransientError

# Errors a retry cannot fix: the operator must change permissions or the mount.
_PERMANENT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG}


def os_error(verb: str, what: str, exc: OSError) -> SinkPermanentError | SinkTransientError:
    """A failed file operation as a sink error: permanent when only the operator can fix it."""
    cause = f"{exc.strerror or type(exc).__name__} (errno {exc.errno})"
    if exc.errno in _PERMANENT_ERRNOS:
        return SinkPermanentError(f"cannot {verb} {what}: {cause}")
    return SinkTransientError(f"cannot {verb} {what}: {cause}")  # ENOSPC, EIO, …: may clear up


def make_dirs(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents (0o755); returns those created, deepest first."""
    missing: list[Path] = []
    d = directory
    while not d.exists():
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a concurrent writer created it
            d.mkdir(mode=0o755)
    return missing


def write_temp(final: Path, payload: bytes, *, fsync: bool) -> Path:
    """`payload` in a read-only temp file beside `final` (same directory: a link or rename publishes it)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fchmod(fh.fileno(), 0o444)
            if fsync:
                os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def link_once(final: Path, payload: bytes, *, fsync: bool) -> bool:
    """Publish `payload` at `final` unless the name exists; False (and `final` untouched) when it does."""
    tmp = write_temp(final, payload, fsync=fsync)
    try:
        os.link(tmp, final)
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)
    return True


def replace_file(final: Path, payload: bytes, *, fsync: bool) -> None:
    """Publish `payload` at `final`, replacing what is there in one step (readers see old or new, whole)."""
    tmp = write_temp(final, payload, fsync=fsync)
    try:
        os.replace(tmp, final)
    except BaseException:
        os.unlink(tmp)
        raise


def fsync_dir(directory: Path) -> None:
    """Make the names in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_dirs(final: Path, created: list[Path]) -> None:
    """fsync the directory of `final` and the parent of each directory created for it (`make_dirs`)."""
    for directory in [final.parent, *(d.parent for d in created)]:
        fsync_dir(directory)
