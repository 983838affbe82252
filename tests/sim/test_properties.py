"""Analytics conversation properties on the simulator: the write-back that analytics keeps after the end.

Participant attributes PATCHed after the end are accepted (202) and shown by the conversation API, but the
analytics exports (jobs) keep the attributes as they were at the end; properties indexed through
`…/details/properties` appear on the customer's segment in the details query, the per-id details and jobs.
Every answer is walked against the official SDK's models.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from archiver.sim import Simulator
from archiver.sim.model import iso
from tests.sim.conftest import assert_error_body, details_job
from tests.sim.sdkcheck import check

API = "/api/v2"

PROPS = [
    {"property": "archiveUri", "propertyType": "string", "value": "https://a/b.json.gz"},
    {"property": "archiveSha256", "propertyType": "string", "value": "ab" * 32},
    {"property": "archivedAt", "propertyType": "date", "value": "2026-12-02T07:00:00.123Z"},
]


async def _details(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str], cid: str) -> Any:
    async with http.get(f"{sim.base_url}{API}/analytics/conversations/{cid}/details", headers=auth) as r:
        assert r.status == 200
        doc = await r.json()
    assert check(doc, "AnalyticsConversationWithoutAttributes") == []
    return doc


def _customer_session(doc: Any) -> Any:
    (cust,) = [p for p in doc["participants"] if p["purpose"] == "customer"]
    return cust["sessions"][-1]


def _segment_properties(doc: Any) -> dict[str, str]:
    return {
        p["property"]: p["value"] for s in _customer_session(doc)["segments"] for p in s.get("properties", [])
    }


async def _job_attributes(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str], cid: str
) -> dict[str, str]:
    """The customer's participant attributes as the analytics export (async job) has them."""
    conv = sim.store.get(cid)
    assert conv is not None
    start = conv.start
    doc = await details_job(http, sim, auth, f"{iso(start - 60)}/{iso(start + 7 * 86400)}")
    assert check(doc, "AnalyticsConversationAsyncQueryResponse") == []
    (conv,) = [c for c in doc["conversations"] if c["conversationId"] == cid]
    (cust,) = [p for p in conv["participants"] if p["purpose"] == "customer"]
    return dict(cust.get("attributes", {}))


async def test_index_properties_visible_in_analytics(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (cid,) = await sim.generate(1, end=True)
    doc = await _details(sim, http, auth, cid)
    session = _customer_session(doc)["sessionId"]
    url = f"{sim.base_url}{API}/analytics/conversations/{cid}/details/properties"
    body = {"sessionId": session, "targetDate": doc["conversationEnd"], "properties": PROPS}
    assert _segment_properties(doc) == {}
    async with http.post(url, json=body, headers=auth) as r:
        assert r.status == 202
        echo = await r.json()
    assert check(echo, "PropertyIndexRequest") == [] and echo == body
    want = {p["property"]: p["value"] for p in PROPS}
    assert _segment_properties(await _details(sim, http, auth, cid)) == want
    # the details query carries them too, on the same segment
    async with http.post(
        f"{sim.base_url}{API}/analytics/conversations/details/query",
        json={"interval": f"{doc['conversationStart']}/{doc['conversationEnd']}"},
        headers=auth,
    ) as r:
        page = await r.json()
    assert check(page, "AnalyticsConversationQueryResponse") == []
    (found,) = [c for c in page["conversations"] if c["conversationId"] == cid]
    assert _segment_properties(found) == want
    # indexing again (a redelivery) keeps one value per property
    async with http.post(url, json=body, headers=auth) as r:
        assert r.status == 202
    session_doc = _customer_session(await _details(sim, http, auth, cid))
    assert sum(len(s.get("properties", [])) for s in session_doc["segments"]) == len(PROPS)
    assert sim.properties_of(cid) == want


async def test_attributes_after_the_end_never_reach_analytics(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (cid,) = await sim.generate(1, end=False)
    pid = sim.truth(cid).customer_participant_id
    url = f"{sim.base_url}{API}/conversations/messages/{cid}/participants/{pid}/attributes"
    async with http.patch(url, json={"attributes": {"before": "end"}}, headers=auth) as r:
        assert r.status == 202
    await sim.end_conversation(cid)
    async with http.patch(url, json={"attributes": {"archiveUri": "x://y"}}, headers=auth) as r:
        assert r.status == 202  # accepted …
    async with http.get(f"{sim.base_url}{API}/conversations/messages/{cid}", headers=auth) as r:
        (cust,) = [p for p in (await r.json())["participants"] if p["id"] == pid]
    assert cust["attributes"] == {"before": "end", "archiveUri": "x://y"}  # … shown by the conversation API
    assert await _job_attributes(sim, http, auth, cid) == {"before": "end"}  # … never by analytics


async def test_refusals(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    (cid,) = await sim.generate(1, end=True)
    doc = await _details(sim, http, auth, cid)
    session = _customer_session(doc)["sessionId"]
    url = f"{sim.base_url}{API}/analytics/conversations/{cid}/details/properties"
    good = {"sessionId": session, "targetDate": doc["conversationEnd"], "properties": PROPS}
    bad: list[dict[str, Any]] = [
        {**good, "bogus": 1},  # a field outside PropertyIndexRequest
        {**good, "properties": [{**PROPS[0], "propertyType": "text"}]},  # outside the enum
        {**good, "properties": [{**PROPS[2], "value": "yesterday"}]},  # not a date
        {**good, "properties": [{**PROPS[0], "name": "x"}]},  # a field outside AnalyticsProperty
        {**good, "properties": []},
        {**good, "sessionId": "not-a-session"},
        {**good, "targetDate": "2001-01-01T00:00:00.000Z"},  # no segment covers it
        {"targetDate": doc["conversationEnd"], "properties": PROPS},
    ]
    for body in bad:
        async with http.post(url, json=body, headers=auth) as r:
            assert r.status == 400, body
            assert_error_body(await r.json(), 400)
    missing = url.replace(cid, "00000000-0000-4000-8000-000000000000")
    async with http.post(missing, json=good, headers=auth) as r:
        assert r.status == 404
    assert sim.properties_of(cid) == {}
