"""Azure Blob checks of the archive container: exists and readable, version-level immutability (which needs
account versioning), the policy source and its state, and the rights the configuration needs.

Rights are probed without writing: each probe addresses a blob under `_archiver/preflight/` that does not
exist, so Azure authorises the request first (403 AuthorizationPermissionMismatch without the right) and then
finds nothing (404), or a Put Blob carries `If-Match` of an ETag no blob has (412): nothing is stored. With
`--write-canary` one small blob (no personal data) is really written, under the shortest retention the
configuration allows, and its policy read back (docs/operations.md "Preflight: archiver check").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import ContentSettings, ImmutabilityPolicy
from azure.storage.blob.aio import ContainerClient

from archiver.azure_storage import FAILURES, error_code
from archiver.config import AzureSinkConfig
from archiver.errors import EXIT_SINK
from archiver.logs import scrub
from archiver.preflight.report import Report, Result, fail, ok, warn
from archiver.sinks import AzureSink
from archiver.sinks import azure_rights as rights
from archiver.sinks.azure_codec import retention_from
from archiver.sinks.azure_policy import FIX_DEFAULT, FIX_WORM, PROBE_PREFIX

PREFLIGHT_PREFIX = "_archiver/preflight/"  # reserved: never a conversation archive (those are conversations/)
CANARY_PREFIX = "_archiver/canary/"
CANARY_BODY = b"archiver check --write-canary: proves write and WORM policy rights (no personal data)\n"
_ACTION = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"
_TAGS_READ = f"{_ACTION}{rights.TAGS_READ} (not in Storage Blob Data Contributor; SAS letter t)"
_FILTER = f"{_ACTION}{rights.FILTER} (not in Storage Blob Data Contributor; SAS letter f)"
_ROLE_FIX = "grant the identity {} (README, Permissions > Azure Storage)"


def _denied(exc: BaseException) -> bool:
    return isinstance(exc, HttpResponseError) and exc.status_code == 403


def _cause(exc: BaseException) -> str:
    if isinstance(exc, HttpResponseError):
        return f"HTTP {exc.status_code} {error_code(exc) or ''}".rstrip()
    return type(exc).__name__


async def _right(name: str, needs: str, call: Any, expected: set[int], *, optional: str = "") -> Result:
    """Run a probe that must be authorised and then find nothing (`expected` statuses, or success)."""
    try:
        await call
    except HttpResponseError as exc:
        if exc.status_code in expected:
            return ok(name, f"granted ({_cause(exc)} for a blob that does not exist)")
        if _denied(exc):
            if optional:
                return warn(name, f"refused ({_cause(exc)}): {optional}", _ROLE_FIX.format(needs))
            return fail(name, f"refused ({_cause(exc)})", _ROLE_FIX.format(needs), EXIT_SINK)
        return fail(name, f"unexpected answer ({_cause(exc)})", "retry; see the Azure error code", EXIT_SINK)
    except FAILURES as exc:
        return fail(
            name, f"store unreachable ({_cause(exc)})", "check network access to the account", EXIT_SINK
        )
    return ok(name, "granted")


async def check_azure(settings: AzureSinkConfig, report: Report, *, canary: bool) -> None:
    """Every archive-container check, appended to `report`."""
    sink = AzureSink(settings)  # raises ConfigError naming sink.azure.container when it is unset
    container_name = settings.container or ""
    try:
        # The sink's own client builder: the same endpoint rules and credential chain as the worker.
        service = sink._client()
    except Exception as exc:  # a malformed endpoint or credential is reported, never raised
        report.add(
            fail(
                "Azure endpoint",
                scrub(str(exc))[:300],
                "check sink.azure.url / AZURE_STORAGE_CONNECTION_STRING",
                EXIT_SINK,
            )
        )
        return
    try:
        async with service:
            await _check_container(service.get_container_client(container_name), settings, report, canary)
    finally:
        await sink.close()


async def _check_container(
    container: ContainerClient, s: AzureSinkConfig, report: Report, canary: bool
) -> None:
    name = f"container {s.container}"
    try:
        props = await container.get_container_properties()
    except ResourceNotFoundError:
        report.add(fail(name, "does not exist", FIX_WORM, EXIT_SINK))
        return
    except FAILURES as exc:
        fix = _ROLE_FIX.format(rights.NEEDS_CONTAINER_READ) if _denied(exc) else "check the account URL"
        report.add(fail(name, f"cannot read its properties ({_cause(exc)})", fix, EXIT_SINK))
        return
    report.add(ok(name, "exists, properties readable"))
    worm = getattr(props, "immutable_storage_with_versioning_enabled", None) is True
    if worm:
        report.add(ok("version-level immutability", "enabled (so is account versioning, which it requires)"))
    elif s.allow_mutable or not s.compliance:
        report.add(
            warn(
                "version-level immutability",
                "NOT enabled: archives are mutable (allowed by "
                "sink.azure.allow_mutable / compliance = false: development only)",
                FIX_WORM,
            )
        )
    else:
        report.add(
            fail(
                "version-level immutability", "not enabled: the worker refuses to start", FIX_WORM, EXIT_SINK
            )
        )
    await _check_policy(container, s, props, report)
    blob = container.get_blob_client(f"{PREFLIGHT_PREFIX}{uuid.uuid4()}.txt")
    report.add(await _right("right blobs/read", rights.NEEDS_READ, blob.get_blob_properties(), {404}))
    report.add(
        await _right(
            "right blobs/write",
            rights.NEEDS_WRITE,
            blob.upload_blob(b"", etag='"0x8DEADBEEF000000"', match_condition=MatchConditions.IfNotModified),
            {404, 412},
        )
    )
    if worm and (s.policy_source == "blob" or s.legal_hold):  # without WORM, any policy is refused
        until = datetime.now(UTC) + timedelta(days=1)
        report.add(
            await _right(
                "right immutableStorage/runAsSuperUser",
                rights.NEEDS_SUPER_USER,
                blob.set_immutability_policy(ImmutabilityPolicy(expiry_time=until, policy_mode="Unlocked")),
                {404},
            )
        )
    report.add(
        await _right(
            "right blobs/tags/read",
            _TAGS_READ,
            blob.get_blob_tags(),
            {404},
            optional="`archiver get` shows tags from blob metadata instead",
        )
    )
    report.add(
        await _right(
            "right blobs/filter/action",
            _FILTER,
            _first(container.find_blobs_by_tags("conversationId = 'preflight'")),
            {404},
            optional="`archiver get ID` without --date lists conversations/ instead",
        )
    )
    if canary:
        report.add(await _canary(container, s, worm=worm))


async def _first(pages: Any) -> None:
    async for _ in pages:
        break


def _state(props: Any, container_worm: bool) -> tuple[str | None, float | None]:
    ret = retention_from(props, container_worm=container_worm)
    created = getattr(props, "creation_time", None) or getattr(props, "last_modified", None)
    if ret.until is None or not isinstance(created, datetime):
        return ret.mode, None
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    return ret.mode, (ret.until - created).total_seconds() / 86400


async def _check_policy(container: ContainerClient, s: AzureSinkConfig, props: Any, report: Report) -> None:
    """policy_source = blob: the worker sends `retention_days` in `policy_mode`; container: the default policy
    exists, and its period and state as the newest start-up probe blob inherited them (read, not written)."""
    name = f"policy source ({s.policy_source})"
    if s.policy_source == "blob":
        report.add(ok(name, f"each archive gets {s.retention_days} days, {s.policy_mode}"))
        return
    if getattr(props, "has_immutability_policy", None) is not True:
        report.add(fail(name, "the container has no default immutability policy", FIX_DEFAULT, EXIT_SINK))
        return
    newest: tuple[Any, str] | None = None
    try:
        for prefix in (PROBE_PREFIX, CANARY_PREFIX):  # the worker's start-up probes and earlier canaries
            async for item in container.list_blobs(name_starts_with=prefix):
                key = (item.creation_time or item.last_modified, item.name)
                newest = key if newest is None or key > newest else newest
        if newest is None:
            report.add(
                warn(
                    name,
                    "a default policy exists; its period and state are unproven (no start-up probe blob yet)",
                    "run `archiver check --write-canary`, or start the worker",
                )
            )
            return
        mode, days = _state(await container.get_blob_client(newest[1]).get_blob_properties(), True)
    except FAILURES as exc:
        report.add(
            fail(
                name,
                f"cannot read the probe blobs ({_cause(exc)})",
                _ROLE_FIX.format(rights.NEEDS_READ),
                EXIT_SINK,
            )
        )
        return
    report.add(_policy_verdict(name, mode, days, s, f"as inherited by {newest[1]}"))


def _policy_verdict(
    name: str, mode: str | None, days: float | None, s: AzureSinkConfig, where: str
) -> Result:
    if mode is None or days is None:
        return fail(name, f"no policy applies to a new version ({where})", FIX_DEFAULT, EXIT_SINK)
    text = f"{round(days)} days, {mode} ({where})"
    if days + 1 / 1440 < s.retention_days:
        return fail(
            name,
            f"{text}: shorter than sink.azure.retention_days = {s.retention_days}",
            FIX_DEFAULT,
            EXIT_SINK,
        )
    if mode != "Locked":
        if s.policy_mode == "Locked":
            return fail(
                name, f'{text}: sink.azure.policy_mode = "Locked" requires Locked', FIX_DEFAULT, EXIT_SINK
            )
        return warn(
            name,
            f"{text}: an identity with runAsSuperUser can shorten or delete it",
            "lock the default policy (`az storage container immutability-policy lock …`)",
        )
    return ok(name, text)


async def _canary(container: ContainerClient, s: AzureSinkConfig, *, worm: bool) -> Result:
    """Write one canary blob: with policy_source = blob an Unlocked policy of one day (the shortest Azure
    accepts); with container, no policy of its own, so it inherits (and proves) the default one."""
    name = "write canary"
    now = datetime.now(UTC)
    blob = container.get_blob_client(f"{CANARY_PREFIX}{now:%Y/%m/%d/%H%M%S}-{uuid.uuid4().hex[:8]}.txt")
    policy = None
    if s.policy_source == "blob" and worm:  # a container without version-level WORM refuses any policy
        policy = ImmutabilityPolicy(expiry_time=now + timedelta(days=1), policy_mode="Unlocked")
    try:
        await blob.upload_blob(
            CANARY_BODY,
            overwrite=False,
            immutability_policy=policy,
            content_settings=ContentSettings(content_type="text/plain; charset=utf-8"),
        )
        props = await blob.get_blob_properties()
    except FAILURES as exc:
        needs = rights.NEEDS_SUPER_USER if policy is not None else rights.NEEDS_WRITE
        return fail(name, f"{blob.blob_name}: {_cause(exc)}", _ROLE_FIX.format(needs), EXIT_SINK)
    mode, days = _state(props, True)
    if not worm:
        return warn(
            name, f"{blob.blob_name} stored, but MUTABLE: the container has no version-level WORM", FIX_WORM
        )
    if s.policy_source == "container":
        return _policy_verdict(name, mode, days, s, f"inherited by {blob.blob_name}")
    if mode is None:
        return fail(
            name, f"{blob.blob_name} was stored without the policy it was sent with", FIX_WORM, EXIT_SINK
        )
    return ok(name, f"{blob.blob_name} stored under a 1-day {mode} policy")
