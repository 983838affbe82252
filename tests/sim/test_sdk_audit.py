"""Audit: the official Genesys Python SDK (PureCloudPlatformClientV2 269) as a client of the simulator.

Every endpoint the simulator serves that the SDK has a method for is called the way an SDK user would call it
(documented method and parameter names). Each raw response body is held to three checks, because the SDK
itself silently drops unknown fields and replaces unknown enum values:
- `sdkcheck.check`: every field known to the SDK model, every enum value allowed;
- every `datetime` field in Genesys' own format (`2026-05-14T10:02:11.123Z`), not merely something
  dateutil can guess at;
- the deserialized SDK object carries no `outdated_sdk_version` anywhere (enum lists included).
Error responses (ApiException bodies) are held to the same checks as `ErrorBody`.

The SDK is synchronous: the simulator serves from a background thread's event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import PureCloudPlatformClientV2 as gc
import pytest
import urllib3
from PureCloudPlatformClientV2 import models
from PureCloudPlatformClientV2.rest import ApiException

from tests.sim.conftest import CLIENT_ID, CLIENT_SECRET, SimThread, make_config
from tests.sim.sdkcheck import check

GENESYS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
EVENT_MODEL = "QueueConversationMessageEventTopicMessageConversation"
_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\(([^,]*), (.*)\)$")


# ---- strict checks -------------------------------------------------------------------------------


def _times(doc: Any, t: str, path: str, out: list[str]) -> None:
    """Every `datetime`/`date` field of `doc` (read as SDK type `t`) in Genesys' wire format."""
    if doc is None:
        return
    if m := _LIST.match(t):
        for i, item in enumerate(doc if isinstance(doc, list) else []):
            _times(item, m.group(1), f"{path}[{i}]", out)
    elif m := _DICT.match(t):
        for k, v in (doc if isinstance(doc, dict) else {}).items():
            _times(v, m.group(2), f"{path}.{k}", out)
    elif t == "datetime":
        if not (isinstance(doc, str) and GENESYS_TIME.match(doc)):
            out.append(f"{path}: datetime not in Genesys format: {doc!r}")
    elif t == "date":
        if not (isinstance(doc, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", doc)):
            out.append(f"{path}: date not YYYY-MM-DD: {doc!r}")
    elif isinstance(doc, dict) and (cls := getattr(models, t, None)) is not None:
        inst = cls()
        by_key = {v: k for k, v in inst.attribute_map.items()}
        for key, value in doc.items():
            if key in by_key:
                _times(value, inst.swagger_types[by_key[key]], f"{path}.{key}", out)


def _outdated(obj: Any, path: str, out: list[str]) -> None:
    """Enum values the SDK did not know were replaced by 'outdated_sdk_version' during deserialization."""
    if isinstance(obj, str) and obj == "outdated_sdk_version":
        out.append(f"{path}: enum value unknown to the SDK")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _outdated(item, f"{path}[{i}]", out)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _outdated(v, f"{path}.{k}", out)
    elif hasattr(obj, "swagger_types"):
        for attr in obj.swagger_types:
            _outdated(getattr(obj, attr), f"{path}.{attr}", out)


def strict(doc: Any, type_name: str, where: str) -> list[str]:
    """All problems of raw JSON `doc` read as SDK type `type_name` (empty = faithful)."""
    out = check(doc, type_name, f"<{where}:{type_name}>")
    _times(doc, type_name, f"<{where}:{type_name}>", out)
    obj = gc.api_client.ApiClient()._ApiClient__deserialize(doc, type_name)
    _outdated(obj, f"<{where}:{type_name}>", out)
    return out


def deserialize(doc: Any, type_name: str) -> Any:
    return gc.api_client.ApiClient()._ApiClient__deserialize(doc, type_name)


def error_of(exc: ApiException, status: int, code: str | None = None) -> Any:
    """The ErrorBody of an ApiException, checked strictly and parsed by the SDK."""
    assert exc.status == status, (exc.status, exc.body)
    doc = json.loads(exc.body)
    assert strict(doc, "ErrorBody", "error") == []
    assert {"message", "code", "status", "contextId"} <= set(doc)
    body = deserialize(doc, "ErrorBody")
    assert body.status == status and body.message and body.context_id
    assert exc.headers.get("inin-correlation-id") == body.context_id
    if code is not None:
        assert body.code == code
    return body


# ---- simulator in a thread, SDK clients ----------------------------------------------------------


class Audited:
    """An SDK ApiClient logged in with client credentials; every body it deserializes is audited."""

    def __init__(self, st: SimThread) -> None:
        self.client = gc.api_client.ApiClient(host=st.sim.base_url)
        self.problems: list[str] = []
        self.statuses: list[tuple[str, int]] = []
        original = self.client.deserialize

        def audited(response: Any, response_type: Any) -> Any:
            self.statuses.append((str(response_type), response.status))
            assert response.getheader("Content-Type", "").startswith("application/json")
            assert response.getheader("inin-correlation-id")  # on every API response, as in production
            if isinstance(response_type, str) and response.data:
                self.problems += strict(json.loads(response.data), response_type, "response")
            return original(response, response_type)

        self.client.deserialize = audited
        assert self.client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET) is self.client
        assert self.client.access_token

    @property
    def status(self) -> int:
        """HTTP status of the last successful call."""
        return int(self.client.last_response.status)


@pytest.fixture(scope="module")
def st() -> Iterator[SimThread]:
    config = make_config(queues=5, transcript_processing_s=2.0, heartbeat_s=0.4, job_delay_s=0.2)
    with SimThread(config) as s:
        s.run(s.sim.generate(3, kind="webmessaging"))
        s.run(s.sim.generate(1, kind="webmessaging", messages=1100))
        for kind in ("bot", "open", "sms"):
            s.run(s.sim.generate(1, kind=kind))
        yield s


@pytest.fixture
def sdk(st: SimThread) -> Iterator[Audited]:
    a = Audited(st)
    yield a
    assert a.problems == []


def mk(cls: Any, **attrs: Any) -> Any:
    """SDK models take no constructor arguments: set attributes one by one (setters validate enums)."""
    obj = cls()
    for k, v in attrs.items():
        setattr(obj, k, v)
    return obj


def topic(queue_id: str) -> Any:
    return mk(gc.ChannelTopic, id=f"v2.routing.queues.{queue_id}.conversations.messages")


def end_now(st: SimThread, cid: str) -> None:
    async def end() -> None:
        await st.sim.end_conversation(cid)

    st.run(end())


def ids_of(st: SimThread, kind: str) -> list[str]:
    return [t.id for t in st.sim.truths() if t.kind == kind and t.ended and not t.deleted]


# ---- OAuth -----------------------------------------------------------------------------------------


def test_login_and_bad_credentials(st: SimThread) -> None:
    http = urllib3.PoolManager()
    raw = http.request(
        "POST",
        f"{st.sim.base_url}/oauth/token",
        fields={"grant_type": "client_credentials"},
        encode_multipart=False,
        headers=urllib3.make_headers(basic_auth=f"{CLIENT_ID}:{CLIENT_SECRET}"),
    )
    assert raw.status == 200
    doc = json.loads(raw.data)
    assert set(doc) >= {"access_token", "token_type", "expires_in"} and isinstance(doc["expires_in"], int)
    assert doc["token_type"].lower() == "bearer"

    # the SDK's documented style: the global configuration's host, then a client-credentials login
    config = gc.configuration
    saved_host = config.host
    config.host = st.sim.base_url
    try:
        logged_in = gc.api_client.ApiClient().get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
        assert gc.RoutingApi(logged_in).get_routing_queues().total == len(st.sim.queue_ids)
    finally:
        config.host = saved_host

    client = gc.api_client.ApiClient(host=st.sim.base_url)
    for cid, secret, description in (
        (CLIENT_ID, "wrong-secret", "authentication failed"),
        ("no-such-client", CLIENT_SECRET, "client not found"),
    ):
        with pytest.raises(ApiException) as exc:
            client.get_client_credentials_token(cid, secret)
        assert exc.value.status == 401
        body = json.loads(exc.value.body)
        assert body == {
            "error": "invalid_client",
            "description": description,
            "error_description": description,
        }
        assert secret not in exc.value.body
    assert client.access_token in ("", None)


# ---- routing ---------------------------------------------------------------------------------------


def test_routing_queues_paging_filters_and_sort(sdk: Audited, st: SimThread) -> None:
    routing = gc.RoutingApi(sdk.client)
    names = {qid: name for qid, name in st.sim.org.queues}
    seen: list[str] = []
    page_number = 1
    while True:
        page = routing.get_routing_queues(page_size=2, page_number=page_number)
        assert (page.page_size, page.page_number, page.total, page.page_count) == (2, page_number, 5, 3)
        assert page.first_uri and page.last_uri and page.self_uri
        seen += [q.id for q in page.entities]
        assert (page.previous_uri is None) == (page_number == 1)
        if page.next_uri is None:
            break
        assert parse_qs(urlsplit(page.next_uri).query)["pageNumber"] == [str(page_number + 1)]
        page_number += 1
    assert page_number == 3 and sorted(seen) == sorted(names)
    assert [names[i].lower() for i in seen] == sorted(names[i].lower() for i in seen)  # "sorted by name"
    desc = routing.get_routing_queues(page_size=25, sort_order="desc").entities
    assert [q.id for q in desc] == seen[::-1]

    assert [q.name for q in routing.get_routing_queues(name="billing").entities] == ["Billing"]
    assert {q.name for q in routing.get_routing_queues(name="*Support").entities} == {
        "Web Support",
        "Technical Support",
    }
    assert [q.name for q in routing.get_routing_queues(name="Tech*").entities] == ["Technical Support"]
    assert [q.name for q in routing.get_routing_queues(name="*upp*").entities] == [
        "Technical Support",
        "Web Support",
    ]
    assert routing.get_routing_queues(name="Support").entities == []
    filtered = routing.get_routing_queues(name="*s*", page_size=1)
    assert filtered.total == 4 and "name=" in filtered.next_uri  # following nextUri keeps the filter

    two = sorted(names)[:2]
    assert sorted(q.id for q in routing.get_routing_queues(id=two).entities) == two
    div = st.sim.org.division_id
    assert routing.get_routing_queues(division_id=[div]).total == 5
    assert routing.get_routing_queues(division_id=[UNKNOWN_ID]).total == 0

    one = routing.get_routing_queue(two[0])
    assert one.id == two[0] and one.name == names[two[0]] and one.division.id == div
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queue(UNKNOWN_ID)
    error_of(exc.value, 404, "not.found")
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queues(page_size=0)
    error_of(exc.value, 400)


# ---- notifications ---------------------------------------------------------------------------------


def test_channels_and_subscriptions(sdk: Audited, st: SimThread) -> None:
    notif = gc.NotificationsApi(sdk.client)
    ch = notif.post_notifications_channels()
    assert sdk.status == 200 and ch.id.startswith("streaming-")
    assert ch.connect_uri == f"ws://127.0.0.1:{st.sim.port}/channels/{ch.id}"
    assert ch.expires > datetime.now(UTC) + timedelta(hours=23)
    assert notif.head_notifications_channel(ch.id) is None and sdk.status == 200
    assert ch.id in [c.id for c in notif.get_notifications_channels().entities]
    assert ch.id in [c.id for c in notif.get_notifications_channels(includechannels="oauthclient").entities]

    queues = st.sim.queue_ids
    unknown_queue = f"v2.routing.queues.{UNKNOWN_ID}.conversations.messages"
    res = notif.put_notifications_channel_subscriptions(
        ch.id,
        [
            topic(queues[0]),
            topic(queues[1]),
            mk(gc.ChannelTopic, id=unknown_queue),
            mk(gc.ChannelTopic, id="v2.bogus.topic"),
        ],
    )
    states = {e.id: e.state for e in res.entities}
    assert states[topic(queues[0]).id] == states[topic(queues[1]).id] == "Permitted"
    assert states[unknown_queue] == states["v2.bogus.topic"] == "Rejected"
    assert all(e.rejection_reason for e in res.entities if e.state == "Rejected")
    listed = notif.get_notifications_channel_subscriptions(ch.id).entities
    assert [e.id for e in listed] == [topic(queues[0]).id, topic(queues[1]).id]

    # POST adds to the list; PUT replaces it; ignoreErrors is accepted
    added = notif.post_notifications_channel_subscriptions(ch.id, [topic(queues[2])], ignore_errors=True)
    assert {e.id for e in added.entities} == {topic(q).id for q in queues[:3]}
    replaced = notif.put_notifications_channel_subscriptions(ch.id, [topic(queues[4])])
    assert [(e.id, e.state) for e in replaced.entities] == [(topic(queues[4]).id, "Permitted")]
    assert [e.id for e in notif.get_notifications_channel_subscriptions(ch.id).entities] == [
        topic(queues[4]).id
    ]

    too_many = [topic(str(uuid.UUID(int=i, version=4))) for i in range(1001)]
    with pytest.raises(ApiException) as exc:
        notif.put_notifications_channel_subscriptions(ch.id, too_many)
    error_of(exc.value, 400)
    assert len(notif.get_notifications_channel_subscriptions(ch.id).entities) == 1  # unchanged

    assert notif.delete_notifications_channel_subscriptions(ch.id) is None
    assert sdk.status in (200, 204)
    assert notif.get_notifications_channel_subscriptions(ch.id).entities == []

    gone = "streaming-0-" + uuid.uuid4().hex
    calls: tuple[Callable[[], Any], ...] = (
        lambda: notif.get_notifications_channel_subscriptions(gone),
        lambda: notif.put_notifications_channel_subscriptions(gone, [topic(queues[0])]),
        lambda: notif.post_notifications_channel_subscriptions(gone, [topic(queues[0])]),
        lambda: notif.delete_notifications_channel_subscriptions(gone),
    )
    for call in calls:
        with pytest.raises(ApiException) as exc:
            call()
        error_of(exc.value, 404, "not.found")
    with pytest.raises(ApiException) as exc:
        notif.head_notifications_channel(gone)
    assert exc.value.status == 404


def _session_complete(frames: list[dict[str, Any]], conv_ids: list[str]) -> bool:
    """Pong and a heartbeat seen, and an all-ended event for each conversation."""
    meta = [f["eventBody"].get("message") for f in frames if f["topicName"] == "channel.metadata"]
    ended = {
        f["eventBody"]["id"]
        for f in frames
        if f["topicName"] != "channel.metadata"
        and all(p["state"] in ("disconnected", "terminated") for p in f["eventBody"]["participants"])
    }
    return "pong" in meta and "WebSocket Heartbeat" in meta and set(conv_ids) <= ended


def test_websocket_session(sdk: Audited, st: SimThread) -> None:
    """Channel made and subscribed with the SDK; events, heartbeats and pong read off a real socket."""
    notif = gc.NotificationsApi(sdk.client)
    ch = notif.post_notifications_channels()
    notif.put_notifications_channel_subscriptions(ch.id, [topic(q) for q in st.sim.queue_ids])

    async def session() -> tuple[list[str], list[dict[str, Any]]]:
        frames: list[dict[str, Any]] = []
        async with aiohttp.ClientSession() as http, http.ws_connect(ch.connect_uri) as ws:
            await ws.send_str(json.dumps({"message": "ping"}))
            made = await st.sim.generate(2, kind="webmessaging")
            made += await st.sim.generate(1, kind="open")
            made += await st.sim.generate(1, kind="bot")  # never reaches a queue: no events
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    msg = await asyncio.wait_for(ws.receive(), 0.5)
                except TimeoutError:
                    continue
                assert msg.type == aiohttp.WSMsgType.TEXT, msg
                frames.append(json.loads(msg.data))
                if _session_complete(frames, made[:3]):
                    break
            return made, frames

    made, frames = st.run(session())
    web_ids, open_id, bot_id = made[:2], made[2], made[3]
    meta = [f for f in frames if f["topicName"] == "channel.metadata"]
    assert {"topicName": "channel.metadata", "eventBody": {"message": "pong"}} in meta
    assert {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}} in meta
    events = [f for f in frames if f["topicName"] != "channel.metadata"]
    assert events
    by_conv: dict[str, list[Any]] = {}
    for f in events:
        assert set(f) == {"topicName", "version", "eventBody", "metadata"} and f["version"] == "2"
        assert set(f["metadata"]) == {"CorrelationId"} and uuid.UUID(f["metadata"]["CorrelationId"])
        assert re.fullmatch(r"v2\.routing\.queues\.[0-9a-f-]{36}\.conversations\.messages", f["topicName"])
        assert strict(f["eventBody"], EVENT_MODEL, "event") == []
        body = deserialize(f["eventBody"], EVENT_MODEL)
        queue_ids = {p.queue.id for p in body.participants if p.queue}
        assert f["topicName"] == f"v2.routing.queues.{st.sim.truth(body.id).queue_id}.conversations.messages"
        assert queue_ids <= {st.sim.truth(body.id).queue_id}
        by_conv.setdefault(body.id, []).append(body)
    assert set(by_conv) == {*web_ids, open_id}  # the bot-only conversation never reached a queue
    conv_api = gc.ConversationsApi(sdk.client)
    for cid, bodies in by_conv.items():
        kind = "open" if cid == open_id else "webmessaging"
        assert all(p.type == kind for b in bodies for p in b.participants)
        last = bodies[-1]
        assert all(p.state in ("disconnected", "terminated") and p.end_time for p in last.participants)
        rest_ids = {
            m.message_id
            for p in conv_api.get_conversations_message(cid).participants
            for m in p.messages or []
        }
        event_ids = {m.message.id for b in bodies for p in b.participants for m in p.messages or []}
        assert event_ids and event_ids <= rest_ids
    assert bot_id not in by_conv


