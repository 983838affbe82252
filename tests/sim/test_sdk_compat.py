"""The official Genesys Python SDK works against the simulator unchanged, and every response it reads (and
every event the sim pushes) uses only fields and enum values the SDK's models know.

The SDK is synchronous, so the simulator runs on its own event loop in a background thread. The SDK derives
its login host by replacing `//api.` with `//login.` in the API host; `http://127.0.0.1:PORT` has no `//api.`,
so both the login (`/oauth/token`) and the API calls go to the simulator's single host.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import PureCloudPlatformClientV2 as gc
import pytest
from PureCloudPlatformClientV2.rest import ApiException

from tests.sim.conftest import CLIENT_ID, CLIENT_SECRET, SimThread, make_config
from tests.sim.sdkcheck import check


@pytest.fixture(scope="module")
def st() -> Iterator[SimThread]:
    with SimThread(make_config(transcript_processing_s=0.0)) as s:
        s.run(s.sim.generate(2, kind="webmessaging"))
        s.run(s.sim.generate(1, kind="webmessaging", messages=1200))
        s.run(s.sim.generate(1, kind="bot"))
        s.run(s.sim.generate(1, kind="open"))
        s.run(s.sim.generate(1, kind="sms"))
        yield s


@pytest.fixture(scope="module")
def api(st: SimThread) -> Iterator[tuple[gc.api_client.ApiClient, list[str]]]:
    """An SDK ApiClient logged in with client credentials; every raw response it reads is checked."""
    client = gc.api_client.ApiClient(host=st.sim.base_url)
    problems: list[str] = []
    original = client.deserialize

    def checked(response: Any, response_type: Any) -> Any:
        if isinstance(response_type, str) and response.data:
            problems.extend(check(json.loads(response.data), response_type, f"<{response_type}>"))
        return original(response, response_type)

    client.deserialize = checked
    client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    assert client.access_token
    yield client, problems
    assert problems == []


def mk(cls: Any, **attrs: Any) -> Any:
    """SDK models take no constructor arguments: set attributes one by one (setters validate enums)."""
    obj = cls()
    for k, v in attrs.items():
        setattr(obj, k, v)
    return obj


def _ids(st: SimThread, **match: Any) -> list[str]:
    return [t.id for t in st.sim.truths() if all(getattr(t, k) == v for k, v in match.items())]


def test_login_and_queues(api: tuple[Any, list[str]], st: SimThread) -> None:
    client, problems = api
    routing = gc.RoutingApi(client)
    page = routing.get_routing_queues(page_size=2, page_number=1)
    assert page.total == len(st.sim.queue_ids) and page.page_size == 2 and len(page.entities) == 2
    assert {q.id for q in page.entities} <= set(st.sim.queue_ids)
    assert page.next_uri
    page2 = routing.get_routing_queues(page_size=2, page_number=2)
    assert len(page2.entities) == 1 and page2.next_uri is None
    assert problems == []


def test_channel_and_subscriptions(api: tuple[Any, list[str]], st: SimThread) -> None:
    client, problems = api
    notif = gc.NotificationsApi(client)
    ch = notif.post_notifications_channels()
    assert ch.connect_uri == f"ws://127.0.0.1:{st.sim.port}/channels/{ch.id}"
    assert ch.expires > datetime.now(UTC)
    topics = [
        mk(gc.ChannelTopic, id=f"v2.routing.queues.{q}.conversations.messages") for q in st.sim.queue_ids
    ]
    topics.append(
        mk(
            gc.ChannelTopic,
            id="v2.routing.queues.00000000-0000-4000-8000-000000000000.conversations.messages",
        )
    )
    res = notif.put_notifications_channel_subscriptions(ch.id, topics)
    assert [e.state for e in res.entities] == ["Permitted"] * len(st.sim.queue_ids) + ["Rejected"]
    listed = notif.get_notifications_channel_subscriptions(ch.id)
    assert len(listed.entities) == len(st.sim.queue_ids)
    assert ch.id in [c.id for c in notif.get_notifications_channels().entities]
    assert problems == []


def test_events_deserialize(api: tuple[Any, list[str]], st: SimThread) -> None:
    """Queue-topic events and socket_closing, read off the socket, fit the SDK's topic models."""
    client, problems = api
    notif = gc.NotificationsApi(client)
    ch = notif.post_notifications_channels()
    notif.put_notifications_channel_subscriptions(
        ch.id,
        [mk(gc.ChannelTopic, id=f"v2.routing.queues.{q}.conversations.messages") for q in st.sim.queue_ids],
    )

    async def collect() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as http, http.ws_connect(ch.connect_uri) as ws:
            await st.sim.generate(2, kind="webmessaging")
            await st.sim.generate(1, kind="sms")
            await st.sim.faults.socket_closing(grace_s=5)
            while True:
                msg = await asyncio.wait_for(ws.receive(), 5)
                doc = json.loads(msg.data)
                out.append(doc)
                if doc["topicName"] == "v2.system.socket_closing":
                    return out

    frames = st.run(collect())
    bodies = [f for f in frames if f["topicName"].startswith("v2.routing.queues.")]
    assert len(bodies) >= 10
    for f in bodies:
        problems += check(
            f["eventBody"], "QueueConversationMessageEventTopicMessageConversation", f["topicName"]
        )
        obj = client._ApiClient__deserialize(
            f["eventBody"], "QueueConversationMessageEventTopicMessageConversation"
        )
        assert obj.participants and all(p.type in ("webmessaging", "sms") for p in obj.participants)
    problems += check(frames[-1]["eventBody"], "SystemMessageSystemMessage", "socket_closing")
    assert problems == []


