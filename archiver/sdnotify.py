"""systemd's sd_notify protocol: a datagram to `$NOTIFY_SOCKET` (a path, or `@name`: abstract namespace).

With `Type=notify` the service is "started" only when the worker sends `READY=1`, and with `WatchdogSec`
systemd kills and restarts it (`Restart=on-failure`) when `WATCHDOG=1` stops arriving. The watchdog pings
come from a task on the event loop — not a thread — so a loop blocked by synchronous code stops them, which
is the failure the watchdog exists to catch. Everything here is a no-op when not run by systemd.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

log = logging.getLogger(__name__)


def _address() -> str | None:
    addr = os.environ.get("NOTIFY_SOCKET", "")
    if not addr or not addr.startswith(("/", "@")):
        return None
    # A leading "@" names a socket in Linux's abstract namespace (a leading NUL byte on the wire).
    return "\0" + addr[1:] if addr.startswith("@") else addr


def notify(state: str) -> bool:
    """Send one state line (e.g. `READY=1`); False when not under systemd or the send failed."""
    addr = _address()
    if addr is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(addr)
            sock.sendall(state.encode())
    except OSError as exc:  # systemd gone or socket not ours: never a reason to stop archiving
        log.warning("sd_notify_failed state=%s error=%s", state.split("=", 1)[0], type(exc).__name__)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of `$WATCHDOG_USEC` (systemd's advice); None when the watchdog is off or meant for another PID."""
    usec, pid = os.environ.get("WATCHDOG_USEC", ""), os.environ.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None


async def serve(ready: asyncio.Event | None = None) -> None:
    """Send READY=1 (after `ready` is set, if given), then WATCHDOG=1 every half watchdog period, forever."""
    if ready is not None:
        await ready.wait()
    if notify("READY=1"):
        log.info("sd_notify_ready watchdog_s=%s", watchdog_interval_s())
    interval = watchdog_interval_s()
    if interval is None or _address() is None:
        return
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval)


def stopping() -> None:
    """Tell systemd the graceful shutdown has begun (it then waits up to TimeoutStopSec)."""
    with contextlib.suppress(Exception):
        notify("STOPPING=1")
