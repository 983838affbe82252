"""How the Azure work queue's SDK calls fail: one classification and one open-or-create for its resources.

Every failure of a queue or state-blob call becomes `QueueUnavailable` when waiting can fix it (no answer,
408, 429, 5xx: archiver/azure_storage.py) — the worker rides that out (archiver/outage.py) — or `QueueError`
when it cannot (403, a missing container or queue, an expired credential): the worker stops on those.
Messages name the operation and the HTTP status/code or the network failure, never a credential.

`Calls.call` wraps each SDK call of the state blobs or of the messages: every answer (even a 404 or 412) and
every transient failure is reported to that endpoint's `Reach` — what /healthz, the outage log lines and
`archiver_unreachable_seconds` are made of — so the queue service answering does not hide a state container
that does not, nor the other way round.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator

from azure.core.exceptions import HttpResponseError, ResourceExistsError

from archiver.azure_storage import FAILURES, error_code, is_transient
from archiver.errors import QueueError, QueueUnavailable
from archiver.health import Reach


def _text(verb: str, what: str, exc: BaseException) -> str:
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        code = error_code(exc)
        return f"cannot {verb} {what}: HTTP {exc.status_code} {code or ''}".rstrip()
    return f"cannot {verb} {what}: {type(exc).__name__}"


def queue_error(verb: str, what: str, exc: BaseException) -> QueueError | QueueUnavailable:
    """`cannot <verb> <what>: <cause>`, transient or permanent by the cause."""
    text = _text(verb, what, exc)
    return QueueUnavailable(text) if is_transient(exc) else QueueError(text)


class Calls:
    """The SDK calls to one endpoint (the state container, or the queue), reported to its Reach."""

    def __init__(self, reach: Reach | None = None) -> None:
        self.reach = reach

    @contextlib.contextmanager
    def call(self, verb: str, what: str) -> Iterator[None]:
        """Around one SDK call: a transient failure becomes QueueUnavailable (naming this endpoint's
        Reach); any other failure passes unchanged to the caller's own handling (404, 409, 412, …)."""
        sent = self.reach.now() if self.reach is not None else 0.0
        try:
            yield
        except FAILURES as exc:
            if not is_transient(exc):
                if isinstance(exc, HttpResponseError) and exc.status_code is not None and self.reach:
                    self.reach.ok()  # refused, but it answered
                raise
            err = QueueUnavailable(_text(verb, what, exc))
            if self.reach is not None:
                self.reach.failed(str(err), sent_at=sent)
            err.reach = self.reach
            raise err from exc
        if self.reach is not None:
            self.reach.ok()


async def ensure_exists(
    io: Calls,
    where: str,
    probe: Callable[[], Awaitable[object]],
    make: Callable[[], Awaitable[object]],
    *,
    create: bool,
) -> None:
    """Check a queue or container exists (`probe`), creating it (`make`) when missing and allowed."""
    try:
        with io.call("open", where):
            await probe()
        return
    except FAILURES as exc:
        if not (isinstance(exc, HttpResponseError) and exc.status_code == 404):
            raise queue_error("open", where, exc) from exc
        if not create:
            raise QueueError(
                f"cannot open {where}: it does not exist; create it or set queue.azure.create"
            ) from None
    try:
        with io.call("create", where):
            await make()
    except ResourceExistsError:
        pass  # another VM created it meanwhile
    except FAILURES as exc:
        raise queue_error("create", where, exc) from exc
