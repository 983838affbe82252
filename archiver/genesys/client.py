"""Genesys Cloud REST client: the endpoints the archiver uses, over one shared rate budget."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType

import aiohttp

from archiver.errors import GenesysAPIError, NotReady
from archiver.genesys.analytics import AnalyticsEndpoints, format_interval, webmessaging_filters
from archiver.genesys.auth import TokenManager
from archiver.genesys.models import (
    AnalyticsConversation,
    Channel,
    ChannelListing,
    ChannelTopic,
    ChannelTopicListing,
    PropertyIndexRequest,
    Queue,
    QueueListing,
    decode,
    seg,
)
from archiver.genesys.ratelimit import RateBudget
from archiver.genesys.settings import GenesysSettings
from archiver.genesys.transport import ClientStats, Transport

log = logging.getLogger(__name__)

__all__ = ["BULK_MAX_IDS", "GenesysClient", "format_interval", "webmessaging_filters"]

BULK_MAX_IDS = 1000  # the documented maximum of ids per messages/bulk request
QUEUE_PAGE_SIZE = 100


_TOO_LARGE_CODES = frozenset({"request.entity.too.large", "response.entity.too.large"})


def _too_large(exc: GenesysAPIError) -> bool:
    """413, or a 400 whose ErrorBody code says the request or its answer is over the size limit."""
    return exc.status == 413 or exc.code in _TOO_LARGE_CODES


class GenesysClient(AnalyticsEndpoints):
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

    async def bearer_token(self) -> str:
        """A current access token, for the attachment downloader (archiver/attachments/fetch.py), which
        sends it to the Genesys API host only."""
        if self._tokens is None:
            await self.start()
        assert self._tokens is not None
        return await self._tokens.token()

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
            listing = decode(QueueListing, resp.body, "list queues")
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
            "GET", f"/api/v2/conversations/messages/{seg(conversation_id)}", "get message conversation"
        )
        return resp.body

    async def bulk_messages_raw(self, conversation_id: str, message_ids: Sequence[str]) -> list[bytes]:
        """`POST …/messages/bulk` in chunks of ≤1000 ids; one raw `TextMessageListing` body per chunk.

        A chunk Genesys finds too large (413, or 400 `response.entity.too.large`: the answer would exceed its
        size limit — long texts, many attachments) is halved and retried, down to a single id; a single
        message still refused is a permanent error (docs/genesys.md, "Rate limits: Retry-After and 413").
        """
        ids = list(dict.fromkeys(message_ids))
        path = f"/api/v2/conversations/messages/{seg(conversation_id)}/messages/bulk"
        bodies: list[bytes] = []
        size, i = BULK_MAX_IDS, 0
        while i < len(ids):
            chunk = ids[i : i + size]
            try:
                resp = await self.transport.call(
                    "POST",
                    path,
                    "get conversation messages",
                    params={"useNormalizedMessage": "true"},
                    json=chunk,
                )
            except GenesysAPIError as exc:
                if not _too_large(exc):
                    raise
                if len(chunk) == 1:
                    raise GenesysAPIError(
                        f"cannot get conversation messages of {conversation_id}: Genesys refuses even a "
                        "single message as too large",
                        status=exc.status,
                        code=exc.code,
                        context_id=exc.context_id,
                    ) from exc
                size = max(1, len(chunk) // 2)
                log.info(
                    "genesys_bulk_too_large conversation=%s status=%d ids=%d retry_with=%d",
                    conversation_id,
                    exc.status,
                    len(chunk),
                    size,
                )
                continue
            bodies.append(resp.body)
            i += len(chunk)
        return bodies

    async def get_recordings_raw(self, conversation_id: str, max_wait_ms: int = 5000) -> bytes:
        """`GET /api/v2/conversations/{id}/recordings`; raises NotReady while Genesys answers 202."""
        resp = await self.transport.call(
            "GET",
            f"/api/v2/conversations/{seg(conversation_id)}/recordings",
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
            f"/api/v2/conversations/messages/{seg(conversation_id)}"
            f"/participants/{seg(participant_id)}/attributes"
        )
        await self.transport.call(
            "PATCH", path, "write participant attributes", json={"attributes": attributes}, ok=(200, 202, 204)
        )

    async def put_external_tag(self, conversation_id: str, tag: str) -> None:
        """`PUT /api/v2/conversations/{id}/tags` with `{"externalTag": tag}` (one string; overwrites)."""
        await self.transport.call(
            "PUT",
            f"/api/v2/conversations/{seg(conversation_id)}/tags",
            "write external tag",
            json={"externalTag": tag},
            ok=(200, 202, 204),
        )

    async def get_analytics_conversation(self, conversation_id: str) -> AnalyticsConversation:
        """`GET /api/v2/analytics/conversations/{id}/details`: sessions, segments, indexed properties."""
        resp = await self.transport.call(
            "GET",
            f"/api/v2/analytics/conversations/{seg(conversation_id)}/details",
            "get analytics conversation",
        )
        return decode(AnalyticsConversation, resp.body, "get analytics conversation")

    async def index_conversation_properties(
        self, conversation_id: str, request: PropertyIndexRequest
    ) -> None:
        """`POST /api/v2/analytics/conversations/{id}/details/properties` (202 "Accepted - Indexing
        properties"); needs `analytics:conversationProperties:index`. The same request again is harmless:
        a property indexed twice on a segment keeps one value."""
        await self.transport.call(
            "POST",
            f"/api/v2/analytics/conversations/{seg(conversation_id)}/details/properties",
            "index conversation properties",
            json=request,
            ok=(200, 202, 204),
        )

    # --- notifications ---

    async def create_channel(self) -> Channel:
        """`POST /api/v2/notifications/channels`."""
        resp = await self.transport.call(
            "POST", "/api/v2/notifications/channels", "create notification channel"
        )
        return decode(Channel, resp.body, "create notification channel")

    async def list_channels(self) -> list[Channel]:
        """`GET /api/v2/notifications/channels` (this token's channels)."""
        resp = await self.transport.call(
            "GET", "/api/v2/notifications/channels", "list notification channels"
        )
        return decode(ChannelListing, resp.body, "list notification channels").entities

    async def put_subscriptions(self, channel_id: str, topics: Sequence[str]) -> list[ChannelTopic]:
        """Replace a channel's subscriptions (`PUT`, ≤1000 topics); returns each topic's state."""
        resp = await self.transport.call(
            "PUT",
            f"/api/v2/notifications/channels/{seg(channel_id)}/subscriptions",
            "subscribe to queue topics",
            params={"ignoreErrors": "true"},
            json=[{"id": t} for t in topics],
        )
        return decode(ChannelTopicListing, resp.body, "subscribe to queue topics").entities
