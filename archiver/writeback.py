"""Write-back: put the archive's address onto the Genesys conversation once the archive is stored.

Modes (`writeback.mode`, docs/genesys.md "Write-back after the end"):
- "analytics-properties" indexes archiveUri/archiveSha256/archivedAt as typed analytics properties on the
  customer's session (the only write-back Genesys documents as saved after the end: visible in the analytics
  details query and exports);
- "participant-attributes" writes them onto the customer participant (accepted after the end, but analytics
  never saves attributes set after the conversation completed: only the conversation API shows them);
- "external-tag" writes `archived:<uri>` as the conversation's one external tag;
- "none" writes nothing.

The fallback chain: `writeback.fallback` is an order of preference; the configured mode falls back to the
modes listed after it (all of them when it is not listed). A mode that Genesys refuses (a 4xx other than 403,
a 404 on the properties POST included) is retried as a `WritebackFailed` (transient: the pipeline retries
only this step, the archive is already stored) until the refusal has lasted
`writeback.fallback_to_external_tag_after_s` since the first attempt, or the item reaches its last attempt:
then the next mode of the chain is written instead. Analytics not knowing the end yet is `NotReady` (a wait,
not a failure) for as long. A mode that cannot apply (no customer participant or session) falls through at
once. A 403 on the configured mode stops the worker with an error naming the permission; on a fallback mode
it is retried with that name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from archiver.config_model import WritebackConfig, WritebackMode
from archiver.errors import (
    GenesysAPIError,
    GenesysNotFound,
    GenesysPermissionError,
    NotReady,
    TransientError,
)
from archiver.genesys.models import AnalyticsConversation, AnalyticsProperty, PropertyIndexRequest
from archiver.metrics import Metrics
from archiver.queue import Lease
from archiver.transcript import decode_conversation

log = logging.getLogger("archiver.pipeline")

__all__ = ["WriteBack", "WritebackClient", "WritebackFailed", "WritebackMode", "external_tag"]

# The role permission each mode needs (README "Permissions"); the attributes PATCH declares none.
PERMISSION: dict[str, str | None] = {
    "analytics-properties": "analytics:conversationProperties:index",
    "participant-attributes": None,
    "external-tag": "conversation:externalTag:edit",
    "none": None,
}


class WritebackClient(Protocol):
    """The Genesys calls a write-back makes."""

    async def get_message_conversation_raw(self, conversation_id: str) -> bytes: ...

    async def patch_participant_attributes(
        self, conversation_id: str, participant_id: str, attributes: dict[str, str]
    ) -> None: ...

    async def put_external_tag(self, conversation_id: str, tag: str) -> None: ...

    async def get_analytics_conversation(self, conversation_id: str) -> AnalyticsConversation: ...

    async def index_conversation_properties(
        self, conversation_id: str, request: PropertyIndexRequest
    ) -> None: ...


class WritebackFailed(TransientError):
    """Genesys refused the write-back; retried on its own (the archive is already stored)."""


class _Skip(Exception):
    """This mode cannot apply to this conversation (no customer participant / session): try the next."""


def external_tag(uri: str) -> str:
    """The external-tag write-back value (one string per conversation, so it names the archive)."""
    return f"archived:{uri}"


def analytics_time(value: str | datetime) -> str:
    """RFC 3339 UTC with milliseconds (`yyyy-MM-ddTHH:mm:ss.mmmZ`), the form analytics dates take."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    dt = dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def property_request(
    conv: AnalyticsConversation, customer: str | None, uri: str, sha256: str, archived_at: str
) -> PropertyIndexRequest:
    """The PropertyIndexRequest for the customer's session, targeted at the conversation's end.

    The customer session is the one of the customer participant (matched by id, else by purpose); its
    target is the conversation end, or the end of the session's last segment when the customer left earlier
    (the point must fall inside a segment of that session). Raises _Skip when analytics has no such session,
    NotReady while analytics has not recorded the end yet (it arrives late: waiting is not failing).
    """
    parts = [p for p in conv.participants if customer is not None and p.participant_id == customer]
    parts = parts or [p for p in conv.participants if p.purpose == "customer"]
    sessions = [(s.session_id, s) for p in parts for s in p.sessions if s.session_id]
    if not sessions:
        raise _Skip("no customer session in analytics")
    if conv.conversation_end is None:
        raise NotReady(f"analytics has not recorded the end of {conv.conversation_id} yet")
    session_id, session = sessions[-1]
    ends = [s.segment_end for s in session.segments if s.segment_end is not None]
    target = min([conv.conversation_end, *ends[-1:]])
    props = [
        AnalyticsProperty("archiveUri", "string", uri),
        AnalyticsProperty("archiveSha256", "string", sha256),
        AnalyticsProperty("archivedAt", "date", analytics_time(archived_at)),
    ]
    return PropertyIndexRequest(session_id, analytics_time(target), props)


def chain_of(mode: WritebackMode, fallback: Sequence[WritebackMode]) -> list[WritebackMode]:
    """The modes tried in order: the configured one, then the fallbacks listed after it.

    `fallback` is an order of preference: a mode it lists falls back only to the modes listed after it, a
    mode it does not list to all of them. So with the default list (attributes, then the external tag),
    "participant-attributes" falls back to the tag and "external-tag" to nothing, exactly as before the
    list existed; "none" writes nothing.
    """
    if mode == "none":
        return []
    rest = list(fallback[fallback.index(mode) + 1 :] if mode in fallback else fallback)
    out: list[WritebackMode] = [mode]
    for m in rest:
        if m != "none" and m not in out:
            out.append(m)
    return out


