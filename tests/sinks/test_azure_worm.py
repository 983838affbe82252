"""WORM through the real azure-storage-blob SDK: AzureSink → WORM proxy → Azurite.

Proves that an archived blob can be neither replaced nor deleted before expiry, that legal holds and Locked
policies behave per docs/azure.md#worm, and that compliance mode refuses containers without version-level
WORM.
"""

from __future__ import annotations

import collections.abc
import logging
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobImmutabilityPolicyMode, BlobProperties, ImmutabilityPolicy
from azure.storage.blob.aio import BlobClient, BlobServiceClient, ContainerClient

from archiver.azure_storage import error_code
from archiver.errors import SinkPermanentError
from archiver.sinks import AzureSink, blob_name
from archiver.testing.azurite import Azurite
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import NO_SDK_RETRIES, azure_settings, azure_sink, new_container, record

Archived = tuple[AzureSink, BlobClient, bytes]


@pytest.fixture
async def archived(
    worm_proxy: WormProxy,
) -> collections.abc.AsyncIterator[tuple[AzureSink, BlobClient, bytes]]:
    """One archive uploaded by the sink (Unlocked, 30 days) and a raw SDK client on its blob."""
    container = await new_container(worm_proxy)
    sink = azure_sink(worm_proxy, container)
    await sink.start()
    data, meta = record()
    await sink.put(data, meta)
    svc = BlobServiceClient.from_connection_string(worm_proxy.connection_string)
    async with svc:
        yield sink, svc.get_blob_client(container, blob_name(meta.conversation_id, meta.end_time)), data
    await sink.close()


async def refused(call: collections.abc.Awaitable[object]) -> str | None:
    """Await a call that must fail with 409; return the x-ms-error-code."""
    with pytest.raises(HttpResponseError) as info:
        await call
    assert info.value.status_code == 409
    return error_code(info.value)


def _until(props: BlobProperties) -> datetime:
    until = props.immutability_policy.expiry_time
    assert until is not None
    return until


def policy(days: float, mode: str) -> ImmutabilityPolicy:
    return ImmutabilityPolicy(expiry_time=datetime.now(UTC) + timedelta(days=days), policy_mode=mode)


async def test_archive_cannot_be_overwritten_even_with_overwrite_true(archived: Archived) -> None:
    _, blob, data = archived
    assert await refused(blob.upload_blob(b"evil", overwrite=True)) == "BlobImmutableDueToPolicy"
    assert await refused(blob.set_blob_metadata({"sha256": "0" * 64})) == "BlobImmutableDueToPolicy"
    assert await (await blob.download_blob()).readall() == data


async def test_archive_cannot_be_deleted_before_expiry_but_can_after(
    archived: Archived, worm_proxy: WormProxy
) -> None:
    _, blob, _ = archived
    assert await refused(blob.delete_blob()) == "BlobImmutableDueToPolicy"
    worm_proxy.advance_clock(timedelta(days=31))
    await blob.delete_blob()
    assert not await blob.exists()


async def test_properties_report_policy_and_listing_includes_it(
    archived: Archived, worm_proxy: WormProxy
) -> None:
    _, blob, _ = archived
    props = await blob.get_blob_properties()
    assert str(props.immutability_policy.policy_mode).lower() == "unlocked"
    assert _until(props) > datetime.now(UTC) + timedelta(days=29)
    assert props.content_settings.content_type == "application/gzip"
    assert not props.content_settings.content_encoding
    async with ContainerClient.from_connection_string(
        worm_proxy.connection_string, blob.container_name
    ) as cont:
        assert (await cont.get_container_properties()).immutable_storage_with_versioning_enabled is True
        items = [b async for b in cont.list_blobs(include=["immutabilitypolicy", "legalhold", "metadata"])]
    assert [b.name for b in items] == [blob.blob_name]
    assert str(items[0].immutability_policy.policy_mode).lower() == "unlocked"
    assert items[0].immutability_policy.expiry_time is not None
    assert items[0].has_legal_hold is False
    assert items[0].metadata["sha256"]
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        listed = {c.name: c async for c in svc.list_containers()}
    assert listed[blob.container_name].immutable_storage_with_versioning_enabled is True


async def test_legal_hold_blocks_delete_until_cleared(archived: Archived, worm_proxy: WormProxy) -> None:
    _, blob, _ = archived
    await blob.set_legal_hold(True)
    assert (await blob.get_blob_properties()).has_legal_hold is True
    worm_proxy.advance_clock(timedelta(days=365))  # policy long expired: the hold alone still protects
    assert await refused(blob.delete_blob()) == "BlobImmutableDueToLegalHold"
    await blob.set_legal_hold(False)
    await blob.delete_blob()


