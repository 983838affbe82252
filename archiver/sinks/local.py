"""The local directory sink (the embedded default, `./archive/`): same names and bytes as the Azure sink.

Durability: each archive is written to a temp file in its final directory, fsync'd, chmod 0o444, then
published with `os.link` — which fails if the name exists, so two racing puts of one conversation can never
overwrite each other (put-if-absent without locks). The directory is fsync'd after the link so the name
survives a power cut. A sidecar `<name>.meta.json` (metadata + retention-until) is published after the
archive; if a crash lands between the two, the next put (or a duplicate) recomputes the digest from the
archive itself and repairs the sidecar. Read-only files are a guard against accidents, not WORM: `get`
reports `Retention(enforced=False)`. The file protocol itself (temp file, link or replace, directory fsync) is
local_files.py, shared with the attachment and audit stores.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from archiver.archive.compress import gunzip_bytes
from archiver.config_model import LocalSinkConfig
from archiver.errors import IntegrityError, SinkPermanentError
from archiver.sinks.base import (
    CONTENT_TYPE,
    ArchiveMeta,
    ArchiveNotFound,
    PutResult,
    Retention,
    StoredArchive,
)
from archiver.sinks.local_files import link_once, make_dirs, os_error, replace_file, sync_dirs
from archiver.sinks.naming import SIDECAR_SUFFIX, SUFFIX, blob_name, validate_conversation_id

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Sidecar(msgspec.Struct, frozen=True, kw_only=True):
    """`<name>.meta.json`: the archive's metadata, retention date and stored-bytes digest."""

    name: str
    meta: ArchiveMeta
    retention_until: datetime
    stored_at: datetime
    size_bytes: int
    gzip_sha256: str  # digest of the stored file itself: lets an audit check bytes without decompressing
    content_type: str = CONTENT_TYPE
    legal_holds: list[str] = msgspec.field(default_factory=list)  # case names (`archiver hold`)


_encode_sidecar = msgspec.json.Encoder().encode
_decode_sidecar = msgspec.json.Decoder(Sidecar).decode


def check_sha256(meta: ArchiveMeta) -> None:
    """Refuse metadata whose digest is not 64 lowercase hex chars (it is compared byte-for-byte later)."""
    if not _SHA256.fullmatch(meta.sha256):
        raise SinkPermanentError(
            f"cannot archive conversation {meta.conversation_id}: sha256 must be 64 lowercase hex chars"
        )


def _record_digest(data: bytes, name: str) -> str:
    try:
        return hashlib.sha256(gunzip_bytes(data)).hexdigest()
    except (OSError, EOFError, zlib.error) as exc:
        raise IntegrityError(f"cannot verify archive {name}: stored file is not valid gzip") from exc