class WriteBack:
    """Writes an archive's address back in the configured mode, falling back along the configured chain."""

    def __init__(
        self,
        client: WritebackClient,
        metrics: Metrics,
        config: WritebackConfig,
        *,
        max_attempts: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`config` is the `[writeback]` section; `max_attempts` the queue's (the last attempt falls back)."""
        self._client, self._metrics = client, metrics
        # Unix time; how long a mode has been refused is measured on it (tests move it instead of waiting).
        self.clock = clock
        self.mode: WritebackMode = config.mode
        self._fallback_after_s = config.fallback_to_external_tag_after_s
        self._max_attempts = max_attempts
        # fallback_after_s = 0 keeps its old meaning: never fall back (refusals are retried until dead)
        self.chain = chain_of(config.mode, config.fallback if self._fallback_after_s > 0 else ())

    async def customer_participant(self, cid: str) -> str | None:
        """The customer participant (looked up only when a mode of the chain needs it)."""
        if not {"participant-attributes", "analytics-properties"} & set(self.chain):
            return None
        raw = await self._client.get_message_conversation_raw(cid)
        return decode_conversation(raw).customer_participant_id

    async def write(
        self, lease: Lease, customer: str | None, uri: str, sha256: str, archived_at: str
    ) -> None:
        """Write back along the chain; 403 on the configured mode and 404 on the conversation propagate."""
        if not self.chain:
            return
        t0 = time.monotonic()
        try:
            mode = await self._write_chain(lease, customer, uri, sha256, archived_at)
        finally:
            self._metrics.stage_seconds.labels("writeback").observe(time.monotonic() - t0)
        if mode is not None:
            self._metrics.writebacks.labels(mode).inc()

    async def _write_chain(
        self, lease: Lease, customer: str | None, uri: str, sha256: str, archived_at: str
    ) -> WritebackMode | None:
        cid = lease.conversation_id
        for i, mode in enumerate(self.chain):
            last = i == len(self.chain) - 1
            try:
                await self._write_as(mode, cid, customer, uri, sha256, archived_at)
                return mode
            except _Skip as why:
                if last:
                    log.warning("writeback_skipped id=%s mode=%s reason=%s", cid, mode, why)
                    return None
                log.warning("writeback_fallback id=%s mode=%s reason=%s", cid, mode, why)
            except GenesysPermissionError as exc:
                raise self._permission_error(mode, i, cid, exc) from exc
            except NotReady as exc:
                # Analytics has not caught up with the end yet: wait (no attempt counted) — unless that has
                # gone on for as long as a refusal may before the next mode is written.
                if last or not self._fall_back(lease):
                    raise
                log.warning("writeback_fallback id=%s mode=%s reason=not_ready: %s", cid, mode, exc)
            except (GenesysAPIError, WritebackFailed) as exc:
                if isinstance(exc, GenesysNotFound) and mode != "analytics-properties":
                    raise  # the conversation itself is gone
                if last or not self._fall_back(lease):
                    # Refused (e.g. not accepted right now): the archive is stored; retry only this step.
                    raise WritebackFailed(f"cannot write back archive of {cid} as {mode}: {exc}") from exc
                # Refused for long: the next mode still carries the archive's address onto the conversation.
                log.warning(
                    "writeback_fallback id=%s mode=%s reason=refused attempts=%d status=%s",
                    cid,
                    mode,
                    lease.attempts,
                    getattr(exc, "status", "-"),
                )
        return None

    async def _write_as(
        self, mode: WritebackMode, cid: str, customer: str | None, uri: str, sha256: str, archived_at: str
    ) -> None:
        if mode == "analytics-properties":
            try:
                conv = await self._client.get_analytics_conversation(cid)
            except GenesysNotFound as exc:
                # The conversation exists (its transcript was just read): analytics has not indexed it yet.
                raise NotReady(f"analytics does not know {cid} yet") from exc
            request = property_request(conv, customer, uri, sha256, archived_at)
            await self._client.index_conversation_properties(cid, request)
        elif mode == "participant-attributes":
            if customer is None:
                raise _Skip("no customer participant")
            attrs = {"archiveUri": uri, "archiveSha256": sha256, "archivedAt": archived_at}
            await self._client.patch_participant_attributes(cid, customer, attrs)
        elif mode == "external-tag":
            await self._client.put_external_tag(cid, external_tag(uri))

    def _permission_error(
        self, mode: WritebackMode, i: int, cid: str, exc: GenesysPermissionError
    ) -> Exception:
        permission = PERMISSION[mode] or "the permission Genesys names"
        if i == 0:
            # The configured mode cannot work: stop and say which permission to grant.
            return GenesysPermissionError(
                f"cannot write back archive of {cid} as {mode}: the OAuth client's role lacks {permission}"
                f" (grant it, or choose another writeback.mode): {exc}",
                status=exc.status,
                code=exc.code,
                context_id=exc.context_id,
            )
        # Only a fallback needs this permission: keep the worker running, leave this item to retry.
        return WritebackFailed(
            f"cannot write back archive of {cid} as {mode} (fallback): {exc}; grant {permission}, or remove"
            f" {mode!r} from writeback.fallback"
        )

    def _fall_back(self, lease: Lease) -> bool:
        # A refusal for a minute (an outage) is retried; one that lasts, or reaches the last attempt, is not.
        if self._fallback_after_s <= 0:
            return False
        return (
            lease.attempts >= self._max_attempts
            or self.clock() - lease.first_leased_at >= self._fallback_after_s
        )