# ---- conversations ---------------------------------------------------------------------------------


def test_message_conversation_bulk_and_single(sdk: Audited, st: SimThread) -> None:
    conv_api = gc.ConversationsApi(sdk.client)
    checked = 0
    for kind in ("webmessaging", "open", "sms", "bot"):
        for cid in ids_of(st, kind)[:2]:
            truth = st.sim.truth(cid)
            mc = conv_api.get_conversations_message(cid)
            assert mc.id == cid and mc.participants
            assert all(p.type == ("webmessaging" if kind == "bot" else kind) for p in mc.participants)
            customer = next(p for p in mc.participants if p.purpose == "customer")
            assert customer.id == truth.customer_participant_id
            ids = list(dict.fromkeys(m.message_id for p in mc.participants for m in p.messages or []))
            assert set(ids) == {mid for mid, _ in truth.messages}
            texts: dict[str, str] = {}
            for i in range(0, len(ids), 1000):
                listing = conv_api.post_conversations_message_messages_bulk(cid, body=ids[i : i + 1000])
                assert sdk.status == 200
                for e in listing.entities:
                    assert e.conversation_id == cid and e.normalized_message is not None
                    assert e.direction in ("inbound", "outbound") and e.timestamp.tzinfo is not None
                    texts[e.id] = e.normalized_message.text or ""
            assert texts == dict(truth.messages)
            mid, text = truth.messages[-1]
            one = conv_api.get_conversations_message_message(cid, mid)
            assert one.id == mid and (one.normalized_message.text or "") == text
            checked += 1
    # Other tests of this module add conversations to the shared simulator, in an order pytest-randomly
    # varies: expect what is there now (the fixture alone gives 2 web + 1 open + 1 sms + 1 bot).
    kinds = ("webmessaging", "open", "sms", "bot")
    assert checked == sum(min(2, len(ids_of(st, kind))) for kind in kinds) >= 5

    cid = ids_of(st, "webmessaging")[0]
    mid = st.sim.truth(cid).messages[0][0]
    # unknown ids are skipped, duplicates collapse
    listing = conv_api.post_conversations_message_messages_bulk(cid, body=[mid, mid, str(uuid.uuid4())])
    assert [e.id for e in listing.entities] == [mid]
    # SDK 269 dropped `use_normalized_message`; older SDKs (and raw callers) still send the query parameter
    with pytest.raises(TypeError):
        conv_api.post_conversations_message_messages_bulk(cid, body=[mid], use_normalized_message=True)
    legacy = sdk.client.call_api(
        f"/api/v2/conversations/messages/{cid}/messages/bulk",
        "POST",
        query_params={"useNormalizedMessage": True},
        header_params={"Content-Type": "application/json", "Accept": "application/json"},
        body=[mid],
        response_type="TextMessageListing",
        auth_settings=["PureCloud OAuth"],
    )
    assert [e.id for e in legacy.entities] == [mid]
    with pytest.raises(ApiException) as exc:
        conv_api.post_conversations_message_messages_bulk(cid, body=[str(uuid.uuid4()) for _ in range(1001)])
    error_of(exc.value, 400)
    with pytest.raises(ApiException) as exc:
        conv_api.get_conversations_message_message(cid, str(uuid.uuid4()))
    error_of(exc.value, 404, "not.found")
    for call in (
        conv_api.get_conversations_message,
        conv_api.get_conversation,
        lambda c: conv_api.post_conversations_message_messages_bulk(c, body=[mid]),
    ):
        with pytest.raises(ApiException) as exc:
            call(UNKNOWN_ID)
        error_of(exc.value, 404, "not.found")


