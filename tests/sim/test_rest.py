"""REST endpoints: conversations, messages, bulk, recordings, write-back, tags, errors and HTTP faults."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from tests.sim.conftest import assert_error_body, make_config
from tests.sim.sdkcheck import check

API = "/api/v2"


async def test_message_conversation_and_bulk(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (cid,) = await sim.generate(1, kind="webmessaging")
    truth = sim.truth(cid)
    async with http.get(f"{sim.base_url}{API}/conversations/messages/{cid}", headers=auth) as r:
        assert r.status == 200
        mc = await r.json()
    assert check(mc, "MessageConversation") == []
    purposes = [p["purpose"] for p in mc["participants"]]
    assert purposes[:3] == ["customer", "workflow", "acd"] and "agent" in purposes
    assert all(p["state"] in ("disconnected", "terminated") and p["endTime"] for p in mc["participants"])
    ids = list(dict.fromkeys(m["messageId"] for p in mc["participants"] for m in p.get("messages", [])))
    async with http.post(
        f"{sim.base_url}{API}/conversations/messages/{cid}/messages/bulk",
        params={"useNormalizedMessage": "true"},
        json=ids,
        headers=auth,
    ) as r:
        assert r.status == 200
        listing = await r.json()
    assert check(listing, "TextMessageListing") == []
    assert set(listing) == {"entities"}
    got = {e["id"]: e["normalizedMessage"].get("text", "") for e in listing["entities"]}
    assert got == dict(truth.messages)
    for e in listing["entities"]:
        assert e["messengerType"] == "webmessaging" and e["conversationId"] == cid
        assert "textBody" not in e and "media" not in e
    one = truth.messages[0][0]
    async with http.get(
        f"{sim.base_url}{API}/conversations/messages/{cid}/messages/{one}", headers=auth
    ) as r:
        assert (await r.json())["id"] == one
    async with http.get(f"{sim.base_url}{API}/conversations/{cid}", headers=auth) as r:
        conv = await r.json()
    assert check(conv, "Conversation") == []
    assert conv["endTime"] and conv["startTime"] < conv["endTime"]


async def test_bulk_limits(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    (cid,) = await sim.generate(1, messages=2500)
    truth = sim.truth(cid)
    assert len(truth.messages) == 2500
    url = f"{sim.base_url}{API}/conversations/messages/{cid}/messages/bulk"
    ids = [m for m, _ in truth.messages]
    async with http.post(url, json=ids[:1001], headers=auth) as r:
        assert r.status == 400
        assert_error_body(await r.json(), 400, "bad.request")
    async with http.post(url, data=b"[1,", headers={**auth, "Content-Type": "application/json"}) as r:
        assert r.status == 400
    async with http.post(url, json={"ids": ids[:3]}, headers=auth) as r:
        assert r.status == 400
    total = 0
    for i in range(0, len(ids), 1000):
        async with http.post(url, json=ids[i : i + 1000], headers=auth) as r:
            total += len((await r.json())["entities"])
    assert total == 2500


async def test_attachments_and_long_texts_exist(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ids = await sim.generate(150)  # enough that every random feature appears whatever the synth stream
    truths = [sim.truth(c) for c in ids]
    assert any(t.attachments for t in truths)
    assert any(t.planted_pii for t in truths)
    with_att = next(t for t in truths if t.attachments)
    mids = [m for m, _ in with_att.messages]
    async with http.post(
        f"{sim.base_url}{API}/conversations/messages/{with_att.id}/messages/bulk", json=mids, headers=auth
    ) as r:
        ents = (await r.json())["entities"]
    atts = [
        c["attachment"]
        for e in ents
        for c in e["normalizedMessage"].get("content", [])
        if c["contentType"] == "Attachment"
    ]
    assert atts and {"id", "mediaType", "url", "mime", "filename", "contentSizeBytes", "sha256"} <= set(
        atts[0]
    )
    assert any(text == "" for t in truths for _, text in t.messages)  # attachment-only messages exist
    # transfers: some conversation has two agents and a recent transfer
    docs = []
    for c in ids:
        async with http.get(f"{sim.base_url}{API}/conversations/messages/{c}", headers=auth) as r:
            docs.append(await r.json())
    assert any(
        sum(p["purpose"] == "agent" for p in d["participants"]) == 2 and d["recentTransfers"] for d in docs
    )


async def test_not_found_everywhere(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    nope = "00000000-0000-4000-8000-000000000000"
    for method, path in [
        ("GET", f"/conversations/messages/{nope}"),
        ("GET", f"/conversations/{nope}"),
        ("GET", f"/conversations/{nope}/recordings"),
        ("GET", "/no/such/route"),
        ("POST", f"/conversations/messages/{nope}/messages/bulk"),
    ]:
        async with http.request(method, f"{sim.base_url}{API}{path}", headers=auth, json=[]) as r:
            assert r.status == 404, path
            doc = await r.json()
            assert_error_body(doc, 404, "not.found")
            assert check(doc, "ErrorBody") == []
            assert r.headers["inin-correlation-id"] == doc["contextId"]
    (cid,) = await sim.generate(1)
    sim.faults.delete_conversation(cid)
    async with http.get(f"{sim.base_url}{API}/conversations/messages/{cid}", headers=auth) as r:
        assert r.status == 404


@pytest.mark.parametrize("sim_config", [make_config(transcript_processing_s=0.4)])
async def test_recordings_202_then_transcript(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (cid,) = await sim.generate(1, end=False)
    url = f"{sim.base_url}{API}/conversations/{cid}/recordings"
    async with http.get(url, params={"maxWaitMs": "0"}, headers=auth) as r:
        assert r.status == 202  # still active
    await sim.end_conversation(cid)
    async with http.get(url, params={"maxWaitMs": "0"}, headers=auth) as r:
        assert r.status == 202  # transcript processing
    t0 = time.monotonic()
    async with http.get(url, params={"maxWaitMs": "5000"}, headers=auth) as r:
        assert r.status == 200
        recs = await r.json()
    assert time.monotonic() - t0 < 2
    assert check(recs, "list[Recording]") == []
    texts = [m.get("messageText", "") for m in recs[0]["messagingTranscript"]]
    assert texts == [t for _, t in sim.truth(cid).messages]


async def test_attributes_and_tags(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    (cid,) = await sim.generate(1)
    pid = sim.truth(cid).customer_participant_id
    url = f"{sim.base_url}{API}/conversations/messages/{cid}/participants/{pid}/attributes"
    async with http.patch(
        url, json={"attributes": {"archiveUri": "https://x/y", "archiveSha256": "ab"}}, headers=auth
    ) as r:
        assert r.status == 202
        assert (await r.json())["attributes"]["archiveUri"] == "https://x/y"
    assert sim.attributes(cid) == {pid: {"archiveUri": "https://x/y", "archiveSha256": "ab"}}
    async with http.patch(url, json={"attributes": {"n": 1}}, headers=auth) as r:
        assert r.status == 400
    async with http.patch(url.replace(pid, "nope"), json={"attributes": {}}, headers=auth) as r:
        assert r.status == 404
    sim.faults.refuse_writeback(True)
    async with http.patch(url, json={"attributes": {"a": "b"}}, headers=auth) as r:
        assert r.status == 400
        assert_error_body(await r.json(), 400)
    sim.faults.refuse_writeback(False)
    async with http.put(
        f"{sim.base_url}{API}/conversations/{cid}/tags", json={"externalTag": "archived"}, headers=auth
    ) as r:
        assert r.status == 202
    assert sim.tags(cid) == "archived"
    async with http.get(f"{sim.base_url}{API}/conversations/{cid}", headers=auth) as r:
        assert (await r.json())["externalTag"] == "archived"


@pytest.mark.parametrize("sim_config", [make_config(writeback_after_end=False)])
async def test_writeback_after_end_switch(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (live,) = await sim.generate(1, end=False)
    (done,) = await sim.generate(1, end=True)
    for cid, status in ((live, 202), (done, 400)):
        pid = sim.truth(cid).customer_participant_id
        async with http.patch(
            f"{sim.base_url}{API}/conversations/messages/{cid}/participants/{pid}/attributes",
            json={"attributes": {"k": "v"}},
            headers=auth,
        ) as r:
            assert r.status == status


async def test_queues_paging(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    async with http.get(f"{sim.base_url}{API}/routing/queues", params={"pageSize": "2"}, headers=auth) as r:
        doc = await r.json()
    assert check(doc, "QueueEntityListing") == []
    assert doc["total"] == 3 and doc["pageCount"] == 2 and len(doc["entities"]) == 2 and doc["nextUri"]
    async with http.get(f"{sim.base_url}{API}/routing/queues", params={"pageSize": "x"}, headers=auth) as r:
        assert r.status == 400


@pytest.mark.parametrize("sim_config", [make_config(fault_timeout_s=0.3)])
async def test_fail_next_timeout_latency(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    url = f"{sim.base_url}{API}/routing/queues"
    sim.faults.fail_next(2, status=503)
    for _ in range(2):
        async with http.get(url, headers=auth) as r:
            assert r.status == 503
            assert_error_body(await r.json(), 503, "service.unavailable")
    async with http.get(url, headers=auth) as r:
        assert r.status == 200
    sim.faults.fail_next(1, status=500, path_prefix="/api/v2/analytics")
    async with http.get(url, headers=auth) as r:
        assert r.status == 200  # prefix does not match
    sim.faults.fail_next(1, status="timeout")
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(url, headers=auth, timeout=aiohttp.ClientTimeout(total=0.1)):
            pass
    sim.faults.latency(0.2)
    t0 = time.monotonic()
    async with http.get(url, headers=auth) as r:
        assert r.status == 200
    assert time.monotonic() - t0 >= 0.2
    sim.faults.clear()
    counts = sim.call_counts()
    assert counts["GET /api/v2/routing/queues"] == 6
    with pytest.raises(ValueError):
        sim.faults.fail_next(1, status=200)
