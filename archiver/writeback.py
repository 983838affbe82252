"""Write-back: put the archive's address onto the Genesys conversation once the archive is stored.

Modes (`writeback.mode`): "participant-attributes" writes archiveUri/archiveSha256/archivedAt onto the
customer participant; "external-tag" writes `archived:<uri>` as the conversation's one external tag; "none"
writes nothing. In attribute mode a refusal (a 4xx other than 403/404) that lasts longer than
`writeback.fallback_to_external_tag_after_s`, or reaches the last attempt, falls back to the external tag,
as does a conversation without a customer participant. A refusal is a `WritebackFailed` (transient): the
pipeline retries only this step, because the archive is already stored.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from archiver.config_model import WritebackConfig, WritebackMode
from archiver.errors import GenesysAPIError, GenesysNotFound, GenesysPermissionError, TransientError
from archiver.metrics import Metrics
from archiver.queue import Lease
from archiver.transcript import decode_conversation

log = logging.getLogger("archiver.pipeline")

__all__ = ["WriteBack", "WritebackClient", "WritebackFailed", "WritebackMode", "external_tag"]


class WritebackClient(Protocol):
    """The Genesys calls a write-back makes."""

    async def get_message_conversation_raw(self, conversation_id: str) -> bytes: ...

    async def patch_participant_attributes(
        self, conversation_id: str, participant_id: str, attributes: dict[str, str]
    ) -> None: ...

    async def put_external_tag(self, conversation_id: str, tag: str) -> None: ...


class WritebackFailed(TransientError):
    """Genesys refused the write-back; retried on its own (the archive is already stored)."""


def external_tag(uri: str) -> str:
    """The external-tag write-back value (one string per conversation, so it names the archive)."""
    return f"archived:{uri}"


class WriteBack:
    """Writes an archive's address back in the configured mode, falling back to the external tag."""

    def __init__(
        self,
        client: WritebackClient,
        metrics: Metrics,
        config: WritebackConfig,
        *,
        max_attempts: int,
    ) -> None:
        """`config` is the `[writeback]` section; `max_attempts` the queue's (the last attempt falls back)."""
        self._client, self._metrics = client, metrics
        self.mode: WritebackMode = config.mode
        self._fallback_after_s = config.fallback_to_external_tag_after_s
        self._max_attempts = max_attempts

    async def customer_participant(self, cid: str) -> str | None:
        """The participant to write attributes onto (looked up only when the mode needs it)."""
        if self.mode != "participant-attributes":
            return None
        raw = await self._client.get_message_conversation_raw(cid)
        return decode_conversation(raw).customer_participant_id

    async def write(
        self, lease: Lease, customer: str | None, uri: str, sha256: str, archived_at: str
    ) -> None:
        """Write back; 403/404 propagate, any other refusal is a WritebackFailed to retry later."""
        if self.mode == "none":
            return
        t0 = time.monotonic()
        try:
            mode = await self._write_as(lease, customer, uri, sha256, archived_at)
        except (GenesysNotFound, GenesysPermissionError):
            raise
        except GenesysAPIError as exc:
            # Refused (e.g. not accepted right now): the archive is stored; retry only this step.
            raise WritebackFailed(f"cannot write back archive of {lease.conversation_id}: {exc}") from exc
        finally:
            self._metrics.stage_seconds.labels("writeback").observe(time.monotonic() - t0)
        if mode is not None:
            self._metrics.writebacks.labels(mode).inc()

    async def _write_as(
        self, lease: Lease, customer: str | None, uri: str, sha256: str, archived_at: str
    ) -> WritebackMode | None:
        """Write back in the configured mode, or as the external tag when attributes cannot take it."""
        cid = lease.conversation_id
        fallback = self._fallback_after_s > 0
        if self.mode == "participant-attributes":
            if customer is None:
                if not fallback:
                    log.warning("writeback_skipped id=%s reason=no_customer_participant", cid)
                    return None
                log.warning("writeback_fallback id=%s reason=no_customer_participant", cid)
            else:
                attrs = {"archiveUri": uri, "archiveSha256": sha256, "archivedAt": archived_at}
                try:
                    await self._client.patch_participant_attributes(cid, customer, attrs)
                    return "participant-attributes"
                except GenesysAPIError as exc:
                    refused = not isinstance(exc, GenesysNotFound | GenesysPermissionError)
                    if not (refused and self._fall_back(lease)):
                        raise
                    # Refused for long (e.g. not accepted after the end): the external tag still carries
                    # the archive's address onto the conversation.
                    log.warning(
                        "writeback_fallback id=%s reason=attributes_refused attempts=%d status=%d",
                        cid,
                        lease.attempts,
                        exc.status,
                    )
        try:
            await self._client.put_external_tag(cid, external_tag(uri))
        except GenesysPermissionError as exc:
            if self.mode == "external-tag":
                raise  # the configured mode cannot work: stop and say so
            # Only the fallback needs this permission: keep the worker running, leave this item to retry.
            raise WritebackFailed(
                f"cannot write back archive of {cid} as the external tag: {exc}; grant"
                " conversation:externalTag:edit or set writeback.fallback_to_external_tag_after_s = 0"
            ) from exc
        return "external-tag"

    def _fall_back(self, lease: Lease) -> bool:
        # A refusal for a minute (an outage) is retried; one that lasts, or reaches the last attempt, is not.
        if self._fallback_after_s <= 0:
            return False
        return (
            lease.attempts >= self._max_attempts
            or time.time() - lease.first_leased_at >= self._fallback_after_s
        )
