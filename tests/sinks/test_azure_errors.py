"""AzureSink error mapping, auth modes, transport rules and secrecy — against the proxy's fault switches."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import (
    AccountSasPermissions,
    ContainerSasPermissions,
    ResourceTypes,
    generate_account_sas,
    generate_container_sas,
)
from azure.storage.blob.aio import BlobServiceClient

from archiver.config import AzureSinkConfig
from archiver.errors import IntegrityError, SinkPermanentError, SinkTransientError
from archiver.secret import Secret
from archiver.sinks import AzureClientOptions, AzureSink, blob_name
from archiver.sinks.azure_codec import to_metadata
from archiver.testing.azurite import ACCOUNT, ACCOUNT_KEY
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import azure_sink, new_container, record

Starter = Callable[..., Awaitable[AzureSink]]


@pytest.fixture
def started(worm_proxy: WormProxy, azure_sinks: list[AzureSink]) -> Starter:
    """Factory: a started AzureSink on a fresh container, closed after the test."""

    async def make(**kw: object) -> AzureSink:
        sink = azure_sink(worm_proxy, await new_container(worm_proxy), **kw)
        azure_sinks.append(sink)
        await sink.start()
        return sink

    return make


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (503, "ServerBusy", SinkTransientError),
        (500, "OperationTimedOut", SinkTransientError),
        (429, "TooManyRequests", SinkTransientError),
        (403, "AuthorizationPermissionMismatch", SinkPermanentError),
        (400, "InvalidHeaderValue", SinkPermanentError),
    ],
)
async def test_upload_failures_are_classified(
    worm_proxy: WormProxy, started: Starter, status: int, code: str, error: type[Exception]
) -> None:
    sink = await started()
    worm_proxy.fail("put_blob", status=status, code=code)
    data, meta = record()
    with pytest.raises(error) as info:
        await sink.put(data, meta)
    assert code in str(info.value) and str(status) in str(info.value)
    assert isinstance(info.value, IntegrityError) is False
    assert (await sink.put(data, meta)).created  # the fault was one-shot; nothing was stored before


async def test_sdk_retries_absorb_a_transient_fault(worm_proxy: WormProxy, started: Starter) -> None:
    sink = await started(options=AzureClientOptions(sdk_retry_total=2, sdk_initial_backoff_s=0))
    worm_proxy.fail("put_blob", status=503, code="ServerBusy")
    data, meta = record()
    assert (await sink.put(data, meta)).created
    assert worm_proxy.calls["put_blob"] == 2


async def test_unreachable_store_is_transient(worm_proxy: WormProxy, started: Starter) -> None:
    sink = await started()
    worm_proxy.set_unreachable()
    data, meta = record()
    with pytest.raises(SinkTransientError, match="network error"):
        await sink.put(data, meta)
    with pytest.raises(SinkTransientError):
        await sink.get(meta.conversation_id, meta.end_time)
    worm_proxy.set_unreachable(False)
    assert (await sink.put(data, meta)).created


async def test_start_against_unreachable_store_is_transient(worm_proxy: WormProxy) -> None:
    worm_proxy.set_unreachable()
    with pytest.raises(SinkTransientError):
        await azure_sink(worm_proxy, "whatever").start()


async def test_missing_container_says_how_to_fix_or_is_created_on_request(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    with pytest.raises(SinkPermanentError, match=r"does not exist.*--enable-vlw"):
        await azure_sink(worm_proxy, "nosuchcontainer1").start()
    sink = azure_sink(worm_proxy, "createdonrequest1", create_container=True)
    azure_sinks.append(sink)
    await sink.start()
    assert sink.worm is True


async def test_wrong_key_is_permanent_and_never_echoes_the_key(worm_proxy: WormProxy) -> None:
    forged_key = "AAAA" + ACCOUNT_KEY[4:]
    bad = worm_proxy.connection_string.replace(ACCOUNT_KEY, forged_key)
    with pytest.raises(SinkPermanentError) as info:
        await azure_sink(worm_proxy, "anything", connection_string=bad).start()
    assert "403" in str(info.value) and forged_key not in str(info.value)


async def test_sas_token_auth_and_uri_without_sas(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    container = await new_container(worm_proxy)
    expiry = datetime.now(UTC) + timedelta(hours=1)
    # A container SAS cannot read container properties, so the compliance check fails with a hint.
    narrow = generate_container_sas(
        ACCOUNT, container, account_key=ACCOUNT_KEY, permission=ContainerSasPermissions.from_string("racwlt"),
        expiry=expiry,
    )  # fmt: skip
    with pytest.raises(SinkPermanentError, match="account SAS") as info:
        await AzureSink(
            AzureSinkConfig(container=container, url=worm_proxy.blob_url, sas_token=Secret(narrow))
        ).start()
    assert narrow not in str(info.value)
    sas = generate_account_sas(
        ACCOUNT, ACCOUNT_KEY, ResourceTypes(container=True, object=True),
        AccountSasPermissions(
            read=True, add=True, create=True, write=True, list=True, tag=True, filter_by_tags=True,
            set_immutability_policy=True,
        ), expiry,
    )  # fmt: skip
    settings = AzureSinkConfig(container=container, url=worm_proxy.blob_url, sas_token=Secret(sas))
    sink = AzureSink(settings)
    assert sas not in repr(settings) and sas not in str(settings) and sas not in repr(vars(sink))
    azure_sinks.append(sink)
    await sink.start()
    data, meta = record()
    result = await sink.put(data, meta)
    assert "sig=" not in result.uri and result.uri.endswith(blob_name(meta.conversation_id, meta.end_time))
    assert (await sink.get(meta.conversation_id)).data == data


def test_settings_repr_hides_secrets() -> None:
    s = AzureSinkConfig(
        container="c", connection_string=Secret(f"AccountKey={ACCOUNT_KEY};"), sas_token=Secret("sv=x&sig=y")
    )
    shown = repr(s) + repr(vars(AzureSink(s)))
    assert ACCOUNT_KEY not in shown and "sig=y" not in shown and "***" in shown


@pytest.mark.parametrize(
    "url", ["http://example.com/acct", "http://10.0.0.5:10000/devstoreaccount1", "ftp://127.0.0.1/x"]
)
async def test_plain_http_only_for_loopback(url: str) -> None:
    with pytest.raises(SinkPermanentError, match="not https"):
        await AzureSink(AzureSinkConfig(container="c", url=url, sas_token=Secret("sv=1&sig=2"))).start()


async def test_token_credential_over_loopback_http_is_refused_cleanly() -> None:
    sink = AzureSink(AzureSinkConfig(container="c", url="http://127.0.0.1:9/devstoreaccount1"))
    with pytest.raises(SinkPermanentError, match="cannot start Azure sink"):
        await sink.start()
    await sink.close()


async def test_no_endpoint_configured() -> None:
    with pytest.raises(SinkPermanentError, match="AZURE_STORAGE_URL"):
        await AzureSink(AzureSinkConfig(container="c")).start()


async def test_get_falls_back_to_listing_when_tags_are_missing(
    worm_proxy: WormProxy, started: Starter
) -> None:
    sink = await started()
    data, meta = record()
    name = blob_name(meta.conversation_id, meta.end_time)
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        # Uploaded by some older tool: metadata but no index tags (or the tag index has not caught up).
        await svc.get_blob_client(sink.container_name, name).upload_blob(data, metadata=to_metadata(meta))
    got = await sink.get(meta.conversation_id)
    assert got.name == name and got.meta == meta and got.tags == {}


async def test_foreign_blob_at_archive_name_is_an_integrity_error(
    worm_proxy: WormProxy, started: Starter
) -> None:
    sink = await started()
    data, meta = record()
    name = blob_name(meta.conversation_id, meta.end_time)
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        await svc.get_blob_client(sink.container_name, name).upload_blob(b"foreign")
    with pytest.raises(IntegrityError, match="already exists"):
        await sink.put(data, meta)
    with pytest.raises(IntegrityError, match="metadata"):
        await sink.get(meta.conversation_id, meta.end_time)


async def test_logs_carry_no_secrets(
    worm_proxy: WormProxy, started: Starter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        sink = await started()
        await sink.put(*record())
        assert ACCOUNT_KEY not in caplog.text


async def test_get_lists_when_tag_search_is_not_permitted(worm_proxy: WormProxy, started: Starter) -> None:
    sink = await started()
    data, meta = record()
    await sink.put(data, meta)
    worm_proxy.fail("find_blobs", status=403, code="AuthorizationPermissionMismatch")
    got = await sink.get(meta.conversation_id)
    assert got.data == data
    assert worm_proxy.calls["list_blobs"] == 1


async def test_other_409s_are_not_mistaken_for_already_archived(
    worm_proxy: WormProxy, started: Starter
) -> None:
    sink = await started()
    worm_proxy.set_container_worm(sink.container_name, False)  # container reconfigured under us
    data, meta = record()
    with pytest.raises(SinkPermanentError, match="409 ImmutableStorageWithVersioningNotEnabled") as info:
        await sink.put(data, meta)
    assert not isinstance(info.value, IntegrityError)
    worm_proxy.fail("put_blob", status=409, code="LeaseIdMissing")
    worm_proxy.set_container_worm(sink.container_name, True)
    with pytest.raises(SinkPermanentError, match="LeaseIdMissing"):
        await sink.put(data, meta)
    assert (await sink.put(data, meta)).created


async def test_a_container_another_worker_created_meanwhile_is_success(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    """Two workers start together with create_container = true: both see 404, the loser's create gets
    409 ContainerAlreadyExists — which means the container is there, not a reason to exit 6."""
    name = await new_container(worm_proxy)  # the winner's container
    worm_proxy.fail("container_properties", status=404, code="ContainerNotFound")  # the loser's probe
    sink = azure_sink(worm_proxy, name, create_container=True)
    azure_sinks.append(sink)
    await sink.start()
    assert sink.worm
    assert worm_proxy.calls["create_container"] >= 2  # the loser did try, and got 409


async def test_an_unreachable_endpoint_is_named_with_the_fix(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    name = await new_container(worm_proxy)
    worm_proxy.set_unreachable()
    sink = azure_sink(worm_proxy, name, options=AzureClientOptions())  # the default (5 s) connect timeout
    azure_sinks.append(sink)
    with pytest.raises(SinkTransientError) as info:
        await sink.start()
    message = str(info.value)
    assert worm_proxy.url.split("//", 1)[1].split("/")[0] in message and "fix:" in message
    assert "AccountKey" not in message and "SharedAccessSignature" not in message


def test_the_connect_timeout_is_seconds() -> None:
    assert AzureClientOptions().connection_timeout_s <= 5.0
