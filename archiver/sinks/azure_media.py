"""Attachment bytes in the archive container, under exactly the records' WORM handling.

Each attachment is its own block blob beside its record (attachments/naming.py), uploaded by the records'
own `AzureSink.upload_once` (sinks/azure.py): `If-None-Match: *`, transactional MD5, and — with
`sink.azure.policy_source = "blob"` — `ImmutabilityPolicy(now + retention_days, policy_mode)` (+ legal hold)
in the same request; with `"container"` the version inherits the container's default policy and no policy
header is sent. Metadata carries the sha256 and size of the bytes, so a 409 is resolved by comparing
digests (equal: already stored, success; different: IntegrityError) and a retry finds a stored attachment
without downloading it again. The blob's Content-Type is the declared mime (an allowlisted value); there are
no index tags, so lookups by conversation tag keep finding the record only.
"""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError

from archiver.attachments.stores import StoredBlob, mismatch
from archiver.azure_storage import FAILURES
from archiver.sinks import azure_rights as rights
from archiver.sinks.azure import AzureSink, map_error
from archiver.sinks.base import ArchiveNotFound


class AzureAttachmentStore:
    """Attachment blobs in the sink's container (the sink must be started)."""

    def __init__(self, sink: AzureSink) -> None:
        self._sink = sink

    async def stat(self, name: str) -> StoredBlob | None:
        blob = self._sink.container.get_blob_client(name)
        try:
            props = await blob.get_blob_properties()
        except ResourceNotFoundError:
            return None
        except FAILURES as exc:
            raise map_error("read properties of", f"attachment {name}", exc, rights.NEEDS_READ) from exc
        meta = {k.lower(): v for k, v in (props.metadata or {}).items()}
        return StoredBlob(sha256=meta.get("sha256", ""), size=int(props.size or 0))

    async def put(
        self,
        name: str,
        data: bytes,
        *,
        sha256: str,
        mime: str | None,
        conversation_id: str,
        attachment_id: str,
    ) -> bool:
        created = await self._sink.upload_once(  # exactly a record's upload, WORM included
            name,
            data,
            what=f"attachment {name}",
            content_type=mime or "application/octet-stream",
            metadata={
                "sha256": sha256,
                "sizebytes": str(len(data)),
                "conversationid": conversation_id,
                "attachmentid": attachment_id,
            },
        )
        if created:
            return True
        stored = await self.stat(name)
        if stored is None or stored.sha256 != sha256:
            raise mismatch(name, stored.sha256 if stored else "(deleted)", sha256)
        return False

    async def read(self, name: str) -> bytes:
        blob = self._sink.container.get_blob_client(name)
        try:
            downloader = await blob.download_blob(validate_content=True)
            return bytes(await downloader.readall())
        except ResourceNotFoundError:
            raise ArchiveNotFound(f"cannot read attachment {name}: not in the container") from None
        except FAILURES as exc:
            raise map_error("read", f"attachment {name}", exc, rights.NEEDS_READ) from exc
