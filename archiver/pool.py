"""CPU work off the event loop: a spawn-context process pool whose workers each build one Redactor.

The I/O process sends raw bytes in and gets gzip bytes out (pickling bytes is cheap); redaction, JSON
encoding and compression run in the workers. `spawn`, not `fork`: the parent runs an event loop, threads
and open sockets, none of which survive a fork safely. Each worker compiles the RE2 pattern once, in its
initializer, and module-level functions reach it through `worker_redactor()`.

A worker that dies (OOM killer, segfault) breaks a ProcessPoolExecutor for good; `run` then replaces the
executor and raises TransientError, so the caller retries the item instead of the whole worker failing.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from archiver.errors import TransientError
from archiver.redact import RedactConfig, Redactor
from archiver.redact.normalize import warm_tables

__all__ = ["CpuPool", "worker_redactor"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_redactor: Redactor | None = None


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies, so a SIGKILLed worker leaves no orphans.

    Without it, a pool worker whose parent was SIGKILLed (OOM killer, `kill -9`, a soak test) lives on,
    blocked on a pipe nobody will write, holding memory. The parent may already have died between the spawn
    and the prctl call, in which case we were reparented: check, and exit at once. Linux ties the signal
    to the *thread* that spawned the worker; ProcessPoolExecutor spawns from the thread calling `submit`,
    which for `CpuPool.run` is the event-loop thread, alive as long as the pool.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc symbol (exotic libc): fall back to the pipe EOF
        return
    if os.getppid() != parent:
        os._exit(1)


def _init_worker(config: RedactConfig, parent: int | None = None) -> None:
    """Process initializer: build the per-process Redactor (RE2 compiled here, once)."""
    global _redactor
    if parent is not None:
        _die_with_parent(parent)
    # Ctrl-C / a service manager's SIGTERM reach the whole process group; the parent drains in-flight work
    # through the pool and then closes it, so the workers must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _redactor = Redactor(config)
    warm_tables()  # the look-alike tables too, so no request pays for building them


def worker_redactor() -> Redactor:
    """This process's Redactor; built with the default config if no pool initializer ran (tests, scripts)."""
    global _redactor
    if _redactor is None:
        _redactor = Redactor()
    return _redactor


def _warm(delay: float) -> int:
    worker_redactor()
    time.sleep(delay)  # hold this worker so the next warm-up task lands on (and spawns) another one
    return os.getpid()


class CpuPool:
    """A ProcessPoolExecutor (spawn) with one Redactor per worker; `await pool.run(fn, *args)`."""

    def __init__(self, processes: int | None = None, redact_config: RedactConfig | None = None) -> None:
        self.processes = processes or os.cpu_count() or 1
        self.redact_config = redact_config or RedactConfig()
        Redactor(self.redact_config)  # a bad config fails here, in the parent, with a ConfigError
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.redact_config, os.getpid()),
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run picklable `fn(*args)` in a worker process and return its result."""
        loop = asyncio.get_running_loop()
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool as exc:
            if executor is self._executor:  # first caller to notice replaces it; others just retry
                log.warning("event=pool_broken action=replace processes=%d", self.processes)
                self._executor = self._new_executor()
                executor.shutdown(wait=False, cancel_futures=True)
            raise TransientError(f"cannot run {getattr(fn, '__name__', 'task')} in the pool: {exc}") from exc

    def warm(self, delay: float = 0.2, timeout_s: float = 120.0) -> set[int]:
        """Start every worker now (spawn + RE2 compile) instead of on first use; return their pids.

        One round of N short tasks does not always reach N workers: on a loaded machine the first worker can
        finish its task before the last one has spawned and take a second. So rounds repeat until every
        worker answered (the executor spawns one per task it cannot hand to an idle worker) or the time is up.
        """
        pids: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(pids) < self.processes and time.monotonic() < deadline:
            futures = [self._executor.submit(_warm, delay) for _ in range(self.processes)]
            pids |= {f.result() for f in futures}
        return pids

    def close(self, wait: bool = True) -> None:
        """Stop the workers; pending tasks are cancelled, running ones finish when `wait`."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> CpuPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
