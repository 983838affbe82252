"""The write-back probe of each `writeback.mode`: one entry per mode, so a new mode is one new entry.

Every probe writes onto a conversation id that cannot exist (a fresh random UUID), so Genesys authorises the
call (403 `missing.permissions` without the permission) and then answers 404: the permission is proven and no
conversation is touched. A mode that needs no permission (the participant-attributes PATCH declares none) is
still probed: an org may restrict it, and the probe also proves the route and the token.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from archiver.genesys import GenesysClient
from archiver.preflight import probe
from archiver.preflight.report import Result, fail
from archiver.writeback import external_tag

_URI = "https://preflight.invalid/archiver-check"  # never stored: the conversation does not exist


@dataclass(frozen=True)
class WritebackProbe:
    permission: str  # as Genesys names it, or a description when the route declares none
    call: Callable[[GenesysClient, str], Awaitable[object]]


async def _attributes(client: GenesysClient, cid: str) -> None:
    await client.patch_participant_attributes(cid, str(uuid.uuid4()), {"archiveUri": _URI})


async def _external_tag(client: GenesysClient, cid: str) -> None:
    await client.put_external_tag(cid, external_tag(_URI))


PROBES: dict[str, WritebackProbe] = {
    "participant-attributes": WritebackProbe(
        "the participant-attributes PATCH (no declared permission)", _attributes
    ),
    "external-tag": WritebackProbe("conversation:externalTag:edit", _external_tag),
}


async def check_writeback(client: GenesysClient, mode: str, fallback_after_s: float) -> list[Result]:
    """The configured mode's probe; in attributes mode with the fallback on, the external tag's too (warn)."""
    if mode == "none":
        return []
    entry = PROBES.get(mode)
    if entry is None:
        return [fail(f"write-back ({mode})", "no preflight probe for this mode", "report this as a bug")]
    call = entry.call(client, str(uuid.uuid4()))
    results = [(await probe.permission(f"write-back ({mode})", call, entry.permission))[0]]
    if mode == "participant-attributes" and fallback_after_s > 0:
        tag = PROBES["external-tag"]
        result, _ = await probe.permission(
            "write-back fallback (external-tag)",
            tag.call(client, str(uuid.uuid4())),
            tag.permission,
            optional="a conversation whose attributes Genesys keeps refusing is retried, then dead-lettered, "
            "instead of falling back; or set writeback.fallback_to_external_tag_after_s = 0",
        )
        results.append(result)
    return results
