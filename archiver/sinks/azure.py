"""Azure Blob Storage sink: write-once block blobs under a version-level immutability policy (WORM).

`put` uploads with `If-None-Match: *` (overwrite=False), transactional MD5, metadata + index tags, and —
with `policy_source = "blob"` — `ImmutabilityPolicy(now + retention_days, mode)` (+ optional legal hold) in
the same request, because a protected version accepts no later metadata writes. With `policy_source =
"container"` the version inherits the container's default policy and no policy header is sent
(azure_policy.py). A 409 BlobAlreadyExists is resolved by comparing the
stored sha256 metadata: equal means already archived, different is an IntegrityError (never an overwrite).

`start` enforces compliance mode: the container must report `immutable_storage_with_versioning_enabled`,
since a plain container (or Azurite) silently accepts the policy headers and stores a mutable blob; with
`policy_source = "container"` the inherited default policy must also exist and cover `retention_days`.
Lookups that only need index tags fall back to metadata / listing when the role lacks tag rights
(azure_rights.py). Azure facts relied on: docs/azure.md.

Why one module of ~450 lines: the start-up checks, the write-once upload (also the attachments' and, for
its policy, the attestations') and the lookups share one client and one reading of the WORM settings;
codec, policy checks, rights and the reader are already separate modules.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import ContentSettings, ImmutabilityPolicy
from azure.storage.blob.aio import BlobServiceClient, ContainerClient, ExponentialRetry

from archiver.azure_storage import FAILURES, error_code, is_network, is_transient
from archiver.config_model import AzureSinkConfig
from archiver.endpoints import is_allowed_endpoint
from archiver.errors import ConfigError, IntegrityError, SinkError, SinkPermanentError, SinkTransientError
from archiver.logs import scrub
from archiver.sinks import azure_rights as rights
from archiver.sinks.azure_codec import TAG_CONVERSATION, from_metadata, retention_from, to_metadata, to_tags
from archiver.sinks.azure_policy import FIX_DEFAULT, FIX_WORM, check_default_policy
from archiver.sinks.base import CONTENT_TYPE, ArchiveMeta, ArchiveNotFound, PutResult, StoredArchive
from archiver.sinks.local import check_sha256
from archiver.sinks.naming import PREFIX, SUFFIX, blob_name, conversation_id_of, validate_conversation_id

log = logging.getLogger(__name__)

_MAX_BODY = 1 << 20
# 409, or 412 for If-None-Match: * (docs/azure.md#error-codes): the name is taken
_EXISTS_CODES = {"BlobAlreadyExists", "ConditionNotMet"}


class AzureClientOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the SDK client talks to the account: not config keys, because only tests (fault injection
    without SDK retries, short timeouts) and an odd server (api_version) need anything but the defaults."""

    api_version: str | None = None  # only if a server rejects the SDK default
    sdk_retry_total: int = 3  # the work queue retries too, so keep the SDK's own retries short
    sdk_initial_backoff_s: int = 1
    # Seconds, not minutes: an unreachable endpoint must fail the start-up probe while someone is looking.
    connection_timeout_s: float = 5.0
    read_timeout_s: float = 60.0


def map_error(verb: str, what: str, exc: BaseException, needs: str | None = None) -> SinkError:
    """Classify an SDK/network failure: throttling, 5xx and network → transient; the rest → permanent.
    `needs` names the right the operation needs, for the message of a 403."""
    if is_network(exc):
        return SinkTransientError(f"cannot {verb} {what}: network error ({type(exc).__name__})")
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        status, code = exc.status_code, error_code(exc)
        cause = f"HTTP {status} {code or ''}".rstrip()
        if is_transient(exc):  # the same rule as the work queue's (archiver/azure_storage.py)
            return SinkTransientError(f"cannot {verb} {what}: {cause}")
        if status == 403 and needs and code != "AuthenticationFailed":
            cause += f": the identity lacks {needs}"
        elif status in {401, 403}:
            cause += " (check the credentials and the rights in the README's Azure permission table)"
        return SinkPermanentError(f"cannot {verb} {what}: {cause}")
    if isinstance(exc, ClientAuthenticationError):  # credential chain failed before any request
        return SinkPermanentError(f"cannot {verb} {what}: authentication failed ({type(exc).__name__})")
    # Checksum mismatches and decoding failures: possibly corruption in flight, worth a retry.
    return SinkTransientError(f"cannot {verb} {what}: {type(exc).__name__}")


