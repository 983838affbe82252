"""The auditor commands as a user runs them: `python -m archiver find|verify|hold|export` in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit.conftest import Org

pytestmark = pytest.mark.timeout(120)
REPO = str(Path(__file__).resolve().parents[2])


def archiver(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, base.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        env=base | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.mark.slow
async def test_commands_from_the_command_line(org: Org, tmp_path: Path) -> None:
    if org.container is not None:
        pytest.skip("one store is enough for argument handling")
    p = org.period()
    span = ["--from", p.start.isoformat(), "--to", p.end.isoformat()]
    found = await asyncio.to_thread(archiver, "find", *span, "--json", env=org.env, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert sorted(json.loads(line)["conversationId"] for line in found.stdout.splitlines()) == sorted(
        org.archived
    )
    ok = await asyncio.to_thread(archiver, "verify", *span, "--poll", "0.05", env=org.env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["counts"]["verified"] == 4 and "result" in ok.stderr
    held = await asyncio.to_thread(
        archiver, "hold", "set", org.archived[0], "--case", "M-1", env=org.env, cwd=tmp_path
    )
    assert held.returncode == 0 and "legal hold ON" in held.stdout
    bad_case = await asyncio.to_thread(
        archiver, "hold", "set", org.archived[0], "--case", "has space", env=org.env, cwd=tmp_path
    )
    assert bad_case.returncode == 2 and "case name" in bad_case.stderr
    out = tmp_path / "bundle"
    exported = await asyncio.to_thread(
        archiver, "export", *span, "--out", str(out), env=org.env, cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    assert (out / "manifest.csv").read_text().count("\n") == 5
    reversed_span = ["--from", p.end.isoformat(), "--to", p.start.isoformat()]
    usage = await asyncio.to_thread(archiver, "find", *reversed_span, env=org.env, cwd=tmp_path)
    assert usage.returncode == 2 and "--to must be after --from" in usage.stderr
    zone = await asyncio.to_thread(
        archiver, "export", *span, "--out", str(out), "--zone", "Mars/Base", env=org.env, cwd=tmp_path
    )
    assert zone.returncode == 2 and "time zone" in zone.stderr


def test_verify_without_an_org_is_a_config_error(tmp_path: Path) -> None:
    res = archiver("verify", "--from", "2026-05-01", "--to", "2026-05-02", env={}, cwd=tmp_path)
    assert res.returncode == 3 and "genesys.client_id" in res.stderr and "GENESYS_CLIENT_ID" in res.stderr
    assert not any(tmp_path.iterdir())  # nothing written, not even an ./archive directory
