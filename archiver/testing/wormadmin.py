"""The WORM proxy's admin path: a container's **default** immutability policy, in the shape of the ARM API.

On Azure an administrator sets the default time-based policy of a version-level-WORM container through the
management plane (`az storage container immutability-policy create|lock|extend|delete`), i.e.

    PUT|GET|DELETE  /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/
                    {account}/blobServices/default/containers/{container}/immutabilityPolicies/default
    POST            …/immutabilityPolicies/default/lock   and   …/default/extend

with a JSON body `{"properties": {"immutabilityPeriodSinceCreationInDays": N, "allowProtectedAppendWrites":
false}}`, an `ETag` on every answer and `If-Match` required for update, lock, extend and delete. The proxy
serves the same paths and bodies (any subscription/resource group; `api-version` is not checked; no
authentication — it binds loopback only and is a test tool). Rules, as documented for the ARM operations:
Unlocked can be updated or deleted; Locked only extended (never shortened, unlocked or deleted); the period
is 1..146,000 days. Error answers use ARM's `{"error": {"code", "message"}}` shape; the codes are the proxy's
own (Microsoft documents none for these cases). The proxy models default policies of version-level-WORM
containers only (a classic container-level policy on a plain container is a different feature).

Every blob version written afterwards without a policy of its own inherits `now + period` in the policy's
state; see docs/azure.md "Container default policy".
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aiohttp import web

from archiver.testing.wormrules import DefaultPolicy, WormState

ARM_PREFIX = "/subscriptions/"
_PATH = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Storage/"
    r"storageAccounts/(?P<account>[^/]+)/blobServices/default/containers/(?P<container>[^/]+)/"
    r"immutabilityPolicies/default(?:/(?P<action>lock|extend))?/?$",
    re.IGNORECASE,
)
MAX_DAYS = 146_000


class AdminError(Exception):
    """An ARM-style refusal: status, code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _etag() -> str:
    return f'"8d{uuid.uuid4().hex[:14]}"'


def _check_etag(current: DefaultPolicy, if_match: str | None) -> None:
    if if_match is None:
        raise AdminError(400, "MissingIfMatchHeader", "If-Match (the policy's ETag) is required.")
    if if_match not in {"*", current.etag}:
        raise AdminError(412, "ConditionNotMet", "The ETag in If-Match does not match the policy's ETag.")


def _days(body: dict[str, Any]) -> tuple[int, bool]:
    props = body.get("properties") if isinstance(body, dict) else None
    days = props.get("immutabilityPeriodSinceCreationInDays") if isinstance(props, dict) else None
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise AdminError(
            400, "InvalidImmutabilityPeriod", f"immutabilityPeriodSinceCreationInDays must be 1..{MAX_DAYS}."
        )
    assert isinstance(props, dict)
    return days, bool(props.get("allowProtectedAppendWrites", False))


def apply(
    state: WormState, account: str, container: str, verb: str, body: dict[str, Any], if_match: str | None
) -> DefaultPolicy:
    """Create/update ("put"), "lock", "extend" or "delete" the default policy; AdminError when refused."""
    if not state.vlw(account, container):
        raise AdminError(
            409, "ContainerNotVersionLevelWorm", "The proxy models default policies of VLW containers only."
        )
    current = state.default_policy(account, container)
    if verb == "put":
        days, appends = _days(body)
        if current is not None:
            _check_etag(current, if_match)
            if current.state == "Locked":
                raise AdminError(409, "ImmutabilityPolicyLocked", "A Locked policy can only be extended.")
        new = DefaultPolicy(days=days, state="Unlocked", etag=_etag(), allow_protected_append_writes=appends)
        state.put_default(account, container, new)
        return new
    if current is None:
        raise AdminError(404, "ImmutabilityPolicyNotFound", "The container has no default policy.")
    _check_etag(current, if_match)
    if verb == "lock":
        new = DefaultPolicy(current.days, "Locked", _etag(), current.allow_protected_append_writes)
    elif verb == "extend":
        days, appends = _days(body)
        if current.state != "Locked":
            raise AdminError(409, "ImmutabilityPolicyNotLocked", "Only a Locked policy is extended.")
        if days < current.days:
            raise AdminError(409, "ImmutabilityPolicyLocked", "A Locked policy can only be extended.")
        new = DefaultPolicy(days, "Locked", _etag(), appends)
    elif verb == "delete":
        if current.state == "Locked":
            raise AdminError(409, "ImmutabilityPolicyLocked", "A Locked policy cannot be deleted.")
        state.put_default(account, container, None)
        return DefaultPolicy(current.days, "Deleted", current.etag, current.allow_protected_append_writes)
    else:
        raise AdminError(400, "InvalidOperation", f"Unknown operation {verb}.")
    state.put_default(account, container, new)
    return new


def administer(
    state: WormState, account: str, container: str, days: int | None, *, locked: bool = False
) -> DefaultPolicy | None:
    """Set (and optionally lock), extend a Locked one, or with None delete a container's default policy."""
    current = state.default_policy(account, container)
    etag = current.etag if current else None
    if days is None:
        apply(state, account, container, "delete", {}, etag)
        return None
    body = {"properties": {"immutabilityPeriodSinceCreationInDays": days}}
    verb = "extend" if current is not None and current.state == "Locked" else "put"
    policy = apply(state, account, container, verb, body, etag)
    if locked and policy.state != "Locked":
        policy = apply(state, account, container, "lock", {}, policy.etag)
    return policy


def as_resource(sub: str, rg: str, account: str, container: str, policy: DefaultPolicy) -> dict[str, Any]:
    """The ARM ImmutabilityPolicy resource as the API returns it."""
    rid = (
        f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{account}"
        f"/blobServices/default/containers/{container}/immutabilityPolicies/default"
    )
    return {
        "id": rid,
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
        "etag": policy.etag,
        "properties": {
            "immutabilityPeriodSinceCreationInDays": policy.days,
            "state": policy.state,
            "allowProtectedAppendWrites": policy.allow_protected_append_writes,
        },
    }


async def handle(state: WormState, request: web.Request) -> web.Response:
    """Serve one ARM-shaped request on the immutability-policy path (404 for any other ARM path)."""
    m = _PATH.match(request.path)
    if m is None:
        return _arm_error(AdminError(404, "NotFound", "Only container immutability policies are served."))
    sub, rg, account, container = m["sub"], m["rg"], m["account"], m["container"]
    action = (m["action"] or "").lower()
    verbs = {("PUT", ""): "put", ("POST", "lock"): "lock", ("POST", "extend"): "extend",
             ("DELETE", ""): "delete"}  # fmt: skip
    try:
        if request.method == "GET" and not action:
            policy = state.default_policy(account, container)
            if policy is None:
                raise AdminError(404, "ImmutabilityPolicyNotFound", "The container has no default policy.")
        else:
            verb = verbs.get((request.method, action))
            if verb is None:
                raise AdminError(405, "MethodNotAllowed", f"{request.method} is not supported here.")
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                raise AdminError(400, "InvalidRequestContent", "The body is not JSON.") from None
            policy = apply(state, account, container, verb, body, request.headers.get("If-Match"))
    except AdminError as exc:
        return _arm_error(exc)
    return web.json_response(as_resource(sub, rg, account, container, policy), headers={"ETag": policy.etag})


def _arm_error(exc: AdminError) -> web.Response:
    return web.json_response({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
