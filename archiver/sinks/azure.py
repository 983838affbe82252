"""Azure Blob Storage sink: write-once block blobs under a version-level immutability policy (WORM).

`put` uploads with `If-None-Match: *` (overwrite=False), transactional MD5, metadata + index tags, and
`ImmutabilityPolicy(now + retention_days, mode)` (+ optional legal hold) in the same request, because a
protected version accepts no later metadata writes. A 409 BlobAlreadyExists is resolved by comparing the
stored sha256 metadata: equal means already archived, different is an IntegrityError (never an overwrite).

`start` enforces compliance mode: the container must report `immutable_storage_with_versioning_enabled`,
since a plain container (or Azurite) silently accepts the policy headers and stores a mutable blob.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import aiohttp
import msgspec
from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import ContentSettings, ImmutabilityPolicy
from azure.storage.blob.aio import BlobServiceClient, ContainerClient, ExponentialRetry

from archiver.errors import IntegrityError, SinkError, SinkPermanentError, SinkTransientError
from archiver.logs import scrub
from archiver.sinks.azure_codec import TAG_CONVERSATION, from_metadata, retention_from, to_metadata, to_tags
from archiver.sinks.base import CONTENT_TYPE, ArchiveMeta, ArchiveNotFound, PutResult, StoredArchive
from archiver.sinks.local import check_sha256
from archiver.sinks.naming import PREFIX, SUFFIX, blob_name, conversation_id_of, validate_conversation_id
from archiver.transport import is_loopback_host

log = logging.getLogger(__name__)

FIX_WORM = (
    "create the container with version-level immutability (blob versioning on), e.g. "
    "`az storage account blob-service-properties update -g RG --account-name ACCOUNT "
    "--enable-versioning true` then `az storage container-rm create -g RG --storage-account ACCOUNT "
    "--name CONTAINER --enable-vlw true` (existing container: `az storage container-rm migrate-vlw -g RG "
    "--storage-account ACCOUNT -n CONTAINER`); "
    "for development only (e.g. Azurite) run with --allow-mutable (sink.azure.allow_mutable = true)"
)
_MAX_BODY = 1 << 20
_EXISTS_CODES = {"BlobAlreadyExists", "ConditionNotMet"}  # 409, or 412 (docs/azure.md#error-codes)
# Only names that cannot leave the machine: `host.docker.internal` and `*.localhost` resolve through DNS to
# whatever the resolver says (the Docker host is a real network peer), so they must use https.


class AzureSinkSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Azure sink configuration. Give `account_url` (DefaultAzureCredential, or `sas_token`) or a
    `connection_string` (Azurite). Secrets are hidden from repr."""

    container: str
    account_url: str = ""
    connection_string: str = ""
    sas_token: str = ""
    retention_days: int = 2557
    policy_mode: Literal["Unlocked", "Locked"] = "Unlocked"
    legal_hold: bool = False
    compliance: bool = True
    allow_mutable: bool = False
    create_container: bool = False  # dev convenience (Azurite); production containers come from ARM/IaC
    api_version: str | None = None  # only if a server rejects the SDK default
    sdk_retry_total: int = 3  # the work queue retries too, so keep the SDK's own retries short
    sdk_initial_backoff_s: int = 1
    connection_timeout_s: float = 10.0
    read_timeout_s: float = 60.0

    def __repr__(self) -> str:
        return (
            f"AzureSinkSettings(container={self.container!r}, account_url={self.account_url!r}, "
            f"connection_string={'***' if self.connection_string else ''!r}, "
            f"sas_token={'***' if self.sas_token else ''!r}, retention_days={self.retention_days}, "
            f"policy_mode={self.policy_mode!r}, legal_hold={self.legal_hold}, compliance={self.compliance}, "
            f"allow_mutable={self.allow_mutable})"
        )

    __str__ = __repr__


def error_code(exc: HttpResponseError) -> str | None:
    """The storage error code; the policy APIs leave `error_code` empty, so fall back to the header."""
    code: object = None
    if exc.response is not None:
        code = getattr(exc.response, "headers", {}).get("x-ms-error-code")
    code = code or getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # the SDK's StorageErrorCode enum → its wire string
    return str(code) if code else None


def map_error(verb: str, what: str, exc: BaseException) -> SinkError:
    """Classify an SDK/network failure: throttling, 5xx and network → transient; the rest → permanent."""
    if isinstance(exc, ServiceRequestError | ServiceResponseError | aiohttp.ClientError | TimeoutError):
        return SinkTransientError(f"cannot {verb} {what}: network error ({type(exc).__name__})")
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        status, code = exc.status_code, error_code(exc)
        cause = f"HTTP {status} {code or ''}".rstrip()
        if status in {408, 429} or status >= 500:
            return SinkTransientError(f"cannot {verb} {what}: {cause}")
        if status in {401, 403}:
            cause += (
                " (check the identity has Storage Blob Data Contributor plus the immutableStorage/"
                "runAsSuperUser data action; a SAS must be an account SAS for containers+objects with "
                "r,a,c,w,l,t,f,i permissions, because the WORM check reads container properties)"
            )
        return SinkPermanentError(f"cannot {verb} {what}: {cause}")
    if isinstance(exc, ClientAuthenticationError):  # credential chain failed before any request
        return SinkPermanentError(f"cannot {verb} {what}: authentication failed ({type(exc).__name__})")
    # Checksum mismatches and decoding failures: possibly corruption in flight, worth a retry.
    return SinkTransientError(f"cannot {verb} {what}: {type(exc).__name__}")


