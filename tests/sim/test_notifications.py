"""Notifications API: channels, subscriptions, the channel WebSocket and its faults."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from tests.sim.conftest import assert_error_body, make_config


def topic(qid: str) -> str:
    return f"v2.routing.queues.{qid}.conversations.messages"


async def channel(
    http: aiohttp.ClientSession, sim: Simulator, auth: dict[str, str], topics: list[str]
) -> dict[str, Any]:
    async with http.post(f"{sim.base_url}/api/v2/notifications/channels", headers=auth) as r:
        assert r.status == 200
        ch: dict[str, Any] = await r.json()
    async with http.put(
        f"{sim.base_url}/api/v2/notifications/channels/{ch['id']}/subscriptions",
        json=[{"id": t} for t in topics],
        headers=auth,
    ) as r:
        assert r.status == 200
    return ch


async def frames(
    ws: aiohttp.ClientWebSocketResponse, n: int, wait: float = 3.0, skip_heartbeats: bool = True
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while len(out) < n:
        msg = await asyncio.wait_for(ws.receive(), wait)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        doc = json.loads(msg.data)
        if skip_heartbeats and doc.get("topicName") == "channel.metadata":
            continue
        out.append(doc)
    return out


async def drain(ws: aiohttp.ClientWebSocketResponse, quiet: float = 0.3) -> list[dict[str, Any]]:
    """Every frame until the socket stays quiet for `quiet` seconds (heartbeats skipped)."""
    out: list[dict[str, Any]] = []
    while True:
        try:
            out += await frames(ws, 1, wait=quiet)
        except TimeoutError:
            return out


async def test_channel_create_list_head(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    async with http.post(f"{sim.base_url}/api/v2/notifications/channels", headers=auth) as r:
        ch = await r.json()
    assert set(ch) == {"connectUri", "id", "expires"}
    assert ch["connectUri"] == f"ws://127.0.0.1:{sim.port}/channels/{ch['id']}"
    assert ch["id"].startswith("streaming-")
    async with http.get(f"{sim.base_url}/api/v2/notifications/channels", headers=auth) as r:
        assert [c["id"] for c in (await r.json())["entities"]] == [ch["id"]]
    async with http.head(f"{sim.base_url}/api/v2/notifications/channels/{ch['id']}", headers=auth) as r:
        assert r.status == 200
    async with http.head(f"{sim.base_url}/api/v2/notifications/channels/streaming-0-x", headers=auth) as r:
        assert r.status == 404


async def test_subscriptions_put_post_get_delete(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    q1, q2, q3 = sim.queue_ids[:3]
    ch = await channel(http, sim, auth, [topic(q1)])
    url = f"{sim.base_url}/api/v2/notifications/channels/{ch['id']}/subscriptions"
    unknown = topic("00000000-0000-4000-8000-000000000000")
    async with http.post(
        url, json=[{"id": topic(q2)}, {"id": unknown}, {"id": "v2.bogus.topic"}], headers=auth
    ) as r:
        assert r.status == 200
        ents = (await r.json())["entities"]
    states = {e["id"]: e["state"] for e in ents}
    assert states == {
        topic(q1): "Permitted",
        topic(q2): "Permitted",
        unknown: "Rejected",
        "v2.bogus.topic": "Rejected",
    }
    assert all(e.get("rejectionReason") for e in ents if e["state"] == "Rejected")
    async with http.get(url, headers=auth) as r:
        assert [e["id"] for e in (await r.json())["entities"]] == [topic(q1), topic(q2)]
    async with http.put(url, json=[{"id": topic(q3)}], headers=auth) as r:
        assert [e["id"] for e in (await r.json())["entities"]] == [topic(q3)]
    async with http.get(url, headers=auth) as r:
        assert [e["id"] for e in (await r.json())["entities"]] == [topic(q3)]
    async with http.delete(url, headers=auth) as r:
        assert r.status in (200, 204)
    async with http.get(url, headers=auth) as r:
        assert (await r.json())["entities"] == []


async def test_subscription_limits_and_errors(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [])
    url = f"{sim.base_url}/api/v2/notifications/channels/{ch['id']}/subscriptions"
    many = [{"id": topic(f"00000000-0000-4000-8000-{i:012d}")} for i in range(1001)]
    async with http.put(url, json=many, headers=auth) as r:
        assert r.status == 400
        assert_error_body(await r.json(), 400)
    async with http.put(url, data=b"{not json", headers={**auth, "Content-Type": "application/json"}) as r:
        assert r.status == 400
        assert_error_body(await r.json(), 400, "bad.request")
    async with http.put(url, json={"id": "x"}, headers=auth) as r:
        assert r.status == 400
    async with http.put(
        f"{sim.base_url}/api/v2/notifications/channels/streaming-0-nope/subscriptions", json=[], headers=auth
    ) as r:
        assert r.status == 404
        assert_error_body(await r.json(), 404, "not.found")


async def test_queue_events_envelope_and_end(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [topic(q) for q in sim.queue_ids])
    async with http.ws_connect(ch["connectUri"]) as ws:
        (cid,) = await sim.generate(1, kind="webmessaging", end=False)
        truth = sim.truth(cid)
        got = await frames(ws, 2)  # acd joins, agent connects (+ more on a transfer)
        await sim.end_conversation(cid)
        while True:
            ev = (await frames(ws, 1))[0]
            got.append(ev)
            if all(p["state"] in ("disconnected", "terminated") for p in ev["eventBody"]["participants"]):
                break
    for ev in got:
        assert set(ev) == {"topicName", "version", "eventBody", "metadata"}
        assert ev["topicName"] == topic(str(truth.queue_id))
        assert ev["version"] == "2"
        assert "CorrelationId" in ev["metadata"]
        assert ev["eventBody"]["id"] == cid
        assert {p["type"] for p in ev["eventBody"]["participants"]} == {"webmessaging"}
    last = got[-1]["eventBody"]
    cust = next(p for p in last["participants"] if p["purpose"] == "customer")
    assert cust["id"] == truth.customer_participant_id and cust["endTime"]
    assert all(p.get("endTime") for p in last["participants"])
    # earlier events were not "all disconnected"
    assert not all(p["state"] == "disconnected" for p in got[0]["eventBody"]["participants"])
    assert sim.truth(cid).ended


async def test_open_sms_events_carry_type_and_bot_has_none(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [topic(q) for q in sim.queue_ids])
    async with http.ws_connect(ch["connectUri"]) as ws:
        await sim.generate(1, kind="bot")
        await sim.generate(1, kind="open")
        await sim.generate(1, kind="sms")
        evs = await drain(ws)
    types = {p["type"] for e in evs for p in e["eventBody"]["participants"]}
    assert types == {"open", "sms"}
    assert len({e["eventBody"]["id"] for e in evs}) == 2
    assert len(evs) >= 8  # acd, agent alerting, agent connected, agent and customer disconnects ×2
    bot = [t for t in sim.truths() if t.bot_only]
    assert bot and bot[0].queue_id is None
    assert all(e["eventBody"]["id"] != bot[0].id for e in evs)


@pytest.mark.parametrize("sim_config", [make_config(heartbeat_s=0.15)])
async def test_heartbeat_ping_pong_and_silence(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [])
    async with http.ws_connect(ch["connectUri"]) as ws:
        hb = (await frames(ws, 1, skip_heartbeats=False))[0]
        assert hb == {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
        sim.faults.silence_heartbeats(True)
        await drain(ws, 0.3)  # anything sent before the switch
        await ws.send_str(json.dumps({"message": "ping"}))
        pong = (await frames(ws, 1, skip_heartbeats=False))[0]
        assert pong == {"topicName": "channel.metadata", "eventBody": {"message": "pong"}}
        with pytest.raises(asyncio.TimeoutError):
            await frames(ws, 1, wait=0.5, skip_heartbeats=False)
        sim.faults.silence_heartbeats(False)
        assert (await frames(ws, 1, skip_heartbeats=False))[0]["eventBody"][
            "message"
        ] == "WebSocket Heartbeat"
        await ws.send_str("garbage that is not json")  # ignored, never fatal
        await ws.send_str(json.dumps({"message": "ping"}))
        assert "pong" in [f["eventBody"]["message"] for f in await frames(ws, 2, skip_heartbeats=False)]


async def test_socket_closing_then_close(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [])
    async with http.ws_connect(ch["connectUri"]) as ws:
        assert await sim.faults.socket_closing(grace_s=0.2) == 1
        ev = (await frames(ws, 1))[0]
        assert ev["topicName"] == "v2.system.socket_closing"
        assert ev["eventBody"]["channelId"] == ch["id"]
        msg = await asyncio.wait_for(ws.receive(), 3)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    # the same channel accepts a new socket afterwards
    async with http.ws_connect(ch["connectUri"]) as ws2:
        await sim.generate(1)
        assert not ws2.closed


async def test_second_socket_disconnects_first_and_no_queuing(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ch = await channel(http, sim, auth, [topic(q) for q in sim.queue_ids])
    ws1 = await http.ws_connect(ch["connectUri"])
    ws2 = await http.ws_connect(ch["connectUri"])
    msg = await asyncio.wait_for(ws1.receive(), 3)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await ws2.close()
    await asyncio.sleep(0.05)
    lost_before = sim.notifications.events_lost
    await sim.generate(2)  # nobody connected: these events are lost, not queued
    assert sim.notifications.events_lost > lost_before
    async with http.ws_connect(ch["connectUri"]) as ws3:
        with pytest.raises(asyncio.TimeoutError):
            await frames(ws3, 1, wait=0.3)
        (cid,) = await sim.generate(1)
        assert (await frames(ws3, 1))[0]["eventBody"]["id"] == cid


@pytest.mark.parametrize("code", [1006, 4001])
async def test_drop_sockets(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str], code: int
) -> None:
    ch = await channel(http, sim, auth, [])
    async with http.ws_connect(ch["connectUri"]) as ws:
        assert await sim.faults.drop_sockets(code=code) == 1
        msg = await asyncio.wait_for(ws.receive(), 3)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        if code != 1006:
            assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, code)
        else:
            assert msg.type != aiohttp.WSMsgType.CLOSE  # no close frame: the TCP connection just died
            assert ws.close_code in (None, 1006)


async def test_expire_channels(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    ch = await channel(http, sim, auth, [])
    async with http.ws_connect(ch["connectUri"]) as ws:
        assert await sim.faults.expire_channels() == 1
        msg = await asyncio.wait_for(ws.receive(), 3)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    async with http.get(
        f"{sim.base_url}/api/v2/notifications/channels/{ch['id']}/subscriptions", headers=auth
    ) as r:
        assert r.status == 404
    async with http.get(ch["connectUri"].replace("ws://", "http://")) as r:
        assert r.status == 404


async def test_channel_ttl_and_resubscribe_extends(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    # channel lifetimes on a fake clock: the lapse is decided by `expire`, never by how long a sleep took
    now = [1_000_000.0]
    sim.notifications.clock = lambda: now[0]
    ttl = sim.config.channel_ttl_s
    keep = await channel(http, sim, auth, [])
    lapse = await channel(http, sim, auth, [])
    async with http.ws_connect(lapse["connectUri"]) as ws:
        for _ in range(3):
            now[0] += ttl * 0.6  # each step within the lifetime; three of them past it
            async with http.put(
                f"{sim.base_url}/api/v2/notifications/channels/{keep['id']}/subscriptions",
                json=[],
                headers=auth,
            ) as r:
                assert r.status == 200
            await sim.notifications.expire()
        msg = await asyncio.wait_for(ws.receive(), 3)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert keep["id"] in sim.notifications.channels
    assert lapse["id"] not in sim.notifications.channels


async def test_channel_limit_replaces_oldest_idle(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    ids = [(await channel(http, sim, auth, []))["id"] for _ in range(sim.config.max_channels)]
    await channel(http, sim, auth, [])
    assert len(sim.notifications.channels) == sim.config.max_channels
    assert ids[0] not in sim.notifications.channels


async def test_send_raw_frames(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    ch = await channel(http, sim, auth, [])
    async with http.ws_connect(ch["connectUri"]) as ws:
        assert await sim.faults.send_raw("{not json") == 1
        msg = await asyncio.wait_for(ws.receive(), 3)
        assert msg.data == "{not json"
        await ws.send_str(json.dumps({"message": "ping"}))  # the socket is still fine
        assert (await frames(ws, 1, skip_heartbeats=False))[0]["eventBody"]["message"] == "pong"
