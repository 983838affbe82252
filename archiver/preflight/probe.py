"""Turn a Genesys call's outcome into a check result.

A permission is proven by a call that needs it and changes nothing. Genesys authorises a request — token, then
the role's permissions — before it looks the addressed entity up, so a call naming an entity that cannot exist
(a fresh random UUID) answers 403 `missing.permissions` without the permission and 404 with it: the 404 is the
proof, and nothing is read or written (docs/operations.md "Preflight: archiver check").
"""

from __future__ import annotations

from collections.abc import Awaitable

from archiver.errors import (
    EXIT_AUTH,
    EXIT_FAILURE,
    EXIT_PERMISSION,
    GenesysAPIError,
    GenesysAuthError,
    GenesysError,
    GenesysNotFound,
    GenesysPermissionError,
)
from archiver.preflight.report import Result, fail, ok, warn


async def permission(
    name: str, call: Awaitable[object], permission: str, *, absent_ok: bool = True, optional: str = ""
) -> tuple[Result, object]:
    """Run `call`; 2xx (and 404 when `absent_ok`) proves `permission`. `optional`: a missing permission only
    degrades something (warn, naming what), rather than stopping the worker (fail)."""
    try:
        value = await call
    except GenesysNotFound:
        if absent_ok:
            return ok(name, f"{permission} granted (404 for a conversation that cannot exist)"), None
        return fail(name, "404 Not Found", "check genesys.region / genesys.base_url"), None
    except GenesysPermissionError as exc:
        named = permission if ":" in permission else "the permission Genesys names"
        fix = f"add {named} to the OAuth client's role (Admin > Roles / Permissions)"
        if optional:
            return warn(name, f"{exc} — {optional}", fix), None
        return fail(name, str(exc), fix, EXIT_PERMISSION), None
    except GenesysAuthError as exc:
        return fail(name, str(exc), "check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET", EXIT_AUTH), None
    except GenesysAPIError as exc:
        return fail(name, str(exc), "see the Genesys error code above", EXIT_FAILURE), None
    except GenesysError as exc:
        return fail(name, str(exc), "retry; check network access to Genesys Cloud", EXIT_FAILURE), None
    return ok(name, f"{permission} granted"), value
