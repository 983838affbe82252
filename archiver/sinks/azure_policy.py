"""The start-up check of a container's **default** immutability policy (`sink.azure.policy_source =
"container"`).

An administrator sets the default policy once through the management plane (ARM); every new blob version
inherits `creation + period` in the policy's state (Unlocked/Locked), and the worker then sends no policy of
its own and needs no `runAsSuperUser` right. The data plane reports only *whether* the container has such a
policy (`x-ms-has-immutability-policy`), not its period or state, and reading those through ARM would need a
management-plane role and the resource id. So the check writes one tiny probe blob and reads back the policy
it inherited (Get Blob Properties shows it as the version's own policy): that proves the default exists,
applies, covers `retention_days`, and whether it is Locked — with the rights the worker already has
(blobs/write + blobs/read). The probe's name is per UTC hour (`_archiver/policy-check/YYYY/MM/DD/HH.txt`), so
restarts add at most one ~90-byte blob an hour, outside the `conversations/` prefix; it holds no personal data
and is kept by the default policy like any archive. An hour's probe written before an administrator fixed the
policy would still show the old one, so a failing check on an existing probe is repeated once on a
per-minute probe (`HH/MM.txt`): a fixed policy is seen on the next start, and even a restart loop against a
broken one adds at most one blob a minute. See docs/azure.md "Container default policy".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceModifiedError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import ContainerClient

from archiver.sinks.azure_codec import retention_from

PROBE_PREFIX = "_archiver/policy-check/"
PROBE_BODY = b"archiver start-up check of this container's default immutability policy (no personal data)\n"
# The service truncates expiry to whole seconds, and the probe's creation time and expiry come from two
# clocks of the same service: a minute of slack never hides a retention shortfall of a day or more.
_SLACK = timedelta(minutes=1)

FIX_WORM = (
    "create the container with version-level immutability (blob versioning on), e.g. "
    "`az storage account blob-service-properties update -g RG --account-name ACCOUNT "
    "--enable-versioning true` then `az storage container-rm create -g RG --storage-account ACCOUNT "
    "--name CONTAINER --enable-vlw true` (existing container: `az storage container-rm migrate-vlw -g RG "
    "--storage-account ACCOUNT -n CONTAINER`); "
    "for development only (e.g. Azurite) run with --allow-mutable (sink.azure.allow_mutable = true)"
)
FIX_DEFAULT = (
    "have an administrator set a default time-based policy on the container and lock it, e.g. "
    "`az storage container immutability-policy create -g RG --account-name ACCOUNT -c CONTAINER "
    "--period DAYS` "
    "then `az storage container immutability-policy lock -g RG --account-name ACCOUNT -c CONTAINER "
    '--if-match ETAG`; or send a policy with every blob: sink.azure.policy_source = "blob" (needs the '
    "immutableStorage/runAsSuperUser data action)"
)


def probe_name(now: datetime, *, per_minute: bool = False) -> str:
    """The probe blob's name for this hour (or minute)."""
    return f"{PROBE_PREFIX}{now.astimezone(UTC):{'%Y/%m/%d/%H/%M' if per_minute else '%Y/%m/%d/%H'}}.txt"


async def probe_default_policy(
    container: ContainerClient, now: datetime, *, per_minute: bool = False
) -> tuple[Any, str, bool]:
    """Write (if absent) this hour's (minute's) probe blob; return its properties, name, and whether this
    call created it (else an earlier start did, possibly under an earlier policy)."""
    name = probe_name(now, per_minute=per_minute)
    fresh = True
    blob = container.get_blob_client(name)
    try:
        await blob.upload_blob(
            PROBE_BODY,
            overwrite=False,
            content_settings=ContentSettings(content_type="text/plain; charset=utf-8"),
        )
    except (ResourceExistsError, ResourceModifiedError) as exc:
        if getattr(exc, "status_code", None) not in {409, 412}:
            raise
        fresh = False  # written by an earlier start this hour
    return await blob.get_blob_properties(), name, fresh


def default_policy_problems(props: Any, retention_days: int) -> tuple[list[str], str | None]:
    """(why the inherited policy does not protect archives for `retention_days`, its mode)."""
    ret = retention_from(props, container_worm=True)
    if ret.mode is None or ret.until is None:
        return ["a new blob version inherits no immutability policy (no default policy applies)"], None
    created = getattr(props, "creation_time", None) or getattr(props, "last_modified", None)
    if isinstance(created, datetime):
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        needed = created + timedelta(days=retention_days)
        if ret.until + _SLACK < needed:
            kept = max(0, round((ret.until - created).total_seconds() / 86400))
            return [
                f"the default policy keeps a new version about {kept} days, less than "
                f"sink.azure.retention_days = {retention_days}"
            ], ret.mode
    return [], ret.mode


async def check_default_policy(
    container: ContainerClient, has_default: bool, retention_days: int, *, require_locked: bool
) -> tuple[list[str], str | None]:
    """(problems, mode) of the default policy as a new version inherits it; storage errors propagate."""
    if not has_default:
        return ["no default immutability policy (policy_source = container)"], None
    now = datetime.now(UTC)
    probe, name, fresh = await probe_default_policy(container, now)
    problems, mode = default_policy_problems(probe, retention_days)
    if (problems or mode != "Locked") and not fresh:  # the policy may have changed since: look again
        probe, name, _ = await probe_default_policy(container, now, per_minute=True)
        problems, mode = default_policy_problems(probe, retention_days)
    if require_locked and mode == "Unlocked":
        problems.append(
            'the default policy is Unlocked but sink.azure.policy_mode = "Locked" requires Locked'
        )
    return [f"{p} (checked on probe blob {name})" for p in problems], mode
