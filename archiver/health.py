"""Whether the worker can reach what it depends on — Genesys and the archive store — for `/healthz` and logs.

A worker whose Genesys host or store does not answer keeps retrying (nothing is lost: the queue holds every
id), but it archives nothing, so it must not look healthy. Each remote endpoint has a `Reach`: the code that
talks to it reports every answer (`ok`) and every failure to get one (`failed`, with the cause). `Health`
turns that into /healthz: 503, naming the endpoint, the cause and for how long, once an endpoint has failed
without a single answer for `worker.unhealthy_after_s`; 200 again at the next answer (no restart needed).

An endpoint that has never answered since start-up is most likely misconfigured (a mistyped region or URL, a
firewall): its first failure is logged at ERROR with the fix, not buried among retry lines. An endpoint that
did answer and then stops is an outage: one INFO `reachable_again` when it ends and, for the stores (whose
failures are reported only after the SDK's own retries, `announce=True`), one WARNING `unreachable` when it
begins — however many retries lie in between. (Genesys reports every failed attempt and has its own retry
lines.) A failure of a request sent before the last answer (a straggler of the outage) opens no new one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

Clock = Callable[[], float]

QUEUE_FIX = (
    "check the storage account of the work queue (the connection string's BlobEndpoint/QueueEndpoint or "
    "sink.azure.url), DNS, the firewall, and the account's status (throttling, an Azure outage)"
)
STORE_FIX = (
    "check the store's address (sink.azure.url or the connection string's BlobEndpoint; sink.local.dir), "
    "DNS, the firewall, and that the disk or storage account is available"
)


def endpoint_of(url: str) -> str:
    """scheme://host[:port] of a URL: what a log or health reason may name (never a path or query)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def network_cause(exc: BaseException) -> str:
    """A short, secret-free cause of a failed request: refused, DNS, TLS, timeout (never a URL's query)."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return "TLS certificate not accepted"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "DNS lookup failed (is the host name right?)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        err = exc.os_error
        return f"cannot connect ({err.strerror or type(err).__name__})"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "no answer in time (timeout)"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    return type(exc).__name__


class Reach:
    """One remote endpoint: whether it ever answered, since when it has been failing, and why."""

    def __init__(
        self, what: str, endpoint: str, fix: str, *, clock: Clock = time.monotonic, announce: bool = False
    ) -> None:
        self.what, self.endpoint, self.fix = what, endpoint_of(endpoint), fix
        self.announce = announce
        self.ever_reached = False
        self.failing_since: float | None = None
        self.last_cause = ""
        self.answers = 0  # how many answers so far: RideOut tells an outage from one call's own trouble
        self._last_answer = float("-inf")
        self._clock = clock
        self._told = False

    @property
    def slug(self) -> str:
        """`what` as a log field and metric label: `work_queue_store`, `genesys_api`."""
        return self.what.lower().replace(" ", "_")

    def now(self) -> float:
        """This reach's clock: when a request was sent, for `failed(sent_at=...)`."""
        return self._clock()

    def ok(self) -> None:
        """The endpoint answered (any HTTP answer that is not a server error)."""
        if self.failing_since is not None and self.ever_reached:
            log.info(
                "reachable_again what=%s endpoint=%s after_s=%.0f", self.slug, self.endpoint, self.down_for()
            )
        self.ever_reached = True
        self.failing_since = None
        self.answers += 1
        self._last_answer = self._clock()

    def failed(self, cause: str, *, sent_at: float | None = None) -> None:
        """No answer (network error, timeout) or a server error; `cause` is secret-free. `sent_at` (this
        reach's clock): a request sent before the last answer cannot open a new outage."""
        if sent_at is not None and sent_at < self._last_answer:
            return
        if self.failing_since is None:
            self.failing_since = self._clock()
            if self.ever_reached and self.announce:  # once per outage; retries stay quiet (outage.py)
                log.warning(
                    "unreachable what=%s endpoint=%s cause=%s (retrying until it answers; nothing is lost)",
                    self.slug, self.endpoint, cause,
                )  # fmt: skip
        self.last_cause = cause
        if not self.ever_reached and not self._told:
            self._told = True  # once per process: the retry lines that follow name the endpoint too
            log.error(
                "UNREACHABLE %s at %s has not answered once since start-up: %s; fix: %s",
                self.what, self.endpoint, cause, self.fix,
            )  # fmt: skip

    def down_for(self) -> float:
        """Seconds since the first failure without an answer since (0 when reachable)."""
        return 0.0 if self.failing_since is None else self._clock() - self.failing_since


class Health:
    """/healthz from the endpoints' reach: unhealthy once one has been failing for `unhealthy_after_s`."""

    def __init__(self, reaches: Iterable[Reach], unhealthy_after_s: float) -> None:
        self.reaches = list(reaches)
        self.unhealthy_after_s = unhealthy_after_s

    def add(self, reach: Reach) -> None:
        """Watch one more endpoint."""
        self.reaches.append(reach)

    def values(self) -> dict[str, dict[str, float]]:
        """Pulled `archiver_unreachable_seconds{dependency}`: how long each endpoint has been failing."""
        out: dict[str, float] = {}
        for r in self.reaches:
            out[r.slug] = max(out.get(r.slug, 0.0), r.down_for())
        return {"unreachable_seconds": out}

    def problem(self) -> str | None:
        """Why the worker is unhealthy (None: every endpoint answered within `unhealthy_after_s`)."""
        for r in self.reaches:
            down = r.down_for()
            if r.failing_since is not None and down >= self.unhealthy_after_s:
                never = " (never reached since start-up)" if not r.ever_reached else ""
                return f"{r.what} {r.endpoint} unreachable for {down:.0f} s{never}: {r.last_cause}"
        return None
