"""Start/stop the pinned Azurite (package.json) on free loopback ports, in memory (or on disk with
`location=DIR`), for tests and benches.

Ports are chosen by the OS (`--blobPort 0`) and read back from Azurite's "listening" lines, so parallel
sessions never collide and there is no free-port race. `--skipApiVersionCheck` lets the current SDK's
default API version through (docs/azure.md#azurite); `--disableTelemetry` because Azurite phones home by
default. Azurite does not emulate WORM: put `archiver.testing.wormproxy.WormProxy` in front of it for that.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO

ACCOUNT = "devstoreaccount1"
# Azurite's well-known development key (public, documented in Azurite's README): not a secret.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_LISTENING = re.compile(
    r"Azurite (Blob|Queue|Table) service (?:is )?successfully listen\w* (?:at|on) (http://\S+)"
)


def connection_string(blob_endpoint: str, queue_endpoint: str | None = None) -> str:
    """A connection string for the dev account at the given endpoint(s) (`http://host:port/devstoreaccount1`)."""
    parts = [
        "DefaultEndpointsProtocol=http",
        f"AccountName={ACCOUNT}",
        f"AccountKey={ACCOUNT_KEY}",
        f"BlobEndpoint={blob_endpoint}",
    ]
    if queue_endpoint:
        parts.append(f"QueueEndpoint={queue_endpoint}")
    return ";".join(parts) + ";"


def _find_script(queue: bool) -> Path:
    rel = Path("node_modules/azurite/dist/src") / ("azurite.js" if queue else "blob/main.js")
    for base in (Path(__file__).resolve().parents[2], Path.cwd(), *Path.cwd().parents):
        if (base / rel).is_file():
            return base / rel
    raise RuntimeError(f"cannot start Azurite: {rel} not found; run `npm ci` in the project root")


class Azurite:
    """One Azurite process (in memory, or on disk under `location`); a context manager, or start()/stop()."""

    def __init__(
        self,
        *,
        queue: bool = False,
        startup_timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
        location: str | None = None,
    ):
        self.queue = queue
        # A directory means disk persistence: the data outlives a stop()/start() (the soak restarts Azurite).
        self.location = location
        self.startup_timeout = startup_timeout
        self.extra_args = extra_args
        self.urls: dict[str, str] = {}  # "Blob" / "Queue" / "Table" -> "http://127.0.0.1:port"
        self._proc: subprocess.Popen[str] | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._ready = threading.Event()
        self._workdir: str | None = None

    @property
    def blob_url(self) -> str:
        """Blob endpoint with the account path, e.g. `http://127.0.0.1:41234/devstoreaccount1`."""
        return f"{self.urls['Blob']}/{ACCOUNT}"

    @property
    def queue_url(self) -> str:
        """Queue endpoint with the account path (only with `queue=True`)."""
        return f"{self.urls['Queue']}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        """Connection string straight to Azurite (no WORM proxy)."""
        return connection_string(self.blob_url, self.queue_url if "Queue" in self.urls else None)

    def start(self) -> Azurite:
        """Spawn Azurite and block until every requested service is listening."""
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("cannot start Azurite: `node` is not on PATH (Node.js ≥ 20 is required)")
        script = _find_script(self.queue)
        args = [node, str(script), "--blobHost", "127.0.0.1", "--blobPort", "0"]
        if self.queue:
            args += [
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                "0",
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                "0",
            ]
        persist = ["--location", self.location] if self.location else ["--inMemoryPersistence"]
        args += [*persist, "--skipApiVersionCheck", "--disableTelemetry", "--silent"]
        args += list(self.extra_args)
        self._workdir = tempfile.mkdtemp(prefix="azurite-")  # Azurite may drop debug files in its cwd
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            args,
            cwd=self._workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        atexit.register(self.stop)
        assert self._proc.stdout is not None
        threading.Thread(
            target=self._drain, args=(self._proc.stdout,), daemon=True, name="azurite-log"
        ).start()
        if not self._ready.wait(self.startup_timeout):
            self.stop()
            raise RuntimeError(
                f"cannot start Azurite: not listening after {self.startup_timeout:.0f}s: {self._log()}"
            )
        if self._proc.poll() is not None or "Blob" not in self.urls:
            self.stop()
            raise RuntimeError(f"cannot start Azurite: process exited: {self._log()}")
        return self

    def _drain(self, stream: IO[str]) -> None:
        # Keep reading for the process's whole life so a full pipe can never block Azurite.
        wanted = {"Blob", "Queue", "Table"} if self.queue else {"Blob"}
        for line in stream:
            self._tail.append(line.rstrip())
            m = _LISTENING.search(line)
            if m:
                self.urls[m.group(1)] = m.group(2).rstrip("/")
                if wanted <= self.urls.keys():
                    self._ready.set()
        self._ready.set()  # EOF: the process died; start() reports it

    def _log(self) -> str:
        return " | ".join(self._tail) or "(no output)"

    def stop(self) -> None:
        """Terminate Azurite (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        atexit.unregister(self.stop)

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> Azurite:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)
