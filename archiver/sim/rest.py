"""REST handlers: routing queues, conversations, messages, bulk messages, recordings, attributes, tags."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from archiver.sim import render
from archiver.sim.config import SimConfig
from archiver.sim.model import Conversation, Store, iso
from archiver.sim.scenario import Org
from archiver.sim.web import ApiError, json_response, read_json

BULK_MAX = 1000


class Rest:
    """Handlers reading/writing the shared store; `refuse_writeback` is flipped by the faults API."""

    def __init__(self, config: SimConfig, store: Store, org: Org, created: float) -> None:
        self.config = config
        self.store = store
        self.org = org
        self.created = created
        self.refuse_writeback = False
        self.bulk_refuse_above: int | None = None  # faults.refuse_bulk_above
        self.bulk_refuse_status = 413
        self.writeback_after_end = config.writeback_after_end

    def _conv(self, request: web.Request) -> Conversation:
        conv = self.store.get(request.match_info["conversationId"])
        if conv is None or conv.start > time.time():
            raise ApiError(404, "The requested conversation was not found", "not.found")
        return conv

    # ---- routing ---------------------------------------------------------------------------------

    def _queue_doc(self, qid: str, name: str) -> dict[str, Any]:
        div = self.org.division_id
        return {
            "id": qid,
            "name": name,
            "division": {"id": div, "name": "Home", "selfUri": f"/api/v2/authorization/divisions/{div}"},
            "dateCreated": iso(self.created - 86400 * 30),
            "memberCount": len(self.org.agents),
            "userMemberCount": len(self.org.agents),
            "joinedMemberCount": len(self.org.agents),
            "scoringMethod": "TimestampAndPriority",
            "skillEvaluationMethod": "ALL",
            "autoAnswerOnly": False,
            "enableTranscription": False,
            "enableManualAssignment": False,
            "selfUri": f"/api/v2/routing/queues/{qid}",
        }

    async def queues(self, request: web.Request) -> web.Response:
        """GET /api/v2/routing/queues → QueueEntityListing, sorted by name (RoutingApi.get_routing_queues).

        pageSize ≤ 500, pageNumber ≥ 1, sortOrder asc|desc, `name` (leading/trailing `*` wildcards, else an
        exact case-insensitive match), `id` / `divisionId` lists (repeated or comma-separated, as the SDK
        sends them). The paging URIs keep the filters, so a client following `nextUri` stays filtered.
        """
        q = request.query
        try:
            size = int(q.get("pageSize", "25"))
            number = int(q.get("pageNumber", "1"))
        except ValueError as exc:
            raise ApiError(400, "pageSize and pageNumber must be integers", "bad.request") from exc
        if not 1 <= size <= 500 or number < 1:
            raise ApiError(400, "pageSize must be 1..500 and pageNumber ≥ 1", "bad.request")
        order = q.get("sortOrder", "asc").lower()
        if order not in ("asc", "desc"):
            raise ApiError(400, "sortOrder must be asc or desc", "bad.request")
        ids = _list_param(request, "id")
        divisions = _list_param(request, "divisionId")
        rows = [
            (qid, n)
            for qid, n in self.org.queues
            if _name_matches(n, q.get("name"))
            and (not ids or qid in ids)
            and (not divisions or self.org.division_id in divisions)
        ]
        rows.sort(key=lambda r: (r[1].lower(), r[0]), reverse=order == "desc")
        pages = max(1, math.ceil(len(rows) / size))
        page = rows[(number - 1) * size : number * size]
        keep = [(k, v) for k, v in q.items() if k not in ("pageSize", "pageNumber")]

        def uri(n: int) -> str:
            return "/api/v2/routing/queues?" + urlencode([("pageSize", size), ("pageNumber", n), *keep])

        doc: dict[str, Any] = {
            "entities": [self._queue_doc(qid, n) for qid, n in page],
            "pageSize": size,
            "pageNumber": number,
            "total": len(rows),
            "pageCount": pages,
            "firstUri": uri(1),
            "lastUri": uri(pages),
            "selfUri": uri(number),
        }
        if number < pages:
            doc["nextUri"] = uri(number + 1)
        if number > 1:
            doc["previousUri"] = uri(number - 1)
        return json_response(doc)

    async def queue(self, request: web.Request) -> web.Response:
        qid = request.match_info["queueId"]
        for q, n in self.org.queues:
            if q == qid:
                return json_response(self._queue_doc(q, n))
        raise ApiError(404, "queue not found", "not.found")

    # ---- conversations ---------------------------------------------------------------------------

    async def conversation(self, request: web.Request) -> web.Response:
        return json_response(render.conversation(self._conv(request), time.time()))

    async def message_conversation(self, request: web.Request) -> web.Response:
        return json_response(render.message_conversation(self._conv(request), time.time()))

    async def message(self, request: web.Request) -> web.Response:
        conv = self._conv(request)
        m = conv.message(request.match_info["messageId"])
        if m is None:
            raise ApiError(404, "message not found", "not.found")
        return json_response(render.message_data(conv, m))

    async def bulk(self, request: web.Request) -> web.Response:
        """POST …/messages/bulk: JSON array of ≤1000 ids → TextMessageListing (unknown ids skipped)."""
        conv = self._conv(request)
        ids = await read_json(request)
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ApiError(400, "The request body must be an array of message ids", "bad.request")
        if len(ids) > BULK_MAX:
            raise ApiError(
                400, f"The max messages you can request in the body is {BULK_MAX:,}", "bad.request"
            )
        if self.bulk_refuse_above is not None and len(ids) > self.bulk_refuse_above:
            # the ErrorBody codes and texts of the Genesys swagger's 413 and 400 answers
            if self.bulk_refuse_status == 413:
                raise ApiError(
                    413,
                    f"The request is over the size limit. Maximum bytes: {self.bulk_refuse_above * 39}",
                    "request.entity.too.large",
                )
            raise ApiError(
                400,
                "The response is over the size limit. Reduce pageSize or expand list to reduce response "
                "size if applicable",
                "response.entity.too.large",
            )
        found = (conv.message(i) for i in dict.fromkeys(ids))
        ents = [render.message_data(conv, m) for m in found if m is not None]
        return json_response({"entities": ents})

    async def recordings(self, request: web.Request) -> web.Response:
        """202 while the transcript is processing (waiting up to maxWaitMs for it), then [Recording]."""
        conv = self._conv(request)
        try:
            max_wait = max(0, int(request.query.get("maxWaitMs", "5000"))) / 1000
        except ValueError as exc:
            raise ApiError(400, "maxWaitMs must be an integer", "bad.request") from exc
        end = conv.end_time()
        now = time.time()
        if end is None or end > now:
            return json_response([], status=202)
        ready = end + self.config.transcript_processing_s
        if ready > now:
            if ready - now > max_wait:
                return json_response([], status=202)
            await asyncio.sleep(ready - now)
        return json_response(render.recording(conv))

    async def attributes(self, request: web.Request) -> web.Response:
        """PATCH …/participants/{pid}/attributes → 202 ParticipantAttributes (merged)."""
        conv = self._conv(request)
        pid = request.match_info["participantId"]
        part = next((p for p in conv.participants if p.id == pid), None)
        if part is None:
            raise ApiError(404, "participant not found", "not.found")
        body = await read_json(request)
        attrs = body.get("attributes") if isinstance(body, dict) else None
        if not isinstance(attrs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()
        ):
            raise ApiError(400, "attributes must be an object of string values", "bad.request")
        if self.refuse_writeback or (not self.writeback_after_end and conv.ended(time.time())):
            raise ApiError(
                400, "Participant attributes cannot be updated: the conversation has ended", "bad.request"
            )
        if conv.ended(time.time()) and part.analytics_attributes is None:
            # Accepted and shown by the conversation API, but analytics keeps what it had at the end
            # (docs/genesys.md, "Write-back after the end").
            part.analytics_attributes = dict(part.attributes)
        part.attributes.update(attrs)
        if request.path.startswith("/api/v2/conversations/messages/"):
            return json_response({"attributes": dict(part.attributes)}, status=202)
        return web.Response(status=202)

    async def tags(self, request: web.Request) -> web.Response:
        """PUT /api/v2/conversations/{id}/tags {externalTag} → 202."""
        conv = self._conv(request)
        body = await read_json(request)
        tag = body.get("externalTag") if isinstance(body, dict) else None
        if not isinstance(tag, str):
            raise ApiError(400, "externalTag must be a string", "bad.request")
        conv.external_tag = tag
        self.store.touch()
        return json_response("The tags update request was accepted.", status=202)


def _list_param(request: web.Request, name: str) -> set[str]:
    """A list query parameter, repeated (`id=a&id=b`) or comma-joined (`id=a,b`, the SDK's form)."""
    return {i for v in request.query.getall(name, []) for i in v.split(",") if i}


def _name_matches(name: str, pattern: str | None) -> bool:
    """Genesys queue-name filter: `*` allowed at either end; without one, the whole name must match."""
    if not pattern:
        return True
    name, pattern = name.lower(), pattern.lower()
    core = pattern.strip("*")
    lead, trail = pattern.startswith("*"), pattern.endswith("*") and len(pattern) > 1
    if lead and trail:
        return core in name
    if lead:
        return name.endswith(core)
    if trail:
        return name.startswith(core)
    return name == core
