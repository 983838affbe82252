"""Token manager against the simulator: one refresh for many callers, renewal before expiry, 401 recovery."""

from __future__ import annotations

import asyncio

import pytest

from archiver.errors import GenesysAuthError
from archiver.genesys import GenesysClient
from archiver.secret import Secret
from archiver.sim import Simulator

from .conftest import ClientFactory, SimFactory, settings_for

TOKEN = "POST /oauth/token"


async def test_fifty_concurrent_calls_share_one_token_request(sim: Simulator, client: GenesysClient) -> None:
    await asyncio.gather(*(client.list_queues() for _ in range(50)))
    assert sim.call_counts()[TOKEN] == 1
    assert client.tokens.stats.refreshes == 1


async def test_token_is_refreshed_before_expiry_not_after(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    # (times doubled from a 2 s lifetime: under load the second token reached its own renewal buffer
    # during the last wait and a third was fetched, fresh-clone CI seed 2994341755)
    sim = await make_sim(token_ttl_s=4)
    client = await make_client(sim, token_refresh_buffer_s=1.6)
    first = await client.tokens.token()
    await client.list_queues()
    await asyncio.sleep(2.6)  # inside the renewal buffer, before expiry
    assert await client.tokens.token() == first  # still valid: served while the refresh runs
    await asyncio.sleep(0.4)
    second = await client.tokens.token()
    assert second != first
    assert sim.call_counts()[TOKEN] == 2
    await asyncio.sleep(1.6)  # the first token has now expired; the client never used it late
    await asyncio.gather(*(client.list_queues() for _ in range(5)))
    assert client.stats.statuses[401] == 0
    assert sim.call_counts()[TOKEN] == 2


async def test_buffer_longer_than_lifetime_does_not_refresh_every_call(
    make_sim: SimFactory, make_client: ClientFactory
) -> None:
    sim = await make_sim(token_ttl_s=4)
    client = await make_client(sim, token_refresh_buffer_s=300)
    for _ in range(10):
        await client.list_queues()
    assert sim.call_counts()[TOKEN] == 1


async def test_revoked_tokens_recover_with_one_refresh(sim: Simulator, client: GenesysClient) -> None:
    await client.list_queues()
    sim.faults.revoke_tokens()
    results = await asyncio.gather(*(client.list_queues() for _ in range(20)))
    assert all(len(r) == len(sim.queue_ids) for r in results)
    assert sim.call_counts()[TOKEN] == 2  # 20 callers saw 401; only one new token was requested
    assert client.stats.statuses[401] >= 1


async def test_expired_token_recovers(sim: Simulator, client: GenesysClient) -> None:
    await client.list_queues()
    sim.faults.expire_tokens()
    assert len(await client.list_queues()) == len(sim.queue_ids)
    assert sim.call_counts()[TOKEN] == 2


@pytest.mark.parametrize("status", [400, 401])
async def test_bad_credentials_raise_auth_error(make_sim: SimFactory, status: int) -> None:
    sim = await make_sim(bad_credentials_status=status)
    async with GenesysClient(settings_for(sim, client_secret=Secret("wrong-secret-123"))) as client:
        with pytest.raises(GenesysAuthError) as info:
            await client.list_queues()
    assert "wrong-secret-123" not in str(info.value)
    assert "client credentials rejected" in str(info.value)
    assert sim.call_counts()[TOKEN] == 1  # permanent: not retried


async def test_login_outage_is_retried(sim: Simulator, client: GenesysClient) -> None:
    sim.faults.fail_next(2, status=503, path_prefix="/oauth/token")
    assert len(await client.list_queues()) == len(sim.queue_ids)
    assert sim.call_counts()[TOKEN] == 3


async def test_no_secret_or_token_in_logs(
    sim: Simulator, client: GenesysClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await client.list_queues()
    token = await client.tokens.token()
    sim.faults.revoke_tokens()
    sim.faults.fail_next(1, status=503)
    await client.list_queues()
    text = caplog.text + repr(client) + repr(client.tokens) + repr(client.settings)
    assert sim.config.client_secret not in text
    assert token not in text and (await client.tokens.token()) not in text
