"""`archiver check` against Azurite + the WORM proxy: each misconfiguration of the archive container —
missing, not WORM, no or short or Unlocked default policy, each missing right — is one ✘ (or ! when
only degraded)."""

from __future__ import annotations

import io
from typing import Any

from azure.storage.blob.aio import BlobServiceClient

from archiver.errors import EXIT_SINK
from archiver.preflight.azure import CANARY_PREFIX, PREFLIGHT_PREFIX, check_azure
from archiver.preflight.report import Report
from archiver.testing import rbac
from archiver.testing.wormproxy import WormProxy
from tests.sinks.conftest import azure_settings, new_container


async def check(
    proxy: WormProxy, container: str, *, canary: bool = False, **kw: Any
) -> tuple[Report, dict[str, str]]:
    report = Report(io.StringIO())
    await check_azure(azure_settings(proxy, container, **kw), report, canary=canary)
    return report, {r.name: r.status for r in report.results}


def out(report: Report) -> str:
    return report.out.getvalue()  # type: ignore[attr-defined]


async def blobs(proxy: WormProxy, container: str) -> list[str]:
    proxy.set_rights(container, None)
    async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
        return [b.name async for b in svc.get_container_client(container).list_blobs()]


async def test_owner_on_a_worm_container_passes_and_writes_nothing(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_rights(container, rbac.OWNER)
    report, status = await check(worm_proxy, container)
    assert report.exit_code() == 0 and not report.failed, out(report)
    assert status["version-level immutability"] == "ok"
    assert status["right immutableStorage/runAsSuperUser"] == "ok"
    assert status["right blobs/tags/read"] == "ok" and status["right blobs/filter/action"] == "ok"
    assert await blobs(worm_proxy, container) == []  # read-only: no probe blob was stored


async def test_missing_container_fails(worm_proxy: WormProxy) -> None:
    report, status = await check(worm_proxy, "t-no-such-container")
    assert status["container t-no-such-container"] == "fail" and report.exit_code() == EXIT_SINK
    assert "--enable-vlw" in out(report)


async def test_container_without_version_level_worm_fails(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy, worm=False)
    report, status = await check(worm_proxy, container)
    assert status["version-level immutability"] == "fail" and report.exit_code() == EXIT_SINK
    report, status = await check(worm_proxy, container, allow_mutable=True, canary=True)
    assert status["version-level immutability"] == "warn" and status["write canary"] == "warn"
    assert "MUTABLE" in out(report) and report.exit_code() == 0


async def test_contributor_with_blob_policies_lacks_run_as_super_user(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_rights(container, rbac.CONTRIBUTOR)
    report, status = await check(worm_proxy, container, policy_source="blob")
    assert status["right immutableStorage/runAsSuperUser"] == "fail" and report.exit_code() == EXIT_SINK
    assert 'policy_source = "container"' in out(report)
    # tags and filter only degrade lookups: warnings, not failures
    assert status["right blobs/tags/read"] == "warn" and status["right blobs/filter/action"] == "warn"
    assert [r.name for r in report.failed] == ["right immutableStorage/runAsSuperUser"]


async def test_each_missing_core_right_fails(worm_proxy: WormProxy) -> None:
    for missing, name in ((rbac.BLOBS_WRITE, "right blobs/write"), (rbac.BLOBS_READ, "right blobs/read")):
        container = await new_container(worm_proxy)
        worm_proxy.set_rights(container, rbac.OWNER - {missing})
        report, status = await check(worm_proxy, container)
        assert status[name] == "fail", out(report)
        assert [r.name for r in report.failed] == [name]
    container = await new_container(worm_proxy)
    worm_proxy.set_rights(container, rbac.OWNER - {rbac.CONTAINERS_READ})
    report, status = await check(worm_proxy, container)
    assert status[f"container {container}"] == "fail" and "containers/read" in out(report)


async def test_container_source_without_default_policy_fails(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    report, status = await check(worm_proxy, container, policy_source="container")
    assert status["policy source (container)"] == "fail" and "immutability-policy create" in out(report)


async def test_container_default_policy_state_comes_from_the_canary(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 30, locked=False)
    worm_proxy.set_rights(container, rbac.CONTRIBUTOR)
    report, status = await check(worm_proxy, container, policy_source="container")
    assert status["policy source (container)"] == "warn"  # exists, period and state unproven read-only
    assert report.exit_code() == 0
    report, status = await check(worm_proxy, container, policy_source="container", canary=True)
    assert status["write canary"] == "warn" and "30 days, Unlocked" in out(report)  # works, but unlocked
    # once a probe or canary exists, the read-only check reads the state from the newest one
    report, status = await check(worm_proxy, container, policy_source="container", policy_mode="Locked")
    assert status["policy source (container)"] == "fail" and "requires Locked" in out(report)
    names = await blobs(worm_proxy, container)
    assert len(names) == 1 and names[0].startswith(CANARY_PREFIX)
    assert not any(n.startswith(PREFLIGHT_PREFIX) for n in names)


async def test_a_default_policy_shorter_than_retention_fails(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    worm_proxy.set_default_policy(container, 10, locked=True)
    report, status = await check(worm_proxy, container, policy_source="container", canary=True)
    assert status["write canary"] == "fail" and "shorter than sink.azure.retention_days = 30" in out(report)


async def test_canary_with_blob_policies_gets_a_one_day_unlocked_policy(worm_proxy: WormProxy) -> None:
    container = await new_container(worm_proxy)
    report, status = await check(worm_proxy, container, canary=True)
    assert status["write canary"] == "ok" and "1-day Unlocked" in out(report), out(report)
    (name,) = await blobs(worm_proxy, container)
    protection = worm_proxy.protection(container, name)
    assert protection is not None and protection.mode == "Unlocked"
