"""sd_notify against a real worker process: a real unix datagram socket as NOTIFY_SOCKET, as systemd gives.

The worker is `archiver run` against the simulator. The loop is stalled the way a real stall happens — a
synchronous call on the event-loop thread — by a SIGUSR2 handler the test's launcher installs (Python runs
signal handlers on the main thread, which is the loop's): the process stays alive and any other thread
keeps running, so only pings sent from the loop itself stop. The launcher brackets the stall with two marker
datagrams on the same socket; datagrams arrive in order, so "no WATCHDOG between the markers" needs no clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from archiver import sdnotify
from archiver.sim import Simulator
from tests.e2e.test_commands import clean_env
from tests.support import sim_worker_env

pytestmark = pytest.mark.timeout(180)

LAUNCHER = """
import os, signal, sys, time
from archiver import sdnotify

def stall(_signum, _frame):
    sdnotify.notify("X_TEST_STALL=begin")
    time.sleep(float(os.environ["TEST_STALL_S"]))  # blocks the event-loop thread, like any sync call would
    sdnotify.notify("X_TEST_STALL=end")

signal.signal(signal.SIGUSR2, stall)
from archiver.cli import main
sys.exit(main(["run"]))
"""


@pytest.fixture(params=["abstract", "path"])
def notify_socket(request: pytest.FixtureRequest) -> Iterator[tuple[socket.socket, str]]:
    """A bound datagram socket and the NOTIFY_SOCKET value naming it (`@name` or a filesystem path)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setblocking(False)
    tmp = tempfile.mkdtemp(prefix="sdn-", dir="/tmp")  # short: unix socket paths are limited to 107 bytes
    try:
        if request.param == "abstract":
            name = f"archiver-test-{uuid.uuid4().hex}"
            sock.bind("\0" + name)
            yield sock, "@" + name
        else:
            path = os.path.join(tmp, "notify")
            sock.bind(path)
            yield sock, path
    finally:
        sock.close()
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(tmp, "notify"))
        os.rmdir(tmp)


async def receive(sock: socket.socket, within: float = 60.0) -> str:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(within):
        return (await loop.sock_recv(sock, 4096)).decode()


async def test_ready_after_startup_watchdog_from_the_loop_and_stopping(
    sim: Simulator, tmp_path: Path, notify_socket: tuple[socket.socket, str]
) -> None:
    sock, address = notify_socket
    env = clean_env(
        **sim_worker_env(sim, tmp_path),
        NOTIFY_SOCKET=address,
        WATCHDOG_USEC="200000",  # a ping every 0.1 s
        TEST_STALL_S="2",  # 20 ping periods
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once; the simulator must keep this loop
            [sys.executable, "-c", LAUNCHER],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        # READY=1 is the first thing sent, and only once the worker is up: /metrics bound and healthy.
        first = await receive(sock)
        assert first == "READY=1", log_path.read_text()[-3000:]
        text = log_path.read_text()
        port = re.search(r"metrics_listening url=http://127\.0\.0\.1:(\d+)/metrics", text)
        assert port is not None, text[-3000:]
        healthz = f"http://127.0.0.1:{port.group(1)}/healthz"
        async with aiohttp.ClientSession() as http, http.get(healthz) as r:
            assert r.status == 200

        # WATCHDOG=1 keeps coming.
        for _ in range(5):
            assert await receive(sock) == "WATCHDOG=1"

        # A stalled loop sends nothing: not one WATCHDOG between the stall's begin and end markers.
        proc.send_signal(signal.SIGUSR2)
        while (msg := await receive(sock)) != "X_TEST_STALL=begin":
            assert msg == "WATCHDOG=1"
        during = []
        while (msg := await receive(sock)) != "X_TEST_STALL=end":
            during.append(msg)
        assert during == []
        # ... and once the loop runs again, so do the pings.
        for _ in range(3):
            assert await receive(sock) == "WATCHDOG=1"

        # SIGTERM: systemd hears STOPPING=1, and the worker exits 0 after its graceful shutdown.
        proc.send_signal(signal.SIGTERM)
        while (msg := await receive(sock)) != "STOPPING=1":
            assert msg == "WATCHDOG=1"
        loop = asyncio.get_running_loop()
        code = await asyncio.wait_for(loop.run_in_executor(None, proc.wait), timeout=60)
        assert code == 0, log_path.read_text()[-3000:]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_no_systemd_means_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert sdnotify.notify("READY=1") is False
    assert sdnotify.watchdog_interval_s() is None


def test_watchdog_interval_is_half_the_period_and_only_for_our_pid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert sdnotify.watchdog_interval_s() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval_s() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # meant for another process (e.g. our parent)
    assert sdnotify.watchdog_interval_s() is None
    monkeypatch.setenv("WATCHDOG_USEC", "0")
    monkeypatch.delenv("WATCHDOG_PID")
    assert sdnotify.watchdog_interval_s() is None


def test_a_vanished_socket_is_a_warning_not_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert sdnotify.notify("READY=1") is False
