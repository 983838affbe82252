"""Attachment bytes at URLs that expire, as Genesys messaging media do (docs/genesys.md, "Attachments").

Every attachment of the simulated org is served at `GET /api/v2/downloads/{attachmentId}` on the simulator's
own host. Its bytes are a pure function of (id, size), so a test can recompute what a download must give.
The URL stops working `media_url_ttl_s` after the attachment's message was sent, by the simulator's clock:
then it answers `media_expired_status` (404 or 410). With `media_requires_token` it needs the bearer token
like every API call (the middleware checks it); without, it is an unauthenticated capability URL.

The scenario renders attachment URLs on a placeholder host (`MEDIA_HOST`); the middleware rewrites that to
the simulator's address in each response, so stored conversations do not depend on the port.
"""

from __future__ import annotations

import hashlib
import random
import time

from aiohttp import web

from archiver.sim.config import SimConfig
from archiver.sim.model import Attachment, Conversation, Msg, Store, new_id
from archiver.sim.web import ApiError

MEDIA_HOST = b"https://sim.genesys.invalid"
MEDIA_PATH = "/api/v2/downloads/"


def media_bytes(attachment_id: str, size: int) -> bytes:
    """The bytes of an attachment (deterministic: seeded by its id)."""
    return random.Random(attachment_id).randbytes(size)


class Media:
    """The download handler and the test-side `attach` helper."""

    def __init__(self, config: SimConfig, store: Store) -> None:
        self.config, self.store = config, store
        self._index: dict[str, tuple[Attachment, Msg, Conversation]] = {}

    def _find(self, aid: str) -> tuple[Attachment, Msg, Conversation] | None:
        hit = self._index.get(aid)
        if hit is None:  # new conversations since the last miss: re-index (cheap at simulator scale)
            self._index = {
                a.id: (a, m, c) for c in self.store.order for m in c.messages for a in m.attachments
            }
            hit = self._index.get(aid)
        return hit

    async def download(self, request: web.Request) -> web.Response:
        """GET …/downloads/{attachmentId}: the bytes, or 404/410 once expired, 404 if unknown."""
        hit = self._find(request.match_info["attachmentId"])
        now = time.time()
        if hit is None or hit[2].deleted or hit[2].start > now:
            raise ApiError(404, "The requested download was not found", "not.found")
        att, msg, _ = hit
        if now - msg.ts > self.config.media_url_ttl_s:
            status = self.config.media_expired_status
            raise ApiError(
                status, "The requested download has expired", "not.found" if status == 404 else "gone"
            )
        return web.Response(body=media_bytes(att.id, att.size), content_type=att.mime)

    def attach(
        self,
        conv: Conversation,
        *,
        mime: str = "image/png",
        size: int = 4096,
        media_type: str = "Image",
    ) -> Attachment:
        """Add an attachment to the customer's first inbound message (a test's deterministic attachment)."""
        rng = random.Random(f"{conv.id}:{sum(len(m.attachments) for m in conv.messages)}")
        aid = new_id(rng)
        ext = mime.rsplit("/", 1)[-1]
        att = Attachment(
            id=aid,
            media_type=media_type,
            mime=mime,
            filename=f"IMG_{rng.randint(1000, 9999)}.{ext}",
            size=size,
            sha256=hashlib.sha256(media_bytes(aid, size)).hexdigest(),
            url=f"{MEDIA_HOST.decode()}{MEDIA_PATH}{aid}",
        )
        msg = next((m for m in conv.messages if m.inbound), conv.messages[0])
        msg.attachments = (*msg.attachments, att)
        self._index[aid] = (att, msg, conv)
        self.store.touch()
        return att