def test_generic_conversation_live_and_ended(sdk: Audited, st: SimThread) -> None:
    conv_api = gc.ConversationsApi(sdk.client)
    live = st.run(st.sim.create_live("webmessaging"))
    conv = conv_api.get_conversation(live)
    assert conv.id == live and conv.end_time is None and conv.start_time is not None
    assert any(p.end_time is None for p in conv.participants)
    end_now(st, live)
    conv = conv_api.get_conversation(live)
    assert conv.end_time is not None and all(p.end_time for p in conv.participants)
    truth = st.sim.truth(live)
    nested = {m.message_id for p in conv.participants for c in p.messages or [] for m in c.messages or []}
    assert nested == {mid for mid, _ in truth.messages}
    assert all(c.type == "webmessaging" for p in conv.participants for c in p.messages or [])


def test_recordings_202_then_200(sdk: Audited, st: SimThread) -> None:
    rec_api = gc.RecordingApi(sdk.client)
    cid = st.run(st.sim.create_live("webmessaging"))
    assert rec_api.get_conversation_recordings(cid, max_wait_ms=0) == [] and sdk.status == 202  # still live
    end_now(st, cid)  # the transcript is ready transcript_processing_s after the end
    processing = rec_api.get_conversation_recordings(cid, max_wait_ms=0)
    assert sdk.status == 202 and not processing
    recs = rec_api.get_conversation_recordings(cid, max_wait_ms=5000)
    assert sdk.status == 200 and len(recs) == 1
    rec = recs[0]
    assert rec.conversation_id == cid and rec.media == "messaging" and rec.file_state == "AVAILABLE"
    truth = st.sim.truth(cid)
    assert [(m.id, m.message_text or "") for m in rec.messaging_transcript] == truth.messages
    assert {m.purpose for m in rec.messaging_transcript} <= {"customer", "agent", "workflow", "acd"}
    with pytest.raises(ApiException) as exc:
        rec_api.get_conversation_recordings(UNKNOWN_ID)
    error_of(exc.value, 404)


