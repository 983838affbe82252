"""Embedded mode's guard rails: the built-in simulator may never touch a production queue or store.

Embedded mode (docs/operations.md, "Embedded mode") runs the simulator's synthetic conversations through the
real pipeline. Two things keep it harmless whatever else is configured:

- its work queue is a new file in a new temporary directory that it removes at exit — it never opens, let
  alone deletes, the configured `queue.path` (a production queue left there by a real worker);
- it refuses any archive store or work queue that is not on a loopback host (Azurite), because a synthetic
  conversation written into a real WORM container can never be deleted again.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

from archiver.config import Config
from archiver.config_check import connection_string_fields
from archiver.endpoints import is_loopback_host
from archiver.errors import ConfigError


def store_hosts(cfg: Config) -> list[tuple[str, str | None]]:
    """(config key, host) of every Azure endpoint the sink and queue would use; None: a cloud default."""
    if cfg.sink.kind != "azure" and cfg.queue.kind != "azure":
        return []
    a = cfg.sink.azure
    hosts: list[tuple[str, str | None]] = []
    if a.url:
        hosts.append(("sink.azure.url", urlsplit(a.url).hostname))
    if a.connection_string:
        key = "sink.azure.connection_string"
        fields = connection_string_fields(a.connection_string.reveal())
        if fields.get("usedevelopmentstorage", "").lower() == "true":
            hosts.append((key, "127.0.0.1"))
        else:
            hosts += [
                (key, urlsplit(fields[e]).hostname) for e in ("blobendpoint", "queueendpoint") if e in fields
            ]
            if "blobendpoint" not in fields:  # AccountName only: <account>.blob.core.windows.net
                hosts.append((key, None))
    if cfg.queue.kind == "azure" and cfg.queue.azure.url:
        hosts.append(("queue.azure.url", urlsplit(cfg.queue.azure.url).hostname))
    return hosts


def check_store(cfg: Config) -> None:
    """Refuse to feed simulated conversations into anything but a loopback store (Azurite)."""
    for key, host in store_hosts(cfg):
        if not is_loopback_host(host):
            raise ConfigError(
                key,
                f"the embedded simulator would write synthetic conversations to "
                f"{host or 'an Azure account'}, which is not a loopback host (a WORM store can never delete "
                "them)",
                "give the worker its Genesys credentials (GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET) to "
                "archive a real org, or point the store at Azurite on 127.0.0.1 for a simulated run",
            )


@contextlib.contextmanager
def private_queue(cfg: Config) -> Iterator[Config]:
    """`cfg` with a SQLite queue in a new temporary directory, removed (it and nothing else) at exit."""
    state = Path(tempfile.mkdtemp(prefix="archiver-embedded-"))
    try:
        queue = msgspec.structs.replace(cfg.queue, kind="sqlite", path=str(state / "queue.sqlite3"))
        yield msgspec.structs.replace(cfg, queue=queue)
    finally:
        shutil.rmtree(state, ignore_errors=True)
