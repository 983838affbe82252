"""`archiver get` as an auditor uses it: ids as pasted, a local archive by `--dir`, exit codes that tell
"no such archive" from "the store cannot be reached" (README, "Exit codes")."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

import pytest

from archiver.assemble import Components
from archiver.cli import main
from archiver.errors import EXIT_CONFIG, EXIT_INTEGRITY, EXIT_NOT_FOUND, EXIT_SINK, EXIT_USAGE
from archiver.sim import Simulator
from tests.e2e.conftest import make_config

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _no_configured_store(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))]:
        monkeypatch.delenv(name)


async def _archive_one(sim: Simulator, tmp_path: Path, cpu_pool: Any) -> tuple[str, Path]:
    config = make_config(sim, tmp_path)
    [cid] = await sim.generate(1)
    async with Components(config, pool=cpu_pool) as c:
        await c.queue.enqueue(cid, source="test")
        [lease] = await c.queue.lease("t", 60.0)
        assert await c.pipeline().process(lease) == "archived"
    return cid, tmp_path / "archive"


async def test_get_from_a_local_directory_with_a_pasted_uppercase_id(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cid, archive = await _archive_one(sim, tmp_path, cpu_pool)
    capsys.readouterr()
    # `--dir` reads the directory the demo prints; the id is lowercased as Genesys spells it
    assert await asyncio.to_thread(main, ["get", f" {cid.upper()} ", "--dir", str(archive)]) == 0
    out = capsys.readouterr()
    assert f'"conversationId": "{cid}"' in out.out and "not WORM" in out.err
    # --require-locked on a local archive: there is no policy at all (not "Unlocked"), and it fails
    rc = await asyncio.to_thread(main, ["get", cid, "--dir", str(archive), "--require-locked"])
    err = capsys.readouterr().err
    assert rc == EXIT_INTEGRITY
    assert "no immutability policy at all" in err and "Unlocked" not in err
    # an archive the store does not have: its own exit code
    rc = await asyncio.to_thread(main, ["get", str(uuid.uuid4()), "--dir", str(archive)])
    assert rc == EXIT_NOT_FOUND and "not found" in capsys.readouterr().err


def test_an_id_that_is_not_a_conversation_id_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["get", "../../etc/passwd", "--dir", str(tmp_path)])
    assert exc.value.code == EXIT_USAGE and "not a conversation id" in capsys.readouterr().err


def test_a_missing_directory_is_named_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-dir"
    assert main(["get", str(uuid.uuid4()), "--dir", str(missing)]) == EXIT_CONFIG
    assert str(missing) in capsys.readouterr().err
    assert not missing.exists()


def test_an_unreachable_store_is_not_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on port 1 of the loopback: the connection is refused at once.
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
    )
    monkeypatch.setenv("AZURE_CONTAINER_NAME", "archive")
    monkeypatch.setenv("ARCHIVER_SINK__KIND", "azure")
    rc = main(["get", str(uuid.uuid4()), "--date", "2026-05-14"])
    err = capsys.readouterr().err
    assert rc == EXIT_SINK, err
    assert "127.0.0.1:1" in err
