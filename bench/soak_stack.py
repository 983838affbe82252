"""The soak's world: the simulator (in-process), Azurite on disk behind a recording WORM proxy, and the real
worker (`python -m archiver run`) as a child process that can be SIGKILLed and restarted.

Everything binds 127.0.0.1 on OS-chosen ports. The worker gets its settings from a TOML file and its secrets
from the environment, exactly as in production; its stdout/stderr go to files and every /metrics page it
serves is saved, so the security scan can read everything it ever emitted.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from archiver.testing.azurite import Azurite
from archiver.testing.wormproxy import WormProxy

REPO = Path(__file__).resolve().parents[1]
CONTAINER = "soak-archive"
_METRICS_URL = re.compile(rb"metrics_listening url=(http://127\.0\.0\.1:\d+/metrics)")


class RecordingProxy(WormProxy):
    """The WORM proxy, also recording when each blob was *created* (201): exactly-once and latency evidence.

    Azure answers a second put-if-absent with 409, so two creations of one name cannot happen; two
    creations for one conversation would show up as two names (e.g. different end dates) — both are counted.
    """

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.created: dict[str, list[float]] = collections.defaultdict(list)

    async def _write(
        self, request: web.Request, headers: dict[str, str], key: tuple[str, str, str], op: str
    ) -> web.StreamResponse:
        resp = await super()._write(request, headers, key, op)
        if resp.status == 201 and op in {"put_blob", "put_blocklist"}:
            self.created[key[2]].append(time.time())
        return resp


class BlobStore:
    """Azurite persisted under `root` plus the recording proxy; `outage(s)` stops and restarts Azurite."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.azurite: Azurite | None = None
        self.proxy: RecordingProxy | None = None
        self.outages = 0

    async def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.azurite = await asyncio.to_thread(Azurite(location=str(self.root)).start)
        self.proxy = RecordingProxy(self.azurite.urls["Blob"])
        await self.proxy.start()
        from azure.storage.blob.aio import BlobServiceClient

        async with BlobServiceClient.from_connection_string(self.proxy.connection_string) as svc:
            await svc.create_container(CONTAINER)

    @property
    def connection_string(self) -> str:
        """Through the WORM proxy (what the worker and the audit use)."""
        assert self.proxy is not None
        return self.proxy.connection_string

    async def outage(self, seconds: float) -> None:
        """The blob store unreachable for `seconds`: the proxy drops connections while Azurite is down."""
        assert self.proxy is not None and self.azurite is not None
        self.outages += 1
        self.proxy.set_unreachable(True)
        started = time.monotonic()
        await asyncio.to_thread(self.azurite.stop)
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started) - 1.0))
        # Same data directory, new port: the proxy (the account endpoint the worker knows) is repointed.
        self.azurite = await asyncio.to_thread(Azurite(location=str(self.root)).start)
        self.proxy.upstream = self.azurite.urls["Blob"]
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
        self.proxy.set_unreachable(False)

    async def close(self) -> None:
        if self.proxy is not None:
            await self.proxy.close()
        if self.azurite is not None:
            await asyncio.to_thread(self.azurite.stop)


