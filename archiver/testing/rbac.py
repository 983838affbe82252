"""Azure RBAC data actions for the WORM proxy: which action each blob operation needs, and the 403 it gets.

The real service authorises each request of an Entra ID identity against the data actions of its role
assignments (see docs/azure.md "RBAC: what each role allows"). The proxy cannot see an identity (Azurite
authenticates with the account key), so a test grants a *set of actions per container* instead; a request
whose operation needs an action outside that set is refused with the service's 403
`AuthorizationPermissionMismatch`, before Azurite sees it.

Legal hold: Microsoft's REST permission table lists Set Blob Legal Hold under `containers/write`, the ABAC
page under `immutableStorage/runAsSuperUser`. The proxy takes the stricter reading (runAsSuperUser), which is
what the README tells operators to grant.
"""

from __future__ import annotations

from archiver.testing.wormrules import H_HOLD, H_MODE, H_UNTIL, Refusal

_C = "Microsoft.Storage/storageAccounts/blobServices/containers"
CONTAINERS_READ = f"{_C}/read"
CONTAINERS_WRITE = f"{_C}/write"
CONTAINERS_DELETE = f"{_C}/delete"
BLOBS_READ = f"{_C}/blobs/read"
BLOBS_WRITE = f"{_C}/blobs/write"
BLOBS_ADD = f"{_C}/blobs/add/action"
BLOBS_DELETE = f"{_C}/blobs/delete"
BLOBS_MOVE = f"{_C}/blobs/move/action"
TAGS_READ = f"{_C}/blobs/tags/read"
TAGS_WRITE = f"{_C}/blobs/tags/write"
FILTER = f"{_C}/blobs/filter/action"
SUPER_USER = f"{_C}/blobs/immutableStorage/runAsSuperUser/action"

# Storage Blob Data Contributor: no tags/read, tags/write, filter/action or runAsSuperUser.
CONTRIBUTOR = frozenset(
    {CONTAINERS_READ, CONTAINERS_WRITE, CONTAINERS_DELETE, BLOBS_READ, BLOBS_WRITE, BLOBS_ADD, BLOBS_DELETE,
     BLOBS_MOVE}
)  # fmt: skip
# Storage Blob Data Owner: `blobs/*`, every data action above.
OWNER = CONTRIBUTOR | {TAGS_READ, TAGS_WRITE, FILTER, SUPER_USER}
READER = frozenset({CONTAINERS_READ, BLOBS_READ})

_BY_OP = {
    "container_properties": CONTAINERS_READ,
    "create_container": CONTAINERS_WRITE,
    "delete_container": CONTAINERS_DELETE,
    "container_metadata": CONTAINERS_WRITE,
    "list_blobs": BLOBS_READ,
    "find_blobs": FILTER,
    "service_blobs": FILTER,  # account-wide Find Blobs by Tags
    "get_blob": BLOBS_READ,
    "get_properties": BLOBS_READ,
    "blob_metadata": BLOBS_READ,
    "put_blob": BLOBS_WRITE,
    "put_blocklist": BLOBS_WRITE,
    "blob_block": BLOBS_WRITE,
    "set_metadata": BLOBS_WRITE,
    "blob_tier": BLOBS_WRITE,
    "delete_blob": BLOBS_DELETE,
    "set_policy": SUPER_USER,
    "delete_policy": SUPER_USER,
    "set_legal_hold": SUPER_USER,
}


def required(op: str, method: str, headers: dict[str, str]) -> list[str]:
    """The data actions a request needs (empty: the proxy does not model the operation's RBAC)."""
    if op == "blob_tags":
        return [TAGS_READ if method == "GET" else TAGS_WRITE]
    action = _BY_OP.get(op)
    if action is None:
        return []
    needed = [action]
    # Put Blob with x-ms-tags is authorised by blobs/write alone; a policy or legal hold on upload is not.
    if op in {"put_blob", "put_blocklist"} and (H_UNTIL in headers or H_MODE in headers or H_HOLD in headers):
        needed.append(SUPER_USER)
    return needed


def sas_lacks(query: dict[str, str], needed: list[str]) -> bool:
    """A SAS without `i` may not send or change an immutability policy or legal hold. Azurite checks every
    other letter itself but ignores policies, so the proxy checks this one."""
    if "sig" not in query or SUPER_USER not in needed:
        return False
    return "i" not in query.get("sp", "")


def refusal() -> Refusal:
    """The service's answer when the caller's role lacks a data action (it does not say which)."""
    return Refusal(
        403,
        "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.",
    )
