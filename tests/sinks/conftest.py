"""Sink fixtures: one contract suite runs against the local sink (tmp_path) and the Azure sink (real SDK →
WORM proxy → Azurite, started once per session by `azurite_worm` in tests/conftest.py)."""

from __future__ import annotations

import collections.abc
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archiver.config import AzureSinkConfig, LocalSinkConfig
from archiver.secret import Secret
from archiver.sinks import ArchiveMeta, AzureClientOptions, AzureSink, LocalSink, Sink
from archiver.testing.records import handmade_archive
from archiver.testing.wormproxy import WormProxy

END = datetime(2026, 11, 27, 23, 59, 58, tzinfo=UTC)


def record(
    conversation_id: str | None = None, *, text: str = "hello", end: datetime = END
) -> tuple[bytes, ArchiveMeta]:
    """A small v1-shaped record: (gzip bytes, meta with the digest of the uncompressed JSON)."""
    cid = conversation_id or str(uuid.uuid4())
    doc = {
        "schema": "archiver.conversation/v1",
        "conversationId": cid,
        "endTime": end.isoformat(),
        "messages": [{"id": "m1", "text": text}],
    }
    return handmade_archive(
        json.dumps(doc, ensure_ascii=False).encode(),
        conversation_id=cid,
        end_time=end,
        redactor_version="archiver-redact/1",
        archiver_version="0.1.0",
        message_count=1,
        redaction_counts={"EMAIL": 2, "CREDIT_CARD": 1},
    )


async def new_container(proxy: WormProxy, *, worm: bool | None = None) -> str:
    """Create a uniquely named container through the proxy (optionally switching its VLW flag)."""
    from azure.storage.blob.aio import BlobServiceClient

    name = f"t{uuid.uuid4().hex[:20]}"
    async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
        await svc.create_container(name)
    if worm is not None:
        proxy.set_container_worm(name, worm)
    return name


NO_SDK_RETRIES = AzureClientOptions(sdk_retry_total=0)  # fault tests stay fast


def azure_settings(proxy: WormProxy, container: str, **overrides: object) -> AzureSinkConfig:
    """The `[sink.azure]` section for an AzureSink through the WORM proxy (string secrets wrapped)."""
    base: dict[str, object] = {
        "container": container,
        "connection_string": proxy.connection_string,
        "retention_days": 30,
    }
    base.update(overrides)
    for key in ("connection_string", "sas_token"):
        if isinstance(base.get(key), str):
            base[key] = Secret(str(base[key]))
    return AzureSinkConfig(**base)  # type: ignore[arg-type]


def azure_sink(
    proxy: WormProxy, container: str, *, options: AzureClientOptions = NO_SDK_RETRIES, **overrides: object
) -> AzureSink:
    """An AzureSink (not started) through the WORM proxy, SDK retries off unless `options` say otherwise."""
    return AzureSink(azure_settings(proxy, container, **overrides), options=options)


@pytest.fixture
async def azure_sinks() -> collections.abc.AsyncIterator[list[AzureSink]]:
    """Append sinks here to have them closed after the test even when it fails."""
    opened: list[AzureSink] = []
    yield opened
    for s in opened:
        await s.close()


@pytest.fixture(params=["local", "azure"])
async def sink(request: pytest.FixtureRequest, tmp_path: Path) -> collections.abc.AsyncIterator[Sink]:
    """A started sink of each kind (the contract suite runs once per kind)."""
    s: LocalSink | AzureSink
    if request.param == "local":
        s = LocalSink(LocalSinkConfig(dir=str(tmp_path / "archive"), retention_days=30))
    else:
        proxy = request.getfixturevalue("worm_proxy")  # sync fixture: safe to resolve lazily here
        s = azure_sink(proxy, await new_container(proxy))
    await s.start()
    yield s
    await s.close()
