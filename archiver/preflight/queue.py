"""Azure work-queue checks (queue.kind = "azure"): the queue and the state container exist and can be read.

Read-only: Get Queue Properties plus a peek (which leaves every message where it is, unlike a receive), and
Get Container Properties plus a one-item listing of the state container. A missing queue or container is a
warning when the worker will create it (`queue.azure.create = true`), else a failure.
"""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from archiver.azure_storage import FAILURES, error_code
from archiver.config import Config
from archiver.errors import EXIT_SINK, ArchiverError
from archiver.logs import scrub
from archiver.preflight.report import Report, Result, fail, ok, warn
from archiver.queue.azure.settings import open_clients, settings_from_config

_QUEUE_RIGHTS = (
    "Storage Queue Data Message Processor (peek, receive, delete) and Storage Queue Data Message Sender "
    "on the queue, Storage Blob Data Contributor on the state container"
)


def _cause(exc: BaseException) -> str:
    if isinstance(exc, HttpResponseError):
        return f"HTTP {exc.status_code} {error_code(exc) or ''}".rstrip()
    return type(exc).__name__


def _missing(name: str, what: str, create: bool) -> Result:
    if create:
        return warn(name, f"{what} does not exist yet: the worker creates it (queue.azure.create = true)")
    return fail(name, f"{what} does not exist", "create it, or set queue.azure.create = true", EXIT_SINK)


async def check_queue(cfg: Config, report: Report) -> None:
    """The shared queue and the state container."""
    try:
        settings = settings_from_config(cfg)
        clients = open_clients(settings)
    except (ArchiverError, ValueError) as exc:
        report.add(
            fail(
                "work queue",
                scrub(str(exc))[:300],
                "check queue.azure.* and the Azure credentials",
                EXIT_SINK,
            )
        )
        return
    try:
        qname = f"work queue {settings.queue_name}"
        try:
            props = await clients.queue.get_queue_properties()
            await clients.queue.peek_messages(max_messages=1)
            report.add(ok(qname, f"exists, readable (about {props.approximate_message_count} messages)"))
        except ResourceNotFoundError:
            report.add(_missing(qname, "the queue", settings.create))
        except FAILURES as exc:
            report.add(fail(qname, f"cannot read it ({_cause(exc)})", f"grant {_QUEUE_RIGHTS}", EXIT_SINK))
        cname = f"state container {settings.state_container}"
        try:
            await clients.container.get_container_properties()
            async for _ in clients.container.list_blobs():
                break
            report.add(ok(cname, "exists, readable"))
        except ResourceNotFoundError:
            report.add(_missing(cname, "the container", settings.create))
        except FAILURES as exc:
            report.add(fail(cname, f"cannot read it ({_cause(exc)})", f"grant {_QUEUE_RIGHTS}", EXIT_SINK))
    finally:
        await clients.close()
