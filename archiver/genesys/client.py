"""Genesys Cloud REST client: the endpoints the archiver uses (docs/genesys.md), over one budget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import msgspec

from archiver.errors import GenesysTransientError, NotReady
from archiver.genesys.analytics import as_utc, descending, format_interval, webmessaging_filters
from archiver.genesys.auth import TokenManager
from archiver.genesys.models import (
    AnalyticsConversation,
    AnalyticsPage,
    Channel,
    ChannelListing,
    ChannelTopic,
    ChannelTopicListing,
    Conversation,
    DataAvailability,
    JobResults,
    JobStatus,
    JobSubmitted,
    MessageConversation,
    Queue,
    QueueListing,
    is_conversation_id,
)
from archiver.genesys.ratelimit import RateBudget
from archiver.genesys.settings import GenesysSettings
from archiver.genesys.transport import ClientStats, Transport

log = logging.getLogger(__name__)

__all__ = ["BULK_MAX_IDS", "GenesysClient", "format_interval", "webmessaging_filters"]

T = TypeVar("T")
BULK_MAX_IDS = 1000  # docs/genesys.md#transcripts
QUEUE_PAGE_SIZE = 100
_DECODERS: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_JOB_DONE_STATES = frozenset({"FULFILLED"})
_JOB_FAILED_STATES = frozenset({"FAILED", "CANCELLED", "EXPIRED"})


def _decode(kind: type[T], body: bytes, what: str) -> T:
    dec = _DECODERS.get(kind)
    if dec is None:
        dec = _DECODERS[kind] = msgspec.json.Decoder(kind)
    try:
        return dec.decode(body)  # type: ignore[no-any-return]
    except msgspec.DecodeError as exc:
        # A proxy's HTML error page or a truncated body: worth retrying later, not fatal.
        raise GenesysTransientError(f"cannot {what}: unexpected response shape ({exc})") from exc


def _seg(value: str) -> str:
    return quote(value, safe="")


class GenesysClient:
    """One per process: the token manager, the shared rate budget and every REST call the worker makes."""

    def __init__(self, settings: GenesysSettings, session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self._session = session
        self._owns_session = session is None
        self._tokens: TokenManager | None = None
        self._transport: Transport | None = None
        self.budget = RateBudget(settings.rate_limit_per_min, settings.rate_window_s)

    def __repr__(self) -> str:
        return f"GenesysClient(api={self.settings.hosts().api!r})"

    async def start(self) -> None:
        """Open the HTTP session (TLS verification stays on; plain http is allowed only for loopback)."""
        if self._transport is not None:
            return
        if self._session is None:
            self._session = aiohttp.ClientSession(raise_for_status=False)
        self._tokens = TokenManager(self.settings, self._session)
        self._transport = Transport(self.settings, self._session, self._tokens, self.budget)

    async def close(self) -> None:
        """Close what start() opened."""
        if self._tokens is not None:
            await self._tokens.close()
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
        self._transport = None
        self._tokens = None

    async def __aenter__(self) -> GenesysClient:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("GenesysClient.start() has not been awaited")
        return self._session

    @property
    def tokens(self) -> TokenManager:
        if self._tokens is None:
            raise RuntimeError("GenesysClient.start() has not been awaited")
        return self._tokens

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            raise RuntimeError("GenesysClient.start() has not been awaited")
        return self._transport

    @property
    def stats(self) -> ClientStats:
        """Request, 429 and retry counters."""
        return self.transport.stats

    # --- routing ---

    async def list_queues(self) -> list[Queue]:
        """Every routing queue of the org (all pages)."""
        queues: list[Queue] = []
        page = 1
        while True:
            params = {"pageSize": str(QUEUE_PAGE_SIZE), "pageNumber": str(page)}
            resp = await self.transport.call("GET", "/api/v2/routing/queues", "list queues", params=params)
            listing = _decode(QueueListing, resp.body, "list queues")
            queues += listing.entities
            if not listing.entities:
                break
            if listing.page_count is not None:
                if page >= listing.page_count:
                    break
            elif len(listing.entities) < QUEUE_PAGE_SIZE:
                break
            page += 1
        return list({q.id: q for q in queues}.values())

    # --- conversations ---

    async def get_message_conversation_raw(self, conversation_id: str) -> bytes:
        """`GET /api/v2/conversations/messages/{id}`: the raw JSON body."""
        resp = await self.transport.call(
            "GET", f"/api/v2/conversations/messages/{_seg(conversation_id)}", "get message conversation"
        )
        return resp.body

    async def get_message_conversation(self, conversation_id: str) -> MessageConversation:
        """The message conversation, decoded (participants, message ids, ended or not)."""
        raw = await self.get_message_conversation_raw(conversation_id)
        return _decode(MessageConversation, raw, "get message conversation")

    async def bulk_messages_raw(self, conversation_id: str, message_ids: Sequence[str]) -> list[bytes]:
        """`POST …/messages/bulk` in chunks of ≤1000 ids; one raw `TextMessageListing` body per chunk."""
        ids = list(dict.fromkeys(message_ids))
        path = f"/api/v2/conversations/messages/{_seg(conversation_id)}/messages/bulk"
        bodies: list[bytes] = []
        for i in range(0, len(ids), BULK_MAX_IDS):
            resp = await self.transport.call(
                "POST",
                path,
                "get conversation messages",
                params={"useNormalizedMessage": "true"},
                json=ids[i : i + BULK_MAX_IDS],
            )
            bodies.append(resp.body)
        return bodies

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """`GET /api/v2/conversations/{id}` (endTime is None while active)."""
        resp = await self.transport.call(
            "GET", f"/api/v2/conversations/{_seg(conversation_id)}", "get conversation"
        )
        return _decode(Conversation, resp.body, "get conversation")

    async def get_recordings_raw(self, conversation_id: str, max_wait_ms: int = 5000) -> bytes:
        """`GET /api/v2/conversations/{id}/recordings`; raises NotReady while Genesys answers 202."""
        resp = await self.transport.call(
            "GET",
            f"/api/v2/conversations/{_seg(conversation_id)}/recordings",
            "get recordings",
            params={"maxWaitMs": str(max_wait_ms)},
            ok=(200, 202),
        )
        if resp.status == 202:
            raise NotReady(f"cannot get recordings of {conversation_id}: still processing (202)")
        return resp.body

    async def patch_participant_attributes(
        self, conversation_id: str, participant_id: str, attributes: dict[str, str]
    ) -> None:
        """`PATCH …/messages/{id}/participants/{pid}/attributes` (202); idempotent for the same values."""
        path = (
            f"/api/v2/conversations/messages/{_seg(conversation_id)}"
            f"/participants/{_seg(participant_id)}/attributes"
        )
        await self.transport.call(
            "PATCH", path, "write participant attributes", json={"attributes": attributes}, ok=(200, 202, 204)
        )

    async def put_external_tag(self, conversation_id: str, tag: str) -> None:
        """`PUT /api/v2/conversations/{id}/tags` with `{"externalTag": tag}` (one string; overwrites)."""
        await self.transport.call(
            "PUT",
            f"/api/v2/conversations/{_seg(conversation_id)}/tags",
            "write external tag",
            json={"externalTag": tag},
            ok=(200, 202, 204),
        )

    async def put_tags(self, conversation_id: str, tags: Sequence[str] | str) -> None:
        """External-tag write-back: Genesys keeps ONE tag string, so several tags are joined with spaces."""
        await self.put_external_tag(conversation_id, tags if isinstance(tags, str) else " ".join(tags))

    # --- notifications ---

    async def create_channel(self) -> Channel:
        """`POST /api/v2/notifications/channels`."""
        resp = await self.transport.call(
            "POST", "/api/v2/notifications/channels", "create notification channel"
        )
        return _decode(Channel, resp.body, "create notification channel")

    async def list_channels(self) -> list[Channel]:
        """`GET /api/v2/notifications/channels` (this token's channels)."""
        resp = await self.transport.call(
            "GET", "/api/v2/notifications/channels", "list notification channels"
        )
        return _decode(ChannelListing, resp.body, "list notification channels").entities

    async def put_subscriptions(self, channel_id: str, topics: Sequence[str]) -> list[ChannelTopic]:
        """Replace a channel's subscriptions (`PUT`, ≤1000 topics); returns each topic's state."""
        resp = await self.transport.call(
            "PUT",
            f"/api/v2/notifications/channels/{_seg(channel_id)}/subscriptions",
            "subscribe to queue topics",
            params={"ignoreErrors": "true"},
            json=[{"id": t} for t in topics],
        )
        return _decode(ChannelTopicListing, resp.body, "subscribe to queue topics").entities

    # --- analytics ---

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
        return _decode(AnalyticsPage, resp.body, "query conversation details")

    async def iter_ended_webmessaging(
        self,
        start: datetime,
        end: datetime,
        *,
        page_size: int = 100,
        lookback: timedelta = timedelta(days=3),
    ) -> AsyncIterator[AnalyticsConversation]:
        """Web messaging conversations that ENDED in [start, end), each once.

        The query interval matches conversations that *started* on a day it touches, so it is widened by
        `lookback` (the longest a conversation may stay open) and conversationEnd is checked here.
        """
        start, end = as_utc(start), as_utc(end)
        interval = format_interval(start - lookback, end)
        seen: set[str] = set()
        page = 1
        while True:
            result = await self.analytics_query(
                interval, page, page_size, order_by="conversationEnd", order="desc"
            )
            convs = result.conversations
            for c in convs:
                ce = c.conversation_end
                if ce is None or c.conversation_id in seen:
                    continue
                if not is_conversation_id(c.conversation_id):
                    # One hostile row must not fail the whole sweep (the queue refuses it) or become a name.
                    log.warning("analytics_bad_conversation_id id=%.40r", c.conversation_id)
                    continue
                ce = ce if ce.tzinfo else ce.replace(tzinfo=UTC)
                if not (start <= ce < end):
                    continue
                if c.message_types and "webmessaging" not in c.message_types:
                    continue
                seen.add(c.conversation_id)
                yield c
            if len(convs) < page_size:
                return
            # Sorted newest-first: once a page reaches before `start`, later pages are older still.
            ends = [c.conversation_end for c in convs if c.conversation_end is not None]
            if ends and descending(ends) and as_utc(ends[-1]) < start:
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
        return _decode(JobSubmitted, resp.body, "submit details job").job_id

    async def job_status(self, job_id: str) -> JobStatus:
        """`GET …/details/jobs/{id}`."""
        resp = await self.transport.call(
            "GET", f"/api/v2/analytics/conversations/details/jobs/{_seg(job_id)}", "read details job state"
        )
        return _decode(JobStatus, resp.body, "read details job state")

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
            f"/api/v2/analytics/conversations/details/jobs/{_seg(job_id)}/results",
            "read details job results",
            params=params,
        )
        return _decode(JobResults, resp.body, "read details job results")

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
        return _decode(DataAvailability, resp.body, "read data availability").data_availability_date
