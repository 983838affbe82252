"""OAuth client credentials, bearer checks and the per-token rate limit."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from tests.sim.conftest import assert_error_body, basic, get_token, make_config

TOKEN_FORM = {"grant_type": "client_credentials"}


async def test_token_success(sim: Simulator, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sim.base_url}/oauth/token", data=TOKEN_FORM, headers=basic()) as r:
        assert r.status == 200
        doc = await r.json()
    assert set(doc) == {"access_token", "token_type", "expires_in"}
    assert doc["expires_in"] == sim.config.token_ttl_s
    assert doc["token_type"].lower() == "bearer"


@pytest.mark.parametrize(
    ("cid", "secret", "description"),
    [
        ("test-client", "wrong", "authentication failed"),
        ("nobody", "test-secret", "client not found"),
    ],
)
async def test_bad_credentials_body(
    sim: Simulator, http: aiohttp.ClientSession, cid: str, secret: str, description: str
) -> None:
    async with http.post(f"{sim.base_url}/oauth/token", data=TOKEN_FORM, headers=basic(cid, secret)) as r:
        assert r.status == 401
        doc = await r.json()
    assert doc == {"error": "invalid_client", "description": description, "error_description": description}


async def test_bad_grant_and_status_switch(http: aiohttp.ClientSession) -> None:
    async with Simulator(make_config(bad_credentials_status=400)) as s:
        async with http.post(
            f"{s.base_url}/oauth/token", data={"grant_type": "password"}, headers=basic()
        ) as r:
            assert r.status == 400
            assert (await r.json())["error"] == "unsupported_grant_type"
        async with http.post(f"{s.base_url}/oauth/token", data=TOKEN_FORM, headers=basic(secret="x")) as r:
            assert r.status == 400


async def test_bearer_required_unknown_revoked_expired(sim: Simulator, http: aiohttp.ClientSession) -> None:
    url = f"{sim.base_url}/api/v2/routing/queues"
    async with http.get(url) as r:
        assert r.status == 401
        assert_error_body(await r.json(), 401, "authentication.required")
    async with http.get(url, headers={"Authorization": "Bearer nope"}) as r:
        assert r.status == 401
        assert_error_body(await r.json(), 401, "bad.credentials")
    tok = await get_token(http, sim)
    hdr = {"Authorization": f"Bearer {tok}"}
    async with http.get(url, headers=hdr) as r:
        assert r.status == 200
    sim.faults.revoke_tokens()
    async with http.get(url, headers=hdr) as r:
        assert r.status == 401
    hdr = {"Authorization": f"Bearer {await get_token(http, sim)}"}
    sim.faults.expire_tokens()
    async with http.get(url, headers=hdr) as r:
        assert r.status == 401


async def test_token_lifetime(http: aiohttp.ClientSession) -> None:
    async with Simulator(make_config(token_ttl_s=1)) as s:
        hdr = {"Authorization": f"Bearer {await get_token(http, s)}"}
        async with http.get(f"{s.base_url}/api/v2/routing/queues", headers=hdr) as r:
            assert r.status == 200
        await asyncio.sleep(1.1)
        async with http.get(f"{s.base_url}/api/v2/routing/queues", headers=hdr) as r:
            assert r.status == 401


async def test_rate_limit_429(sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]) -> None:
    sim.faults.set_rate_limit(3)
    url = f"{sim.base_url}/api/v2/routing/queues"
    for i in range(3):
        async with http.get(url, headers=auth) as r:
            assert r.status == 200
            assert r.headers["inin-ratelimit-allowed"] == "3"
            assert r.headers["inin-ratelimit-count"] == str(i + 1)
            assert 1 <= int(r.headers["inin-ratelimit-reset"]) <= 60
    async with http.get(url, headers=auth) as r:
        assert r.status == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        doc = await r.json()
    assert_error_body(doc, 429, "too.many.requests")
    assert doc["limit"]["value"] == 3
    # the budget is per token: a fresh token is admitted
    other = {"Authorization": f"Bearer {await get_token(http, sim)}"}
    async with http.get(url, headers=other) as r:
        assert r.status == 200
    assert sim.call_counts()["GET /api/v2/routing/queues"] == 5


@pytest.mark.parametrize("sim_config", [make_config(ratelimit_headers=False)])
async def test_ratelimit_headers_switch(
    sim: Simulator, sim_config: SimConfig, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    async with http.get(f"{sim.base_url}/api/v2/routing/queues", headers=auth) as r:
        assert r.status == 200
        assert "inin-ratelimit-count" not in r.headers


async def test_injected_429_has_retry_after(
    sim: Simulator, http: aiohttp.ClientSession, auth: dict[str, str]
) -> None:
    sim.faults.fail_next(1, status=429)
    async with http.get(f"{sim.base_url}/api/v2/routing/queues", headers=auth) as r:
        assert r.status == 429 and r.headers["Retry-After"] == "1"
        assert_error_body(await r.json(), 429, "too.many.requests")
