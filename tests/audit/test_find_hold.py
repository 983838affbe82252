"""`archiver find` and `archiver hold` end to end against the local sink and Azurite behind the WORM proxy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archiver.commands.find import find
from archiver.commands.hold import hold
from archiver.commands.verify import run as verify_run
from tests.audit.conftest import Org, find_args, verify_args

pytestmark = pytest.mark.timeout(120)


async def run_find(
    org: Org, capsys: pytest.CaptureFixture[str], **kw: Any
) -> tuple[list[dict[str, Any]], str]:
    assert await find(org.config, org.period(), find_args(**kw)) == 0
    out, err = capsys.readouterr()
    return [json.loads(line) for line in out.splitlines()], err


async def test_find_lists_the_period_with_queue_and_division(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, err = await run_find(org, capsys)
    assert sorted(r["conversationId"] for r in rows) == sorted(org.archived)
    truth = {cid: org.sim.truth(cid) for cid in org.archived}
    division = org.sim.org.division_id
    for r in rows:
        assert r["divisionId"] == division and r["queueId"] in org.sim.queue_ids
        assert r["messages"] > 0 and r["archiveUri"].endswith(f"{r['conversationId']}.json.gz")
        assert r["legalHold"] is False and len(r["sha256"]) == 64
        assert truth[r["conversationId"]].id == r["conversationId"]
    via = "index tags" if org.container else "sidecars"
    assert via in err and "4 archived" in err
    queue = rows[0]["queueId"]
    by_queue, _ = await run_find(org, capsys, queue=queue)
    assert sorted(r["conversationId"] for r in by_queue) == sorted(
        r["conversationId"] for r in rows if r["queueId"] == queue
    )
    by_division, _ = await run_find(org, capsys, division=division)
    assert len(by_division) == 4
    none, _ = await run_find(org, capsys, division="no-such-division")
    assert none == []
    # Plain text: one line per conversation with id, end time, queue, messages and URI.
    assert await find(org.config, org.period(), find_args(json=False)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.split()[0] in org.archived for line in lines)


async def test_find_falls_back_to_listing_when_tag_query_is_refused(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    if org.container is None:
        pytest.skip("tags exist only in Azure")
    org.proxy.fail(on="find_blobs", status=403, code="AuthorizationPermissionMismatch", times=None)
    rows, err = await run_find(org, capsys)
    assert sorted(r["conversationId"] for r in rows) == sorted(org.archived)
    assert "listing of day prefixes" in err and "filter/action" in err and "403" in err
    forced, err = await run_find(org, capsys, listing=True)
    assert len(forced) == 4 and "listing of day prefixes" in err


async def test_hold_set_and_clear_per_case(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    cid, other = org.archived[0], org.archived[1]
    assert await hold(org.config, True, [cid], "CASE-1") == 0
    assert await hold(org.config, True, [cid], "CASE-2") == 0
    out = capsys.readouterr().out
    assert "legal hold ON" in out and "CASE-1,CASE-2" in out
    if org.container is not None:
        assert org.proxy.protection(org.container, _name(org, cid)).legal_hold is True
    rows, _ = await run_find(org, capsys, listing=True)
    held = {r["conversationId"]: r for r in rows}
    assert held[cid]["legalHold"] is True and held[other]["legalHold"] is False
    assert held[cid]["legalHoldCases"] == ["CASE-1", "CASE-2"]
    # Clearing one case keeps the hold for the other.
    assert await hold(org.config, False, [cid], "CASE-1") == 0
    assert "legal hold ON" in capsys.readouterr().out
    assert await hold(org.config, False, [cid], "CASE-2") == 0
    assert "legal hold OFF" in capsys.readouterr().out
    if org.container is not None:
        assert org.proxy.protection(org.container, _name(org, cid)).legal_hold is False
    # Unknown conversation: reported, the others still processed, non-zero exit.
    assert await hold(org.config, True, ["no-such-conversation", other], "CASE-3") != 0
    captured = capsys.readouterr()
    assert "FAILED no-such-conversation" in captured.err and other in captured.out


async def test_hold_keeps_an_expired_archive_protected_for_verify(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    if org.container is None:
        pytest.skip("enforced protection exists only in Azure")
    cid = org.archived[0]
    assert await hold(org.config, True, [cid], "LITIGATION-7") == 0
    capsys.readouterr()
    org.proxy.protection(org.container, _name(org, cid)).until = org.proxy.state.now()
    status = await verify_run(org.config, org.period(), verify_args())
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["counts"]["unprotected"] == 0, report


async def test_hold_without_the_right_names_it(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    if org.container is None:
        pytest.skip("rights exist only in Azure")
    org.proxy.fail(on="set_legal_hold", status=403, code="AuthorizationPermissionMismatch", times=None)
    status = await hold(org.config, True, [org.archived[0]], "CASE-9")
    err = capsys.readouterr().err
    assert status == 6 and "403" in err and "runAsSuperUser" in err and "containers/write" in err


def _name(org: Org, cid: str) -> str:
    from archiver.sinks.naming import blob_name

    end = org.sim.store.by_id[cid].end_time()
    assert end is not None
    from datetime import UTC, datetime

    return blob_name(cid, datetime.fromtimestamp(end, UTC))
