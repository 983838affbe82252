"""Checks that span several config keys, run once after the schema has validated each key on its own.

Each failure is a ConfigError naming the key and the fix. URLs must be https, except plain http to a loopback
host (the simulator, Azurite). Error messages never echo a query string, user info or a connection string,
because those can hold credentials.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from archiver.config_model import AzureSinkConfig, Config, RedactionConfig
from archiver.endpoints import is_allowed_endpoint
from archiver.errors import ConfigError

_CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def check_config(cfg: Config) -> Config:
    """Checks that span keys; resolves sink.kind "auto". Returns the final config."""
    g = cfg.genesys
    if g.client_id is not None and g.client_secret is None:
        raise ConfigError(
            "genesys.client_secret",
            "a client id is set but no client secret",
            "export GENESYS_CLIENT_SECRET (secrets come from the environment only, e.g. the service's "
            "EnvironmentFile)",
        )
    if g.client_secret is not None and g.client_id is None:
        raise ConfigError(
            "genesys.client_id", "a client secret is set but no client id", "set GENESYS_CLIENT_ID"
        )
    has_credentials = g.client_id is not None  # both or neither, checked above
    if not has_credentials and (g.region or g.base_url):
        raise ConfigError(
            "genesys.client_id",
            "a Genesys org is configured (region/base_url) but no client credentials",
            "set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET, or unset GENESYS_REGION/GENESYS_BASE_URL "
            "to run the embedded simulator",
        )
    if has_credentials:
        if g.base_url:
            check_url(
                "genesys.base_url", g.base_url, "use https://api.<region domain>, or set genesys.region"
            )
        from archiver.genesys.regions import resolve_hosts  # lazy: config stays importable on its own

        resolve_hosts(g.region, g.base_url)  # raises ConfigError naming genesys.region / genesys.base_url
    _check_mime_types(cfg.attachments.mime_types)
    kind = _sink_kind(cfg, has_credentials)
    if kind == "azure":
        _check_azure(cfg.sink.azure)
    elif not cfg.sink.local.dir.strip():
        raise ConfigError("sink.local.dir", "is empty", 'set a directory, e.g. "./archive"')
    q = cfg.queue
    if q.backoff_max_s < q.backoff_base_s:
        raise ConfigError(
            "queue.backoff_max_s", "is smaller than queue.backoff_base_s", "raise it or lower the base"
        )
    if not q.path.strip():
        raise ConfigError("queue.path", "is empty", 'set a file path, e.g. "./state/archiver.sqlite3"')
    if q.kind == "azure":
        _check_azure_queue(cfg)
    _check_redaction(cfg.redaction)
    if not cfg.metrics.host.strip():
        raise ConfigError("metrics.host", "is empty", 'use "127.0.0.1" (or "0.0.0.0" to expose it)')
    return msgspec.structs.replace(cfg, sink=msgspec.structs.replace(cfg.sink, kind=kind))


def _sink_kind(cfg: Config, has_credentials: bool) -> Literal["local", "azure"]:
    a = cfg.sink.azure
    if cfg.sink.kind != "auto":
        return cfg.sink.kind
    if a.url or a.connection_string:
        return "azure"
    if a.container or a.sas_token:
        # Half an Azure configuration must not silently fall back to a local directory.
        raise ConfigError(
            "sink.azure.url",
            "an Azure container or SAS token is set but no storage account",
            "set AZURE_STORAGE_URL (https://<account>.blob.core.windows.net) or "
            "AZURE_STORAGE_CONNECTION_STRING, or unset AZURE_CONTAINER_NAME",
        )
    if not has_credentials:
        # Embedded mode, or a command that needs no Genesys org (`get`, `queue`, `redact`); `run` and
        # `backfill` stop on the missing credentials first (config.require_genesys).
        return "local"
    raise ConfigError(
        "sink.kind",
        "no archive store is configured for a real Genesys org",
        'set AZURE_STORAGE_URL and AZURE_CONTAINER_NAME (Azure Blob Storage), or sink.kind = "local"',
    )


def _check_azure(a: AzureSinkConfig) -> None:
    if not (a.url or a.connection_string):
        raise ConfigError(
            "sink.azure.url",
            "the azure sink needs a storage account",
            "set AZURE_STORAGE_URL (https://<account>.blob.core.windows.net) "
            "or AZURE_STORAGE_CONNECTION_STRING",
        )
    if a.url:
        check_url(
            "sink.azure.url", a.url, "use https://<account>.blob.core.windows.net (http only for Azurite)"
        )
    if a.connection_string:
        check_connection_string(a.connection_string.reveal())
    if not a.container:
        raise ConfigError("sink.azure.container", "is not set", "set AZURE_CONTAINER_NAME")
    if not _CONTAINER.match(a.container):
        raise ConfigError(
            "sink.azure.container",
            f"{a.container!r} is not a valid container name",
            "use 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric",
        )


def _check_azure_queue(cfg: Config) -> None:
    """The shared queue lives in the archive store's account and uses its credentials."""
    a, qa = cfg.sink.azure, cfg.queue.azure
    if not (a.url or a.connection_string):
        raise ConfigError(
            "queue.kind",
            "the azure work queue needs a storage account (it uses the Azure sink's account and credentials)",
            "set AZURE_STORAGE_URL (https://<account>.blob.core.windows.net) "
            "or AZURE_STORAGE_CONNECTION_STRING",
        )
    for key, name in (("queue.azure.name", qa.name), ("queue.azure.state_container", qa.state_container)):
        if not _CONTAINER.match(name):
            raise ConfigError(
                key, f"{name!r} is not a valid name", "use 3-63 lowercase letters, digits and single hyphens"
            )
    if qa.state_container == a.container:
        raise ConfigError(
            "queue.azure.state_container",
            "is the archive container (WORM: state blobs must be rewritable)",
            'use a separate container, e.g. "archiver-state"',
        )
    if qa.url:
        check_url("queue.azure.url", qa.url, "use https://<account>.queue.core.windows.net")
    elif a.connection_string:
        fields = connection_string_fields(a.connection_string.reveal())
        if "blobendpoint" in fields and "queueendpoint" not in fields:
            raise ConfigError(
                "queue.kind",
                "AZURE_STORAGE_CONNECTION_STRING has a BlobEndpoint but no QueueEndpoint",
                "add QueueEndpoint=... (Azurite: http://127.0.0.1:10001/devstoreaccount1)",
            )
    elif a.url and ".blob." not in a.url:
        raise ConfigError(
            "queue.azure.url",
            "cannot be derived from sink.azure.url (not a *.blob.* host)",
            "set it to https://<account>.queue.core.windows.net",
        )


