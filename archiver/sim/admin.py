"""`/_sim/*` admin endpoints (JSON) mirroring the Python fault and inspection API; never used in production.

GET  /_sim/info                      org (queues, agents), counters
POST /_sim/generate                  {"n", "kind", "end", "messages", "openForS"} → {"ids": [...]}
POST /_sim/conversations/{id}/end    end a conversation created with end=false
DELETE /_sim/conversations/{id}      delete it (later GETs → 404)
GET  /_sim/truth/{id}  /_sim/truths  ground truth
GET  /_sim/attributes/{id}  /_sim/tags/{id}  /_sim/calls
POST /_sim/traffic                   {"action": "start"|"pause"|"resume", "rate": per_min?}
POST /_sim/faults/{name}             body = keyword arguments of Faults.<name> (bodies as UTF-8 strings)
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from aiohttp import web

from archiver.sim.web import ApiError, json_response

if TYPE_CHECKING:
    from archiver.sim.auth import Tokens
    from archiver.sim.config import SimConfig
    from archiver.sim.faults import Faults
    from archiver.sim.model import ConversationTruth, Store
    from archiver.sim.notify import Notifications
    from archiver.sim.scenario import Org
    from archiver.sim.traffic import Traffic


class AdminTarget(Protocol):
    """What the admin API reads and drives: `archiver.sim.app.Simulator` (typed here as a Protocol, so the
    simulator can register these routes without the two modules importing each other)."""

    config: SimConfig
    org: Org
    store: Store
    tokens: Tokens
    notifications: Notifications
    faults: Faults
    traffic: Traffic

    @property
    def base_url(self) -> str: ...

    async def generate(
        self,
        n: int,
        kind: str = ...,
        end: bool = ...,
        messages: int | None = ...,
        open_for_s: float = ...,
    ) -> list[str]: ...

    def end_conversation(self, cid: str) -> asyncio.Task[None]: ...

    def truth(self, cid: str) -> ConversationTruth: ...

    def truths(self) -> list[ConversationTruth]: ...

    def attributes(self, cid: str) -> dict[str, dict[str, str]]: ...

    def tags(self, cid: str) -> str | None: ...

    def call_counts(self) -> dict[str, int]: ...


FAULTS = (
    "drop_sockets",
    "socket_closing",
    "silence_heartbeats",
    "set_heartbeat",
    "expire_channels",
    "send_raw",
    "fail_next",
    "fail_fraction",
    "latency",
    "revoke_tokens",
    "expire_tokens",
    "set_rate_limit",
    "refuse_bulk_above",
    "refuse_writeback",
    "delete_conversation",
    "deny_permission",
    "answer_next",
    "rewrite_next",
    "clear",
)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        doc = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ApiError(400, "body must be a JSON object")
    return doc


def add_admin_routes(app: web.Application, sim: AdminTarget) -> None:
    """Register the admin routes for `sim` on `app`."""

    def known(cid: str) -> str:
        if cid not in sim.store.by_id:
            raise ApiError(404, f"unknown conversation {cid}", "not.found")
        return cid

    async def info(request: web.Request) -> web.Response:
        n = sim.notifications
        return json_response(
            {
                "baseUrl": sim.base_url,
                "orgId": sim.config.org_id,
                "queues": [{"id": q, "name": name} for q, name in sim.org.queues],
                "agents": [{"id": u, "name": name} for u, name in sim.org.agents],
                "conversations": len(sim.store.by_id),
                "channels": len(n.channels),
                "openSockets": sum(1 for c in n.channels.values() if c.ws is not None),
                "eventsSent": n.events_sent,
                "eventsLost": n.events_lost,
                "tokensIssued": sim.tokens.issued,
                "traffic": {
                    "running": sim.traffic.running,
                    "ratePerMin": sim.traffic.rate_per_min,
                    "created": sim.traffic.created,
                },
            }
        )

    async def generate(request: web.Request) -> web.Response:
        b = await _body(request)
        try:
            ids = await sim.generate(
                int(b.get("n", 1)),
                kind=str(b.get("kind", "webmessaging")),
                end=bool(b.get("end", True)),
                messages=b.get("messages"),
                open_for_s=float(b.get("openForS", 0.0)),
            )
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        return json_response({"ids": ids})

    async def end(request: web.Request) -> web.Response:
        await sim.end_conversation(known(request.match_info["id"]))
        return json_response({"ended": True})

    async def delete(request: web.Request) -> web.Response:
        sim.faults.delete_conversation(known(request.match_info["id"]))
        return json_response({"deleted": True})

    async def truth(request: web.Request) -> web.Response:
        return json_response(sim.truth(known(request.match_info["id"])))

    async def truths(request: web.Request) -> web.Response:
        return json_response(sim.truths())

    async def attributes(request: web.Request) -> web.Response:
        return json_response(sim.attributes(known(request.match_info["id"])))

    async def tags(request: web.Request) -> web.Response:
        return json_response({"externalTag": sim.tags(known(request.match_info["id"]))})

    async def calls(request: web.Request) -> web.Response:
        return json_response(sim.call_counts())

    async def traffic(request: web.Request) -> web.Response:
        b = await _body(request)
        action = b.get("action")
        if action == "start":
            sim.traffic.start(b.get("rate"))
        elif action == "pause":
            sim.traffic.pause()
        elif action == "resume":
            sim.traffic.resume()
        else:
            raise ApiError(400, "action must be start, pause or resume")
        return json_response({"running": sim.traffic.running})

    async def fault(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in FAULTS:
            raise ApiError(404, f"unknown fault {name!r}; known: {', '.join(FAULTS)}", "not.found")
        try:
            result = getattr(sim.faults, name)(**await _body(request))
            if isinstance(result, asyncio.Task):
                result = await result
        except (TypeError, ValueError, KeyError) as exc:
            raise ApiError(400, f"cannot apply fault {name}: {exc}") from exc
        return json_response({"fault": name, "result": result})

    r = app.router
    r.add_get("/_sim/info", info)
    r.add_post("/_sim/generate", generate)
    r.add_post("/_sim/conversations/{id}/end", end)
    r.add_delete("/_sim/conversations/{id}", delete)
    r.add_get("/_sim/truth/{id}", truth)
    r.add_get("/_sim/truths", truths)
    r.add_get("/_sim/attributes/{id}", attributes)
    r.add_get("/_sim/tags/{id}", tags)
    r.add_get("/_sim/calls", calls)
    r.add_post("/_sim/traffic", traffic)
    r.add_post("/_sim/faults/{name}", fault)