def test_writeback_attributes_and_tags(sdk: Audited, st: SimThread) -> None:
    conv_api = gc.ConversationsApi(sdk.client)
    cid = ids_of(st, "webmessaging")[1]
    pid = st.sim.truth(cid).customer_participant_id
    out = conv_api.patch_conversations_message_participant_attributes(
        cid, pid, body=mk(gc.ParticipantAttributes, attributes={"archiveUri": "azure://c/x"})
    )
    assert sdk.status == 202 and out.attributes["archiveUri"] == "azure://c/x"
    out = conv_api.patch_conversations_message_participant_attributes(
        cid, pid, body=mk(gc.ParticipantAttributes, attributes={"archivedBy": "archiver"})
    )
    assert out.attributes == {"archiveUri": "azure://c/x", "archivedBy": "archiver"}  # merged, not replaced
    generic = conv_api.patch_conversation_participant_attributes(
        cid, pid, body=mk(gc.ParticipantAttributes, attributes={"k": "v"})
    )
    assert generic is None and sdk.status == 202
    assert st.sim.attributes(cid)[pid] == {"archiveUri": "azure://c/x", "archivedBy": "archiver", "k": "v"}
    mc = conv_api.get_conversations_message(cid)
    assert next(p for p in mc.participants if p.id == pid).attributes["archiveUri"] == "azure://c/x"
    with pytest.raises(ApiException) as exc:
        conv_api.patch_conversations_message_participant_attributes(
            cid, UNKNOWN_ID, body=mk(gc.ParticipantAttributes, attributes={"a": "b"})
        )
    error_of(exc.value, 404)

    accepted = conv_api.put_conversation_tags(cid, mk(gc.ConversationTagsUpdate, external_tag="archived:1"))
    assert sdk.status == 202 and isinstance(accepted, str)
    assert conv_api.get_conversation(cid).external_tag == "archived:1"
    assert gc.AnalyticsApi(sdk.client).get_analytics_conversation_details(cid).external_tag == "archived:1"
    with pytest.raises(ApiException) as exc:
        conv_api.put_conversation_tags(UNKNOWN_ID, mk(gc.ConversationTagsUpdate, external_tag="x"))
    error_of(exc.value, 404)