async def test_unlocked_policy_can_be_shortened_and_deleted(archived: Archived) -> None:
    _, blob, _ = archived
    await blob.set_immutability_policy(policy(1, "Unlocked"))
    props = await blob.get_blob_properties()
    assert _until(props) < datetime.now(UTC) + timedelta(days=2)
    await blob.delete_immutability_policy()
    assert (await blob.get_blob_properties()).immutability_policy.policy_mode is None
    await blob.delete_blob()  # no policy, no hold: deletable


async def test_locked_policy_can_only_be_extended(archived: Archived) -> None:
    _, blob, _ = archived
    await blob.set_immutability_policy(policy(60, BlobImmutabilityPolicyMode.Locked.value))
    for attempt in (
        blob.set_immutability_policy(policy(10, "Locked")),  # shorten
        blob.set_immutability_policy(policy(90, "Unlocked")),  # unlock
        blob.delete_immutability_policy(),
    ):
        # The SDK leaves error_code empty on these calls: the code comes from x-ms-error-code.
        assert await refused(attempt) == "BlobImmutableDueToPolicy"
    await blob.set_immutability_policy(policy(120, "Locked"))  # extend
    props = await blob.get_blob_properties()
    assert str(props.immutability_policy.policy_mode).lower() == "locked"
    assert _until(props) > datetime.now(UTC) + timedelta(days=119)
    assert await refused(blob.delete_blob()) == "BlobImmutableDueToPolicy"


async def test_locked_mode_and_legal_hold_from_settings(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    sink = azure_sink(worm_proxy, container, policy_mode="Locked", legal_hold=True)
    await sink.start()
    data, meta = record()
    await sink.put(data, meta)
    got = await sink.get(meta.conversation_id)
    await sink.close()
    assert got.retention.mode == "Locked" and got.retention.legal_hold and got.retention.enforced
    assert got.retention.problems(require_locked=True) == []
    assert worm_proxy.protection(container, got.name) is not None


async def test_compliance_mode_refuses_container_without_version_level_worm(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy, worm=False)
    sink = azure_sink(worm_proxy, container)
    with pytest.raises(SinkPermanentError) as info:
        await sink.start()
    text = str(info.value)
    assert "version-level immutability" in text and "--enable-vlw" in text and "allow-mutable" in text
    assert "AccountKey" not in text


async def test_compliance_mode_refuses_plain_azurite(azurite_worm: tuple[Azurite, WormProxy]) -> None:
    azurite, proxy = azurite_worm
    container = await new_container(proxy)
    direct = azure_settings(proxy, container, connection_string=azurite.connection_string)
    with pytest.raises(SinkPermanentError, match="not be WORM"):
        await AzureSink(direct, options=NO_SDK_RETRIES).start()


async def test_allow_mutable_starts_with_a_loud_warning_and_writes_no_policy(
    worm_proxy: WormProxy, caplog: pytest.LogCaptureFixture
) -> None:
    container = await new_container(worm_proxy, worm=False)
    sink = azure_sink(worm_proxy, container, allow_mutable=True)
    with caplog.at_level(logging.WARNING, logger="archiver.sinks.azure"):
        await sink.start()
    assert any("NOT WORM" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert sink.worm is False
    data, meta = record()
    assert (await sink.put(data, meta)).created
    got = await sink.get(meta.conversation_id)
    await sink.close()
    assert got.retention.enforced is False and got.retention.mode is None
    assert "not WORM" in " ".join(got.retention.problems())


async def test_policy_on_a_non_worm_container_is_refused_by_the_proxy(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy, worm=False)
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        blob = svc.get_blob_client(container, "x.json.gz")
        code = await refused(blob.upload_blob(b"x", immutability_policy=policy(1, "Unlocked")))
    assert code == "ImmutableStorageWithVersioningNotEnabled"


async def test_policy_apis_still_require_valid_credentials(worm_proxy: WormProxy, archived: Archived) -> None:
    _, blob, _ = archived
    bad = worm_proxy.connection_string.replace("AccountKey=Eby8", "AccountKey=AAAA")
    async with BlobClient.from_connection_string(bad, blob.container_name, blob.blob_name) as forged:
        with pytest.raises(HttpResponseError) as info:
            await forged.delete_immutability_policy()
    assert info.value.status_code == 403
