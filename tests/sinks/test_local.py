"""Local sink specifics: read-only files, sidecar, atomic publication, crash repair, error mapping."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from archiver.config import LocalSinkConfig
from archiver.errors import IntegrityError, SinkPermanentError
from archiver.sinks import LocalSink, blob_name
from archiver.sinks.local import Sidecar
from tests.sinks.conftest import record


async def started(root: Path, *, fsync: bool = True, **kw: object) -> LocalSink:
    sink = LocalSink(LocalSinkConfig(dir=str(root), **kw), fsync=fsync)  # type: ignore[arg-type]
    await sink.start()
    return sink


async def test_files_are_read_only_with_sidecar_and_no_temp_left(tmp_path: Path) -> None:
    sink = await started(tmp_path / "a", retention_days=10)
    data, meta = record()
    result = await sink.put(data, meta)
    path = tmp_path / "a" / blob_name(meta.conversation_id, meta.end_time)
    assert result.uri == path.as_uri()
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    side = path.with_name(path.name + ".meta.json")
    assert stat.S_IMODE(side.stat().st_mode) == 0o444
    doc = msgspec.json.decode(side.read_bytes(), type=Sidecar)
    assert (
        doc.meta == meta and doc.size_bytes == len(data) and doc.name == blob_name(meta.conversation_id, END)
    )
    assert abs(doc.retention_until - (datetime.now(UTC) + timedelta(days=10))) < timedelta(minutes=1)
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, side.name])


async def test_sidecar_lost_in_a_crash_is_repaired_from_the_bytes(tmp_path: Path) -> None:
    sink = await started(tmp_path)
    data, meta = record()
    await sink.put(data, meta)
    path = tmp_path / blob_name(meta.conversation_id, meta.end_time)
    side = path.with_name(path.name + ".meta.json")
    side.unlink()  # as if the process died between publishing the archive and its sidecar
    with pytest.raises(IntegrityError, match="sidecar"):
        await sink.get(meta.conversation_id)
    again = await sink.put(data, meta)
    assert again.created is False and side.exists()
    assert (await sink.get(meta.conversation_id)).meta == meta


async def test_foreign_file_without_sidecar_is_an_integrity_error_and_untouched(tmp_path: Path) -> None:
    sink = await started(tmp_path)
    data, meta = record()
    path = tmp_path / blob_name(meta.conversation_id, meta.end_time)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(IntegrityError):
        await sink.put(data, meta)
    assert path.read_bytes() == b"not gzip at all"


async def test_tampered_archive_fails_verification(tmp_path: Path) -> None:
    sink = await started(tmp_path)
    data, meta = record()
    await sink.put(data, meta)
    path = tmp_path / blob_name(meta.conversation_id, meta.end_time)
    other, _ = record(text="tampered")
    os.chmod(path, 0o644)
    path.write_bytes(other)
    with pytest.raises(IntegrityError, match="does not match"):
        (await sink.get(meta.conversation_id)).record()


async def test_without_fsync_still_writes(tmp_path: Path) -> None:
    sink = await started(tmp_path, fsync=False)
    data, meta = record()
    assert (await sink.put(data, meta)).created


async def test_unusable_root_is_a_permanent_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SinkPermanentError, match="cannot open archive directory"):
        await started(blocker / "archive")


async def test_use_before_start_is_refused(tmp_path: Path) -> None:
    data, meta = record()
    with pytest.raises(SinkPermanentError, match="start"):
        await LocalSink(LocalSinkConfig(dir=str(tmp_path))).put(data, meta)


def test_settings_reject_unknown_fields() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"dir": "x", "retension_days": 3}, LocalSinkConfig)


END = record()[1].end_time