# ---- analytics -------------------------------------------------------------------------------------


def _interval(hours: float = 48) -> str:
    # Wide enough for the long (1,100-message, ~8 h) conversation: the query only sees conversations that
    # started on a UTC day the interval touches: a 2 h interval misses it in the first hours after midnight.
    now = datetime.now(UTC)
    return f"{(now - timedelta(hours=hours)).isoformat()}/{(now + timedelta(minutes=1)).isoformat()}"


def _pred(cls: Any, dimension: str, operator: str = "matches", value: str | None = None) -> Any:
    attrs: dict[str, Any] = {"type": "dimension", "dimension": dimension, "operator": operator}
    if value is not None:
        attrs["value"] = value
    return mk(cls, **attrs)


def _web_query(page_size: int, page_number: int, order: str = "asc") -> Any:
    return mk(
        gc.ConversationQuery,
        interval=_interval(),
        order=order,
        order_by="conversationEnd",
        paging=mk(gc.PagingSpec, page_size=page_size, page_number=page_number),
        conversation_filters=[
            mk(
                gc.ConversationDetailQueryFilter,
                type="and",
                predicates=[_pred(gc.ConversationDetailQueryPredicate, "conversationEnd", "exists")],
            )
        ],
        segment_filters=[
            mk(
                gc.SegmentDetailQueryFilter,
                type="and",
                predicates=[
                    _pred(gc.SegmentDetailQueryPredicate, "mediaType", value="message"),
                    _pred(gc.SegmentDetailQueryPredicate, "messageType", value="webmessaging"),
                ],
            )
        ],
    )


