"""`archiver check` as an operator runs it: a subprocess against the simulator and Azurite + WORM proxy."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from archiver.commands.check import main
from archiver.errors import EXIT_CONFIG, EXIT_PERMISSION
from archiver.sim import SimConfig, Simulator
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import new_container


async def run_check(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "archiver", "check", *args,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return int(proc.returncode or 0), out.decode()


async def test_the_command_prints_one_line_per_check_and_exits_by_the_worst(
    worm_proxy: WormProxy, tmp_path: Path
) -> None:
    sim = Simulator(SimConfig(seed=5))
    await sim.start(host="127.0.0.1", port=0)
    try:
        container = await new_container(worm_proxy)
        env = {
            "GENESYS_CLIENT_ID": sim.config.client_id,
            "GENESYS_CLIENT_SECRET": sim.config.client_secret,
            "ARCHIVER_GENESYS__BASE_URL": sim.base_url,
            "AZURE_STORAGE_CONNECTION_STRING": worm_proxy.connection_string,
            "AZURE_CONTAINER_NAME": container,
            "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "30",
        }
        code, out = await run_check(env, "--write-canary")
        assert code == 0, out
        lines = out.splitlines()
        assert lines[0].startswith("✔ config: valid") and lines[-1].startswith("check passed:")
        assert any(line.startswith("✔ write canary: _archiver/canary/") for line in lines)
        assert sim.config.client_secret not in out
        sim.faults.deny_permission("conversation:webmessaging:view", "/api/v2/conversations/messages/")
        code, out = await run_check(env)
        assert code == EXIT_PERMISSION, out
        assert "✘ transcript read:" in out and "conversation:webmessaging:view" in out
        assert out.splitlines()[-1].startswith("check FAILED:")
    finally:
        await sim.stop()


def test_an_invalid_config_is_one_failed_line_and_exit_3(
    tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    bad = tmp_path / "archiver.toml"
    bad.write_text("[sink.azure]\nretension_days = 30\n")
    monkeypatch.delenv("ARCHIVER_CONFIG", raising=False)
    assert main(["--config", str(bad)]) == EXIT_CONFIG
    out = capsys.readouterr().out
    assert out.startswith("✘ config: ") and "retension_days" in out and "fix:" in out