class LocalSink:
    """Write-once archive directory; see the module docstring for the durability protocol."""

    def __init__(self, config: LocalSinkConfig | None = None, *, fsync: bool = True) -> None:
        """`config` is the `[sink.local]` section (directory, retention recorded in each sidecar); `fsync`
        False is for benchmarks on tmpfs only, so it is not a config key."""
        self.config = config or LocalSinkConfig()
        self.fsync = fsync  # benchmarks only turn it off; the attachment store follows it
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        """The absolute archive directory (after `start`)."""
        if self._root is None:
            raise SinkPermanentError("cannot use local sink: start() was not called")
        return self._root

    async def start(self) -> None:
        """Create the root directory and prove it is writable."""
        await asyncio.to_thread(self._start_sync)

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        """Publish `data` under its archive name unless present; compare digests when it is."""
        return await asyncio.to_thread(self._put_sync, data, meta)

    async def get(self, conversation_id: str, end_time: datetime | None = None) -> StoredArchive:
        """Read an archive and its sidecar; without `end_time`, search the day directories."""
        return await asyncio.to_thread(self._get_sync, conversation_id, end_time)

    async def close(self) -> None:
        """Nothing to release: every put is self-contained."""

    # ---- blocking implementation (runs in worker threads) -------------------------------------------

    def _start_sync(self) -> None:
        root = Path(self.config.dir).expanduser().resolve()
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".probe.", dir=root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise os_error("open", f"archive directory {root}", exc) from exc
        self._root = root
        log.info("sink started kind=local root=%s", root)

    def _put_sync(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        check_sha256(meta)
        name = blob_name(meta.conversation_id, meta.end_time)
        path = self.root / name
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        try:
            if path.exists():
                return self._existing(path, sidecar, name, meta)
            created = make_dirs(path.parent)
            doc = self._sidecar(name, meta, data, stored_at=datetime.now(UTC))
            if not link_once(path, data, fsync=self.fsync):
                return self._existing(path, sidecar, name, meta)  # lost a race with a duplicate put
            self._publish_sidecar(sidecar, doc)
            if self.fsync:
                sync_dirs(path, created)
        except OSError as exc:
            raise os_error("write", f"archive {name}", exc) from exc
        return PutResult(uri=path.as_uri(), created=True)

    def _existing(self, path: Path, sidecar: Path, name: str, meta: ArchiveMeta) -> PutResult:
        stored = self._read_sidecar(sidecar)
        if stored is not None:
            digest = stored.meta.sha256
        else:
            # Crash between publishing the archive and its sidecar: trust only the bytes, then repair.
            data = path.read_bytes()
            digest = _record_digest(data, name)
            if digest == meta.sha256:
                mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                self._publish_sidecar(sidecar, self._sidecar(name, meta, data, stored_at=mtime))
                log.warning("sink repaired missing sidecar name=%s", name)
        if digest != meta.sha256:
            raise IntegrityError(
                f"cannot archive conversation {meta.conversation_id}: {name} already exists with sha256 "
                f"{digest}, new record has {meta.sha256}; the existing archive was left untouched"
            )
        return PutResult(uri=path.as_uri(), created=False)

    def _sidecar(self, name: str, meta: ArchiveMeta, data: bytes, *, stored_at: datetime) -> Sidecar:
        """What the sidecar of `data` stored at `stored_at` says: retention runs from that moment."""
        return Sidecar(
            name=name,
            meta=meta,
            retention_until=stored_at + timedelta(days=self.config.retention_days),
            stored_at=stored_at,
            size_bytes=len(data),
            gzip_sha256=hashlib.sha256(data).hexdigest(),
        )

    def _publish_sidecar(self, sidecar: Path, doc: Sidecar) -> None:
        # replace: a repair may race the original writer; both carry equal facts
        replace_file(sidecar, _encode_sidecar(doc), fsync=self.fsync)

    @staticmethod
    def _read_sidecar(sidecar: Path) -> Sidecar | None:
        try:
            return _decode_sidecar(sidecar.read_bytes())
        except FileNotFoundError:
            return None
        except msgspec.DecodeError:
            log.warning("sink ignoring unreadable sidecar path=%s", sidecar)
            return None

    def _find(self, conversation_id: str, end_time: datetime | None) -> tuple[str, Path]:
        if end_time is not None:
            name = blob_name(conversation_id, end_time)
            path = self.root / name
            if path.exists():
                return name, path
        else:
            cid = validate_conversation_id(conversation_id)
            hits = sorted(self.root.glob(f"conversations/*/*/*/{cid}{SUFFIX}"))
            if hits:
                path = hits[-1]
                return path.relative_to(self.root).as_posix(), path
        raise ArchiveNotFound(
            f"cannot get archive of conversation {conversation_id}: not found under {self.root}"
        )

    def _get_sync(self, conversation_id: str, end_time: datetime | None) -> StoredArchive:
        name, path = self._find(conversation_id, end_time)
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        try:
            data = path.read_bytes()
            doc = self._read_sidecar(sidecar)
        except OSError as exc:
            raise os_error("read", f"archive {name}", exc) from exc
        if doc is None:
            raise IntegrityError(
                f"cannot read archive {name}: sidecar {sidecar.name} is missing or unreadable"
            )
        return StoredArchive(
            uri=path.as_uri(),
            name=name,
            data=data,
            meta=doc.meta,
            retention=Retention(
                until=doc.retention_until, mode=None, legal_hold=bool(doc.legal_holds), enforced=False
            ),
            content_type=doc.content_type,
            content_encoding=None,
        )