def _check_transport(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or not is_loopback_host(host):
        raise SinkPermanentError(
            f"cannot start Azure sink: endpoint {parts.scheme}://{host} is not https "
            "(plain http is allowed only for a loopback emulator such as Azurite)"
        )


class AzureSink:
    """Write-once WORM archive store in one Azure Blob container."""

    def __init__(self, settings: AzureSinkSettings) -> None:
        self.settings = settings
        self._service: BlobServiceClient | None = None
        self._container: ContainerClient | None = None
        self._credential: Any = None
        self._worm = False

    @property
    def worm(self) -> bool:
        """True when the container enforces version-level immutability (known after `start`)."""
        return self._worm

    def _client(self) -> BlobServiceClient:
        s = self.settings
        kwargs: dict[str, Any] = {
            "retry_policy": ExponentialRetry(
                initial_backoff=s.sdk_initial_backoff_s,
                increment_base=2,
                retry_total=s.sdk_retry_total,
                random_jitter_range=1,
            ),
            # aiohttp warns (ResourceWarning) on request bodies > 1 MiB of raw bytes; transcripts are
            # usually KBs, so the rare large archive goes as 1 MiB blocks + Put Block List instead.
            "max_single_put_size": _MAX_BODY,
            "max_block_size": _MAX_BODY,
            "connection_timeout": s.connection_timeout_s,
            "read_timeout": s.read_timeout_s,
        }
        if s.api_version:
            kwargs["api_version"] = s.api_version
        if s.connection_string:
            return BlobServiceClient.from_connection_string(s.connection_string, **kwargs)
        if not s.account_url:
            raise SinkPermanentError(
                "cannot start Azure sink: neither account_url (AZURE_STORAGE_URL) nor connection_string "
                "(AZURE_STORAGE_CONNECTION_STRING) is set"
            )
        _check_transport(s.account_url)
        if s.sas_token:
            return BlobServiceClient(s.account_url, credential=s.sas_token.lstrip("?"), **kwargs)
        from azure.identity.aio import DefaultAzureCredential  # only pulled in when used

        self._credential = DefaultAzureCredential()
        return BlobServiceClient(s.account_url, credential=self._credential, **kwargs)

    async def start(self) -> None:
        """Open the client and check the container (exists; version-level WORM unless allowed mutable)."""
        await self.close()  # a second start() must not leak the first client
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        s = self.settings
        try:
            self._service = self._client()
        except ValueError as exc:  # malformed connection string/URL, or a token credential over http
            cause = f"invalid endpoint or credentials ({scrub(str(exc))[:200]})"
            raise SinkPermanentError(f"cannot start Azure sink: {cause}") from None
        _check_transport(self._service.url)
        self._container = self._service.get_container_client(s.container)
        what = f"container {s.container}"
        try:
            try:
                props = await self._container.get_container_properties()
            except ResourceNotFoundError:
                if not s.create_container:
                    raise SinkPermanentError(
                        f"cannot start Azure sink: {what} does not exist; {FIX_WORM}"
                    ) from None
                await self._container.create_container()
                props = await self._container.get_container_properties()
        except (AzureError, aiohttp.ClientError, TimeoutError) as exc:
            raise map_error("start Azure sink on", what, exc) from exc
        self._worm = getattr(props, "immutable_storage_with_versioning_enabled", None) is True
        if not self._worm:
            if s.compliance and not s.allow_mutable:
                raise SinkPermanentError(
                    f"cannot start Azure sink: {what} does not have version-level immutability "
                    "(immutable_storage_with_versioning_enabled is not true), so archives would not be "
                    f"WORM; fix: {FIX_WORM}"
                )
            log.warning(
                "sink NOT WORM: archives in container=%s are MUTABLE and can be overwritten or deleted "
                "(allow_mutable is set; for development only, never production)",
                s.container,
            )
        log.info(
            "sink started kind=azure container=%s worm=%s mode=%s retention_days=%d legal_hold=%s",
            s.container, self._worm, s.policy_mode, s.retention_days, s.legal_hold,
        )  # fmt: skip

    def _blob_uri(self, name: str) -> str:
        assert self._container is not None
        base = self._container.url.split("?", 1)[0].rstrip("/")  # never leak a SAS into the write-back
        return f"{base}/{quote(name)}"

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        """Upload if absent with metadata, tags, MD5 and (WORM containers) the immutability policy."""
        if self._container is None:
            raise SinkPermanentError("cannot put archive: Azure sink not started")
        check_sha256(meta)
        name = blob_name(meta.conversation_id, meta.end_time)
        blob = self._container.get_blob_client(name)
        kwargs: dict[str, Any] = {}
        if self._worm:
            expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=self.settings.retention_days)
            kwargs["immutability_policy"] = ImmutabilityPolicy(
                expiry_time=expiry, policy_mode=self.settings.policy_mode
            )
            if self.settings.legal_hold:
                kwargs["legal_hold"] = True
        try:
            await blob.upload_blob(
                data,
                length=len(data),
                overwrite=False,
                validate_content=True,  # transactional Content-MD5 (bool is accepted by every SDK version)
                # no Content-Encoding: docs/azure.md#content-encoding-trap
                content_settings=ContentSettings(content_type=CONTENT_TYPE),
                metadata=to_metadata(meta),
                tags=to_tags(meta),
                max_concurrency=4,
                **kwargs,
            )
            return PutResult(uri=self._blob_uri(name), created=True)
        except (ResourceExistsError, ResourceModifiedError) as exc:
            # The SDK raises ResourceExistsError for *every* 409 (policy refusals too): check the code.
            if error_code(exc) not in _EXISTS_CODES:
                raise map_error("upload", f"archive {name}", exc) from exc
            # Already there: a re-delivery, or our own retry after a lost response.
        except (AzureError, aiohttp.ClientError, TimeoutError) as exc:
            raise map_error("upload", f"archive {name}", exc) from exc
        try:
            props = await blob.get_blob_properties()
        except (AzureError, aiohttp.ClientError, TimeoutError) as exc:
            raise map_error("read properties of", f"archive {name}", exc) from exc
        existing = {k.lower(): v for k, v in (props.metadata or {}).items()}.get("sha256")
        if existing != meta.sha256:
            raise IntegrityError(
                f"cannot archive conversation {meta.conversation_id}: {name} already exists with sha256 "
                f"{existing}, new record has {meta.sha256}; the existing archive was left untouched"
            )
        return PutResult(uri=self._blob_uri(name), created=False)

    async def _find_name(self, conversation_id: str) -> str | None:
        assert self._container is not None
        cid = validate_conversation_id(conversation_id)
        # Index tags first (one request); the index may lag a fresh upload on Azure, so fall back to a
        # listing of the archive prefix, which costs one request per 5,000 archives.
        try:
            async for hit in self._container.find_blobs_by_tags(f"\"{TAG_CONVERSATION}\"='{cid}'"):
                if conversation_id_of(hit.name) == cid:
                    return str(hit.name)
        except HttpResponseError as exc:
            if exc.status_code not in {403, 400, 501}:  # no tag permission (`f`) / no tag index: list instead
                raise
            log.info("sink tag lookup refused status=%s, listing prefix", exc.status_code)
        log.info("sink tag lookup missed, listing prefix conversation=%s", cid)
        async for item in self._container.list_blobs(name_starts_with=PREFIX):
            if item.name.endswith(f"/{cid}{SUFFIX}") and conversation_id_of(item.name) == cid:
                return str(item.name)
        return None

    async def get(self, conversation_id: str, end_time: datetime | None = None) -> StoredArchive:
        """Download (MD5-validated) with metadata, tags and retention; without `end_time`, find by tag."""
        if self._container is None:
            raise SinkPermanentError("cannot get archive: Azure sink not started")
        what = f"archive of conversation {conversation_id}"
        try:
            name = (
                blob_name(conversation_id, end_time)
                if end_time is not None
                else await self._find_name(conversation_id)
            )
            if name is None:
                raise ArchiveNotFound(f"cannot get {what}: not found in container {self.settings.container}")
            blob = self._container.get_blob_client(name)
            downloader = await blob.download_blob(validate_content=True)
            data = await downloader.readall()
            props = downloader.properties
            tags = await blob.get_blob_tags()
        except ResourceNotFoundError as exc:
            missing = f"cannot get {what}: not found in container {self.settings.container}"
            raise ArchiveNotFound(missing) from exc
        except (AzureError, aiohttp.ClientError, TimeoutError) as exc:
            raise map_error("get", what, exc) from exc
        settings = props.content_settings
        return StoredArchive(
            uri=self._blob_uri(name),
            name=name,
            data=bytes(data),
            meta=from_metadata(name, props.metadata or {}),
            retention=retention_from(props, container_worm=self._worm),
            content_type=settings.content_type,
            content_encoding=settings.content_encoding,
            tags=dict(tags),
        )

    async def close(self) -> None:
        """Close the client and credential (idempotent)."""
        service, self._service, self._container = self._service, None, None
        credential, self._credential = self._credential, None
        if service is not None:
            await service.close()
        if credential is not None:
            await credential.close()