def test_analytics_details_query(sdk: Audited, st: SimThread) -> None:
    an = gc.AnalyticsApi(sdk.client)
    web = {t.id for t in st.sim.truths() if t.kind in ("webmessaging", "bot") and t.ended and not t.deleted}
    first = an.post_analytics_conversations_details_query(_web_query(3, 1))
    assert first.total_hits == len(web)
    seen = [c.conversation_id for c in first.conversations]
    page = 1
    while len(seen) < first.total_hits:
        page += 1
        res = an.post_analytics_conversations_details_query(_web_query(3, page))
        assert res.total_hits == first.total_hits
        seen += [c.conversation_id for c in res.conversations]
    assert len(seen) == len(set(seen)) and set(seen) == web
    beyond = an.post_analytics_conversations_details_query(_web_query(3, page + 1))
    assert not beyond.conversations and beyond.total_hits == len(web)

    desc = an.post_analytics_conversations_details_query(_web_query(100, 1, order="desc")).conversations
    ends = [c.conversation_end for c in desc]
    assert ends == sorted(ends, reverse=True) and all(e is not None for e in ends)
    for c in desc:
        assert c.conversation_start <= c.conversation_end and c.participants
        sessions = [s for p in c.participants for s in p.sessions or []]
        assert sessions and all(
            s.media_type == "message" and s.message_type == "webmessaging" for s in sessions
        )

    one_id = seen[0]
    by_id = mk(
        gc.ConversationQuery,
        interval=_interval(),
        conversation_filters=[
            mk(
                gc.ConversationDetailQueryFilter,
                type="or",
                predicates=[_pred(gc.ConversationDetailQueryPredicate, "conversationId", value=one_id)],
            )
        ],
    )
    assert [
        c.conversation_id for c in an.post_analytics_conversations_details_query(by_id).conversations
    ] == [one_id]
    sms = mk(
        gc.ConversationQuery,
        interval=_interval(),
        segment_filters=[
            mk(
                gc.SegmentDetailQueryFilter,
                type="and",
                predicates=[_pred(gc.SegmentDetailQueryPredicate, "messageType", value="sms")],
            )
        ],
    )
    assert {
        c.conversation_id for c in an.post_analytics_conversations_details_query(sms).conversations
    } == set(ids_of(st, "sms"))
    old = datetime.now(UTC) - timedelta(days=30)
    empty = an.post_analytics_conversations_details_query(
        mk(gc.ConversationQuery, interval=f"{old.isoformat()}/{(old + timedelta(hours=1)).isoformat()}")
    )
    assert empty.total_hits == 0 and not empty.conversations

    # an interval without an offset is UTC whatever the server's local zone (Genesys reads it so)
    naive = _web_query(100, 1)
    naive.interval = "/".join(part[:19] for part in naive.interval.split("/"))
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        assert an.post_analytics_conversations_details_query(naive).total_hits == len(web)
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()

    for bad in (
        mk(gc.ConversationQuery, interval="yesterday/today"),
        mk(gc.ConversationQuery, interval=_interval(), paging=mk(gc.PagingSpec, page_size=0, page_number=1)),
    ):
        with pytest.raises(ApiException) as exc:
            an.post_analytics_conversations_details_query(bad)
        error_of(exc.value, 400)


