"""policy_source = "container": archives inherit the container's default immutability policy.

Through the real SDK → WORM proxy (its ARM-shaped admin path sets the default policy) → Azurite: the
admin rules of a default policy, inheritance by every new blob version, the sink's start-up check (exists,
covers retention_days, Locked or loudly Unlocked), and that the worker then sends no policy of its own.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from azure.storage.blob.aio import BlobServiceClient

from archiver.errors import SinkPermanentError
from archiver.metrics import Metrics
from archiver.sinks import AzureSink
from archiver.sinks.azure_policy import PROBE_PREFIX
from archiver.testing import rbac
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import azure_sink, new_container, record


async def test_admin_path_has_the_arm_shape_and_rules(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    url = worm_proxy.arm_url(container)
    body = {"properties": {"immutabilityPeriodSinceCreationInDays": 30, "allowProtectedAppendWrites": False}}
    async with aiohttp.ClientSession() as http:
        missing = await http.get(url, params={"api-version": "2023-05-01"})
        assert missing.status == 404
        created = await http.put(url, json=body)
        assert created.status == 200
        doc: dict[str, Any] = await created.json()
        assert doc["name"] == "default" and doc["type"].endswith("/containers/immutabilityPolicies")
        assert doc["properties"]["immutabilityPeriodSinceCreationInDays"] == 30
        assert doc["properties"]["state"] == "Unlocked"
        etag = created.headers["ETag"]
        assert (await http.post(f"{url}/lock")).status == 400  # If-Match is required
        assert (await http.post(f"{url}/lock", headers={"If-Match": '"stale"'})).status == 412
        locked = await http.post(f"{url}/lock", headers={"If-Match": etag})
        assert (await locked.json())["properties"]["state"] == "Locked"
        etag = locked.headers["ETag"]
        shorter = {"properties": {"immutabilityPeriodSinceCreationInDays": 10}}
        assert (await http.post(f"{url}/extend", json=shorter, headers={"If-Match": etag})).status == 409
        assert (await http.delete(url, headers={"If-Match": etag})).status == 409
        assert (await http.put(url, json=body, headers={"If-Match": etag})).status == 409
        longer = {"properties": {"immutabilityPeriodSinceCreationInDays": 60}}
        extended = await http.post(f"{url}/extend", json=longer, headers={"If-Match": etag})
        assert extended.status == 200
        got = await (await http.get(url)).json()
    assert got["properties"] == {
        "immutabilityPeriodSinceCreationInDays": 60, "state": "Locked", "allowProtectedAppendWrites": False,
    }  # fmt: skip


async def test_new_versions_inherit_the_default_an_explicit_policy_wins(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 30, locked=True)
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        cont = svc.get_container_client(container)
        assert (await cont.get_container_properties()).has_immutability_policy is True
        listed = {c.name: c async for c in svc.list_containers(name_starts_with=container)}
        assert listed[container].has_immutability_policy is True
        plain = cont.get_blob_client("plain.txt")
        await plain.upload_blob(b"x")
        props = await plain.get_blob_properties()
        assert str(props.immutability_policy.policy_mode).lower() == "locked"
        until = props.immutability_policy.expiry_time
        assert until is not None and until > datetime.now(UTC) + timedelta(days=29)
        with pytest.raises(Exception, match="BlobImmutableDueToPolicy"):
            await plain.delete_blob()
        other = await new_container(worm_proxy)
        assert (
            await svc.get_container_client(other).get_container_properties()
        ).has_immutability_policy is False


async def test_locked_default_archives_with_contributor_rights_and_no_policy_headers(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink]
) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 40, locked=True)
    # Contributor has no runAsSuperUser: a single policy or legal-hold header would be refused with 403.
    worm_proxy.set_rights(container, rbac.CONTRIBUTOR)
    sink = azure_sink(worm_proxy, container, policy_source="container", policy_mode="Locked")
    azure_sinks.append(sink)
    await sink.start()
    data, meta = record()
    assert (await sink.put(data, meta)).created
    got = await sink.get(meta.conversation_id, meta.end_time)
    assert got.retention.mode == "Locked" and got.retention.enforced
    assert got.retention.until is not None and got.retention.until > datetime.now(UTC) + timedelta(days=39)
    assert got.retention.problems(require_locked=True) == []
    assert {op for op in worm_proxy.calls if op.startswith("denied_")} == {
        "denied_blob_tags"
    }  # tags: fallback
    assert sink.metric_values()["sink_worm_policy_unlocked"] == {"": 0.0}
    # The probe lives outside the archive prefix, so lookups by id never meet it.
    assert (await sink.get(meta.conversation_id)).name.startswith("conversations/")
    async with BlobServiceClient.from_connection_string(worm_proxy.connection_string) as svc:
        names = [b.name async for b in svc.get_container_client(container).list_blobs()]
    assert sorted(n.split("/")[0] for n in names) == ["_archiver", "conversations"]
    assert [n for n in names if n.startswith(PROBE_PREFIX)]


async def test_missing_default_policy_refuses_to_start_and_says_how_to_fix(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    sink = azure_sink(worm_proxy, container, policy_source="container")
    with pytest.raises(SinkPermanentError) as info:
        await sink.start()
    await sink.close()
    text = str(info.value)
    assert "no default immutability policy" in text and "immutability-policy create" in text
    assert 'policy_source = "blob"' in text


async def test_default_shorter_than_retention_days_refuses_to_start(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 10, locked=True)
    sink = azure_sink(worm_proxy, container, policy_source="container", retention_days=30)
    with pytest.raises(SinkPermanentError, match=r"about 10 days.*retention_days = 30"):
        await sink.start()
    await sink.close()


async def test_unlocked_default_starts_with_a_loud_warning_and_metric(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink], caplog: pytest.LogCaptureFixture
) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 30)
    sink = azure_sink(worm_proxy, container, policy_source="container")
    azure_sinks.append(sink)
    with caplog.at_level(logging.WARNING, logger="archiver.sinks.azure"):
        await sink.start()
    assert any("UNLOCKED" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    metrics = Metrics()
    metrics.add_source(sink.metric_values)
    assert b"archiver_sink_worm_policy_unlocked 1.0" in metrics.render()
    data, meta = record()
    await sink.put(data, meta)
    got = await sink.get(meta.conversation_id, meta.end_time)
    assert got.retention.mode == "Unlocked" and got.retention.problems(require_locked=True)


async def test_policy_mode_locked_requires_a_locked_default(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 30)
    sink = azure_sink(worm_proxy, container, policy_source="container", policy_mode="Locked")
    with pytest.raises(SinkPermanentError, match="Unlocked"):
        await sink.start()
    await sink.close()
    worm_proxy.set_default_policy(container, 30, locked=True)  # the admin locks it: now it starts
    await sink.start()
    await sink.close()


async def test_allow_mutable_without_a_default_starts_not_worm(
    worm_proxy: WormProxy, azure_sinks: list[AzureSink], caplog: pytest.LogCaptureFixture
) -> None:
    container = await new_container(worm_proxy)
    sink = azure_sink(worm_proxy, container, policy_source="container", allow_mutable=True)
    azure_sinks.append(sink)
    with caplog.at_level(logging.WARNING, logger="archiver.sinks.azure"):
        await sink.start()
    assert sink.worm is False and "NOT WORM" in caplog.text