def test_message_conversation_and_bulk(api: tuple[Any, list[str]], st: SimThread) -> None:
    client, problems = api
    conv_api = gc.ConversationsApi(client)
    for cid in (
        _ids(st, kind="webmessaging") + _ids(st, kind="open") + _ids(st, kind="sms") + _ids(st, kind="bot")
    ):
        truth = st.sim.truth(cid)
        mc = conv_api.get_conversations_message(cid)
        ids = list(dict.fromkeys(m.message_id for p in mc.participants for m in (p.messages or [])))
        assert set(ids) == {mid for mid, _ in truth.messages}
        texts: dict[str, str] = {}
        for i in range(0, len(ids), 1000):
            listing = conv_api.post_conversations_message_messages_bulk(cid, body=ids[i : i + 1000])
            texts.update({e.id: e.normalized_message.text or "" for e in listing.entities})
        assert texts == dict(truth.messages)
        generic = conv_api.get_conversation(cid)
        assert generic.end_time is not None and generic.id == cid
    assert problems == []


def test_recordings_writeback_tags(api: tuple[Any, list[str]], st: SimThread) -> None:
    client, problems = api
    cid = _ids(st, kind="webmessaging")[0]
    truth = st.sim.truth(cid)
    recs = gc.RecordingApi(client).get_conversation_recordings(cid, max_wait_ms=2000)
    assert recs[0].messaging_transcript and recs[0].media == "messaging"
    conv_api = gc.ConversationsApi(client)
    out = conv_api.patch_conversations_message_participant_attributes(
        cid,
        truth.customer_participant_id,
        body=mk(gc.ParticipantAttributes, attributes={"archiveUri": "x://y"}),
    )
    assert out.attributes["archiveUri"] == "x://y"
    assert st.sim.attributes(cid)[truth.customer_participant_id] == {"archiveUri": "x://y"}
    conv_api.put_conversation_tags(cid, mk(gc.ConversationTagsUpdate, external_tag="archived"))
    assert st.sim.tags(cid) == "archived"
    with pytest.raises(ApiException) as exc:
        conv_api.get_conversations_message("00000000-0000-4000-8000-000000000000")
    assert exc.value.status == 404
    assert problems == []


def test_analytics_query_and_jobs(api: tuple[Any, list[str]], st: SimThread) -> None:
    client, problems = api
    an = gc.AnalyticsApi(client)
    now = datetime.now(UTC)
    # 48 h: the 1,200-message conversation started hours ago, maybe on the previous UTC day (query semantics)
    interval = f"{(now - timedelta(hours=48)).isoformat()}/{(now + timedelta(minutes=1)).isoformat()}"
    q = mk(
        gc.ConversationQuery,
        interval=interval,
        order="asc",
        order_by="conversationEnd",
        paging=mk(gc.PagingSpec, page_size=2, page_number=1),
        conversation_filters=[
            mk(
                gc.ConversationDetailQueryFilter,
                type="and",
                predicates=[
                    mk(
                        gc.ConversationDetailQueryPredicate,
                        type="dimension",
                        dimension="conversationEnd",
                        operator="exists",
                    )
                ],
            )
        ],
        segment_filters=[
            mk(
                gc.SegmentDetailQueryFilter,
                type="and",
                predicates=[
                    mk(
                        gc.SegmentDetailQueryPredicate,
                        type="dimension",
                        dimension="mediaType",
                        operator="matches",
                        value="message",
                    ),
                    mk(
                        gc.SegmentDetailQueryPredicate,
                        type="dimension",
                        dimension="messageType",
                        operator="matches",
                        value="webmessaging",
                    ),
                ],
            )
        ],
    )
    res = an.post_analytics_conversations_details_query(q)
    web = {t.id for t in st.sim.truths() if t.kind in ("webmessaging", "bot") and t.ended}
    assert res.total_hits == len(web)
    seen = [c.conversation_id for c in res.conversations]
    page = 1
    while len(seen) < res.total_hits:
        page += 1
        q.paging = mk(gc.PagingSpec, page_size=2, page_number=page)
        seen += [c.conversation_id for c in an.post_analytics_conversations_details_query(q).conversations]
    assert set(seen) == web and len(seen) == len(web)
    job = an.post_analytics_conversations_details_jobs(mk(gc.AsyncConversationQuery, interval=interval))
    deadline = time.time() + 5
    while an.get_analytics_conversations_details_job(job.job_id).state != "FULFILLED":
        assert time.time() < deadline
        time.sleep(0.1)
    got: list[str] = []
    cursor = None
    while True:
        kwargs: dict[str, Any] = {"page_size": 3}
        if cursor:
            kwargs["cursor"] = cursor
        r = an.get_analytics_conversations_details_job_results(job.job_id, **kwargs)
        got += [c.conversation_id for c in r.conversations or []]
        assert r.data_availability_date is not None
        cursor = r.cursor
        if not cursor:
            break
    assert set(got) == {t.id for t in st.sim.truths()}
    assert an.get_analytics_conversations_details_jobs_availability().data_availability_date is not None
    one = an.get_analytics_conversation_details(seen[0])
    assert one.conversation_id == seen[0] and one.conversation_end is not None
    many = an.get_analytics_conversations_details(id=seen[:2])
    assert [c.conversation_id for c in many.conversations] == seen[:2]
    assert problems == []