def test_analytics_details_jobs_and_details(sdk: Audited, st: SimThread) -> None:
    an = gc.AnalyticsApi(sdk.client)
    job = an.post_analytics_conversations_details_jobs(mk(gc.AsyncConversationQuery, interval=_interval()))
    assert sdk.status == 202 and job.job_id
    deadline = time.monotonic() + 10
    while True:
        status = an.get_analytics_conversations_details_job(job.job_id)
        assert status.state in ("QUEUED", "PENDING", "FULFILLED") and status.submission_date is not None
        if status.state == "FULFILLED":
            assert status.completion_date is not None and status.expiration_date > status.submission_date
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    got: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"page_size": 2}
        if cursor:
            kwargs["cursor"] = cursor
        res = an.get_analytics_conversations_details_job_results(job.job_id, **kwargs)
        pages += 1
        assert res.data_availability_date is not None
        got += [c.conversation_id for c in res.conversations or []]
        cursor = res.cursor
        if not cursor:
            break
    visible = {t.id for t in st.sim.truths() if not t.deleted}
    assert pages >= 3 and len(got) == len(set(got)) and set(got) <= visible
    assert set(ids_of(st, "sms")) | set(ids_of(st, "open")) <= set(got)  # jobs have no media filter here
    avail = an.get_analytics_conversations_details_jobs_availability()
    assert avail.data_availability_date <= datetime.now(UTC) + timedelta(seconds=1)

    assert an.delete_analytics_conversations_details_job(job.job_id) is None and sdk.status in (200, 202, 204)
    for call in (
        an.get_analytics_conversations_details_job,
        an.get_analytics_conversations_details_job_results,
        an.delete_analytics_conversations_details_job,
    ):
        with pytest.raises(ApiException) as exc:
            call(job.job_id)
        error_of(exc.value, 404, "not.found")
    with pytest.raises(ApiException) as exc:
        an.post_analytics_conversations_details_jobs(
            mk(gc.AsyncConversationQuery, interval="not-an-interval")
        )
    error_of(exc.value, 400)

    cid = ids_of(st, "webmessaging")[0]
    one = an.get_analytics_conversation_details(cid)
    assert one.conversation_id == cid and one.conversation_end is not None
    assert {p.purpose for p in one.participants} >= {"customer"}
    pair = ids_of(st, "webmessaging")[:2]
    many = an.get_analytics_conversations_details(id=pair)
    assert [c.conversation_id for c in many.conversations] == pair
    with pytest.raises(ApiException) as exc:
        an.get_analytics_conversation_details(UNKNOWN_ID)
    error_of(exc.value, 404, "not.found")


