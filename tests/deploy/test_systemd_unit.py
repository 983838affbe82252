"""deploy/systemd/archiver.service: systemd's own verdicts (verify, security) and what the unit promises."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import msgspec

from archiver.config import Config, load_config
from archiver.errors import EXIT_AUTH, EXIT_CONFIG, EXIT_PERMISSION, EXIT_USAGE
from tests.deploy.tools import REPO, tool

UNIT = REPO / "deploy" / "systemd" / "archiver.service"
MAX_EXPOSURE = 2.0


def directives(section: str) -> dict[str, list[str]]:
    """Key → every value it is given in one section of the unit (keys may repeat)."""
    out: dict[str, list[str]] = {}
    current = None
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section:
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def seconds(value: str) -> float:
    m = re.fullmatch(r"(\d+)\s*(s|min)?", value)
    assert m, value
    return float(m.group(1)) * (60 if m.group(2) == "min" else 1)


def test_systemd_analyze_verify_is_clean(tmp_path: Path) -> None:
    # A root holding the unit, systemd's own units, and an executable where ExecStart points (verify checks
    # that the binary exists; the real one is installed by the operator, see README "Run as a service").
    exe = tmp_path / "opt" / "archiver" / "bin" / "archiver"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    shutil.copy(UNIT, units / UNIT.name)
    system_units = Path("/usr/lib/systemd/system")
    assert system_units.is_dir(), "systemd's units are missing: install Debian's systemd package"
    shutil.copytree(system_units, tmp_path / "usr" / "lib" / "systemd" / "system", symlinks=True)
    res = subprocess.run(
        [tool("systemd-analyze"), "verify", f"--root={tmp_path}", UNIT.name],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Unknown keys and unparsable values are only warnings (exit 0): clean means no output at all.
    assert res.returncode == 0 and not (res.stdout + res.stderr).strip(), res.stdout + res.stderr


def test_systemd_analyze_security_exposure_is_at_most_2() -> None:
    res = subprocess.run(
        [tool("systemd-analyze"), "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    m = re.search(r"Overall exposure level for archiver\.service: (\d+\.\d+)", res.stdout + res.stderr)
    assert m, res.stdout + res.stderr
    assert float(m.group(1)) <= MAX_EXPOSURE, res.stdout


def test_notify_watchdog_and_no_restart_loop_on_what_a_restart_cannot_fix() -> None:
    svc = directives("Service")
    assert svc["Type"] == ["notify"] and svc["NotifyAccess"] == ["main"]
    assert seconds(svc["WatchdogSec"][0]) > 0
    assert svc["Restart"] == ["on-failure"]
    prevented = {int(code) for value in svc["RestartPreventExitStatus"] for code in value.split()}
    assert {EXIT_USAGE, EXIT_CONFIG, EXIT_AUTH, EXIT_PERMISSION} <= prevented


def test_graceful_stop_outlasts_the_worker_shutdown_timeout() -> None:
    svc = directives("Service")
    assert svc["KillSignal"] == ["SIGTERM"]
    example = load_config(str(REPO / "deploy" / "systemd" / "archiver.toml.example"), env=example_env())
    for config in (example, msgspec.convert({}, Config)):
        assert seconds(svc["TimeoutStopSec"][0]) > config.worker.shutdown_timeout_s


def test_secrets_only_in_the_environment_file_and_queue_in_the_state_directory() -> None:
    svc = directives("Service")
    assert svc["EnvironmentFile"] == ["/etc/archiver/archiver.env"]  # no "-": a missing file fails the start
    assert "--config /etc/archiver/archiver.toml" in svc["ExecStart"][0]
    assert svc["DynamicUser"] == ["yes"] and svc["User"] == ["archiver"]
    assert svc["StateDirectory"] == ["archiver"]
    env = dict(v.split("=", 1) for v in svc["Environment"])
    assert env["ARCHIVER_QUEUE__PATH"].startswith("/var/lib/archiver/")
    assert not any("SECRET" in k or "CONNECTION_STRING" in k or "SAS" in k for k in env)
    # The example config is valid, holds no secret, and with the example env file is a production config.
    config = load_config(str(REPO / "deploy" / "systemd" / "archiver.toml.example"), env=example_env())
    assert not config.embedded and config.genesys.client_secret is not None


def example_env() -> dict[str, str]:
    text = (REPO / "deploy" / "systemd" / "archiver.env.example").read_text()
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {k: v for k, v in pairs}
