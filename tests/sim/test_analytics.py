"""Analytics details query (interval, day semantics, paging, orderBy, filters, lag) and async jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from tests.sim.conftest import JOBS, assert_error_body, details_job, make_config
from tests.sim.sdkcheck import check

QUERY = "/api/v2/analytics/conversations/details/query"
ENDED = [
    {
        "type": "and",
        "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}],
    }
]
WEBMSG = [
    {
        "type": "and",
        "predicates": [
            {"type": "dimension", "dimension": "mediaType", "operator": "matches", "value": "message"},
            {"type": "dimension", "dimension": "messageType", "operator": "matches", "value": "webmessaging"},
        ],
    }
]


def interval(start: datetime, end: datetime) -> str:
    return f"{start.strftime('%Y-%m-%dT%H:%M:%S.000Z')}/{end.strftime('%Y-%m-%dT%H:%M:%S.000Z')}"


def around_now(minutes: int = 120) -> str:
    now = datetime.now(UTC)
    return interval(now - timedelta(minutes=minutes), now + timedelta(minutes=1))


async def query(
    http: aiohttp.ClientSession, sim: Simulator, auth: dict[str, str], body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{sim.base_url}{QUERY}", json=body, headers=auth) as r:
        return r.status, await r.json()


async def test_filters_paging_order(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    web = await sim.generate(5, kind="webmessaging")
    bot = await sim.generate(1, kind="bot")
    await sim.generate(1, kind="open")
    live = await sim.generate(1, kind="webmessaging", end=False)
    body: dict[str, Any] = {
        "interval": around_now(),
        "order": "asc",
        "orderBy": "conversationEnd",
        "paging": {"pageSize": 2, "pageNumber": 1},
        "conversationFilters": ENDED,
        "segmentFilters": WEBMSG,
    }
    status, doc = await query(http, sim, auth, body)
    assert status == 200, doc
    assert check(doc, "AnalyticsConversationQueryResponse") == []
    assert doc["totalHits"] == 6  # 5 web messaging + the bot-only one; not open, not the live one
    seen: list[dict[str, Any]] = []
    page = 1
    while True:
        body["paging"] = {"pageSize": 2, "pageNumber": page}
        _, d = await query(http, sim, auth, body)
        if not d.get("conversations"):
            break
        seen += d["conversations"]
        page += 1
    assert {c["conversationId"] for c in seen} == set(web) | set(bot)
    ends = [c["conversationEnd"] for c in seen]
    assert ends == sorted(ends)
    body["order"] = "desc"
    body["paging"] = {"pageSize": 100, "pageNumber": 1}
    _, d = await query(http, sim, auth, body)
    assert [c["conversationEnd"] for c in d["conversations"]] == sorted(ends, reverse=True)
    # without the end filter the live conversation shows up, without a conversationEnd
    body["conversationFilters"] = []
    _, d = await query(http, sim, auth, body)
    row = next(c for c in d["conversations"] if c["conversationId"] == live[0])
    assert "conversationEnd" not in row
    # notExists and queue filters
    body["conversationFilters"] = [
        {
            "type": "and",
            "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "notExists"}],
        }
    ]
    _, d = await query(http, sim, auth, body)
    assert [c["conversationId"] for c in d["conversations"]] == live
    qid = sim.truth(web[0]).queue_id
    body["conversationFilters"] = ENDED
    body["segmentFilters"] = [
        {"type": "and", "predicates": [{"type": "dimension", "dimension": "queueId", "value": qid}]}
    ]
    _, d = await query(http, sim, auth, body)
    assert {c["conversationId"] for c in d["conversations"]} == {
        t.id for t in sim.truths() if t.queue_id == qid and t.ended
    }


async def test_day_semantics_and_bad_bodies(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    await sim.generate(1, end=False)
    await sim.generate(1)
    tomorrow = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    # active during tomorrow's interval but started on a day the interval does not touch → not returned
    status, doc = await query(
        http, sim, auth, {"interval": interval(tomorrow, tomorrow + timedelta(hours=1))}
    )
    assert status == 200 and doc["totalHits"] == 0
    yesterday = tomorrow - timedelta(days=2)
    status, doc = await query(
        http, sim, auth, {"interval": interval(yesterday, yesterday + timedelta(hours=1))}
    )
    assert doc["totalHits"] == 0
    bodies: list[dict[str, Any]] = [
        {},
        {"interval": "nonsense"},
        {"interval": around_now(), "paging": {"pageSize": 10_000, "pageNumber": 1}},
        {"interval": around_now(), "orderBy": "bogus"},
        {"interval": around_now(), "conversationFilters": [{"type": "xor"}]},
    ]
    for bad in bodies:
        status, doc = await query(http, sim, auth, bad)
        assert status == 400, bad
        assert_error_body(doc, 400)
    async with http.post(
        f"{sim.base_url}{QUERY}", data=b"{", headers={**auth, "Content-Type": "application/json"}
    ) as r:
        assert r.status == 400


@pytest.mark.parametrize("sim_config", [make_config(analytics_lag_s=0.5)])
async def test_visibility_lag(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (cid,) = await sim.generate(1, end=False)
    await sim.end_conversation(cid)
    body = {"interval": around_now(), "conversationFilters": ENDED}
    _, doc = await query(http, sim, auth, body)
    assert doc["totalHits"] == 0
    await asyncio.sleep(0.6)
    _, doc = await query(http, sim, auth, body)
    assert [c["conversationId"] for c in doc["conversations"]] == [cid]


@pytest.mark.parametrize("sim_config", [make_config(job_delay_s=0.3)])
async def test_jobs(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ids = await sim.generate(7)
    async with http.get(f"{sim.base_url}{JOBS}/availability", headers=auth) as r:
        assert "dataAvailabilityDate" in await r.json()
    async with http.post(
        f"{sim.base_url}{JOBS}", json={"interval": around_now(), "conversationFilters": ENDED}, headers=auth
    ) as r:
        assert r.status == 202
        job = (await r.json())["jobId"]
    async with http.get(f"{sim.base_url}{JOBS}/{job}", headers=auth) as r:
        st = await r.json()
    assert st["state"] == "QUEUED" and check(st, "AsyncQueryStatus") == []
    async with http.get(f"{sim.base_url}{JOBS}/{job}/results", headers=auth) as r:
        assert r.status == 400
    await asyncio.sleep(0.35)
    async with http.get(f"{sim.base_url}{JOBS}/{job}", headers=auth) as r:
        assert (await r.json())["state"] == "FULFILLED"
    got: list[str] = []
    cursor: str | None = None
    while True:
        params = {"pageSize": "3", **({"cursor": cursor} if cursor else {})}
        async with http.get(f"{sim.base_url}{JOBS}/{job}/results", params=params, headers=auth) as r:
            page = await r.json()
        assert check(page, "AnalyticsConversationAsyncQueryResponse") == []
        got += [c["conversationId"] for c in page["conversations"]]
        cursor = page.get("cursor")
        if not cursor:
            break
    assert sorted(got) == sorted(ids)
    async with http.delete(f"{sim.base_url}{JOBS}/{job}", headers=auth) as r:
        assert r.status in (200, 204)
    async with http.get(f"{sim.base_url}{JOBS}/{job}", headers=auth) as r:
        assert r.status == 404
    async with http.post(f"{sim.base_url}{JOBS}", json={"order": "asc"}, headers=auth) as r:
        assert r.status == 400


async def test_paging_reuses_the_selection(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    """Pages 2..n of an unchanged query are O(page): the selection is computed once, then sliced."""
    await sim.generate(300)
    body: dict[str, Any] = {
        "interval": around_now(),
        "conversationFilters": ENDED,
        "segmentFilters": WEBMSG,
        "orderBy": "conversationEnd",
        "paging": {"pageSize": 100, "pageNumber": 1},
    }
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body["paging"]["pageNumber"] = page
        _, doc = await query(http, sim, auth, body)
        seen += [c["conversationId"] for c in doc.get("conversations", [])]
    assert len(sim.analytics._cache) == 1
    assert sorted(seen) == sorted(t.id for t in sim.truths() if t.kind in ("webmessaging", "bot"))
    await sim.generate(1)  # a change invalidates the cached selection
    body["paging"] = {"pageSize": 200, "pageNumber": 1}
    _, doc = await query(http, sim, auth, body)
    assert doc["totalHits"] == len(seen) + 1


async def test_long_lived_threads_are_selected_by_their_start_and_ordered_by_end(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (old,) = await sim.generate(1, open_for_s=20 * 86400.0)
    recent = await sim.generate(4)
    t = sim.truth(old)
    assert t.ended and t.start_time < (datetime.now(UTC) - timedelta(days=19)).isoformat()
    now = datetime.now(UTC) + timedelta(minutes=1)
    base: dict[str, Any] = {"conversationFilters": ENDED, "segmentFilters": WEBMSG}
    # The interval selects by START: a 3-day interval does not see the thread that ended a moment ago …
    _, doc = await query(http, sim, auth, {**base, "interval": interval(now - timedelta(days=3), now)})
    assert {c["conversationId"] for c in doc["conversations"]} == set(recent)
    # … a 31-day one does, and conversationEnd desc is honoured across pages.
    body = {
        **base,
        "interval": interval(now - timedelta(days=31), now),
        "orderBy": "conversationEnd",
        "order": "desc",
    }
    rows: list[dict[str, Any]] = []
    for number in (1, 2, 3):
        status, doc = await query(http, sim, auth, {**body, "paging": {"pageSize": 2, "pageNumber": number}})
        assert status == 200 and check(doc, "AnalyticsConversationQueryResponse") == []
        rows += doc.get("conversations", [])
    assert {r["conversationId"] for r in rows} == {old, *recent}
    ends = [r["conversationEnd"] for r in rows]
    assert ends == sorted(ends, reverse=True)
    row = next(r for r in rows if r["conversationId"] == old)
    assert row["conversationStart"] == t.start_time


async def test_jobs_see_a_thread_active_in_the_interval_however_early_it_started(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    (old,) = await sim.generate(1, open_for_s=25 * 86400.0)
    now = datetime.now(UTC)
    doc = await details_job(http, sim, auth, interval(now - timedelta(hours=1), now + timedelta(minutes=1)))
    assert old in {c["conversationId"] for c in doc["conversations"]}