# ---- throttling and revocation ----------------------------------------------------------------------


def test_rate_limit_429_retry_after(st: SimThread) -> None:
    """The SDK's urllib3 pool retries a 429 after its Retry-After (urllib3 Retry defaults), so a user
    sees a slow success; with retries off, the 429 itself: ErrorBody `too.many.requests` + Retry-After."""
    tokens = st.sim.tokens
    limit, window = tokens.rate_limit_per_min, tokens.WINDOW_S
    st.sim.faults.set_rate_limit(2)
    tokens.WINDOW_S = 2.0  # Retry-After is the time to the window end: keep it short
    try:
        sdk = Audited(st)
        routing = gc.RoutingApi(sdk.client)
        before = st.sim.call_counts().get("GET /api/v2/routing/queues", 0)
        for _ in range(3):
            assert routing.get_routing_queues().total == len(st.sim.queue_ids)
        assert st.sim.call_counts()["GET /api/v2/routing/queues"] - before >= 4  # one 429, retried
        assert sdk.client.last_response.getheader("inin-ratelimit-allowed") == "2"

        raw = Audited(st)
        raw.client.get_http_client().rest_client.pool_manager = urllib3.PoolManager(retries=False)
        routing = gc.RoutingApi(raw.client)
        routing.get_routing_queues()
        routing.get_routing_queues()
        with pytest.raises(ApiException) as exc:
            routing.get_routing_queues()
    finally:
        st.sim.faults.set_rate_limit(limit)
        tokens.WINDOW_S = window
    body = error_of(exc.value, 429, "too.many.requests")
    retry_after = exc.value.headers.get("Retry-After")
    assert retry_after is not None and 1 <= int(retry_after) <= 60
    assert body.limit is not None and body.limit.value == 2 and body.limit.namespace == "platform.api"
    assert sdk.problems == [] and raw.problems == []


def test_token_revocation_401(st: SimThread) -> None:
    sdk = Audited(st)
    routing = gc.RoutingApi(sdk.client)
    routing.get_routing_queues()
    st.sim.faults.revoke_tokens()
    with pytest.raises(ApiException) as exc:
        routing.get_routing_queues()
    error_of(exc.value, 401, "bad.credentials")
    sdk.client.get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)  # a new login works again
    assert routing.get_routing_queues().total == len(st.sim.queue_ids)
    unauthenticated = gc.api_client.ApiClient(host=st.sim.base_url)
    with pytest.raises(ApiException) as exc:
        gc.RoutingApi(unauthenticated).get_routing_queues()
    assert exc.value.status == 401
    assert sdk.problems == []


def test_injected_errors_parse_as_error_body(st: SimThread) -> None:
    """403 (missing permission) and 5xx answers reach an SDK user as ApiExceptions with a valid ErrorBody."""
    sdk = Audited(st)
    conv_api = gc.ConversationsApi(sdk.client)
    cid = ids_of(st, "webmessaging")[0]
    st.sim.faults.deny_permission("conversation:webmessaging:view", "/api/v2/conversations/messages/")
    try:
        with pytest.raises(ApiException) as exc:
            conv_api.get_conversations_message(cid)
    finally:
        st.sim.faults.clear()
    body = error_of(exc.value, 403, "missing.permissions")
    assert body.message_params == {"permissions": "conversation:webmessaging:view"}
    st.sim.faults.fail_next(1, status=503, path_prefix="/api/v2/conversations/")
    with pytest.raises(ApiException) as exc:
        conv_api.get_conversation(cid)
    error_of(exc.value, 503, "service.unavailable")
    assert conv_api.get_conversation(cid).id == cid
    assert sdk.problems == []