def descendants(pid: int) -> list[int]:
    """Child processes of `pid`, recursively (the worker's spawn pool and resource tracker)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        for k in kids:
            out.append(int(k))
            todo.append(int(k))
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (0 if gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a live process in kB, (0, 0) if gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        return 0, 0
    return rss, hwm


class WorkerProcess:
    """`python -m archiver run --config FILE`, one incarnation at a time, in its own process group.

    Logs of incarnation n go to `worker-n.out` / `worker-n.err`; `/metrics` pages to `metrics-n.txt`.
    SIGKILL hits the whole group (as systemd's control-group kill does), so no pool process survives it.
    """

    def __init__(self, run_dir: Path, config_path: Path, env: dict[str, str]) -> None:
        self.run_dir, self.config_path, self.env = run_dir, config_path, env
        self.proc: asyncio.subprocess.Process | None = None
        self.incarnation = 0
        self.kills = 0
        self.exit_codes: list[int] = []
        self.peak_main_kb = 0  # VmHWM of the worker process itself
        self.peak_total_kb = 0  # worker + pool processes, summed VmRSS at one sample
        self.scrapes = 0
        self.scrape_errors = 0
        self.last_metrics: dict[int, str] = {}
        # (wall time, CPU seconds of worker + pool so far in this incarnation): CPU per archive is a figure
        # the other processes on a shared machine cannot distort the way they distort throughput.
        self.cpu_samples: list[tuple[float, float]] = []
        self._metrics_url: str | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def log_files(self) -> list[Path]:
        return sorted(self.run_dir.glob("worker-*.out")) + sorted(self.run_dir.glob("worker-*.err"))

    def metrics_files(self) -> list[Path]:
        return sorted(self.run_dir.glob("metrics-*.txt"))

    async def start(self) -> None:
        """Start a new incarnation (the previous one must have exited)."""
        self.incarnation += 1
        n = self.incarnation
        self._metrics_url = None
        with (
            (self.run_dir / f"worker-{n}.out").open("ab") as out,
            (self.run_dir / f"worker-{n}.err").open("ab") as err,
        ):
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "archiver",
                "run",
                "--config",
                str(self.config_path),
                cwd=str(self.run_dir),
                env=self.env,
                stdout=out,
                stderr=err,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
        self._tasks = [
            asyncio.create_task(self._sample_rss(self.proc.pid)),
            asyncio.create_task(self._scrape(n)),
        ]

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        """SIGKILL the worker and its pool (the process group) and reap it."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        self.kills += 1
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        self.exit_codes.append(await proc.wait())
        await self._stop_tasks()

    async def terminate(self, timeout_s: float) -> int:
        """SIGTERM (graceful shutdown); SIGKILL after `timeout_s`. Returns the exit status."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return proc.returncode if proc is not None and proc.returncode is not None else 0
        proc.send_signal(signal.SIGTERM)
        try:
            rc = await asyncio.wait_for(proc.wait(), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            rc = await proc.wait()
        self.exit_codes.append(rc)
        # Pool processes exit with their parent on a clean shutdown; make sure no straggler outlives the run.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await self._stop_tasks()
        return rc

    async def _stop_tasks(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks = []

    async def _sample_rss(self, pid: int) -> None:
        seen: dict[int, float] = {}  # pool processes' CPU, kept after they exit
        while True:
            _, hwm = rss_kb(pid)
            kids = descendants(pid)
            total = rss_kb(pid)[0] + sum(rss_kb(k)[0] for k in kids)
            for k in (pid, *kids):
                seen[k] = max(seen.get(k, 0.0), cpu_s(k))
            self.cpu_samples.append((time.time(), sum(seen.values())))
            self.peak_main_kb = max(self.peak_main_kb, hwm)
            self.peak_total_kb = max(self.peak_total_kb, total)
            await asyncio.sleep(0.5)

    def _find_metrics_url(self, n: int) -> str | None:
        for name in (f"worker-{n}.err", f"worker-{n}.out"):
            with contextlib.suppress(OSError):
                m = _METRICS_URL.search((self.run_dir / name).read_bytes())
                if m:
                    return m.group(1).decode()
        return None

    async def _scrape(self, n: int, every_s: float = 2.0) -> None:
        """Save every /metrics page this incarnation serves (the security scan reads them all)."""
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                await asyncio.sleep(every_s)
                url = self._metrics_url or self._find_metrics_url(n)
                if url is None:
                    continue
                self._metrics_url = url
                try:
                    async with session.get(url) as resp:
                        body = await resp.text()
                except (aiohttp.ClientError, TimeoutError):
                    self.scrape_errors += 1
                    continue
                self.scrapes += 1
                self.last_metrics[n] = body
                with (self.run_dir / f"metrics-{n}.txt").open("a", encoding="utf-8") as fh:
                    fh.write(f"# scrape at {time.time():.3f}\n{body}")

    async def scrape_now(self) -> None:
        """One last scrape of the running incarnation (before a graceful stop)."""
        url = self._metrics_url or self._find_metrics_url(self.incarnation)
        if url is None:
            return
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url) as resp:
                    body = await resp.text()
                self.scrapes += 1
                self.last_metrics[self.incarnation] = body
                with (self.run_dir / f"metrics-{self.incarnation}.txt").open("a", encoding="utf-8") as fh:
                    fh.write(f"# scrape at {time.time():.3f}\n{body}")


def metric_sum(page: str, name: str) -> float:
    """Sum of every sample of `name` (any labels) in a Prometheus text page."""
    total = 0.0
    for line in page.splitlines():
        if line.startswith(name) and (line[len(name) : len(name) + 1] in {" ", "{"}):
            with contextlib.suppress(ValueError, IndexError):
                total += float(line.rsplit(" ", 1)[1])
    return total
