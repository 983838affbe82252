"""Auditor operations on the Azure Blob sink: find by index tags or listing, read, legal hold, attestations.

Finding: Find Blobs by Tags (`endDate` range, `queueId`, `divisionId`) is one server-side query, but it needs
the `blobs/filter/action` data action (not in Storage Blob Data Contributor) and the tag index is eventually
consistent (Azure may lag a fresh upload by minutes). On 403/400/501 the store falls back to listing the
day prefixes `conversations/yyyy/mm/dd/` and says so in `Listing.note`; `verify` always lists, because only
a listing is strongly consistent.

Legal hold: Azure's version-level legal hold is a boolean per blob version. The case names that justify it
are kept in the record blob's index tag `legalHoldCases` (space-separated); the hold is cleared only when the
last case is removed. The conversation's archived attachment blobs get the record's resulting hold (no tags
of their own: the record's tag is the one bookkeeping of cases).
Setting the hold needs `Set Blob Legal Hold` rights (see docs/audit.md: the Microsoft docs
disagree between `containers/write` and `immutableStorage/runAsSuperUser`); a 403 is reported, not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import ContainerClient

from archiver.azure_storage import FAILURES, error_code
from archiver.errors import IntegrityError, SinkPermanentError
from archiver.sinks.audit_base import (
    ATTESTATION_PREFIX,
    ArchiveEntry,
    Listing,
    Period,
    broken_entry,
    cases_of,
    cases_value,
    check_case,
)
from archiver.sinks.azure import AzureSink, map_error
from archiver.sinks.azure_codec import (
    TAG_CONVERSATION,
    TAG_DIVISION,
    TAG_END_DATE,
    TAG_QUEUE,
    from_metadata,
    retention_from,
)
from archiver.sinks.azure_media import AzureAttachmentStore
from archiver.sinks.azure_reader import LeanReader
from archiver.sinks.base import ArchiveNotFound
from archiver.sinks.naming import PREFIX, SUFFIX, conversation_id_of, validate_conversation_id

log = logging.getLogger(__name__)

TAG_HOLD_CASES = "legalHoldCases"
_INCLUDE = ["metadata", "immutabilitypolicy", "legalhold"]
_FALLBACK_STATUS = {400, 403, 404, 501}  # no filter/action right, or no tag index on this account
HOLD_RIGHTS = (
    "the identity needs the right to Set Blob Legal Hold (grant Storage Blob Data Owner, or a custom role "
    "with Microsoft.Storage/storageAccounts/blobServices/containers/write and .../blobs/immutableStorage/"
    "runAsSuperUser/action — the Microsoft docs name either), plus blobs/tags/read and tags/write to record "
    "the case name"
)


class AzureAuditStore:
    """`AuditStore` over a started `AzureSink` (uses the sink's container client and settings)."""

    kind = "azure"

    def __init__(self, sink: AzureSink, *, concurrency: int = 32) -> None:
        self._sink = sink
        self._sem = asyncio.Semaphore(concurrency)
        self._reader: LeanReader | None = None
        self._concurrency = concurrency

    @property
    def _container(self) -> ContainerClient:
        return self._sink.container

    @property
    def location(self) -> str:
        """The container URL (never with a SAS)."""
        return self._container.url.split("?", 1)[0].rstrip("/")

    def _uri(self, name: str) -> str:
        return f"{self.location}/{quote(name)}"

    def _entry(self, name: str, props: Any, tags: dict[str, str] | None = None) -> ArchiveEntry:
        try:
            meta = from_metadata(name, props.metadata or {})
        except IntegrityError as exc:
            return broken_entry(name, self._uri(name), str(exc))
        return ArchiveEntry(
            name=name,
            uri=self._uri(name),
            meta=meta,
            retention=retention_from(props, container_worm=self._sink.worm),
            legal_hold_cases=cases_of((tags or {}).get(TAG_HOLD_CASES)),
            stored_at=getattr(props, "creation_time", None),
            size_bytes=getattr(props, "size", None),
        )

    # ---- finding ------------------------------------------------------------------------------------

    async def entries(
        self,
        period: Period,
        *,
        queue: str | None = None,
        division: str | None = None,
        listing: Listing,
        use_tags: bool = True,
    ) -> AsyncIterator[ArchiveEntry]:
        """Archives of the period: by index tags when allowed (`use_tags`), else by listing day prefixes."""
        names: list[str] | None = None
        if use_tags:
            names = await self._by_tags(period, queue, division, listing)
        if names is None:
            listing.via = "listing of day prefixes"
            async for entry in self._by_listing(period):
                if period.contains(entry.meta.end_time) and entry.matches(queue, division):
                    yield entry
            return
        listing.via = "blob index tags (Find Blobs by Tags)"
        tasks = [asyncio.ensure_future(self._properties(n)) for n in names]
        try:
            for task in tasks:
                found = await task
                if found is not None and period.contains(found.meta.end_time):
                    yield found
        finally:
            for task in tasks:
                task.cancel()

    async def _by_tags(
        self, period: Period, queue: str | None, division: str | None, listing: Listing
    ) -> list[str] | None:
        days = list(period.days())
        where = [
            f"\"{TAG_END_DATE}\" >= '{days[0]:%Y-%m-%d}'",
            f"\"{TAG_END_DATE}\" <= '{days[-1]:%Y-%m-%d}'",
        ]
        for key, value in ((TAG_QUEUE, queue), (TAG_DIVISION, division)):
            if value is not None:
                where.append(f"\"{key}\" = '{_quote_tag(value)}'")
        try:
            hits = [h.name async for h in self._container.find_blobs_by_tags(" AND ".join(where))]
        except HttpResponseError as exc:
            if exc.status_code not in _FALLBACK_STATUS:
                raise map_error("find archives by tags in", "container", exc) from exc
            listing.note = (
                f"Find Blobs by Tags refused (HTTP {exc.status_code} {error_code(exc) or ''}".rstrip()
                + "; the identity may lack blobs/filter/action): listed the day prefixes instead"
            )
            log.warning("audit tag query refused status=%s, listing day prefixes", exc.status_code)
            return None
        except FAILURES as exc:
            raise map_error("find archives by tags in", "container", exc) from exc
        return sorted(n for n in hits if conversation_id_of(n) is not None)

    async def _properties(self, name: str) -> ArchiveEntry | None:
        async with self._sem:
            try:
                props = await self._container.get_blob_client(name).get_blob_properties()
            except ResourceNotFoundError:
                return None  # deleted since the index saw it
            except FAILURES as exc:
                raise map_error("read properties of", f"archive {name}", exc) from exc
        return self._entry(name, props)

    async def _by_listing(self, period: Period) -> AsyncIterator[ArchiveEntry]:
        include = [*_INCLUDE, "tags"]  # tags carry the legal-hold case names; they need blobs/tags/read
        for prefix in period.day_prefixes():
            try:
                try:
                    items = [
                        b async for b in self._container.list_blobs(name_starts_with=prefix, include=include)
                    ]
                except HttpResponseError as exc:
                    if exc.status_code != 403 or include == _INCLUDE:
                        raise
                    log.warning("audit listing without tags (no blobs/tags/read): hold cases unknown")
                    include = _INCLUDE
                    items = [
                        b async for b in self._container.list_blobs(name_starts_with=prefix, include=include)
                    ]
            except FAILURES as exc:
                raise map_error("list", f"archives under {prefix}", exc) from exc
            for item in items:
                if conversation_id_of(item.name) is not None:
                    yield self._entry(item.name, item, getattr(item, "tags", None))

    async def locate(self, conversation_id: str) -> ArchiveEntry:
        """The conversation's archive (by its tag, else by listing), with its recorded hold cases."""
        cid = validate_conversation_id(conversation_id)
        name: str | None = None
        try:
            async for hit in self._container.find_blobs_by_tags(f"\"{TAG_CONVERSATION}\"='{cid}'"):
                if conversation_id_of(hit.name) == cid:
                    name = hit.name
        except HttpResponseError as exc:
            if exc.status_code not in _FALLBACK_STATUS:
                raise map_error("find archive of", f"conversation {cid}", exc) from exc
        except FAILURES as exc:
            raise map_error("find archive of", f"conversation {cid}", exc) from exc
        if name is None:
            async for item in self._container.list_blobs(name_starts_with=PREFIX):
                if item.name.endswith(f"/{cid}{SUFFIX}") and conversation_id_of(item.name) == cid:
                    name = item.name
        if name is None:
            raise ArchiveNotFound(f"cannot find archive of conversation {cid}: not in the container")
        blob = self._container.get_blob_client(name)
        try:
            props = await blob.get_blob_properties()
            tags = await self._tags(blob)
        except ResourceNotFoundError as exc:
            raise ArchiveNotFound(f"cannot find archive of conversation {cid}: deleted") from exc
        except FAILURES as exc:
            raise map_error("read properties of", f"archive {name}", exc) from exc
        return self._entry(name, props, tags)

    async def _tags(self, blob: Any) -> dict[str, str] | None:
        try:
            return dict(await blob.get_blob_tags())
        except HttpResponseError as exc:
            if exc.status_code != 403:
                raise
            log.warning("audit cannot read blob tags (no blobs/tags/read): case names unknown")
            return None

    # ---- reading -------------------------------------------------------------------------------------

    async def read(self, entry: ArchiveEntry) -> bytes:
        """Download the stored bytes (transport MD5-validated): lean GET, else the SDK."""
        if self._reader is None:
            sas = self._sink.config.sas_token
            self._reader = LeanReader(self._container, sas_token=sas, concurrency=self._concurrency)
        async with self._sem:
            data = await self._reader.read(entry.name)
            if data is not None:
                return data
            try:
                downloader = await self._container.get_blob_client(entry.name).download_blob(
                    validate_content=True
                )
                return bytes(await downloader.readall())
            except ResourceNotFoundError as exc:
                raise ArchiveNotFound(f"cannot read archive {entry.name}: deleted") from exc
            except FAILURES as exc:
                raise map_error("read", f"archive {entry.name}", exc) from exc

    async def close(self) -> None:
        """Release the bulk reader's session (the sink itself is closed by its owner)."""
        if self._reader is not None:
            await self._reader.close()

    # ---- legal hold ------------------------------------------------------------------------------------

    async def set_hold(self, entry: ArchiveEntry, case: str, on: bool) -> ArchiveEntry:
        """Add/remove `case`; the blob's legal hold is on while any case remains."""
        check_case(case)
        blob = self._container.get_blob_client(entry.name)
        what = f"legal hold on archive {entry.name}"
        try:
            tags = await self._tags(blob)
            cases = set(cases_of((tags or {}).get(TAG_HOLD_CASES)))
            cases = cases | {case} if on else cases - {case}
            hold = bool(cases) if tags is not None else on
            await blob.set_legal_hold(hold)  # first, so a failure to record the case never drops a hold
            if tags is not None:
                tags = {k: v for k, v in tags.items() if k != TAG_HOLD_CASES}
                if cases:
                    tags[TAG_HOLD_CASES] = cases_value(tuple(cases))
                try:
                    await blob.set_blob_tags(tags)
                except HttpResponseError as exc:
                    if exc.status_code != 403:
                        raise
                    log.warning(
                        "audit hold set but case not recorded (no blobs/tags/write) name=%s", entry.name
                    )
            props = await blob.get_blob_properties()
        except HttpResponseError as exc:
            raise _hold_error(what, exc) from exc
        except FAILURES as exc:
            raise map_error("set", what, exc) from exc
        return self._entry(entry.name, props, {TAG_HOLD_CASES: cases_value(tuple(cases))})

    def attachments(self) -> AzureAttachmentStore:
        """The attachment blobs beside the records, in the sink's container."""
        return AzureAttachmentStore(self._sink)

    async def hold_attachment(self, name: str, cases: tuple[str, ...], hold: bool) -> None:
        """Set the attachment blob's legal hold; its case names stay on the record's tag only."""
        what = f"legal hold on attachment {name}"
        try:
            await self._container.get_blob_client(name).set_legal_hold(hold)
        except ResourceNotFoundError as exc:
            raise ArchiveNotFound(f"cannot set {what}: the record names it but it is not stored") from exc
        except HttpResponseError as exc:
            raise _hold_error(what, exc) from exc
        except FAILURES as exc:
            raise map_error("set", what, exc) from exc

    # ---- attestations ----------------------------------------------------------------------------------

    async def store_attestation(self, name: str, data: bytes) -> str:
        """Upload `attestations/<name>` write-once, under the archives' retention policy when WORM."""
        if "/" in name or name.startswith("."):
            raise SinkPermanentError(f"cannot store attestation: invalid name {name!r}")
        full = f"{ATTESTATION_PREFIX}{name}"
        kwargs: dict[str, Any] = {}
        if self._sink.worm:
            kwargs["immutability_policy"] = self._sink.retention_policy()
        try:
            await self._container.get_blob_client(full).upload_blob(
                data,
                length=len(data),
                overwrite=False,
                validate_content=True,
                content_settings=ContentSettings(content_type="application/json"),
                **kwargs,
            )
        except ResourceExistsError as exc:
            raise SinkPermanentError(f"cannot store attestation {full}: it already exists") from exc
        except FAILURES as exc:
            raise map_error("store", f"attestation {full}", exc) from exc
        return self._uri(full)


def _hold_error(what: str, exc: HttpResponseError) -> Exception:
    """A refused Set Blob Legal Hold, named with the right or container setting it needs."""
    if exc.status_code == 403:
        return SinkPermanentError(f"cannot set {what}: HTTP 403 ({HOLD_RIGHTS})")
    if exc.status_code == 409:
        return SinkPermanentError(
            f"cannot set {what}: HTTP 409 {error_code(exc) or ''} (the container must have "
            "version-level immutability for a blob legal hold)"
        )
    return map_error("set", what, exc)


def _quote_tag(value: str) -> str:
    """A tag filter literal: single quotes cannot occur in tag values (the tag alphabet has none)."""
    return value.replace("'", "")
