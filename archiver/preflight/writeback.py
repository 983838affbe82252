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

from archiver.config_model import WritebackConfig
from archiver.genesys import GenesysClient
from archiver.genesys.models import AnalyticsProperty, PropertyIndexRequest
from archiver.preflight import probe
from archiver.preflight.report import Result, fail
from archiver.writeback import PERMISSION, chain_of, external_tag

_URI = "https://preflight.invalid/archiver-check"  # never stored: the conversation does not exist


@dataclass(frozen=True)
class WritebackProbe:
    permission: str  # as Genesys names it, or a description when the route declares none
    call: Callable[[GenesysClient, str], Awaitable[object]]


async def _attributes(client: GenesysClient, cid: str) -> None:
    await client.patch_participant_attributes(cid, str(uuid.uuid4()), {"archiveUri": _URI})


async def _external_tag(client: GenesysClient, cid: str) -> None:
    await client.put_external_tag(cid, external_tag(_URI))


async def _properties(client: GenesysClient, cid: str) -> None:
    request = PropertyIndexRequest(
        session_id=str(uuid.uuid4()),
        target_date="2000-01-01T00:00:00.000Z",
        properties=[AnalyticsProperty(property="archiveUri", property_type="string", value=_URI)],
    )
    await client.index_conversation_properties(cid, request)


PROBES: dict[str, WritebackProbe] = {
    "analytics-properties": WritebackProbe(str(PERMISSION["analytics-properties"]), _properties),
    "participant-attributes": WritebackProbe(
        "the participant-attributes PATCH (no declared permission)", _attributes
    ),
    "external-tag": WritebackProbe(str(PERMISSION["external-tag"]), _external_tag),
}


async def check_writeback(client: GenesysClient, section: WritebackConfig) -> list[Result]:
    """The configured mode's probe (a failure), then each fallback of its chain (a warning: the worker still
    archives, a refused fallback is retried naming the permission)."""
    chain = chain_of(section.mode, section.fallback if section.fallback_to_external_tag_after_s > 0 else ())
    results: list[Result] = []
    for i, mode in enumerate(chain):
        entry = PROBES.get(mode)
        name = f"write-back ({mode})" if i == 0 else f"write-back fallback ({mode})"
        if entry is None:
            results.append(fail(name, "no preflight probe for this mode", "report this as a bug"))
            continue
        call = entry.call(client, str(uuid.uuid4()))
        if i == 0:
            results.append((await probe.permission(name, call, entry.permission))[0])
        else:
            optional = (
                f"a write-back the modes before it keep refusing cannot fall back to {mode}; grant the "
                "permission, or remove it from writeback.fallback"
            )
            results.append((await probe.permission(name, call, entry.permission, optional=optional))[0])
    return results
