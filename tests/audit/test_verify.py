"""`archiver verify` end to end: the simulator says what ended, the store (local, or Azurite behind the WORM
proxy) holds the archives; every kind of problem an attestation must catch is planted for real."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from isal import igzip

from archiver.auditor.verify import check_seal
from archiver.commands.verify import run as verify_run
from archiver.sinks.naming import blob_name
from archiver.testing.records import handmade_archive
from tests.audit.conftest import Org, new_id, verify_args

pytestmark = pytest.mark.timeout(120)


async def run_verify(
    org: Org, capsys: pytest.CaptureFixture[str], **kw: Any
) -> tuple[int, dict[str, Any], str]:
    status = await verify_run(org.config, org.period(), verify_args(**kw))
    out, err = capsys.readouterr()
    return status, json.loads(out), err


async def test_complete_period_attests_ok(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    status, report, err = await run_verify(org, capsys)
    c = report["counts"]
    assert (c["expected"], c["archived"], c["verified"]) == (4, 4, 4), err
    assert c["missing"] == c["digestMismatch"] == c["unprotected"] == c["extra"] == 0
    assert status == 0 and report["ok"] is True
    assert report["tool"]["name"] == "archiver" and report["tool"]["version"]
    assert report["source"]["complete"] is True
    assert check_seal(json.dumps(report).encode())
    assert "OK" in err and report["reportSha256"] in err and "ETA" in err
    if org.container is None:
        assert "does not enforce WORM" in err and report["store"]["worm"] is False


async def test_each_kind_of_problem_is_reported_and_fails(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = org.sim
    [not_archived] = await sim.generate(1)  # ended in the period, never archived
    await sim.generate(1, kind="open")  # not web messaging: neither expected nor a problem
    tampered, expired = org.archived[0], org.archived[1]
    store_kind = "azure" if org.container else "local"

    # An archive Genesys does not know (same shape as ours, put straight into the store).
    from archiver.assemble import build_sink

    sink = build_sink(org.config)
    await sink.start()
    try:
        stranger = new_id()
        good = await sink.get(tampered)
        raw = good.record().replace(tampered.encode(), stranger.encode())
        await sink.put(
            *handmade_archive(raw, conversation_id=stranger, end_time=good.meta.end_time, message_count=1)
        )
        altered = igzip.compress(good.record().replace(b'"messages"', b'"messages" ', 1))
        name = blob_name(tampered, good.meta.end_time)
        expired_name = blob_name(expired, (await sink.get(expired)).meta.end_time)
    finally:
        await sink.close()
    if store_kind == "azure":
        org.proxy.serve_altered(org.container, name, altered)
        worm = org.proxy.protection(org.container, expired_name)
        worm.until = org.proxy.state.now() - timedelta(seconds=1)  # this one blob's policy has run out
    else:
        root = Path(org.config.sink.local.dir)
        (root / name).chmod(0o644)
        (root / name).write_bytes(altered)
        side = root / f"{expired_name}.meta.json"
        doc = json.loads(side.read_bytes())
        doc["retention_until"] = "2000-01-01T00:00:00Z"
        side.chmod(0o644)
        side.write_text(json.dumps(doc))

    status, report, err = await run_verify(org, capsys)
    assert status == 7 and report["ok"] is False
    c = report["counts"]
    assert c["expected"] == 5 and c["archived"] == 4
    assert [f["conversationId"] for f in report["missing"]] == [not_archived]
    assert [f["conversationId"] for f in report["digestMismatch"]] == [tampered]
    assert "sha256" in report["digestMismatch"][0]["detail"]
    assert [f["conversationId"] for f in report["unprotected"]] == [expired]
    assert "expired" in report["unprotected"][0]["detail"]
    assert [f["conversationId"] for f in report["extra"]] == [stranger]
    assert c["verified"] == 2
    assert "FAILED" in err


async def test_require_locked_and_stored_attestation(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    if org.container is None:
        pytest.skip("Locked/Unlocked policies exist only in Azure")
    status, report, _ = await run_verify(org, capsys, require_locked=True, store=True)
    assert status == 7 and report["counts"]["unprotected"] == 4
    assert all("Unlocked" in f["detail"] for f in report["unprotected"])
    from azure.storage.blob.aio import ContainerClient

    async with ContainerClient.from_connection_string(org.proxy.connection_string, org.container) as cc:
        [item] = [b async for b in cc.list_blobs(name_starts_with="attestations/")]
        data = await (await cc.download_blob(item.name)).readall()
    assert check_seal(data) and json.loads(data)["reportSha256"] == report["reportSha256"]
    worm = org.proxy.protection(org.container, item.name)
    assert worm is not None and worm.mode == "Unlocked"  # the attestation is itself a WORM record


async def test_incomplete_genesys_data_is_not_an_attestation(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    from archiver.sinks.audit_base import Period

    later = org.period()
    future = Period(later.start, later.end + timedelta(hours=1))
    status = await verify_run(org.config, future, verify_args())
    report = json.loads(capsys.readouterr().out)
    assert status == 7 and report["source"]["complete"] is False and report["ok"] is False


async def test_genesys_side_in_chunks_counts_each_conversation_once(org: Org) -> None:
    from archiver.auditor.verify import expected_conversations
    from archiver.commands.audit_common import genesys_client

    async with genesys_client(org.config) as client:
        whole = await expected_conversations(client, org.period(), poll_s=0.05)
        hourly = await expected_conversations(client, org.period(), poll_s=0.05, chunk=timedelta(hours=1))
    assert set(whole.ends) == set(hourly.ends) == set(org.archived)
