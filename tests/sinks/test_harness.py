"""The test harness itself: Azurite launcher and the WORM proxy's switches."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.storage.blob.aio import BlobServiceClient, ExponentialRetry

from archiver.testing.azurite import Azurite
from archiver.testing.wormproxy import WormProxy
from archiver.testing.wormrules import classify


async def test_azurite_async_context_picks_free_ports_and_stops() -> None:
    async with Azurite() as azurite:
        assert azurite.blob_url.startswith("http://127.0.0.1:") and azurite.blob_url.endswith(
            "/devstoreaccount1"
        )
        async with BlobServiceClient.from_connection_string(azurite.connection_string) as svc:
            await svc.create_container("harness")
            assert [c.name async for c in svc.list_containers()] == ["harness"]
        proc = azurite._proc
    assert proc is not None and proc.poll() is not None  # terminated on exit
    azurite.stop()  # idempotent


async def test_proxy_runs_on_the_current_loop_too(azurite_worm: tuple[Azurite, WormProxy]) -> None:
    azurite, _ = azurite_worm
    async with WormProxy(azurite.urls["Blob"], worm_default=False) as proxy:
        svc = BlobServiceClient.from_connection_string(proxy.connection_string)
        async with svc:
            await svc.create_container("loopproxy")
            props = await svc.get_container_client("loopproxy").get_container_properties()
    assert props.immutable_storage_with_versioning_enabled is False
    assert proxy.calls["create_container"] == 1


async def test_fail_forever_delay_and_reset(worm_proxy: WormProxy) -> None:
    worm_proxy.fail("list_containers", status=500, code="InternalError", times=None)
    no_retry = ExponentialRetry(retry_total=0)
    async with BlobServiceClient.from_connection_string(
        worm_proxy.connection_string, retry_policy=no_retry
    ) as svc:
        for _ in range(2):
            with pytest.raises(HttpResponseError) as info:
                [c async for c in svc.list_containers()]
            assert info.value.status_code == 500
        worm_proxy.reset()
        [c async for c in svc.list_containers()]
        worm_proxy.delay(0.3, on="list_containers")
        started = time.monotonic()
        [c async for c in svc.list_containers()]
        assert time.monotonic() - started >= 0.3
    assert worm_proxy.calls["list_containers"] == 2  # reset() cleared the counter


async def test_unreachable_drops_connections(worm_proxy: WormProxy) -> None:
    worm_proxy.set_unreachable()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            await http.get(worm_proxy.blob_url + "?comp=list")
    no_retry = ExponentialRetry(retry_total=0)
    async with BlobServiceClient.from_connection_string(
        worm_proxy.connection_string, retry_policy=no_retry
    ) as svc:
        with pytest.raises((ServiceRequestError, ServiceResponseError)):
            await svc.get_service_properties()
    await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("method", "path", "query", "op"),
    [
        ("GET", "/acct", {"comp": "list"}, "list_containers"),
        ("HEAD", "/acct/c", {"restype": "container"}, "container_properties"),
        ("DELETE", "/acct/c", {"restype": "container"}, "delete_container"),
        ("GET", "/acct/c", {"restype": "container", "comp": "list"}, "list_blobs"),
        ("GET", "/acct/c", {"restype": "container", "comp": "blobs"}, "find_blobs"),
        ("PUT", "/acct/c/a/b.json.gz", {}, "put_blob"),
        ("PUT", "/acct/c/a/b.json.gz", {"comp": "block"}, "blob_block"),
        ("PUT", "/acct/c/a/b.json.gz", {"comp": "blocklist"}, "put_blocklist"),
        ("PUT", "/acct/c/a/b.json.gz", {"comp": "metadata"}, "set_metadata"),
        ("PUT", "/acct/c/a/b.json.gz", {"comp": "immutabilityPolicies"}, "set_policy"),
        ("DELETE", "/acct/c/a/b.json.gz", {"comp": "immutabilityPolicies"}, "delete_policy"),
        ("PUT", "/acct/c/a/b.json.gz", {"comp": "legalhold"}, "set_legal_hold"),
        ("DELETE", "/acct/c/a/b.json.gz", {}, "delete_blob"),
        ("GET", "/acct/c/a/b.json.gz", {}, "get_blob"),
        ("HEAD", "/acct/c/a/b.json.gz", {}, "get_properties"),
        ("GET", "/acct/c/a/b.json.gz", {"comp": "tags"}, "blob_tags"),
    ],
)
def test_classify(method: str, path: str, query: dict[str, str], op: str) -> None:
    assert classify(method, path, query)[0] == op
