"""`archiver get ID --attachments DIR`: read each stored attachment back, check it, save it.

For every attachment the record lists as `archived`, the stored bytes are read from the sink's store, their
sha256 and size compared with the record's, and only then written to `DIR/{attachmentId}{ext}` (temp file
+ rename: a failed check leaves nothing behind). One report line per attachment goes to the report stream;
attachments that were not archived are listed with their outcome. A missing attachment, another digest or
size, or a stored name the record could not have written, is an integrity failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TextIO

from archiver.archive.record import decode_record
from archiver.attachments.backends import store_for
from archiver.attachments.naming import is_attachment_name
from archiver.attachments.stores import AttachmentStore
from archiver.errors import SinkError
from archiver.sinks.base import Sink


async def save_attachments(sink: Sink, record_json: bytes, out_dir: Path, report: TextIO) -> bool:
    """Start `sink`, verify and save every archived attachment of the record; True when all verified."""
    record = decode_record(record_json)
    items = [a for m in record.messages for a in m.attachments]
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    await sink.start()
    try:
        store = store_for(sink)
        ok = True
        for a in items:
            aid = a.id or "-"
            if a.archive is None:
                report.write(f"attachment   {aid}: not archived (attachments.mode was metadata)\n")
            elif a.archive.outcome != "archived":
                report.write(f"attachment   {aid}: not archived ({a.archive.outcome})\n")
            else:
                ok = (
                    await _one(
                        store, aid, a.archive.name, a.archive.sha256, a.archive.size_bytes, out_dir, report
                    )
                    and ok
                )
        if not items:
            report.write("attachments  none in this record\n")
        return ok
    finally:
        await sink.close()


async def _one(
    store: AttachmentStore,
    aid: str,
    name: str | None,
    sha256: str | None,
    size: int | None,
    out_dir: Path,
    report: TextIO,
) -> bool:
    if not name or not is_attachment_name(name) or not sha256:
        report.write(f"FAILED       attachment {aid}: the record's stored name or sha256 is invalid\n")
        return False
    try:
        data = await store.read(name)
    except SinkError as exc:
        report.write(f"FAILED       attachment {aid}: {exc}\n")
        return False
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256 or (size is not None and size != len(data)):
        report.write(
            f"FAILED       attachment {aid}: stored bytes have sha256 {digest} ({len(data)} bytes), "
            f"the record says {sha256} ({size} bytes)\n"
        )
        return False
    path = out_dir / name.rsplit("/", 1)[-1]
    await asyncio.to_thread(_write, path, data)
    report.write(f"attachment   {aid}: sha256 {digest} (verified) {len(data)} bytes -> {path}\n")
    return True


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
