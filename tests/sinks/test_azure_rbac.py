"""Each row of the README's Azure permission table, proven against the WORM proxy's RBAC and SAS checks.

The proxy grants a set of RBAC data actions per container (`rbac.CONTRIBUTOR`, `rbac.OWNER`, custom sets)
and answers anything outside it with the service's 403 AuthorizationPermissionMismatch; SAS letters are
checked by Azurite (and `i` by the proxy).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas
from azure.storage.blob.aio import BlobServiceClient

from archiver.config import AzureSinkConfig
from archiver.errors import SinkPermanentError
from archiver.metrics import Metrics
from archiver.secret import Secret
from archiver.sinks import AzureSink, blob_name
from archiver.testing import rbac
from archiver.testing.azurite import ACCOUNT, ACCOUNT_KEY
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import NO_SDK_RETRIES, azure_sink, new_container, record

SUPER = "immutableStorage/runAsSuperUser"


async def sink_with(
    proxy: WormProxy, opened: list[AzureSink], rights: frozenset[str] | None, *, source: str, **kw: object
) -> AzureSink:
    """A sink on a fresh container with only `rights`; with source "container", a Locked default policy."""
    container = await new_container(proxy)
    if source == "container":
        proxy.set_default_policy(container, 30, locked=True)
    proxy.set_rights(container, rights)
    sink = azure_sink(proxy, container, policy_source=source, **kw)
    opened.append(sink)
    return sink


async def stored_tags(proxy: WormProxy, container: str, name: str) -> dict[str, str]:
    """Read tags as an administrator would (all rights), to see what the worker wrote."""
    proxy.set_rights(container, None)
    async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
        return dict(await svc.get_blob_client(container, name).get_blob_tags())


async def test_contributor_with_container_default_archives_end_to_end(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink], caplog: pytest.LogCaptureFixture
) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, rbac.CONTRIBUTOR, source="container")
    await sink.start()
    data, meta = record()
    with caplog.at_level(logging.WARNING, logger="archiver.sinks"):
        assert (await sink.put(data, meta)).created
        assert not (await sink.put(data, meta)).created  # re-delivery: 409 → digest compared → same
        by_date = await sink.get(meta.conversation_id, meta.end_time)  # the pipeline's recovery lookup
        by_id = await sink.get(meta.conversation_id)  # `archiver get` without --date
        await sink.get(meta.conversation_id)
    assert by_date.data == data and by_id.data == data and by_id.meta == meta
    assert by_id.retention.mode == "Locked" and by_id.tags == {}
    assert worm_proxy.calls["denied_blob_tags"] == 3 and worm_proxy.calls["denied_find_blobs"] == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "tags/read" in w]) == 1  # once per sink, not per lookup
    assert len([w for w in warnings if "filter/action" in w]) == 1
    metrics = Metrics()
    metrics.add_source(sink.metric_values)
    text = metrics.render().decode()
    assert 'archiver_sink_permission_fallbacks_total{right="tags/read"} 3.0' in text
    assert 'archiver_sink_permission_fallbacks_total{right="filter/action"} 2.0' in text
    # Tags at upload need only blobs/write: they were stored, and they hold no personal data.
    tags = await stored_tags(worm_proxy, sink.container_name, by_id.name)
    assert set(tags) == {
        "conversationId",
        "endDate",
        "schema",
        "sha256",
        "archiverVersion",
        "redactorVersion",
    }
    assert tags["conversationId"] == meta.conversation_id and tags["sha256"] == meta.sha256


async def test_contributor_with_per_blob_policy_fails_naming_run_as_super_user(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, rbac.CONTRIBUTOR, source="blob")
    await sink.start()  # nothing at start needs the right; the first upload does
    data, meta = record()
    with pytest.raises(SinkPermanentError) as info:
        await sink.put(data, meta)
    text = str(info.value)
    assert (
        "403 AuthorizationPermissionMismatch" in text
        and SUPER in text
        and 'policy_source = "container"' in text
    )
    assert worm_proxy.calls["denied_put_blob"] == 1 and worm_proxy.calls["put_blob"] == 1


async def test_contributor_plus_run_as_super_user_custom_role_sends_per_blob_policies(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    custom = rbac.CONTRIBUTOR | {rbac.SUPER_USER}
    sink = await sink_with(
        worm_proxy, azure_sinks, custom, source="blob", policy_mode="Locked", legal_hold=True
    )
    await sink.start()
    data, meta = record()
    assert (await sink.put(data, meta)).created
    got = await sink.get(meta.conversation_id, meta.end_time)
    assert got.retention.mode == "Locked" and got.retention.legal_hold


async def test_owner_reads_and_searches_tags_without_fallback(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, rbac.OWNER, source="blob")
    await sink.start()
    data, meta = record()
    await sink.put(data, meta)
    got = await sink.get(meta.conversation_id)
    assert got.tags["conversationId"] == meta.conversation_id
    assert worm_proxy.calls["find_blobs"] == 1 and worm_proxy.calls["list_blobs"] == 0
    assert not sink.fallbacks.counts


async def test_legal_hold_needs_the_right_even_with_a_container_default(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, rbac.CONTRIBUTOR, source="container", legal_hold=True)
    await sink.start()
    with pytest.raises(SinkPermanentError, match=SUPER):
        await sink.put(*record())


async def test_no_delete_right_is_needed(worm_proxy: WormProxy, azure_sinks: list[AzureSink]) -> None:
    no_delete = rbac.CONTRIBUTOR - {rbac.BLOBS_DELETE, rbac.CONTAINERS_DELETE, rbac.BLOBS_MOVE}
    sink = await sink_with(worm_proxy, azure_sinks, no_delete, source="container")
    await sink.start()
    data, meta = record()
    assert (await sink.put(data, meta)).created
    assert (await sink.get(meta.conversation_id)).data == data


@pytest.mark.parametrize("source", ["container", "blob"])
async def test_without_container_read_start_fails_naming_it(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink], source: str
) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, rbac.CONTRIBUTOR - {rbac.CONTAINERS_READ}, source=source)
    with pytest.raises(SinkPermanentError, match=r"403 .*lacks .*containers/read"):
        await sink.start()


async def test_without_write_container_mode_fails_at_start_blob_mode_at_upload(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    reader = await sink_with(worm_proxy, azure_sinks, rbac.READER, source="container")
    with pytest.raises(SinkPermanentError, match=r"default policy .*403 .*blobs/write"):
        await reader.start()
    blob_mode = await sink_with(worm_proxy, azure_sinks, rbac.OWNER - {rbac.BLOBS_WRITE}, source="blob")
    await blob_mode.start()
    with pytest.raises(SinkPermanentError, match=r"upload .*403 .*lacks .*blobs/write"):
        await blob_mode.put(*record())


async def test_without_read_get_fails_naming_it(worm_proxy: WormProxy, azure_sinks: list[AzureSink]) -> None:
    sink = await sink_with(worm_proxy, azure_sinks, None, source="blob")
    await sink.start()
    data, meta = record()
    await sink.put(data, meta)
    worm_proxy.set_rights(sink.container_name, rbac.OWNER - {rbac.BLOBS_READ})
    with pytest.raises(SinkPermanentError, match=r"403 .*lacks .*blobs/read"):
        await sink.get(meta.conversation_id, meta.end_time)
    with pytest.raises(SinkPermanentError, match=r"403 .*lacks .*blobs/read"):
        await sink.put(data, meta)  # an "already there?" check reads the stored digest


def _sas(letters: str) -> str:
    return generate_account_sas(
        ACCOUNT, ACCOUNT_KEY, ResourceTypes(container=True, object=True),
        AccountSasPermissions.from_string(letters), datetime.now(UTC) + timedelta(hours=1),
    )  # fmt: skip


async def sas_sink(proxy: WormProxy, opened: list[AzureSink], letters: str, source: str) -> AzureSink:
    container = await new_container(proxy)
    if source == "container":
        proxy.set_default_policy(container, 30, locked=True)
    settings = AzureSinkConfig(
        container=container, url=proxy.blob_url, sas_token=Secret(_sas(letters)), retention_days=30,
        policy_source=source,  # type: ignore[arg-type]
    )  # fmt: skip
    sink = AzureSink(settings, options=NO_SDK_RETRIES)
    opened.append(sink)
    await sink.start()
    return sink


@pytest.mark.parametrize(("letters", "source"), [("rwl", "container"), ("rwli", "blob"), ("rwltfi", "blob")])
async def test_sas_letters_the_code_needs(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink], letters: str, source: str
) -> None:
    sink = await sas_sink(worm_proxy, azure_sinks, letters, source)
    data, meta = record()
    assert (await sink.put(data, meta)).created
    assert not (await sink.put(data, meta)).created
    assert (await sink.get(meta.conversation_id)).data == data
    assert (await sink.get(meta.conversation_id, meta.end_time)).retention.enforced
    expected_fallbacks = {"t": "tags/read", "f": "filter/action"}
    missing = {right for letter, right in expected_fallbacks.items() if letter not in letters}
    assert set(sink.fallbacks.counts) == missing


async def test_sas_without_i_cannot_send_a_per_blob_policy(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    sink = await sas_sink(worm_proxy, azure_sinks, "rwlt", "blob")
    with pytest.raises(SinkPermanentError, match=r"403 .*SAS letter i"):
        await sink.put(*record())


async def test_sas_without_w_or_l(worm_proxy: WormProxy, azure_sinks: list[AzureSink]) -> None:
    create_only = await sas_sink(worm_proxy, azure_sinks, "rcl", "container")
    data, meta = record()
    assert (await create_only.put(data, meta)).created
    # `c` creates but a re-delivery's put-if-absent on the existing blob is refused, not a 409: needs `w`.
    with pytest.raises(SinkPermanentError, match=r"403 .*SAS letter w"):
        await create_only.put(data, meta)
    no_list = await sas_sink(worm_proxy, azure_sinks, "rw", "container")
    data, meta = record()
    await no_list.put(data, meta)
    assert (await no_list.get(meta.conversation_id, meta.end_time)).data == data
    with pytest.raises(SinkPermanentError, match=r"403 .*l to look an archive up"):
        await no_list.get(meta.conversation_id)
    assert blob_name(meta.conversation_id, meta.end_time).startswith("conversations/")