def _check_redaction(r: RedactionConfig) -> None:
    from archiver.redact import PII_TYPES  # lazy: only the names, but the package pulls in RE2
    from archiver.redact.custom import CustomPattern, check

    check(tuple(CustomPattern(c.name, c.pattern, c.cues, c.validator) for c in r.custom))

    for name in r.enabled_types or ():
        if name not in PII_TYPES:
            raise ConfigError(
                "redaction.enabled_types", f"unknown PII type {name!r}", f"use any of {', '.join(PII_TYPES)}"
            )
    if "{type}" not in r.token_format:
        raise ConfigError("redaction.token_format", "must contain {type}", 'use e.g. "[REDACTED:{type}]"')
    try:
        r.token_format.format(type="X")
    except (KeyError, IndexError, ValueError):
        raise ConfigError(
            "redaction.token_format", "has braces other than {type}", "double literal braces ({{ }})"
        ) from None


def check_url(key: str, url: str, fix: str) -> None:
    """Accept https, or plain http to a loopback host only; never echo credentials in the error."""
    parts = urlsplit(url)
    # Never echo a query or credentials: they may hold a SAS signature or a password.
    shown = (
        f"{parts.scheme}://{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path}"
    )
    if parts.query or parts.username or parts.password:
        raise ConfigError(
            key,
            f"{shown} carries credentials (user info or a query such as a SAS token)",
            "keep only scheme://host in the URL; put a SAS token in AZURE_STORAGE_SAS_TOKEN",
        )
    if parts.scheme.lower() in {"https", "http"} and is_allowed_endpoint(url):
        return
    raise ConfigError(key, f"{shown!r} is not an https URL (plain http only for loopback hosts)", fix)


def check_connection_string(value: str) -> None:
    """Check the endpoint of an Azure connection string without ever echoing the string (it holds a key)."""
    key = "sink.azure.connection_string"
    fields = connection_string_fields(value)
    if fields.get("usedevelopmentstorage", "").lower() == "true":
        return
    endpoint = fields.get("blobendpoint")
    if endpoint:
        check_url(key, endpoint, "use an https BlobEndpoint (http only for Azurite on loopback)")
        return
    if not fields.get("accountname"):
        raise ConfigError(
            key,
            "AZURE_STORAGE_CONNECTION_STRING has neither BlobEndpoint nor AccountName",
            "copy the full connection string from the storage account's Access keys page",
        )
    if fields.get("defaultendpointsprotocol", "https").lower() != "https":
        raise ConfigError(
            key, "AZURE_STORAGE_CONNECTION_STRING uses plain http", "set DefaultEndpointsProtocol=https"
        )


_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$")


def _check_mime_types(mime_types: tuple[str, ...]) -> None:
    for value in mime_types:
        if not _MIME.match(value):
            raise ConfigError(
                "attachments.mime_types",
                f"{value[:60]!r} is not a lowercase MIME type",
                'list types like "image/png", or "image/*" for a whole type',
            )


def connection_string_fields(value: str) -> dict[str, str]:
    """`Key=Value;…` of an Azure connection string, keys lowercased (it holds a key: never echo it)."""
    return {
        k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in value.split(";")) if k.strip()
    }