def unreachable(err: SinkError, url: str, key: str) -> SinkError:
    """`err` of a start-up probe that never reached the store, naming the endpoint and what to check."""
    parts = urlsplit(url)  # scheme://host/path only: a connection string's SAS must never reach a message
    endpoint = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return type(err)(
        f"{err}: cannot reach {endpoint}; fix: check {key} (host name, port), DNS and the firewall "
        "(outbound HTTPS to the storage account), then start again"
    )


def _check_transport(url: str) -> None:
    if not is_allowed_endpoint(url):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        raise SinkPermanentError(
            f"cannot start Azure sink: endpoint {parts.scheme}://{host} is not https "
            "(plain http is allowed only for a loopback emulator such as Azurite)"
        )


class AzureSink:
    """Write-once WORM archive store in one Azure Blob container."""

    def __init__(
        self, config: AzureSinkConfig, *, options: AzureClientOptions | None = None, reader: bool = False
    ) -> None:
        """`config` is the `[sink.azure]` section as loaded (its secrets stay `Secret` until the client is
        built). `reader`: `archiver get` starts without the default-policy probe (it writes a blob), so an
        auditor with read rights only (Storage Blob Data Reader) can verify archives; each archive's own
        policy is checked."""
        if not config.container:
            raise ConfigError("sink.azure.container", "is not set", "set AZURE_CONTAINER_NAME")
        self.config = config
        self.container_name: str = config.container
        self.options = options or AzureClientOptions()
        self.reader = reader
        self._service: BlobServiceClient | None = None
        self._container: ContainerClient | None = None
        self._credential: Any = None
        self._worm = False
        self._unlocked = False
        self.fallbacks = rights.PermissionFallbacks()

    @property
    def worm(self) -> bool:
        """True when the container enforces version-level immutability (known after `start`)."""
        return self._worm

    @property
    def container(self) -> ContainerClient:
        """The archive container's client, for the auditor commands (sinks/azure_audit.py); after start()."""
        if self._container is None:
            raise SinkPermanentError("cannot use the Azure container: the sink is not started")
        return self._container

    def metric_values(self) -> dict[str, dict[str, float]]:
        """Pulled metrics: lookups that fell back for a missing right; whether new archives get an
        Unlocked policy (one an identity with runAsSuperUser can shorten or delete)."""
        return {
            "sink_permission_fallbacks": {k: float(v) for k, v in self.fallbacks.counts.items()},
            "sink_worm_policy_unlocked": {"": 1.0 if self._unlocked else 0.0},
        }

    def _client(self) -> BlobServiceClient:
        s, o = self.config, self.options
        kwargs: dict[str, Any] = {
            "retry_policy": ExponentialRetry(
                initial_backoff=o.sdk_initial_backoff_s,
                increment_base=2,
                retry_total=o.sdk_retry_total,
                random_jitter_range=1,
            ),
            # aiohttp warns (ResourceWarning) on request bodies > 1 MiB of raw bytes; transcripts are
            # usually KBs, so the rare large archive goes as 1 MiB blocks + Put Block List instead.
            "max_single_put_size": _MAX_BODY,
            "max_block_size": _MAX_BODY,
            "connection_timeout": o.connection_timeout_s,
            "read_timeout": o.read_timeout_s,
        }
        if o.api_version:
            kwargs["api_version"] = o.api_version
        if s.connection_string:
            return BlobServiceClient.from_connection_string(s.connection_string.reveal(), **kwargs)
        if not s.url:
            raise SinkPermanentError(
                "cannot start Azure sink: neither sink.azure.url (AZURE_STORAGE_URL) nor "
                "sink.azure.connection_string (AZURE_STORAGE_CONNECTION_STRING) is set"
            )
        _check_transport(s.url)
        if s.sas_token:
            return BlobServiceClient(s.url, credential=s.sas_token.reveal().lstrip("?"), **kwargs)
        from azure.identity.aio import DefaultAzureCredential  # only pulled in when used

        self._credential = DefaultAzureCredential()
        return BlobServiceClient(s.url, credential=self._credential, **kwargs)

    async def start(self) -> None:
        """Open the client and check the container (exists; version-level WORM unless allowed mutable)."""
        await self.close()  # a second start() must not leak the first client
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        s, container = self.config, self.container_name
        try:
            self._service = self._client()
        except ValueError as exc:  # malformed connection string/URL, or a token credential over http
            cause = f"invalid endpoint or credentials ({scrub(str(exc))[:200]})"
            raise SinkPermanentError(f"cannot start Azure sink: {cause}") from None
        _check_transport(self._service.url)
        self._container = self._service.get_container_client(container)
        what = f"container {container}"
        # Said before the probe: an endpoint that does not answer costs the SDK's retries, not silence.
        parts = urlsplit(self._service.url)
        log.info(
            "sink_connecting kind=azure endpoint=%s://%s container=%s",
            parts.scheme,
            parts.netloc,
            container,
        )
        try:
            try:
                props = await self._container.get_container_properties()
            except ResourceNotFoundError:
                if not s.create_container:
                    raise SinkPermanentError(
                        f"cannot start Azure sink: {what} does not exist; {FIX_WORM}"
                    ) from None
                # 409 ContainerAlreadyExists: another worker created it meanwhile, which is success.
                with contextlib.suppress(ResourceExistsError):
                    await self._container.create_container()
                props = await self._container.get_container_properties()
        except FAILURES as exc:
            err = map_error("start Azure sink on", what, exc, rights.NEEDS_CONTAINER_READ)
            if is_network(exc):
                raise unreachable(err, self._service.url, "sink.azure.url or the connection string's "
                                  "BlobEndpoint") from exc  # fmt: skip
            raise err from exc
        self._worm = getattr(props, "immutable_storage_with_versioning_enabled", None) is True
        mode: str | None = s.policy_mode
        if not self._worm:
            self._not_worm(
                f"{what} does not have version-level immutability (immutable_storage_with_versioning_enabled "
                f"is not true), so archives would not be WORM; fix: {FIX_WORM}"
            )
        elif self.reader:
            mode = None  # `archiver get` creates nothing: each archive's own policy is what it reports
        elif s.policy_source == "container":
            mode = await self._check_default_policy(props)
        self._unlocked = self._worm and mode == "Unlocked"
        if self._unlocked:
            log.warning(
                "sink WORM policy UNLOCKED: new archives in container=%s get an Unlocked policy (source=%s), "
                "which an identity with the runAsSuperUser right can shorten or delete; for SEC 17a-4-style "
                "retention lock the container default policy (policy_source=container) or use "
                "policy_mode=Locked",
                container, s.policy_source,
            )  # fmt: skip
        log.info(
            "sink started kind=azure container=%s worm=%s policy_source=%s mode=%s retention_days=%d "
            "legal_hold=%s",
            container, self._worm, s.policy_source, mode, s.retention_days, s.legal_hold,
        )  # fmt: skip

    def _not_worm(self, problem: str) -> None:
        """Refuse in compliance mode; otherwise (allow_mutable, dev only) start with a loud warning."""
        if self.config.compliance and not self.config.allow_mutable:
            raise SinkPermanentError(f"cannot start Azure sink: {problem}")
        self._worm = False
        log.warning(
            "sink NOT WORM: archives in container=%s are MUTABLE and can be overwritten or deleted "
            "(allow_mutable is set; for development only, never production)",
            self.container_name,
        )

    async def _check_default_policy(self, props: Any) -> str | None:
        """policy_source = "container": the default policy exists, applies, covers retention_days (and is
        Locked if policy_mode says so); returns its mode (None: running NOT WORM under allow_mutable)."""
        s = self.config
        assert self._container is not None
        has_default = getattr(props, "has_immutability_policy", None) is True
        try:
            problems, mode = await check_default_policy(
                self._container, has_default, s.retention_days, require_locked=s.policy_mode == "Locked"
            )
        except FAILURES as exc:
            raise map_error(
                "check the default policy of", f"container {self.container_name}", exc, rights.NEEDS_WRITE
            ) from exc
        if problems:
            self._not_worm(f"container {self.container_name}: {'; '.join(problems)}; {FIX_DEFAULT}")
            return None
        return mode

    def _blob_uri(self, name: str) -> str:
        assert self._container is not None
        base = self._container.url.split("?", 1)[0].rstrip("/")  # never leak a SAS into the write-back
        return f"{base}/{quote(name)}"

    def retention_policy(self) -> ImmutabilityPolicy:
        """A per-blob policy for a version written now: `retention_days` from now (whole seconds)."""
        expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=self.config.retention_days)
        return ImmutabilityPolicy(expiry_time=expiry, policy_mode=self.config.policy_mode)

    def upload_protection(self) -> dict[str, Any]:
        """The WORM arguments of one upload, the same for a record and its attachments: the per-blob policy
        with `policy_source = "blob"` (else the version inherits the container's default), the legal hold
        when configured; nothing on a container that is not WORM."""
        kwargs: dict[str, Any] = {}
        if self._worm and self.config.policy_source == "blob":
            kwargs["immutability_policy"] = self.retention_policy()
        if self._worm and self.config.legal_hold:  # a default policy cannot carry a legal hold
            kwargs["legal_hold"] = True
        return kwargs

    async def upload_once(
        self,
        name: str,
        data: bytes,
        *,
        what: str,
        content_type: str,
        metadata: dict[str, str],
        tags: dict[str, str] | None = None,
    ) -> bool:
        """Upload blob `name` unless the name is taken (`If-None-Match: *`), with a transactional MD5 and the
        WORM arguments of `upload_protection` — records and attachments alike. True when created; False when
        a blob has the name already (a re-delivery, or our own retry after a lost response): the caller
        compares digests, nothing is ever overwritten."""
        kwargs = self.upload_protection()
        needs = rights.NEEDS_SUPER_USER if kwargs else rights.NEEDS_WRITE
        try:
            await self.container.get_blob_client(name).upload_blob(
                data,
                length=len(data),
                overwrite=False,
                validate_content=True,  # transactional Content-MD5 (bool is accepted by every SDK version)
                content_settings=ContentSettings(content_type=content_type),
                metadata=metadata,
                tags=tags,
                max_concurrency=4,
                **kwargs,
            )
            return True
        except (ResourceExistsError, ResourceModifiedError) as exc:
            # The SDK raises ResourceExistsError for *every* 409 (policy refusals too): check the code.
            if error_code(exc) not in _EXISTS_CODES:
                raise map_error("upload", what, exc, needs) from exc
            return False
        except FAILURES as exc:
            raise map_error("upload", what, exc, needs) from exc

    async def put(self, data: bytes, meta: ArchiveMeta) -> PutResult:
        """Upload if absent with metadata, tags, MD5 and (WORM containers) the immutability policy."""
        if self._container is None:
            raise SinkPermanentError("cannot put archive: Azure sink not started")
        check_sha256(meta)
        name = blob_name(meta.conversation_id, meta.end_time)
        created = await self.upload_once(
            name,
            data,
            what=f"archive {name}",
            content_type=CONTENT_TYPE,  # no Content-Encoding: docs/azure.md#content-encoding-trap
            metadata=to_metadata(meta),
            tags=to_tags(meta),
        )
        if created:
            return PutResult(uri=self._blob_uri(name), created=True)
        try:
            props = await self._container.get_blob_client(name).get_blob_properties()
        except FAILURES as exc:
            raise map_error("read properties of", f"archive {name}", exc, rights.NEEDS_READ) from exc
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
            if exc.status_code == 403:
                self.fallbacks.missing(rights.FILTER, "listing the archive prefix")
            else:
                log.info("sink tag lookup refused status=%s, listing prefix", exc.status_code)
        log.info("sink listing prefix conversation=%s", cid)
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
                raise ArchiveNotFound(f"cannot get {what}: not found in container {self.container_name}")
            blob = self._container.get_blob_client(name)
            downloader = await blob.download_blob(validate_content=True)
            data = await downloader.readall()
            props = downloader.properties
            tags = await self._tags(blob)
        except ResourceNotFoundError as exc:
            missing = f"cannot get {what}: not found in container {self.container_name}"
            raise ArchiveNotFound(missing) from exc
        except FAILURES as exc:
            raise map_error("get", what, exc, rights.NEEDS_READ) from exc
        settings = props.content_settings
        return StoredArchive(
            uri=self._blob_uri(name),
            name=name,
            data=bytes(data),
            meta=from_metadata(name, props.metadata or {}),
            retention=retention_from(props, container_worm=self._worm),
            content_type=settings.content_type,
            content_encoding=settings.content_encoding,
            tags=tags,
        )

    async def _tags(self, blob: Any) -> dict[str, str]:
        """The blob's index tags; {} when the role may not read tags (Contributor): the archive's metadata
        carries everything they do, so nothing is lost but the copy shown by `archiver get`."""
        try:
            return dict(await blob.get_blob_tags())
        except HttpResponseError as exc:
            if exc.status_code != 403 or error_code(exc) == "AuthenticationFailed":
                raise
            self.fallbacks.missing(rights.TAGS_READ, "blob metadata (tags not shown)")
            return {}

    async def close(self) -> None:
        """Close the client and credential (idempotent)."""
        service, self._service, self._container = self._service, None, None
        credential, self._credential = self._credential, None
        if service is not None:
            await service.close()
        if credential is not None:
            await credential.close()
