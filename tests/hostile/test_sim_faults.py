"""Simulator faults the hostile tests rely on: deny_permission, answer_next, rewrite_next (+ admin API)."""

from __future__ import annotations

from typing import Any

import aiohttp
import msgspec
import pytest

from archiver.errors import GenesysPermissionError
from archiver.genesys import GenesysClient
from archiver.genesys.models import ErrorBody
from archiver.genesys.transport import missing_permissions
from archiver.sim import Simulator


async def _get(sim: Simulator, client: GenesysClient, path: str, token: bool = True) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {await client.tokens.token()}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(sim.base_url + path, headers=headers) as r:
        return r.status, await r.read()


async def test_deny_permission_answers_403_missing_permissions_until_cleared(
    sim: Simulator, client: GenesysClient
) -> None:
    [cid] = await sim.generate(1)
    sim.faults.deny_permission("conversation:webmessaging:view", "/api/v2/conversations/messages/")
    status, body = await _get(sim, client, f"/api/v2/conversations/messages/{cid}")
    assert status == 403
    err = msgspec.json.decode(body, type=ErrorBody)
    assert err.code == "missing.permissions" and err.status == 403 and err.context_id
    assert missing_permissions(err) == ["conversation:webmessaging:view"]
    assert "conversation:webmessaging:view" in (err.message or "")
    # Authentication is checked first, as in production.
    status, _ = await _get(sim, client, f"/api/v2/conversations/messages/{cid}", token=False)
    assert status == 401
    # Other paths are unaffected; the client maps the 403 to the permission error naming it.
    assert await client.list_queues()
    with pytest.raises(GenesysPermissionError) as info:
        await client.get_message_conversation_raw(cid)
    assert "conversation:webmessaging:view" in str(info.value) and info.value.exit_code == 5
    sim.faults.clear()
    assert await client.get_message_conversation_raw(cid)


async def test_answer_next_serves_raw_bodies_n_times(sim: Simulator, client: GenesysClient) -> None:
    [cid] = await sim.generate(1)
    path = f"/api/v2/conversations/messages/{cid}"
    sim.faults.answer_next(2, b"<html>proxy</html>", path_prefix=path)
    sim.faults.answer_next(1, "{}", status=418, path_prefix="/api/v2/routing/")
    assert await _get(sim, client, path) == (200, b"<html>proxy</html>")
    assert await _get(sim, client, path) == (200, b"<html>proxy</html>")
    status, body = await _get(sim, client, path)
    assert status == 200 and msgspec.json.decode(body)["id"] == cid
    assert (await _get(sim, client, "/api/v2/routing/queues"))[0] == 418
    assert (await _get(sim, client, "/api/v2/routing/queues"))[0] == 200


async def test_rewrite_next_stacks_substitutions_in_real_bodies(
    sim: Simulator, client: GenesysClient
) -> None:
    [cid] = await sim.generate(1)
    path = f"/api/v2/conversations/messages/{cid}"
    sim.faults.rewrite_next(1, cid, "AAA", path_prefix=path)
    sim.faults.rewrite_next(2, b'"participants"', b'"people"', path_prefix=path)
    _, first = await _get(sim, client, path)
    assert cid.encode() not in first and b"AAA" in first and b'"people"' in first
    _, second = await _get(sim, client, path)
    assert cid.encode() in second and b'"people"' in second
    _, third = await _get(sim, client, path)
    assert b'"participants"' in third
    with pytest.raises(ValueError):
        sim.faults.rewrite_next(1, b"", b"x")


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("deny_permission", {"permission": "routing:queue:view", "path_prefix": "/api/v2/routing/"}),
        ("answer_next", {"n": 1, "body": "not json", "path_prefix": "/api/v2/routing/"}),
        (
            "rewrite_next",
            {"n": 1, "find": "entities", "replace": "things", "path_prefix": "/api/v2/routing/"},
        ),
    ],
)
async def test_admin_endpoints(
    sim: Simulator, client: GenesysClient, name: str, kwargs: dict[str, Any]
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sim.base_url}/_sim/faults/{name}", json=kwargs) as r,
    ):
        assert r.status == 200, await r.text()
    status, body = await _get(sim, client, "/api/v2/routing/queues")
    expected = {"deny_permission": (403, b"routing:queue:view"), "answer_next": (200, b"not json")}
    expected["rewrite_next"] = (200, b'"things"')
    want_status, want_bytes = expected[name]
    assert status == want_status and want_bytes in body
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{sim.base_url}/_sim/faults/deny_permission", json={"permission": ""}) as r,
    ):
        assert r.status == 400
