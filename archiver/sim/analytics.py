"""Analytics conversation details: the synchronous query and the async jobs API.

The query sees the org as it was `analytics_lag_s` ago and only conversations that *started on a UTC day
touched by the interval* and were active during it — a thread opened 20 days ago that ends now is invisible
to an interval of the last 3 days; `orderBy` (conversationEnd, …) and `order` (asc, desc, unordered) are
honoured across pages. Jobs see conversations active during the interval as of `dataAvailabilityDate`,
however long before it they started (docs/genesys.md, "Long-lived conversations and the reconciler
window"). Candidates come from the by-start-day index, never a scan of every conversation.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from aiohttp import web

from archiver.sim.analytics_render import analytics as render_analytics
from archiver.sim.analytics_render import analytics_rows
from archiver.sim.config import SimConfig
from archiver.sim.model import MAX_OPEN_S, Conversation, Store, day_of, iso
from archiver.sim.web import ApiError, json_response, read_json

ORDERS = ("asc", "desc", "unordered")
ORDER_BY = ("conversationStart", "conversationEnd", "segmentStart", "segmentEnd")
OPERATORS = ("matches", "exists", "notExists")


def parse_time(text: str) -> float:
    """An interval end as epoch seconds; a time without an offset is UTC, as Genesys reads it."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, f"Invalid date in interval: {text!r}", "invalid.date") from exc
    return (dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)).timestamp()


