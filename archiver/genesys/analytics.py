"""Analytics endpoints of the client: the details query, the walk over conversations that ended in a window,
and the async details jobs; with their helpers (interval strings, web messaging filters)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from archiver.errors import GenesysTransientError
from archiver.genesys.models import (
    AnalyticsConversation,
    AnalyticsPage,
    DataAvailability,
    JobResults,
    JobStatus,
    JobSubmitted,
    decode,
    seg,
)
from archiver.ids import is_conversation_id

if TYPE_CHECKING:
    from archiver.genesys.transport import Transport

log = logging.getLogger(__name__)

_JOB_DONE_STATES = frozenset({"FULFILLED"})
_JOB_FAILED_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})

# Web messaging threads stay open for days and rarely past 30: a query for conversations that ENDED in a
# window must reach this far back, because its interval selects by START (docs/genesys.md, "Long-lived
# conversations and the reconciler window").
DEFAULT_MAX_AGE_DAYS = 31.0


@dataclass
class PageWalk:
    """What one walk over the details query's pages did: the cost, and whether it saw its whole window."""

    pages: int = 0  # requests made
    last_page: int = 0  # the page number read last
    complete: bool = False  # reached below the window's start (or the last page): nothing was skipped
    capped: bool = False  # stopped at the page cap: conversations that ended before `oldest_end` unseen
    oldest_end: datetime | None = None  # the lowest conversationEnd on the pages read
    ordered: bool = True  # every page read was sorted by conversationEnd, newest first


def format_interval(start: datetime, end: datetime) -> str:
    """ISO-8601 `start/end` in UTC with milliseconds, as the analytics API expects."""

    def iso(d: datetime) -> str:
        d = d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"

    return f"{iso(start)}/{iso(end)}"


def webmessaging_filters(ended_only: bool = True) -> dict[str, Any]:
    """conversationEnd exists + mediaType=message + messageType=webmessaging."""
    filters: dict[str, Any] = {
        "segmentFilters": [
            {
                "type": "and",
                "predicates": [
                    {
                        "type": "dimension",
                        "dimension": "mediaType",
                        "operator": "matches",
                        "value": "message",
                    },
                    {
                        "type": "dimension",
                        "dimension": "messageType",
                        "operator": "matches",
                        "value": "webmessaging",
                    },
                ],
            }
        ]
    }
    if ended_only:
        filters["conversationFilters"] = [
            {
                "type": "and",
                "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}],
            }
        ]
    return filters


def as_utc(d: datetime) -> datetime:
    """Naive datetimes from a server are UTC."""
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def descending(values: list[datetime]) -> bool:
    """True when the values never increase."""
    return all(as_utc(a) >= as_utc(b) for a, b in itertools.pairwise(values))


