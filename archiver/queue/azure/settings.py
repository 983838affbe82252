"""Settings and clients of the cross-VM work queue: one Azure Storage queue plus a (non-WORM) state container.

Credentials are the Azure sink's: a connection string (Azurite, account key), an account SAS, or
DefaultAzureCredential against the account URL. The queue endpoint is derived from the blob endpoint
(`https://acct.blob.core.windows.net` → `https://acct.queue.core.windows.net`) unless given. Secrets never
appear in a repr or in an error message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import msgspec
from azure.storage.blob.aio import BlobServiceClient, ContainerClient, ExponentialRetry
from azure.storage.queue.aio import QueueClient

from archiver.azure_storage import endpoints_of
from archiver.endpoints import is_allowed_endpoint
from archiver.errors import QueueError
from archiver.health import endpoint_of
from archiver.logs import scrub
from archiver.secret import Secret

if TYPE_CHECKING:
    from archiver.config import Config

# Queue and container names share Azure's rule: 3-63 lowercase letters, digits and single hyphens.
NAME_RE = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class AzureQueueSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the shared queue and its state live, how to authenticate, and the retry policy of items.

    Not a config section on purpose: the queue combines three of them (`[queue.azure]`, the item retry keys
    of `[queue]`, and the account and credentials of `[sink.azure]`, which it shares) and adds knobs tests
    shrink (`counts_cache_s`, `orphan_grace_s`, SDK retries). `settings_from_config` is the one place that
    combines them; its keys are checked once, in config_check.py. Credentials stay `Secret` until
    `open_clients` builds the SDK clients.
    """

    queue_name: str = "archiver-work"
    state_container: str = "archiver-state"  # must NOT be the WORM archive container: state blobs change
    blob_url: str = ""  # account blob endpoint (state container); empty with a connection string
    queue_url: str = ""  # account queue endpoint; empty: derived from blob_url
    connection_string: Secret | None = None
    sas_token: Secret | None = None
    create: bool = True  # create the queue and the state container when missing
    max_attempts: int = 10
    backoff_base_s: float = 5.0
    backoff_max_s: float = 900.0
    counts_cache_s: float = 5.0  # counts() lists the whole state container; cache it this long
    orphan_grace_s: float = 30.0  # a message without a state blob younger than this may be mid-enqueue
    enqueue_concurrency: int = 16
    api_version: str | None = None
    # The SDK retries short throttling/5xx blips itself; what still fails the worker rides out (outage.py).
    sdk_retry_total: int = 4
    connection_timeout_s: float = 10.0
    read_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        for what, name in (("queue name", self.queue_name), ("state container", self.state_container)):
            if not NAME_RE.match(name):
                raise ValueError(
                    f"invalid {what} {name!r}: use 3-63 lowercase letters, digits and single hyphens"
                )
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")


def queue_url_from_blob_url(blob_url: str) -> str:
    """`https://acct.blob.core.windows.net` → `https://acct.queue.core.windows.net` (same account)."""
    parts = urlsplit(blob_url)
    host = parts.netloc
    if ".blob." not in host:
        raise QueueError(
            f"cannot derive the queue endpoint from {parts.scheme}://{parts.hostname}: not a "
            "*.blob.* host; set queue.azure.url (https://<account>.queue.core.windows.net)"
        )
    return urlunsplit((parts.scheme, host.replace(".blob.", ".queue.", 1), parts.path, "", ""))


def settings_from_config(cfg: Config) -> AzureQueueSettings:
    """The Azure queue's settings from `queue.*` plus the Azure sink's account and credentials."""
    q, a = cfg.queue, cfg.sink.azure
    return AzureQueueSettings(
        queue_name=q.azure.name,
        state_container=q.azure.state_container,
        blob_url=a.url or "",
        queue_url=q.azure.url or "",
        connection_string=a.connection_string,
        sas_token=a.sas_token,
        create=q.azure.create,
        max_attempts=q.max_attempts,
        backoff_base_s=q.backoff_base_s,
        backoff_max_s=q.backoff_max_s,
    )


def endpoints(s: AzureQueueSettings) -> tuple[str, str]:
    """(blob, queue) endpoints as scheme://host[:port], for health and logs: never a key or a SAS."""
    blob, queue = s.blob_url, s.queue_url
    if s.connection_string is not None:
        from_conn = endpoints_of(s.connection_string.reveal())
        blob, queue = blob or from_conn[0], queue or from_conn[1]
    if blob and not queue and ".blob." in blob:
        queue = blob.replace(".blob.", ".queue.", 1)
    return endpoint_of(blob or "azure"), endpoint_of(queue or "azure")


def _check_transport(url: str) -> None:
    if is_allowed_endpoint(url):
        return
    parts = urlsplit(url)
    raise QueueError(
        f"cannot open Azure work queue: endpoint {parts.scheme}://{parts.hostname} is not https "
        "(plain http only for a loopback emulator such as Azurite)"
    )


class Clients:
    """The SDK clients of one AzureQueue (or Leader): built by `open_clients`, closed by `close`."""

    def __init__(self, queue: QueueClient, blobs: BlobServiceClient, container: str, credential: Any) -> None:
        self.queue = queue
        self.blobs = blobs
        self.container: ContainerClient = blobs.get_container_client(container)
        self._credential = credential

    async def close(self) -> None:
        """Close both clients and the credential."""
        await self.queue.close()
        await self.blobs.close()
        if self._credential is not None:
            await self._credential.close()


def open_clients(s: AzureQueueSettings) -> Clients:
    """Build the queue and blob clients (no request is made yet)."""
    kwargs: dict[str, Any] = {
        # The blob and queue packages vendor the same storage retry policy; the aio one is public in blob.
        "retry_policy": ExponentialRetry(
            initial_backoff=1, increment_base=2, retry_total=s.sdk_retry_total, random_jitter_range=1
        ),
        "connection_timeout": s.connection_timeout_s,
        "read_timeout": s.read_timeout_s,
    }
    if s.api_version:
        kwargs["api_version"] = s.api_version
    credential: Any = None
    try:
        if s.connection_string:
            conn = s.connection_string.reveal()
            queue = QueueClient.from_connection_string(conn, s.queue_name, **kwargs)
            blobs = BlobServiceClient.from_connection_string(conn, **kwargs)
        else:
            if not s.blob_url:
                raise QueueError(
                    "cannot open Azure work queue: neither an account URL (AZURE_STORAGE_URL) nor a "
                    "connection string (AZURE_STORAGE_CONNECTION_STRING) is set"
                )
            queue_url = s.queue_url or queue_url_from_blob_url(s.blob_url)
            _check_transport(s.blob_url)
            _check_transport(queue_url)
            if s.sas_token:
                cred: Any = s.sas_token.reveal().lstrip("?")
            else:
                from azure.identity.aio import DefaultAzureCredential  # only pulled in when used

                cred = credential = DefaultAzureCredential()
            queue = QueueClient(queue_url, s.queue_name, credential=cred, **kwargs)
            blobs = BlobServiceClient(s.blob_url, credential=cred, **kwargs)
    except ValueError as exc:  # malformed connection string (e.g. no QueueEndpoint), token over http
        raise QueueError(
            "cannot open Azure work queue: invalid endpoint or credentials "
            f"({scrub(str(exc))[:200]}); a connection string for Azurite needs a QueueEndpoint"
        ) from None
    _check_transport(queue.url)
    _check_transport(blobs.url)
    return Clients(queue, blobs, s.state_container, credential)
