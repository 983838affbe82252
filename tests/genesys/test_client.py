"""REST client against the simulator: endpoints, paging, error mapping and retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from archiver.errors import (
    GenesysAPIError,
    GenesysNotFound,
    GenesysPermissionError,
    GenesysTransientError,
    NotReady,
)
from archiver.genesys import GenesysClient, format_interval
from archiver.genesys.models import MessageConversation
from archiver.sim import Simulator
from archiver.transcript import decode_conversation

from .conftest import ClientFactory, SimFactory


async def message_conversation(client: GenesysClient, cid: str) -> MessageConversation:
    """The message conversation as the pipeline reads it."""
    return decode_conversation(await client.get_message_conversation_raw(cid))


async def conversation(client: GenesysClient, cid: str) -> dict[str, object]:
    """`GET /api/v2/conversations/{id}` (the generic view, where endTime is null while active)."""
    resp = await client.transport.call("GET", f"/api/v2/conversations/{cid}", "get conversation")
    body: dict[str, object] = msgspec.json.decode(resp.body)
    return body


async def test_list_queues_reads_every_page(make_sim: SimFactory, make_client: ClientFactory) -> None:
    sim = await make_sim(queues=230)
    client = await make_client(sim)
    queues = await client.list_queues()
    assert sorted(q.id for q in queues) == sorted(sim.queue_ids)
    assert sim.call_counts()["GET /api/v2/routing/queues"] == 3


async def test_message_conversation_and_bulk_messages(sim: Simulator, client: GenesysClient) -> None:
    (cid,) = await sim.generate(1, kind="webmessaging", end=True)
    conv = await message_conversation(client, cid)
    assert conv.id == cid and conv.ended and conv.is_webmessaging
    assert conv.customer_participant_id is not None
    assert conv.end_time is not None
    ids = conv.message_ids
    assert ids
    bodies = await client.bulk_messages_raw(cid, ids)
    got = [e["id"] for b in bodies for e in msgspec.json.decode(b)["entities"]]
    assert sorted(got) == sorted(ids)
    raw = await client.get_message_conversation_raw(cid)
    assert msgspec.json.decode(raw)["id"] == cid


async def test_bulk_pages_past_1000_messages(sim: Simulator, client: GenesysClient) -> None:
    (cid,) = await sim.generate(1, kind="webmessaging", end=True, messages=2345)
    conv = await message_conversation(client, cid)
    assert len(conv.message_ids) == 2345
    bodies = await client.bulk_messages_raw(cid, conv.message_ids)
    assert len(bodies) == 3
    got = [e["id"] for b in bodies for e in msgspec.json.decode(b)["entities"]]
    assert len(got) == 2345 and set(got) == set(conv.message_ids)
    assert sim.call_counts()["POST /api/v2/conversations/messages/{conversationId}/messages/bulk"] == 3


async def test_live_conversation_is_not_ended(sim: Simulator, client: GenesysClient) -> None:
    cid = await sim.create_live("webmessaging")
    assert not (await message_conversation(client, cid)).ended
    assert (await conversation(client, cid)).get("endTime") is None
    await sim.end_conversation(cid)
    assert (await message_conversation(client, cid)).ended
    assert (await conversation(client, cid)).get("endTime") is not None


async def test_unknown_conversation_is_not_found(sim: Simulator, client: GenesysClient) -> None:
    with pytest.raises(GenesysNotFound) as info:
        await message_conversation(client, "00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404 and info.value.code == "not.found" and info.value.context_id
    (cid,) = await sim.generate(1)
    sim.faults.delete_conversation(cid)
    with pytest.raises(GenesysNotFound):
        await conversation(client, cid)


async def test_forbidden_is_a_permission_error_not_retried(sim: Simulator, client: GenesysClient) -> None:
    (cid,) = await sim.generate(1)
    await client.list_queues()
    sim.reset_call_counts()
    sim.faults.fail_next(1, status=403)
    with pytest.raises(GenesysPermissionError) as info:
        await message_conversation(client, cid)
    assert info.value.exit_code == 5 and info.value.status == 403
    assert sum(sim.call_counts().values()) == 1


async def test_other_4xx_is_permanent_with_code_and_context(sim: Simulator, client: GenesysClient) -> None:
    with pytest.raises(GenesysAPIError) as info:
        await client.analytics_query("not-an-interval")
    assert info.value.status == 400 and info.value.code and info.value.context_id


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_are_retried(sim: Simulator, client: GenesysClient, status: int) -> None:
    await client.list_queues()
    sim.faults.fail_next(3, status=status)
    assert len(await client.list_queues()) == len(sim.queue_ids)
    assert client.stats.retries["5xx"] == 3


async def test_timeouts_are_retried(make_sim: SimFactory, make_client: ClientFactory) -> None:
    sim = await make_sim(fault_timeout_s=5.0)
    client = await make_client(sim, request_timeout_s=0.3)
    await client.list_queues()
    sim.faults.fail_next(2, status="timeout")
    assert len(await client.list_queues()) == len(sim.queue_ids)
    assert client.stats.retries["timeout"] == 2


async def test_connection_errors_are_retried_then_give_up(make_client: ClientFactory, sim: Simulator) -> None:
    client = await make_client(sim, max_retries=2)
    await client.list_queues()
    await sim.stop()
    with pytest.raises(GenesysTransientError, match="after 2 retries"):
        await client.list_queues()
    assert client.stats.retries["connection"] == 2


async def test_exhausted_5xx_retries_raise_transient(make_client: ClientFactory, sim: Simulator) -> None:
    client = await make_client(sim, max_retries=3)
    await client.list_queues()
    sim.faults.fail_next(10, status=503)
    with pytest.raises(GenesysTransientError, match="status 503 after 3 retries"):
        await client.list_queues()


async def test_recordings_not_ready_then_ready(make_sim: SimFactory, make_client: ClientFactory) -> None:
    sim = await make_sim(transcript_processing_s=0.5)
    client = await make_client(sim)
    cid = await sim.create_live("webmessaging")
    with pytest.raises(NotReady):
        await client.get_recordings_raw(cid, max_wait_ms=0)  # still active
    await sim.end_conversation(cid)
    with pytest.raises(NotReady):
        await client.get_recordings_raw(cid, max_wait_ms=0)
    await asyncio.sleep(0.6)
    recs = msgspec.json.decode(await client.get_recordings_raw(cid))
    assert recs[0]["conversationId"] == cid and recs[0]["messagingTranscript"]


async def test_write_back_attributes_and_external_tag(sim: Simulator, client: GenesysClient) -> None:
    (cid,) = await sim.generate(1)
    conv = await message_conversation(client, cid)
    pid = conv.customer_participant_id
    assert pid is not None
    attrs = {"archiveUri": "https://x.blob.core.windows.net/c/a.json.gz", "archiveSha256": "ab" * 32}
    await client.patch_participant_attributes(cid, pid, attrs)
    await client.patch_participant_attributes(cid, pid, attrs)  # idempotent
    assert sim.attributes(cid)[pid] == attrs
    await client.put_external_tag(cid, "archived:2026-05-14")
    assert sim.tags(cid) == "archived:2026-05-14"
    sim.faults.refuse_writeback(True)
    with pytest.raises(GenesysAPIError) as info:
        await client.patch_participant_attributes(cid, pid, attrs)
    assert info.value.status == 400


async def test_analytics_query_and_ended_webmessaging_iterator(sim: Simulator, client: GenesysClient) -> None:
    # The query selects conversations that *started* on a UTC day the interval touches, and a generated
    # conversation started minutes ago: one minute back missed them all just after midnight. An hour back
    # covers every timeline this simulator draws (this test's simulator holds only its own conversations).
    start = datetime.now(UTC) - timedelta(hours=1)
    web = await sim.generate(7, kind="webmessaging")
    other = await sim.generate(2, kind="open") + await sim.generate(2, kind="sms")
    bots = await sim.generate(2, kind="bot")
    live = await sim.create_live("webmessaging")
    end = datetime.now(UTC) + timedelta(seconds=1)
    page = await client.analytics_query(format_interval(start, end), page=1, page_size=100)
    ids = {c.conversation_id for c in page.conversations}
    assert set(web) <= ids and not ids & set(other) and live not in ids
    assert page.total_hits is not None and page.total_hits >= 7
    found = [c.conversation_id async for c in client.iter_ended_webmessaging(start, end, page_size=3)]
    assert len(found) == len(set(found))
    # Bot-only web messaging conversations never reach a queue topic: the reconciler finds them here.
    assert set(found) == set(web) | set(bots)
    assert all(sim.truth(b).bot_only for b in bots)


async def test_details_job_round_trip(sim: Simulator, client: GenesysClient) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    web = await sim.generate(5, kind="webmessaging")
    end = datetime.now(UTC) + timedelta(seconds=1)
    job = await client.submit_details_job(format_interval(start, end))
    status = await client.wait_job(job, poll_s=0.05, timeout_s=10)
    assert status.state == "FULFILLED"
    got = [
        c.conversation_id
        async for page in client.iter_job_results(job, page_size=2)
        for c in page.conversations
    ]
    assert set(web) <= set(got)
    assert await client.data_availability() is not None


async def test_ended_iterator_respects_the_end_window(sim: Simulator, client: GenesysClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    web = await sim.generate(4, kind="webmessaging")
    ends = sorted(datetime.fromisoformat(sim.truth(c).end_time or "") for c in web)
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert [c async for c in client.iter_ended_webmessaging(after, after + timedelta(minutes=5))] == []
    # Conversations whose end falls in the window are found even though they started before it.
    cut = ends[1] + timedelta(microseconds=1)
    late = {c.conversation_id async for c in client.iter_ended_webmessaging(cut, after, page_size=2)}
    assert late == {c for c in web if datetime.fromisoformat(sim.truth(c).end_time or "") >= cut}
    assert late and late != set(web)
    everything = {
        c.conversation_id async for c in client.iter_ended_webmessaging(before - timedelta(hours=1), after)
    }
    assert set(web) <= everything