class AnalyticsEndpoints:
    """The analytics calls of `GenesysClient` (a mixin: it supplies `transport`)."""

    @property
    def transport(self) -> Transport:
        raise NotImplementedError

    async def analytics_query(
        self,
        interval: str,
        page: int = 1,
        page_size: int = 100,
        *,
        ended_only: bool = True,
        order_by: str = "conversationEnd",
        order: str = "asc",
        filters: dict[str, Any] | None = None,
    ) -> AnalyticsPage:
        """One page of `POST …/analytics/conversations/details/query` (web messaging filters by default)."""
        body: dict[str, Any] = {
            "interval": interval,
            "order": order,
            "orderBy": order_by,
            "paging": {"pageSize": page_size, "pageNumber": page},
        }
        body.update(filters if filters is not None else webmessaging_filters(ended_only))
        resp = await self.transport.call(
            "POST", "/api/v2/analytics/conversations/details/query", "query conversation details", json=body
        )
        return decode(AnalyticsPage, resp.body, "query conversation details")

    async def iter_ended_webmessaging(
        self,
        start: datetime,
        end: datetime,
        *,
        page_size: int = 100,
        lookback: timedelta = timedelta(days=DEFAULT_MAX_AGE_DAYS),
        max_pages: int | None = None,
        walk: PageWalk | None = None,
        first_page: int = 1,
        above: datetime | None = None,
    ) -> AsyncIterator[AnalyticsConversation]:
        """Web messaging conversations that ENDED in [start, end), each once, newest end first.

        The query interval matches conversations that *started* on a day it touches, so it reaches back
        `lookback` (the longest a thread stays open) before `start`, sorted by conversationEnd descending,
        and paging stops once a page's ends fall below `start` — or after `max_pages`; `walk` records the
        pages read and whether the window was seen completely (docs/genesys.md, "Long-lived conversations
        and the reconciler window").

        `first_page` resumes a capped walk whose pages down to `above` were already read: the walk starts
        there if that page's first conversation ended at or after `above` (nothing below `above` can be on
        an earlier page), else it steps back a page at a time.
        """
        start, end = as_utc(start), as_utc(end)
        walk = walk if walk is not None else PageWalk()
        interval = format_interval(start - lookback, end)
        seen: set[str] = set()
        page = max(1, first_page)
        previous_low: datetime | None = None
        while True:
            if max_pages is not None and walk.pages >= max_pages:
                walk.capped = True
                return
            result = await self.analytics_query(
                interval, page, page_size, order_by="conversationEnd", order="desc"
            )
            walk.pages += 1
            convs = result.conversations
            ends = [as_utc(c.conversation_end) for c in convs if c.conversation_end is not None]
            if page > 1 and above is not None and previous_low is None and not (ends and ends[0] >= above):
                page -= 1  # overshot (conversations vanished since the capped walk): step back
                continue
            walk.last_page = page
            if ends:
                if not descending(ends) or (previous_low is not None and ends[0] > previous_low):
                    walk.ordered = False
                previous_low = ends[-1]
                low = min(ends)
                walk.oldest_end = low if walk.oldest_end is None else min(walk.oldest_end, low)
            for c in convs:
                ce = c.conversation_end
                if ce is None or c.conversation_id in seen:
                    continue
                if not is_conversation_id(c.conversation_id):
                    # One hostile row must not fail the whole sweep (the queue refuses it) or become a name.
                    log.warning("analytics_bad_conversation_id id=%.40r", c.conversation_id)
                    continue
                ce = as_utc(ce)
                if not (start <= ce < end):
                    continue
                if c.message_types and "webmessaging" not in c.message_types:
                    continue
                seen.add(c.conversation_id)
                yield c
            if len(convs) < page_size:
                walk.complete = True
                return
            # Sorted newest-first: once a page reaches before `start`, later pages are older still.
            if ends and walk.ordered and ends[-1] < start:
                walk.complete = True
                return
            page += 1

    async def submit_details_job(
        self, interval: str, *, ended_only: bool = True, filters: dict[str, Any] | None = None
    ) -> str:
        """`POST …/details/jobs` (202); returns the job id."""
        body: dict[str, Any] = {"interval": interval, "order": "asc", "orderBy": "conversationStart"}
        body.update(filters if filters is not None else webmessaging_filters(ended_only))
        resp = await self.transport.call(
            "POST",
            "/api/v2/analytics/conversations/details/jobs",
            "submit details job",
            json=body,
            ok=(200, 202),
        )
        return decode(JobSubmitted, resp.body, "submit details job").job_id

    async def job_status(self, job_id: str) -> JobStatus:
        """`GET …/details/jobs/{id}`."""
        resp = await self.transport.call(
            "GET", f"/api/v2/analytics/conversations/details/jobs/{seg(job_id)}", "read details job state"
        )
        return decode(JobStatus, resp.body, "read details job state")

    async def wait_job(self, job_id: str, *, poll_s: float = 2.0, timeout_s: float = 3600.0) -> JobStatus:
        """Poll until FULFILLED; FAILED/CANCELLED/EXPIRED or the timeout raise GenesysTransientError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            status = await self.job_status(job_id)
            if status.state in _JOB_DONE_STATES:
                return status
            if status.state in _JOB_FAILED_STATES:
                raise GenesysTransientError(
                    f"cannot run details job {job_id}: {status.state} ({status.error_message or 'no reason'})"
                )
            if loop.time() >= deadline:
                raise GenesysTransientError(f"cannot run details job {job_id}: still {status.state}")
            await asyncio.sleep(poll_s)

    async def job_results(
        self, job_id: str, cursor: str | None = None, page_size: int | None = None
    ) -> JobResults:
        """One cursor page of a fulfilled job's results."""
        params: dict[str, str] = {}
        if cursor:
            params["cursor"] = cursor
        if page_size:
            params["pageSize"] = str(page_size)
        resp = await self.transport.call(
            "GET",
            f"/api/v2/analytics/conversations/details/jobs/{seg(job_id)}/results",
            "read details job results",
            params=params,
        )
        return decode(JobResults, resp.body, "read details job results")

    async def iter_job_results(self, job_id: str, page_size: int | None = None) -> AsyncIterator[JobResults]:
        """Every cursor page of a fulfilled job."""
        cursor: str | None = None
        while True:
            page = await self.job_results(job_id, cursor, page_size)
            yield page
            if not page.cursor or page.cursor == cursor:
                return
            cursor = page.cursor

    async def data_availability(self) -> datetime | None:
        """`GET …/details/jobs/availability`: data before this instant is in the datalake."""
        resp = await self.transport.call(
            "GET", "/api/v2/analytics/conversations/details/jobs/availability", "read data availability"
        )
        return decode(DataAvailability, resp.body, "read data availability").data_availability_date
