"""Where attachment bytes go: the sink's own store, write-once, beside the records.

`AttachmentStore` is what `collect` and `verify` use; `backends.store_for(sink)` picks the one of the
configured sink: the local directory (this module) or the Azure container (sinks/azure_media.py, same WORM
policy handling as the records). `put` is put-if-absent: the same bytes already stored are a success
(`created=False`), other bytes under the name an IntegrityError — never an overwrite.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Protocol

import msgspec

from archiver.errors import IntegrityError
from archiver.sinks.base import ArchiveNotFound
from archiver.sinks.local import LocalSink
from archiver.sinks.local_files import link_once, make_dirs, os_error, sync_dirs


class StoredBlob(msgspec.Struct, frozen=True, kw_only=True):
    """What the store knows of stored bytes: their digest and size."""

    sha256: str
    size: int


class AttachmentStore(Protocol):
    """Write-once storage for attachment bytes under `attachments/naming.py` names."""

    async def stat(self, name: str) -> StoredBlob | None:
        """Digest and size of what is stored under `name`; None when nothing is."""
        ...

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        sha256: str,
        mime: str | None,
        conversation_id: str,
        attachment_id: str,
    ) -> bool:
        """Store if absent; True if created, False if these bytes were already there; IntegrityError else."""
        ...

    async def read(self, name: str) -> bytes:
        """The stored bytes (ArchiveNotFound when absent)."""
        ...


def mismatch(name: str, stored: str, new: str) -> IntegrityError:
    """The error for other bytes already stored under an attachment's name."""
    return IntegrityError(
        f"cannot store attachment {name}: already stored with sha256 {stored}, downloaded bytes have {new}; "
        "the stored attachment was left untouched"
    )


class LocalAttachmentStore:
    """Files under the local sink's root, published like records: temp file in the final directory,
    fsync, read-only, `os.link` (fails if the name exists: no overwrite, no lock), directory fsync."""

    def __init__(self, sink: LocalSink) -> None:
        self._sink = sink

    def _path(self, name: str) -> Path:
        return self._sink.root / name

    async def stat(self, name: str) -> StoredBlob | None:
        return await asyncio.to_thread(self._stat_sync, name)

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        sha256: str,
        mime: str | None,
        conversation_id: str,
        attachment_id: str,
    ) -> bool:
        return await asyncio.to_thread(self._put_sync, name, data, sha256)

    async def read(self, name: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(name).read_bytes)
        except FileNotFoundError:
            raise ArchiveNotFound(
                f"cannot read attachment {name}: not found under {self._sink.root}"
            ) from None
        except OSError as exc:
            raise os_error("read", f"attachment {name}", exc) from exc

    def _stat_sync(self, name: str) -> StoredBlob | None:
        try:
            data = self._path(name).read_bytes()  # the file itself is the only truth (no sidecar)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise os_error("read", f"attachment {name}", exc) from exc
        return StoredBlob(sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def _put_sync(self, name: str, data: bytes, sha256: str) -> bool:
        path = self._path(name)
        fsync = self._sink.fsync
        try:
            created = make_dirs(path.parent)
            if not link_once(path, data, fsync=fsync):
                existing = self._stat_sync(name)
                if existing is None or existing.sha256 != sha256:
                    raise mismatch(name, existing.sha256 if existing else "(unreadable)", sha256)
                return False
            if fsync:
                sync_dirs(path, created)
        except OSError as exc:
            raise os_error("write", f"attachment {name}", exc) from exc
        return True