def test_analytics_properties_write_back(api: tuple[Any, list[str]], st: SimThread) -> None:
    """The official SDK's post_analytics_conversation_details_properties against the simulator: the request
    it serializes is accepted, the 202 echo deserializes, and the indexed properties come back as
    `segments[].properties` (AnalyticsConversationSegment) of the customer's session."""
    client, problems = api
    an = gc.AnalyticsApi(client)
    cid = _ids(st, kind="webmessaging", ended=True)[1]
    details = an.get_analytics_conversation_details(cid)
    (customer,) = [p for p in details.participants if p.purpose == "customer"]
    session = customer.sessions[-1]
    props = [
        mk(
            gc.AnalyticsProperty, pcProperty="archiveUri", property_type="string", value="https://a/b.json.gz"
        ),
        mk(gc.AnalyticsProperty, pcProperty="archiveSha256", property_type="string", value="ab" * 32),
        mk(
            gc.AnalyticsProperty,
            pcProperty="archivedAt",
            property_type="date",
            value="2026-12-02T07:00:00.000Z",
        ),
    ]
    body = mk(
        gc.PropertyIndexRequest,
        session_id=session.session_id,
        target_date=details.conversation_end,
        properties=props,
    )
    echo = an.post_analytics_conversation_details_properties(cid, body)
    assert echo.session_id == session.session_id and len(echo.properties) == 3
    assert echo.properties[0].pcProperty == "archiveUri" and echo.properties[2].property_type == "date"
    again = an.get_analytics_conversation_details(cid)
    (customer,) = [p for p in again.participants if p.purpose == "customer"]
    indexed = {
        p.pcProperty: (p.property_type, p.value)
        for s in customer.sessions
        for seg in s.segments
        for p in seg.properties or []
    }
    assert indexed == {
        "archiveUri": ("string", "https://a/b.json.gz"),
        "archiveSha256": ("string", "ab" * 32),
        "archivedAt": ("date", "2026-12-02T07:00:00.000Z"),
    }
    # a propertyType outside the enum: the SDK sends what its setter left, the simulator refuses it
    bad = mk(gc.PropertyIndexRequest, session_id=session.session_id, target_date=details.conversation_end)
    bad.properties = [mk(gc.AnalyticsProperty, pcProperty="x", value="1")]
    bad.properties[0]._property_type = "text"
    with pytest.raises(ApiException) as exc:
        an.post_analytics_conversation_details_properties(cid, bad)
    assert exc.value.status == 400
    assert problems == []


def test_checker_catches_unknown_fields_and_enums() -> None:
    assert check({"id": "x", "bogus": 1}, "Channel") == ["$.bogus: field unknown to Channel"]
    assert check({"entities": [{"id": "t", "state": "Maybe"}]}, "ChannelTopicEntityListing") == [
        "$.entities[0].state: enum value 'Maybe' not allowed by ChannelTopic"
    ]
    assert check({"expires": "yesterday"}, "Channel") == ["$.expires: not an ISO datetime: 'yesterday'"]
    assert (
        check(
            {"message": "m", "code": "c", "status": 404, "contextId": "x", "details": [], "errors": []},
            "ErrorBody",
        )
        == []
    )


def test_the_sdk_knows_the_reconciler_order() -> None:
    # The reconciler sorts by conversationEnd, newest first; the SDK turns values it does not know into
    # "outdated_sdk_version", so this fails if Genesys's ConversationQuery stops accepting them.
    q = gc.ConversationQuery()
    q.order, q.order_by = "desc", "conversationEnd"
    assert (q.order, q.order_by) == ("desc", "conversationEnd")
    q.order = "newest"
    assert q.order == "outdated_sdk_version"
