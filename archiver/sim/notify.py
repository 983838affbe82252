"""Notifications API: channels, topic subscriptions and the channel WebSocket (docs/genesys.md#notifications).

Faithful to the documented behaviour: a channel serves one socket at a time (a second connection drops the
first), events are never queued for a closed socket, heartbeats arrive on `channel.metadata`, and
`v2.system.socket_closing` precedes a maintenance close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from archiver.sim.config import SimConfig
from archiver.sim.model import iso
from archiver.sim.web import ApiError, error, json_response, read_json

log = logging.getLogger(__name__)

QUEUE_TOPIC = re.compile(r"^v2\.routing\.queues\.([0-9a-fA-F-]{36})\.conversations\.messages$")
HEARTBEAT = msgspec.json.encode(
    {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}
).decode()
PONG = msgspec.json.encode({"topicName": "channel.metadata", "eventBody": {"message": "pong"}}).decode()
_enc = msgspec.json.Encoder()


@dataclass
class Channel:
    id: str
    expires: float
    created: float
    last_used: float
    topics: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    ws: web.WebSocketResponse | None = None
    transport: Any = None  # the socket's transport, for abrupt (1006) drops
    connects: int = 0


class Notifications:
    """Channels, subscriptions, sockets and event fan-out."""

    def __init__(self, config: SimConfig, queue_exists: Callable[[str], bool]) -> None:
        self.config = config
        self.queue_exists = queue_exists
        self.channels: dict[str, Channel] = {}
        self.by_topic: dict[str, set[str]] = {}
        self.heartbeats_silenced = False
        self.heartbeat_s = config.heartbeat_s
        self.events_sent = 0
        self.events_lost = 0  # produced for a subscribed channel with no open socket
        self._seq = 0
        self._tasks: set[asyncio.Task[None]] = set()
        # wall clock of channel lifetimes; tests move a fake one and call `expire` instead of sleeping
        self.clock: Callable[[], float] = time.time

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._spawn(self._heartbeat_loop())
        self._spawn(self._expiry_loop())

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for ch in list(self.channels.values()):
            await self._close_socket(ch, 1001, b"server shutdown")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- REST ------------------------------------------------------------------------------------

    def _channel_doc(self, ch: Channel, host: str) -> dict[str, Any]:
        return {"connectUri": f"ws://{host}/channels/{ch.id}", "id": ch.id, "expires": iso(ch.expires)}

    async def create_channel(self, request: web.Request) -> web.Response:
        """POST /api/v2/notifications/channels → Channel."""
        now = self.clock()
        if len(self.channels) >= self.config.max_channels:
            # the 21st channel replaces the oldest, preferring one without an active connection
            victims = sorted(self.channels.values(), key=lambda c: (c.ws is not None, c.last_used))
            await self._remove(victims[0], 1000, b"channel replaced")
        self._seq += 1
        ch = Channel(
            id=f"streaming-{self._seq % 10}-{uuid.uuid4().hex}",
            expires=now + self.config.channel_ttl_s,
            created=now,
            last_used=now,
        )
        self.channels[ch.id] = ch
        return json_response(self._channel_doc(ch, request.host))

    async def list_channels(self, request: web.Request) -> web.Response:
        """GET /api/v2/notifications/channels → ChannelEntityListing."""
        return json_response(
            {"entities": [self._channel_doc(c, request.host) for c in self.channels.values()]}
        )

    async def head_channel(self, request: web.Request) -> web.Response:
        """HEAD /api/v2/notifications/channels/{channelId}: 200 if it exists, else 404."""
        return web.Response(status=200 if request.match_info["channelId"] in self.channels else 404)

    def _channel(self, request: web.Request) -> Channel:
        ch = self.channels.get(request.match_info["channelId"])
        if ch is None:
            raise ApiError(404, "channel not found", "not.found")
        ch.last_used = self.clock()
        return ch

    def _topic_doc(self, topic: str, ch: Channel) -> dict[str, Any]:
        m = QUEUE_TOPIC.match(topic)
        if m is None:
            return {
                "id": topic,
                "state": "Rejected",
                "rejectionReason": "Topic is not supported or is malformed",
            }
        if not self.queue_exists(m.group(1)):
            return {"id": topic, "state": "Rejected", "rejectionReason": "Queue not found"}
        return {
            "id": topic,
            "state": "Permitted",
            "selfUri": f"/api/v2/notifications/channels/{ch.id}/subscriptions",
        }

    async def get_subscriptions(self, request: web.Request) -> web.Response:
        ch = self._channel(request)
        return json_response({"entities": [self._topic_doc(t, ch) for t in ch.topics]})

    async def put_subscriptions(self, request: web.Request) -> web.Response:
        """Replace the channel's topics."""
        return await self._subscribe(request, replace=True)

    async def post_subscriptions(self, request: web.Request) -> web.Response:
        """Add to the channel's topics."""
        return await self._subscribe(request, replace=False)

    async def delete_subscriptions(self, request: web.Request) -> web.Response:
        ch = self._channel(request)
        self._set_topics(ch, [])
        return web.Response(status=204)

    async def _subscribe(self, request: web.Request, *, replace: bool) -> web.Response:
        ch = self._channel(request)
        body = await read_json(request)
        if not isinstance(body, list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) and t["id"] for t in body
        ):
            raise ApiError(
                400, "The request body must be an array of ChannelTopic objects with an id", "bad.request"
            )
        requested = list(dict.fromkeys(t["id"] for t in body))
        docs = [self._topic_doc(t, ch) for t in requested]
        permitted = [d["id"] for d in docs if d["state"] == "Permitted"]
        topics = permitted if replace else list(dict.fromkeys([*ch.topics, *permitted]))
        if len(requested if replace else dict.fromkeys([*ch.topics, *requested])) > self.config.max_topics:
            raise ApiError(
                400,
                f"Subscription limit exceeded: a channel is limited to {self.config.max_topics} topics",
                "bad.request",
            )
        self._set_topics(ch, topics)
        # resubscribing keeps a channel alive past its lifetime (docs/genesys.md#notifications)
        ch.expires = self.clock() + self.config.channel_ttl_s
        if replace:
            return json_response({"entities": docs})
        return json_response(
            {
                "entities": [self._topic_doc(t, ch) for t in ch.topics]
                + [d for d in docs if d["state"] == "Rejected"]
            }
        )

    def _set_topics(self, ch: Channel, topics: list[str]) -> None:
        for t in ch.topics:
            subs = self.by_topic.get(t)
            if subs is not None:
                subs.discard(ch.id)
                if not subs:
                    del self.by_topic[t]
        ch.topics = dict.fromkeys(topics)
        for t in ch.topics:
            self.by_topic.setdefault(t, set()).add(ch.id)

    # ---- WebSocket -------------------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        """GET /channels/{channelId}: the channel id in the URI is the credential (no Authorization)."""
        ch = self.channels.get(request.match_info["channelId"])
        if ch is None or ch.expires <= self.clock():
            return error(404, "channel not found", "not.found")
        ws = web.WebSocketResponse(autoping=True, heartbeat=None, max_msg_size=1 << 20)
        await ws.prepare(request)
        old = ch.ws
        ch.ws, ch.transport, ch.last_used = ws, request.transport, self.clock()
        ch.connects += 1
        if old is not None:
            # "If you connect a second WebSocket with the same channel ID, the first WebSocket disconnects."
            self._spawn(_close_quietly(old, 1000, b"another socket connected to this channel"))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(ws, msg.data)
        finally:
            if ch.ws is ws:
                ch.ws, ch.transport = None, None
        return ws

    async def _on_text(self, ws: web.WebSocketResponse, data: str) -> None:
        try:
            doc = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return  # production ignores frames it does not understand
        if isinstance(doc, dict) and doc.get("message") == "ping":
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(PONG)

    def subscribed(self, topic: str) -> bool:
        """Whether any channel listens to `topic` (lets callers skip rendering unheard events)."""
        return bool(self.by_topic.get(topic))

    async def publish(self, topic: str, body: dict[str, Any]) -> int:
        """Send one event to every channel subscribed to `topic` with an open socket; never queued."""
        ids = self.by_topic.get(topic)
        if not ids:
            return 0
        frame = _enc.encode(
            {
                "topicName": topic,
                "version": "2",
                "eventBody": body,
                "metadata": {"CorrelationId": str(uuid.uuid4())},
            }
        ).decode()
        sent = 0
        for cid in list(ids):
            ch = self.channels.get(cid)
            ws = ch.ws if ch is not None else None
            if ws is None or ws.closed:
                self.events_lost += 1
                continue
            try:
                await ws.send_str(frame)
                sent += 1
            except (ConnectionError, RuntimeError):
                self.events_lost += 1
        self.events_sent += sent
        return sent

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if self.heartbeats_silenced:
                continue
            for ch in list(self.channels.values()):
                if ch.ws is not None and not ch.ws.closed:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await ch.ws.send_str(HEARTBEAT)

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, max(0.05, self.config.channel_ttl_s / 4)))
            await self.expire()

    async def expire(self) -> None:
        """Close and remove every channel whose lifetime is over (the expiry loop runs this)."""
        now = self.clock()
        for ch in [c for c in self.channels.values() if c.expires <= now]:
            await self._remove(ch, 1000, b"channel expired")

    # ---- faults ----------------------------------------------------------------------------------

    async def _close_socket(self, ch: Channel, code: int, reason: bytes) -> None:
        ws, transport = ch.ws, ch.transport
        ch.ws, ch.transport = None, None
        if ws is None:
            return
        if code == 1006:
            # 1006 is never sent on the wire: it is what a client sees when TCP dies without a close frame
            if transport is not None:
                transport.abort()
            return
        await _close_quietly(ws, code, reason)

    async def _remove(self, ch: Channel, code: int, reason: bytes) -> None:
        self._set_topics(ch, [])
        self.channels.pop(ch.id, None)
        await self._close_socket(ch, code, reason)

    async def drop_sockets(self, code: int = 1006) -> int:
        """Close every open socket (1006 = abrupt TCP drop, else a close frame with `code`)."""
        open_ = [c for c in self.channels.values() if c.ws is not None]
        for ch in open_:
            await self._close_socket(ch, code, b"dropped by simulator")
        return len(open_)

    async def socket_closing(self, grace_s: float | None = None) -> int:
        """Announce maintenance (`v2.system.socket_closing`), then close each socket after a grace period."""
        grace = self.config.socket_closing_grace_s if grace_s is None else grace_s
        targets = [(c, c.ws) for c in self.channels.values() if c.ws is not None and not c.ws.closed]
        for ch, ws in targets:
            frame = _enc.encode(
                {
                    "topicName": "v2.system.socket_closing",
                    "version": "2",
                    "eventBody": {"channelId": ch.id, "message": "WebSocket is closing for maintenance"},
                    "metadata": {"CorrelationId": str(uuid.uuid4())},
                }
            ).decode()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(frame)

        async def later() -> None:
            await asyncio.sleep(grace)
            for ch, ws in targets:
                if ws is not None:
                    await _close_quietly(ws, 1001, b"maintenance")
                    if ch.ws is ws:
                        ch.ws, ch.transport = None, None

        self._spawn(later())
        return len(targets)

    async def send_raw(self, frame: str) -> int:
        """Send an arbitrary text frame to every open socket (malformed/unknown-frame tests)."""
        n = 0
        for ch in list(self.channels.values()):
            if ch.ws is not None and not ch.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ch.ws.send_str(frame)
                    n += 1
        return n

    async def expire_channels(self) -> int:
        """Expire every channel now: sockets close, later calls on the channel get 404."""
        chans = list(self.channels.values())
        for ch in chans:
            await self._remove(ch, 1000, b"channel expired")
        return len(chans)


async def _close_quietly(ws: web.WebSocketResponse, code: int, reason: bytes) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
        await asyncio.wait_for(ws.close(code=code, message=reason), timeout=2.0)
