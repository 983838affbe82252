"""One notification channel (≤1000 topics) and the WebSocket that listens on it, kept alive forever.

Lifecycle (docs/genesys.md#notifications): create channel → PUT topics → connect; heartbeats are watched and a
silent socket is declared dead; `{"message":"ping"}` is sent when idle; `v2.system.socket_closing` opens a new
socket to the same channel before the old one closes; before `expires` the topics are PUT again (which
extends the channel) or, if that did not extend it, a new channel is made before the old is dropped. Any
drop reconnects with jittered backoff; every period with no socket listening is reported as a Gap.

Why one module of ~400 lines: the channel lifecycle (create, subscribe, connect, renew, replace, drop) is
one state machine whose steps share the socket and the renewal timer; split, each half would need the
other's private state.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import msgspec

from archiver.backoff import backoff_s
from archiver.errors import GenesysNotFound, GenesysPermissionError, GenesysTransientError, PermanentError
from archiver.genesys.client import GenesysClient
from archiver.genesys.events import (
    ConversationEnded,
    EndDetector,
    Gap,
    Kind,
    ListenerStats,
    loggable_topic,
    parse_frame,
)
from archiver.genesys.models import Channel
from archiver.genesys.regions import check_transport
from archiver.genesys.settings import GenesysSettings

log = logging.getLogger(__name__)

PING = '{"message":"ping"}'
_MAX_FRAME = 32 * 1024 * 1024
_POLL_S = 0.5  # longest the reader sleeps before re-checking topic changes and deadlines


@dataclass
class Shared:
    """What every channel of one listener shares."""

    client: GenesysClient
    settings: GenesysSettings
    detector: EndDetector
    stats: ListenerStats
    on_ended: Callable[[ConversationEnded], Awaitable[None]]
    on_gap: Callable[[Gap], Awaitable[None]]


class _SocketEnded(Exception):
    """The socket is gone; `since` is the last instant it is known to have delivered everything."""

    def __init__(self, reason: str, since: datetime) -> None:
        super().__init__(reason)
        self.reason, self.since = reason, since


def _short(channel_id: str) -> str:
    # Whoever knows a channel id can open its socket (docs/genesys.md#notifications): log only a prefix.
    return channel_id[:14] + "…" if len(channel_id) > 14 else channel_id


def _now() -> datetime:
    return datetime.now(UTC)


class ChannelSocket:
    """Keeps one channel subscribed to its topics with a live socket."""

    def __init__(self, shared: Shared, name: str) -> None:
        self._sh = shared
        self.name = name
        self.topics: list[str] = []
        self._topics_dirty = False
        self._channel: Channel | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._renew_at = float("inf")  # loop time
        self._rng = random.Random()
        self.connected = asyncio.Event()
        self._connects = 0

    def set_topics(self, topics: list[str]) -> None:
        """Replace this channel's topics (applied by a PUT at the next poll)."""
        if topics != self.topics:
            self.topics = list(topics)
            self._topics_dirty = True

    async def run(self) -> None:
        """Listen forever; only permanent errors (permissions, credentials, config) escape."""
        attempt = 0
        gap_since: datetime | None = None  # None until the first connection: startup is not a gap
        gap_reason = ""
        loop = asyncio.get_running_loop()
        up_at = loop.time()
        try:
            while True:
                try:
                    await self._open()
                    if gap_since is not None:
                        await self._report_gap(gap_since, _now(), gap_reason)
                        self._sh.stats.reconnects += 1
                        gap_since, gap_reason = None, ""
                    up_at = loop.time()
                    await self._read()
                except _SocketEnded as ended:
                    gap_since, gap_reason = ended.since, ended.reason
                    lived = loop.time() - up_at
                    attempt = 0 if lived >= min(10.0, self._sh.settings.heartbeat_timeout_s) else attempt
                except GenesysNotFound:
                    log.info("notification_channel_gone channel=%s", self._channel_id())
                    self._channel = None
                    gap_since = gap_since or (_now() if self._connects else None)
                    gap_reason = gap_reason or "channel gone"
                except PermanentError:
                    raise  # missing permission, bad credentials, bad config: the operator must act
                except (GenesysTransientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                    log.warning(
                        "notification_connect_failed shard=%s cause=%s", self.name, type(exc).__name__
                    )
                    gap_since = gap_since or (_now() if self._connects else None)
                    gap_reason = gap_reason or "connect failed"
                except Exception:
                    # Anything unforeseen is treated as transient: the listener must not die on it.
                    log.exception("notification_unexpected_error shard=%s", self.name)
                    gap_since = gap_since or (_now() if self._connects else None)
                    gap_reason = gap_reason or "unexpected error"
                finally:
                    self.connected.clear()
                    await self._close_ws()
                attempt += 1
                await asyncio.sleep(self._backoff(attempt))
        finally:
            await self._close_ws()

    # --- connect / subscribe ---

    def _channel_id(self) -> str:
        return _short(self._channel.id) if self._channel else "-"

    async def _open(self) -> None:
        if self._channel is None:
            self._channel = await self._new_channel()
            await self._subscribe(self._channel)
            self._ws = await self._connect(self._channel)
        else:
            try:
                self._ws = await self._connect(self._channel)
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status in (404, 410):
                    raise GenesysNotFound(
                        "cannot connect to notification channel: gone",
                        status=exc.status,
                        code=None,
                        context_id=None,
                    ) from exc
                raise
            await self._subscribe(self._channel)  # idempotent; restores topics a server may have dropped
        await self._schedule_renewal(self._channel)
        self._sh.stats.connects += 1
        self._connects += 1
        self.connected.set()
        log.info(
            "notification_connected shard=%s channel=%s topics=%d",
            self.name,
            self._channel_id(),
            len(self.topics),
        )

    async def _new_channel(self) -> Channel:
        channel = await self._sh.client.create_channel()
        check_transport(channel.connect_uri, "genesys.connectUri")
        self._sh.stats.channels_created += 1
        return channel

    async def _connect(self, channel: Channel) -> aiohttp.ClientWebSocketResponse:
        check_transport(channel.connect_uri, "genesys.connectUri")
        async with asyncio.timeout(self._sh.settings.request_timeout_s):
            # The channel id in the URI is the credential; no Authorization header
            # (docs/genesys.md#notifications).
            return await self._sh.client.session.ws_connect(
                channel.connect_uri, autoping=True, heartbeat=None, max_msg_size=_MAX_FRAME
            )

    async def _subscribe(self, channel: Channel) -> None:
        topics = list(self.topics)
        self._topics_dirty = False
        states = await self._sh.client.put_subscriptions(channel.id, topics)
        rejected = [t for t in states if t.state == "Rejected"]
        missing = sorted({p for t in rejected for p in (t.missing_permissions or [])})
        for t in rejected:
            log.warning("notification_topic_rejected topic=%s reason=%r", t.id, t.rejection_reason)
        if missing and len(rejected) == len(topics):
            raise GenesysPermissionError(
                "cannot subscribe to queue topics: the OAuth client's role lacks permission "
                + ", ".join(missing),
                status=403,
                code="missing.permissions",
                context_id=None,
            )

    async def _schedule_renewal(self, channel: Channel) -> None:
        """Renew ahead of `expires` (margin: configured, else 10 % of the remaining life, at most 1 h)."""
        loop = asyncio.get_running_loop()
        expires = channel.expires
        if expires is None:
            self._renew_at = float("inf")
            return
        left = (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) - _now()
        left_s = left.total_seconds()
        margin = self._sh.settings.channel_renew_margin_s
        if margin is None:
            margin = min(3600.0, 0.1 * max(left_s, 0.0))
        self._renew_at = loop.time() + max(left_s - margin, 0.0)

    async def _renew(self) -> None:
        """PUT the topics again (extends the channel); if `expires` did not move, switch to a new channel."""
        assert self._channel is not None
        old = self._channel
        self._sh.stats.renewals += 1
        await self._subscribe(old)
        current = next((c for c in await self._sh.client.list_channels() if c.id == old.id), None)
        extended = (
            current is not None
            and current.expires is not None
            and old.expires is not None
            and current.expires > old.expires
        )
        if extended:
            assert current is not None
            self._channel = current
            await self._schedule_renewal(current)
            log.info("notification_channel_renewed channel=%s expires=%s", _short(old.id), current.expires)
            return
        # Make before break: the new socket listens before the old one is dropped, so nothing is missed.
        fresh = await self._new_channel()
        await self._subscribe(fresh)
        new_ws = await self._connect(fresh)
        old_ws, self._ws, self._channel = self._ws, new_ws, fresh
        await self._schedule_renewal(fresh)
        if old_ws is not None:
            await _close_quietly(old_ws)
        log.info("notification_channel_rotated old=%s new=%s", _short(old.id), _short(fresh.id))

    async def _switch_socket(self) -> None:
        """socket_closing: open a second socket to the same channel; the server then drops the first."""
        assert self._channel is not None
        started = _now()
        try:
            new_ws = await self._connect(self._channel)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning(
                "notification_switch_failed channel=%s cause=%s", self._channel_id(), type(exc).__name__
            )
            return  # keep reading the old socket; its close takes the normal reconnect path
        old_ws, self._ws = self._ws, new_ws
        if old_ws is not None:
            await _close_quietly(old_ws)
        # The switch itself is a tiny window in which in-flight events could go to the old socket.
        await self._report_gap(started, _now(), "socket_closing")

    # --- reading ---

    async def _read(self) -> None:
        sh, st = self._sh, self._sh.stats
        loop = asyncio.get_running_loop()
        timeout_s = sh.settings.heartbeat_timeout_s
        idle_s = sh.settings.effective_ping_idle_s
        last_frame, last_frame_wall = loop.time(), _now()
        pinged = False
        while True:
            ws = self._ws
            assert ws is not None
            if self._topics_dirty:
                assert self._channel is not None
                await self._subscribe(self._channel)
            now = loop.time()
            if now >= self._renew_at:
                await self._renew()
                continue
            if now - last_frame >= timeout_s:
                st.dead_sockets += 1
                log.warning("notification_socket_dead shard=%s silent_s=%.1f", self.name, now - last_frame)
                raise _SocketEnded("heartbeat lost", last_frame_wall)
            if not pinged and now - last_frame >= idle_s:
                await ws.send_str(PING)
                st.pings_sent += 1
                pinged = True
            wake = min(last_frame + timeout_s, self._renew_at, now + _POLL_S)
            if not pinged:
                wake = min(wake, last_frame + idle_s)
            try:
                msg = await ws.receive(timeout=max(wake - now, 0.001))
            except TimeoutError:
                continue
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                if ws is not self._ws:
                    continue  # the socket we replaced said goodbye
                code = ws.close_code
                log.info("notification_socket_closed shard=%s code=%s", self.name, code)
                clean = code is not None and code != 1006
                raise _SocketEnded(f"closed {code}", _now() if clean else last_frame_wall)
            if msg.type == aiohttp.WSMsgType.ERROR:
                log.warning("notification_socket_error shard=%s cause=%s", self.name, type(msg.data).__name__)
                raise _SocketEnded("socket error", last_frame_wall)
            last_frame, last_frame_wall, pinged = loop.time(), _now(), False
            st.frames += 1
            if msg.type != aiohttp.WSMsgType.TEXT:
                st.bad_events += 1
                log.warning("notification_bad_event shard=%s kind=non-text type=%s", self.name, msg.type.name)
                continue
            await self._handle(msg.data)

    async def _handle(self, data: str) -> None:
        st = self._sh.stats
        frame = parse_frame(data)
        kind = frame.kind
        if kind is Kind.HEARTBEAT:
            st.heartbeats += 1
        elif kind is Kind.PONG:
            st.pongs += 1
        elif kind is Kind.SOCKET_CLOSING:
            st.socket_closings += 1
            log.info("notification_socket_closing shard=%s channel=%s", self.name, self._channel_id())
            await self._switch_socket()
        elif kind is Kind.SYSTEM:
            st.system_events += 1
            log.warning(
                "notification_system_event shard=%s topic=%s: resubscribing",
                self.name,
                loggable_topic(frame.topic),
            )
            self._topics_dirty = True
        elif kind is Kind.QUEUE_EVENT:
            st.queue_events += 1
            assert frame.envelope is not None
            try:
                ended = self._sh.detector.feed(frame.topic, frame.envelope.event_body)
            except msgspec.DecodeError as exc:
                st.bad_events += 1
                topic = loggable_topic(frame.topic)
                log.warning("notification_bad_event shard=%s topic=%s cause=%s", self.name, topic, exc)
                return
            if ended is not None:
                await self._emit(ended)
        elif kind is Kind.UNKNOWN:
            st.unknown_topics += 1
            st.bad_events += 1
            log.warning(
                "notification_bad_event shard=%s kind=unknown-topic topic=%s",
                self.name,
                loggable_topic(frame.topic),
            )
        else:
            st.bad_events += 1
            log.warning(
                "notification_bad_event shard=%s kind=malformed cause=%s", self.name, frame.detail[:200]
            )

    async def _emit(self, ended: ConversationEnded) -> None:
        try:
            await self._sh.on_ended(ended)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Forget it so a later event (or the reconciler) can deliver it again.
            self._sh.detector.forget(ended.conversation_id)
            self._sh.stats.handler_errors += 1
            log.exception("conversation_ended_handler_failed id=%s", ended.conversation_id)
        else:
            self._sh.stats.ended_emitted += 1

    async def _report_gap(self, start: datetime, end: datetime, reason: str) -> None:
        self._sh.stats.gaps += 1
        log.warning("notification_gap shard=%s start=%s end=%s reason=%s", self.name, start, end, reason)
        try:
            await self._sh.on_gap(Gap(start, end, reason))
        except asyncio.CancelledError:
            raise
        except Exception:
            self._sh.stats.handler_errors += 1
            log.exception("gap_handler_failed start=%s end=%s", start, end)

    async def _close_ws(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await _close_quietly(ws)

    def _backoff(self, attempt: int) -> float:
        s = self._sh.settings
        return backoff_s(attempt, s.backoff_base_s, s.reconnect_backoff_max_s, self._rng)


async def _close_quietly(ws: aiohttp.ClientWebSocketResponse) -> None:
    if ws.closed:
        return
    try:
        async with asyncio.timeout(2.0):
            await ws.close()
    except (TimeoutError, aiohttp.ClientError, OSError):
        pass