def parse_interval(value: Any) -> tuple[float, float]:
    """ISO-8601 `start/end` → (start, end) epoch seconds."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ApiError(400, "interval is required, as ISO-8601 'start/end'", "bad.request")
    a, b = value.split("/")
    start, end = parse_time(a), parse_time(b)
    if end <= start:
        raise ApiError(400, "interval end must be after its start", "bad.request")
    return start, end


def _check_filters(filters: Any, name: str) -> list[dict[str, Any]]:
    if filters is None:
        return []
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise ApiError(400, f"{name} must be an array of filters", "bad.request")
    for f in filters:
        if f.get("type") not in ("and", "or"):
            raise ApiError(400, f"{name}[].type must be 'and' or 'or'", "bad.request")
        for p in [
            *(f.get("predicates") or []),
            *(q for c in (f.get("clauses") or []) for q in c.get("predicates") or []),
        ]:
            if not isinstance(p, dict) or p.get("operator", "matches") not in OPERATORS:
                raise ApiError(400, f"{name}: invalid predicate {p!r}", "bad.request")
            if p.get("type", "dimension") not in ("dimension", "property", "metric"):
                raise ApiError(400, f"{name}: invalid predicate type {p.get('type')!r}", "bad.request")
    return filters


def _pred(p: dict[str, Any], dims: dict[str, str | None]) -> bool:
    kind = p.get("type", "dimension")
    if kind == "metric":
        return True  # metrics are not modelled by the simulator
    value = dims.get(p.get("dimension", "")) if kind == "dimension" else None
    op = p.get("operator", "matches")
    if op == "exists":
        return value is not None
    if op == "notExists":
        return value is None
    return value is not None and value == str(p.get("value"))


def _filter(f: dict[str, Any], dims: dict[str, str | None]) -> bool:
    results = [_pred(p, dims) for p in f.get("predicates") or []]
    results += [
        _filter({"type": c.get("type", "and"), "predicates": c.get("predicates")}, dims)
        for c in f.get("clauses") or []
    ]
    if not results:
        return True
    return all(results) if f["type"] == "and" else any(results)


def _matches(
    conv: Conversation, at: float, conv_filters: list[dict[str, Any]], seg_filters: list[dict[str, Any]]
) -> bool:
    end = conv.end_time()
    cdims: dict[str, str | None] = {
        "conversationId": conv.id,
        "conversationStart": iso(conv.start),
        "conversationEnd": iso(end) if end is not None and end <= at else None,
        "externalTag": conv.external_tag,
        "originatingDirection": "inbound",
        "divisionId": conv.division_id,
        "conversationInitiator": "customer",
        "customerParticipation": "true",
    }
    if not all(_filter(f, cdims) for f in conv_filters):
        return False
    if not seg_filters:
        return True
    rows = analytics_rows(conv, at)
    return all(any(_filter(f, r) for r in rows) for f in seg_filters)


def _sort_key(order_by: str, at: float) -> Any:
    def key(conv: Conversation) -> tuple[int, float, str]:
        if order_by in ("conversationEnd", "segmentEnd"):
            end = conv.end_time()
            if end is not None and end <= at:
                return (0, end, conv.id)
            return (1, conv.start, conv.id)
        return (0, conv.start, conv.id)

    return key


def select(store: Store, body: dict[str, Any], at: float, *, by_start_day: bool) -> list[Conversation]:
    """The conversations a query/job body selects, as seen at time `at`, in the requested order."""
    istart, iend = parse_interval(body.get("interval"))
    conv_filters = _check_filters(body.get("conversationFilters"), "conversationFilters")
    seg_filters = _check_filters(body.get("segmentFilters"), "segmentFilters")
    order = body.get("order") or "asc"
    order_by = body.get("orderBy") or "conversationStart"
    if order not in ORDERS or order_by not in ORDER_BY:
        raise ApiError(400, f"order must be one of {ORDERS} and orderBy one of {ORDER_BY}", "bad.request")
    # jobs match "activity during the interval": a thread opened up to MAX_OPEN_S before it still counts
    first = day_of(istart) if by_start_day else day_of(istart - MAX_OPEN_S)
    out = []
    for conv in store.started_on_days(first, day_of(iend - 0.001)):
        if conv.start > at or conv.start >= iend:
            continue
        end = conv.end_time()
        if end is not None and end <= at and end < istart:
            continue
        if _matches(conv, at, conv_filters, seg_filters):
            out.append(conv)
    if order != "unordered":
        out.sort(key=_sort_key(order_by, at), reverse=order == "desc")
    return out


@dataclass
class _Cached:
    version: int
    at: float
    convs: list[Conversation]


@dataclass
class Job:
    id: str
    body: dict[str, Any]
    submitted: float
    ready_at: float
    results: list[Conversation] | None = None
    availability: float = 0.0
    completed: float = 0.0


class Analytics:
    """Route handlers for /api/v2/analytics/conversations/details/*."""

    def __init__(
        self,
        config: SimConfig,
        store: Store,
        properties_of: Callable[[str], Mapping[tuple[str, str], Mapping[str, dict[str, str]]]] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self._properties_of = properties_of  # indexed conversation properties (sim/properties.py)
        self.lag_s = config.analytics_lag_s
        self.jobs: dict[str, Job] = {}
        self._cache: dict[bytes, _Cached] = {}

    def _render(self, conv: Conversation, at: float, *, with_attributes: bool) -> dict[str, Any]:
        props = self._properties_of(conv.id) if self._properties_of is not None else None
        return render_analytics(conv, at, with_attributes=with_attributes, properties=props)

    def _select_cached(self, body: dict[str, Any], at: float) -> list[Conversation]:
        """Pages 2..n of a query reuse page 1's selection while nothing visible changed: O(page) each."""
        key = msgspec.json.encode({k: v for k, v in body.items() if k != "paging"}, order="sorted")
        hit = self._cache.get(key)
        if (
            hit is not None
            and hit.version == self.store.version
            and not self.store.changed_between(hit.at, at)
        ):
            return hit.convs
        convs = select(self.store, body, at, by_start_day=True)
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = _Cached(self.store.version, at, convs)
        return convs

    async def query(self, request: web.Request) -> web.Response:
        """POST …/details/query → AnalyticsConversationQueryResponse."""
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a ConversationQuery object", "bad.request")
        paging = body.get("paging") or {}
        if not isinstance(paging, dict):
            raise ApiError(400, "paging must be an object", "bad.request")
        size, number = paging.get("pageSize", 25), paging.get("pageNumber", 1)
        if not isinstance(size, int) or not isinstance(number, int) or size < 1 or number < 1:
            raise ApiError(
                400, "paging.pageSize and paging.pageNumber must be positive integers", "bad.request"
            )
        if size > self.config.analytics_max_page_size:
            raise ApiError(
                400, f"paging.pageSize must be at most {self.config.analytics_max_page_size}", "bad.request"
            )
        at = time.time() - self.lag_s
        convs = self._select_cached(body, at)
        page = convs[(number - 1) * size : number * size]
        out: dict[str, Any] = {"totalHits": len(convs)}
        if page:
            out["conversations"] = [self._render(c, at, with_attributes=False) for c in page]
        return json_response(out)

    async def conversation(self, request: web.Request) -> web.Response:
        """GET …/analytics/conversations/{conversationId}/details → AnalyticsConversationWithoutAttributes."""
        at = time.time() - self.lag_s
        conv = self.store.get(request.match_info["conversationId"])
        if conv is None or conv.start > at:
            raise ApiError(404, "The requested conversation was not found", "not.found")
        return json_response(self._render(conv, at, with_attributes=False))

    async def conversations(self, request: web.Request) -> web.Response:
        """GET …/analytics/conversations/details?id=a,b → {conversations} (unknown ids skipped)."""
        at = time.time() - self.lag_s
        ids = [i for v in request.query.getall("id", []) for i in v.split(",") if i]
        if not ids:
            raise ApiError(400, "at least one id is required", "bad.request")
        if len(ids) > 100:
            raise ApiError(400, "at most 100 ids per request", "bad.request")
        convs = [c for c in (self.store.get(i) for i in ids) if c is not None and c.start <= at]
        return json_response({"conversations": [self._render(c, at, with_attributes=False) for c in convs]})

    # ---- async jobs ------------------------------------------------------------------------------

    def _availability(self) -> float:
        return time.time() - self.config.data_availability_lag_s

    async def availability(self, request: web.Request) -> web.Response:
        return json_response({"dataAvailabilityDate": iso(self._availability())})

    async def submit(self, request: web.Request) -> web.Response:
        """POST …/details/jobs → 202 {jobId}."""
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be an AsyncConversationQuery object", "bad.request")
        parse_interval(body.get("interval"))
        _check_filters(body.get("conversationFilters"), "conversationFilters")
        _check_filters(body.get("segmentFilters"), "segmentFilters")
        if body.get("order", "asc") not in ORDERS or body.get("orderBy", "conversationStart") not in ORDER_BY:
            raise ApiError(400, "invalid order/orderBy", "bad.request")
        now = time.time()
        job = Job(id=str(uuid.uuid4()), body=body, submitted=now, ready_at=now + self.config.job_delay_s)
        self.jobs[job.id] = job
        return json_response({"jobId": job.id}, status=202)

    def _job(self, request: web.Request) -> Job:
        job = self.jobs.get(request.match_info["jobId"])
        if job is None:
            raise ApiError(404, "job not found", "not.found")
        if job.results is None and time.time() >= job.ready_at:
            job.availability = self._availability()
            convs = select(
                self.store,
                job.body,
                job.availability,
                by_start_day=bool(job.body.get("startOfDayIntervalMatching")),
            )
            limit = job.body.get("limit")
            job.results = convs[:limit] if isinstance(limit, int) and limit > 0 else convs
            job.completed = time.time()
        return job

    async def status(self, request: web.Request) -> web.Response:
        job = self._job(request)
        doc: dict[str, Any] = {
            "state": "FULFILLED" if job.results is not None else "QUEUED",
            "submissionDate": iso(job.submitted),
            "expirationDate": iso(job.submitted + 86400),
        }
        if job.results is not None:
            doc["completionDate"] = iso(job.completed)
        return json_response(doc)

    async def results(self, request: web.Request) -> web.Response:
        """GET …/jobs/{jobId}/results?cursor=&pageSize= → conversations, cursor (absent on the last page)."""
        job = self._job(request)
        if job.results is None:
            raise ApiError(400, "The job has not completed yet", "bad.request")
        try:
            size = int(request.query.get("pageSize", "100"))
            cursor = request.query.get("cursor")
            offset = int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
        except (ValueError, binascii.Error) as exc:
            raise ApiError(400, "invalid cursor or pageSize", "bad.request") from exc
        if size < 1 or size > 1000 or offset < 0:
            raise ApiError(400, "pageSize must be 1..1000", "bad.request")
        # rendered per page (as of the job's availability date) so a huge job costs O(page) per call
        page = [
            self._render(c, job.availability, with_attributes=True)
            for c in job.results[offset : offset + size]
        ]
        doc: dict[str, Any] = {"conversations": page, "dataAvailabilityDate": iso(job.availability)}
        if offset + size < len(job.results):
            doc["cursor"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return json_response(doc)

    async def delete(self, request: web.Request) -> web.Response:
        if self.jobs.pop(request.match_info["jobId"], None) is None:
            raise ApiError(404, "job not found", "not.found")
        return web.Response(status=204)
