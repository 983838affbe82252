"""The Simulator: an aiohttp app serving a fake Genesys Cloud org on loopback, plus its Python control API."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from archiver.sim import render
from archiver.sim.admin import add_admin_routes
from archiver.sim.analytics import Analytics
from archiver.sim.auth import Tokens
from archiver.sim.config import SimConfig
from archiver.sim.faults import Faults
from archiver.sim.media import MEDIA_HOST, MEDIA_PATH, Media
from archiver.sim.model import KINDS, MAX_OPEN_S, Attachment, Conversation, ConversationTruth, Store
from archiver.sim.notify import Notifications
from archiver.sim.properties import Properties
from archiver.sim.rest import Rest
from archiver.sim.scenario import Org, Pending, build, finish, open_long
from archiver.sim.traffic import Traffic
from archiver.sim.web import ApiError, error

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Simulator:
    """A simulated Genesys Cloud org: `await start()`, use `base_url`, inject faults, `await stop()`."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.rng = random.Random(self.config.seed)
        self.org = Org.make(self.rng, self.config.queues, self.config.agents)
        self.store = Store()
        self.created = time.time()
        self.tokens = Tokens(self.config)
        self._queue_ids = {q for q, _ in self.org.queues}
        self.notifications = Notifications(self.config, self._queue_ids.__contains__)
        self.rest = Rest(self.config, self.store, self.org, self.created)
        self.properties = Properties(self.store, self.config.analytics_lag_s)
        self.media = Media(self.config, self.store)
        self.analytics = Analytics(self.config, self.store, self.properties.of)
        self.faults = Faults(
            self.config.seed,
            tokens=self.tokens,
            rest=self.rest,
            store=self.store,
            notifications=self.notifications,
        )
        self.traffic = Traffic(
            self.config,
            self.create_live,
            self.end_conversation,
            self.config.conversations_per_min,
            self.config.seed,
        )
        self._pending: dict[str, Pending] = {}
        self._calls: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://HOST:PORT` — API, login (`/oauth/token`) and WebSocket host in one."""
        return f"http://{self.host}:{self.port}"

    @property
    def queue_ids(self) -> list[str]:
        return [q for q, _ in self.org.queues]

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=4 * 1024 * 1024)
        r = app.router
        r.add_post("/oauth/token", self.tokens.handle_token)
        n = self.notifications
        r.add_post("/api/v2/notifications/channels", n.create_channel)
        r.add_get("/api/v2/notifications/channels", n.list_channels)
        r.add_route("HEAD", "/api/v2/notifications/channels/{channelId}", n.head_channel)
        sub = "/api/v2/notifications/channels/{channelId}/subscriptions"
        r.add_get(sub, n.get_subscriptions)
        r.add_put(sub, n.put_subscriptions)
        r.add_post(sub, n.post_subscriptions)
        r.add_delete(sub, n.delete_subscriptions)
        r.add_get("/channels/{channelId}", n.websocket)
        s = self.rest
        r.add_get("/api/v2/routing/queues", s.queues)
        r.add_get("/api/v2/routing/queues/{queueId}", s.queue)
        r.add_get("/api/v2/conversations/messages/{conversationId}", s.message_conversation)
        r.add_get("/api/v2/conversations/messages/{conversationId}/messages/{messageId}", s.message)
        r.add_post("/api/v2/conversations/messages/{conversationId}/messages/bulk", s.bulk)
        r.add_patch(
            "/api/v2/conversations/messages/{conversationId}/participants/{participantId}/attributes",
            s.attributes,
        )
        r.add_get("/api/v2/conversations/{conversationId}", s.conversation)
        r.add_patch(
            "/api/v2/conversations/{conversationId}/participants/{participantId}/attributes", s.attributes
        )
        r.add_put("/api/v2/conversations/{conversationId}/tags", s.tags)
        r.add_get("/api/v2/conversations/{conversationId}/recordings", s.recordings)
        r.add_get(MEDIA_PATH + "{attachmentId}", self.media.download)
        a = self.analytics
        r.add_post("/api/v2/analytics/conversations/details/query", a.query)
        r.add_get("/api/v2/analytics/conversations/details", a.conversations)
        r.add_get("/api/v2/analytics/conversations/{conversationId}/details", a.conversation)
        r.add_post("/api/v2/analytics/conversations/details/jobs", a.submit)
        r.add_post(
            "/api/v2/analytics/conversations/{conversationId}/details/properties", self.properties.handle
        )
        r.add_get("/api/v2/analytics/conversations/details/jobs/availability", a.availability)
        r.add_get("/api/v2/analytics/conversations/details/jobs/{jobId}", a.status)
        r.add_delete("/api/v2/analytics/conversations/details/jobs/{jobId}", a.delete)
        r.add_get("/api/v2/analytics/conversations/details/jobs/{jobId}/results", a.results)
        add_admin_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Bind and serve (port 0 = any free port); starts heartbeats, expiry and configured traffic."""
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host, self.port = host, int(self._runner.addresses[0][1])
        self.notifications.start()
        if self.config.conversations_per_min > 0:
            self.traffic.start()

    async def stop(self) -> None:
        """Stop traffic, close sockets, stop serving."""
        await self.traffic.stop()
        for task in list(self._tasks):
            task.cancel()
        await self.notifications.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- middleware ------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        route = request.match_info.route.resource
        key = f"{request.method} {route.canonical if route is not None else path}"
        if path.startswith("/_sim/") or path.startswith("/channels/"):
            return await self._guard(request, handler)
        self._calls[key] += 1
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        failure, retry_after = self.faults.take_failure(path) or (None, "1")
        if failure == "timeout":
            await asyncio.sleep(self.config.fault_timeout_s)
            return error(504, "The request timed out", "request.timeout")
        if isinstance(failure, int):
            return error(failure, headers={"Retry-After": retry_after} if failure == 429 else None)
        if path == "/oauth/token" or (path.startswith(MEDIA_PATH) and not self.config.media_requires_token):
            return await self._guard(request, handler)
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer "):
            return error(
                401,
                "No authentication bearer token specified in authorization header.",
                "authentication.required",
            )
        tok = self.tokens.lookup(auth[7:].strip())
        if tok is None:
            return error(401, "Invalid login credentials.", "bad.credentials")
        allowed, count, reset = self.tokens.admit(tok)
        limit = self.tokens.rate_limit_per_min
        headers = (
            {
                "inin-ratelimit-allowed": str(limit),
                "inin-ratelimit-count": str(count),
                "inin-ratelimit-reset": str(reset),
            }
            if self.config.ratelimit_headers
            else {}
        )
        if not allowed:
            return error(
                429,
                f"Rate limit exceeded the maximum [{limit}] requests"
                f" within [{self.tokens.WINDOW_S:g}] seconds",
                self.config.too_many_requests_code,
                headers={"Retry-After": str(reset), **headers},
                limit={
                    "key": "client.credentials.token.rate.per.minute",
                    "namespace": "platform.api",
                    "value": limit,
                },
            )
        missing = self.faults.denied_permission(path)
        if missing is not None:
            text = "Unable to perform the requested action. You are missing the following permission(s): "
            return error(
                403,
                f"{text}[{missing}]",
                "missing.permissions",
                headers=headers,
                messageWithParams=text + "{permissions}",
                messageParams={"permissions": missing},
            )
        answer = self.faults.take_answer(path)
        if answer is not None:
            return web.Response(
                body=answer.body, status=answer.status, content_type="application/json", headers=headers
            )
        resp = await self._guard(request, handler)
        rewrites = self.faults.take_rewrites(path)
        if rewrites and isinstance(resp, web.Response) and isinstance(resp.body, bytes):
            body = resp.body
            for find, replace in rewrites:
                body = body.replace(find, replace)
            resp.body = body
        if isinstance(resp, web.Response) and isinstance(resp.body, bytes) and MEDIA_HOST in resp.body:
            resp.body = resp.body.replace(MEDIA_HOST, self.base_url.encode())  # media URLs on our host
        resp.headers.update(headers)
        # production tags every API response (not only errors) with its correlation id
        # (docs/genesys.md#errors)
        resp.headers.setdefault("inin-correlation-id", str(uuid.uuid4()))
        return resp

    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every failure becomes an ErrorBody, as in production."""
        try:
            return await handler(request)
        except ApiError as exc:
            return error(exc.status, exc.message, exc.code)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return error(exc.status, exc.reason)
        except Exception:
            # a simulator bug must still look like Genesys to the client: a 500 ErrorBody, logged here
            log.exception("sim handler failed path=%s", request.path)
            return error(500, "The server encountered an internal error", "internal.server.error")

    # ---- conversations ---------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _announce(self, conv: Conversation, after: float, until: float) -> None:
        """Publish one queue-topic event per participant state change in (after, until]."""
        if conv.queue_id is None:
            return  # bot-only conversations never reach a queue: no queue-topic events
        acd_start = next((p.start for p in conv.participants if p.purpose == "acd"), None)
        topic = f"v2.routing.queues.{conv.queue_id}.conversations.messages"
        if not self.notifications.subscribed(topic):
            return  # no channel subscribed: nothing to deliver, skip rendering
        for t in conv.transition_times():
            if after < t <= until and acd_start is not None and t >= acd_start:
                await self.notifications.publish(
                    topic, render.topic_body(conv, t, self.config.topic_message_cap)
                )

    def _new(
        self, kind: str, *, end: bool, messages: int | None, open_for_s: float = 0.0
    ) -> tuple[Conversation, float]:
        if kind not in KINDS:
            raise ValueError(f"cannot generate conversation: kind must be one of {KINDS}, got {kind!r}")
        now = time.time()
        c = self.config
        conv, pending = build(
            self.rng,
            self.org,
            kind,
            now,
            messages=messages,
            ended=end,
            min_turns=c.min_turns,
            max_turns=c.max_turns,
            pii_rate=c.pii_rate,
        )
        if open_for_s > 0:
            last = max([m.ts for m in conv.messages] + [p.connected or p.start for p in conv.participants])
            open_long(conv, open_for_s, conv.end_time() or last)
        self.store.add(conv)
        if pending is not None:
            self._pending[conv.id] = pending
        return conv, now

    async def generate(
        self,
        n: int,
        kind: str = "webmessaging",
        end: bool = True,
        messages: int | None = None,
        open_for_s: float = 0.0,
    ) -> list[str]:
        """Create n conversations now, publish their participant state changes, end them if `end`; ids.

        `open_for_s` > 0 makes long-lived threads: each started that long before its end (or, while still
        open, before its last activity) — up to 30 days for real web messaging.
        """
        if not 0.0 <= open_for_s <= MAX_OPEN_S:
            raise ValueError(f"cannot generate conversation: open_for_s must be within [0, {MAX_OPEN_S:g}]")
        ids = []
        for _ in range(n):
            conv, now = self._new(kind, end=end, messages=messages, open_for_s=open_for_s)
            await self._announce(conv, float("-inf"), now)
            ids.append(conv.id)
        return ids

    async def create_live(self, kind: str, open_for_s: float = 0.0) -> str:
        """One open conversation (ended later by `end_conversation`), as the traffic generator makes."""
        return (await self.generate(1, kind=kind, end=False, open_for_s=open_for_s))[0]

    def end_conversation(self, cid: str) -> asyncio.Task[None]:
        """Disconnect the remaining participants now and publish the events; await the task to wait."""
        pending = self._pending.pop(cid, None)
        conv = self.store.by_id.get(cid)
        if conv is None:
            raise KeyError(cid)
        if pending is None:
            return self._spawn(asyncio.sleep(0))
        before = time.time() - 0.01
        finish(pending, time.time())
        self.store.touch([p.end for p, _, _ in pending.steps if p.end is not None])
        return self._spawn(self._announce(conv, before, float("inf")))

    # ---- inspection ------------------------------------------------------------------------------

    def truth(self, cid: str) -> ConversationTruth:
        """Ground truth of one conversation (KeyError if unknown)."""
        return self.store.truth(self.store.by_id[cid], time.time())

    def truths(self) -> list[ConversationTruth]:
        now = time.time()
        return [self.store.truth(c, now) for c in self.store.order]

    def attributes(self, cid: str) -> dict[str, dict[str, str]]:
        """Participant attributes written so far: {participant id: {key: value}}."""
        conv = self.store.by_id[cid]
        return {p.id: dict(p.attributes) for p in conv.participants if p.attributes}

    def properties_of(self, cid: str) -> dict[str, str]:
        """Analytics properties indexed on the conversation so far: {property: value}."""
        return self.properties.values(cid)

    def tags(self, cid: str) -> str | None:
        """The conversation's externalTag, if one was PUT."""
        return self.store.by_id[cid].external_tag

    def attach(self, cid: str, **kwargs: Any) -> Attachment:
        """Add an attachment to a conversation's first inbound message (sim/media.py `Media.attach`)."""
        return self.media.attach(self.store.by_id[cid], **kwargs)

    def call_counts(self) -> dict[str, int]:
        """Requests per endpoint, keyed `METHOD /route/{param}` (failed and throttled ones included)."""
        return dict(self._calls)

    def reset_call_counts(self) -> None:
        self._calls.clear()
