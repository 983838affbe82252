"""AzureQueue on Azurite: duplicate and orphan messages, races between VMs, what is stored, config."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueClient

from archiver.app import RunOptions, reconcile_settings, serve
from archiver.assemble import build_queue
from archiver.config import load_config
from archiver.errors import ConfigError, QueueError
from archiver.queue import SqliteQueue
from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import AzureQueueSettings, queue_url_from_blob_url, settings_from_config
from archiver.queue.azure.state import item_name
from archiver.secret import Secret
from archiver.sim import Simulator
from archiver.testing.azurite import Azurite
from tests.queue.test_contract import azure_settings, lease_one
from tests.support import fast_sim_config, sim_worker_env


@pytest.fixture(scope="module")
def azurite_q() -> Iterator[Azurite]:
    with Azurite(queue=True) as az:
        yield az


@pytest.fixture
async def pair(azurite_q: Azurite) -> AsyncIterator[tuple[AzureQueue, AzureQueue, QueueClient]]:
    """Two VMs on one fresh queue (no orphan grace), plus a raw client on the same queue."""
    settings = azure_settings(azurite_q, orphan_grace_s=0.0)
    one, two = AzureQueue(settings), AzureQueue(settings)
    await one.start()
    await two.start()
    raw = QueueClient.from_connection_string(azurite_q.connection_string, settings.queue_name)
    async with raw:
        yield one, two, raw
    await one.close()
    await two.close()


async def visible(raw: QueueClient) -> int:
    return len(await raw.peek_messages(max_messages=32))


async def test_a_duplicate_message_is_deleted_not_leased_twice(
    pair: tuple[AzureQueue, AzureQueue, QueueClient],
) -> None:
    one, two, raw = pair
    await one.enqueue("dup", source="listener")
    await raw.send_message(json.dumps({"id": "dup", "source": "reconcile"}))  # at-least-once duplicate
    by_one, by_two = await one.lease("a", 60, 5), await two.lease("b", 60, 5)
    leases = by_one + by_two
    assert [le.conversation_id for le in leases] == ["dup"]
    assert await visible(raw) == 0
    await (one if by_one else two).done(leases[0], uri="u", sha256="00" * 32)
    props = await raw.get_queue_properties()
    assert props.approximate_message_count == 0  # the canonical message is gone with the done item


async def test_concurrent_enqueues_of_one_id_leave_one_item_and_one_message(
    pair: tuple[AzureQueue, AzureQueue, QueueClient],
) -> None:
    one, two, raw = pair
    results = await asyncio.gather(*(q.enqueue("race", source="t") for q in (one, two, one, two)))
    assert sorted(results) == [False, False, False, True]
    assert (await raw.get_queue_properties()).approximate_message_count == 1


async def test_an_orphan_message_is_adopted(pair: tuple[AzureQueue, AzureQueue, QueueClient]) -> None:
    """An enqueuer that crashed between sending the message and creating the state blob loses nothing."""
    one, _two, raw = pair
    await raw.send_message(json.dumps({"id": "orphan", "source": "listener"}))
    lease = await lease_one(one)
    assert lease.conversation_id == "orphan" and lease.source == "listener" and lease.attempts == 1
    item = await one.get("orphan")
    assert item is not None and item.state == "leased"


async def test_young_orphans_wait_for_their_enqueuer(azurite_q: Azurite) -> None:
    q = AzureQueue(azure_settings(azurite_q, orphan_grace_s=60.0))
    await q.start()
    try:
        async with QueueClient.from_connection_string(
            azurite_q.connection_string, q.settings.queue_name
        ) as raw:
            await raw.send_message(json.dumps({"id": "young", "source": "t"}))
            assert await q.lease("w", 30, 5) == []
            assert await q.get("young") is None  # not adopted yet: its enqueuer may still create it
    finally:
        await q.close()


async def test_leftover_and_foreign_messages_are_deleted(
    pair: tuple[AzureQueue, AzureQueue, QueueClient],
) -> None:
    one, _two, raw = pair
    await one.enqueue("fin", source="t")
    lease = await lease_one(one)
    await one.done(lease, uri="u", sha256="00" * 32)
    # A crash between the state write and the delete leaves a message for a done item; junk may appear too.
    await raw.send_message(json.dumps({"id": "fin", "source": "t"}))
    await raw.send_message("not json at all")
    await raw.send_message(json.dumps({"id": "", "source": "t"}))
    assert await one.lease("w", 30, 10) == []
    assert (await raw.get_queue_properties()).approximate_message_count == 0
    item = await one.get("fin")
    assert item is not None and item.state == "done"


async def test_extend_keeps_the_lease_and_reports_a_lost_one(
    pair: tuple[AzureQueue, AzureQueue, QueueClient],
) -> None:
    one, two, _raw = pair
    await one.enqueue("long", source="t")
    lease = await lease_one(one, lease_s=1)
    for _ in range(3):  # 1.8 s of work on a 1 s lease
        await asyncio.sleep(0.6)
        assert await one.extend(lease, 1) is True
    assert await two.lease("b", 30, 5) == []
    await asyncio.sleep(1.5)  # now really let it expire
    taken = await lease_one(two, "b")
    assert taken.attempts == 2
    assert await one.extend(lease, 30) is False


async def test_state_holds_ids_and_states_only(azurite_q: Azurite) -> None:
    settings = azure_settings(azurite_q)
    q = AzureQueue(settings)
    await q.start()
    try:
        await q.enqueue("c-1", source="listener")
        lease = await lease_one(q)
        await q.retry(lease, error="cannot fetch transcript of c-1: HTTP 503", cause="genesys_5xx")
        async with BlobServiceClient.from_connection_string(azurite_q.connection_string) as svc:
            blob = svc.get_blob_client(settings.state_container, item_name("c-1"))
            doc = json.loads(await (await blob.download_blob()).readall())
            props = await blob.get_blob_properties()
        assert set(doc) <= {
            "v", "conversation_id", "state", "source", "enqueued_at", "updated_at", "attempts", "next_at",
            "first_leased_at", "message_id", "lease_token", "lease_owner", "last_error", "last_cause",
            "stage", "uri", "sha256",
        }  # fmt: skip
        assert doc["state"] == "retry" and props.metadata["state"] == "retry"
    finally:
        await q.close()


async def test_ids_round_trip_and_unnameable_ids_are_refused(azurite_q: Azurite) -> None:
    q = AzureQueue(azure_settings(azurite_q))
    await q.start()
    try:
        for bad in ["a/b", "ü-ñ", "50%off"]:  # could never name an archive: refused where they enter
            with pytest.raises(ValueError):
                await q.enqueue(bad, source="t")
        ids = ["a.b", "x.json", "A-1_b", str(uuid.uuid4())]
        assert await q.enqueue_many(ids, source="t") == 4
        got = sorted(le.conversation_id for le in await q.lease("w", 30, 10))
        assert got == sorted(ids)
        assert (await q.counts())["leased"] == 4
    finally:
        await q.close()


async def test_missing_queue_without_create_is_a_clear_error(azurite_q: Azurite) -> None:
    q = AzureQueue(azure_settings(azurite_q, create=False))
    with pytest.raises(QueueError, match="does not exist"):
        await q.start()
    await q.close()


def test_secrets_stay_out_of_repr_and_errors() -> None:
    secret = "AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0"
    s = AzureQueueSettings(
        connection_string=Secret(f"DefaultEndpointsProtocol=https;AccountName=acct;{secret}")
    )
    assert "c2VjcmV0" not in repr(s) and "c2VjcmV0" not in repr(AzureQueue(s))
    bad = AzureQueueSettings(connection_string=Secret(f"BlobEndpoint=http://127.0.0.1:1/x;{secret}"))
    with pytest.raises(QueueError) as info:
        asyncio.run(AzureQueue(bad).start())
    assert "c2VjcmV0" not in str(info.value)
    with pytest.raises(ValueError):
        AzureQueueSettings(queue_name="Bad_Name")


def test_queue_url_is_derived_from_the_blob_url() -> None:
    assert (
        queue_url_from_blob_url("https://acct.blob.core.windows.net") == "https://acct.queue.core.windows.net"
    )
    with pytest.raises(QueueError):
        queue_url_from_blob_url("https://example.com")


def test_config_selects_the_azure_queue(azurite_q: Azurite) -> None:
    env = {
        "ARCHIVER_QUEUE__KIND": "Azure",
        "ARCHIVER_QUEUE__AZURE__NAME": "work-q",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_q.connection_string,
        "AZURE_CONTAINER_NAME": "archive",
    }
    cfg = load_config(env=env)
    assert cfg.queue.kind == "azure"
    settings = settings_from_config(cfg)
    assert settings.queue_name == "work-q" and settings.state_container == "archiver-state"
    assert settings.connection_string == Secret(azurite_q.connection_string)
    assert isinstance(build_queue(cfg), AzureQueue)
    assert isinstance(build_queue(load_config(env={})), SqliteQueue)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"ARCHIVER_QUEUE__KIND": "azure"}, "queue.kind"),
        (
            {
                "ARCHIVER_QUEUE__KIND": "azure",
                "AZURE_STORAGE_URL": "https://acct.blob.core.windows.net",
                "AZURE_CONTAINER_NAME": "archiver-state",
            },
            "queue.azure.state_container",
        ),
        (
            {
                "ARCHIVER_QUEUE__KIND": "azure",
                "AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=http://127.0.0.1:1/x;AccountName=a;AccountKey=k",
                "AZURE_CONTAINER_NAME": "archive",
            },
            "queue.kind",
        ),
        (
            {
                "ARCHIVER_QUEUE__KIND": "azure",
                "ARCHIVER_QUEUE__AZURE__NAME": "No_Good",
                "AZURE_STORAGE_URL": "https://acct.blob.core.windows.net",
                "AZURE_CONTAINER_NAME": "archive",
            },
            "queue.azure.name",
        ),
    ],
)
def test_config_errors_name_the_key(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env=env)
    assert info.value.key == key
    assert "AccountKey" not in str(info.value) and "=k" not in str(info.value)


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_two_workers_share_one_azure_queue(azurite_q: Azurite, tmp_path: Path, cpu_pool: Any) -> None:
    """Two `archiver run` processes ("VMs") on one Azure queue: every conversation archived exactly once."""
    sim = Simulator(fast_sim_config())
    await sim.start(host="127.0.0.1", port=0)
    suffix = uuid.uuid4().hex[:12]
    env = sim_worker_env(
        sim,
        tmp_path,
        ARCHIVER_QUEUE__KIND="azure",
        ARCHIVER_QUEUE__AZURE__NAME=f"work-{suffix}",
        ARCHIVER_QUEUE__AZURE__STATE_CONTAINER=f"state-{suffix}",
        AZURE_STORAGE_CONNECTION_STRING=azurite_q.connection_string,
    )
    config = load_config(env=env)
    total = 40
    outcomes: list[dict[str, int]] = []
    ready = 0

    async def on_ready(c: Any, worker: Any) -> None:
        nonlocal ready
        outcomes.append(worker.outcomes)
        ready += 1
        if ready == 2:
            asyncio.get_running_loop().create_task(sim.generate(total))

    def finished_for(config: Any) -> Any:
        probe = AzureQueue(settings_from_config(config))

        async def finished() -> bool:
            counts = await probe.counts()
            return counts["done"] >= total

        return probe, finished

    probe, finished = finished_for(config)
    try:
        await asyncio.gather(
            *(
                serve(
                    config,
                    RunOptions(
                        stop_when=finished,
                        on_ready=on_ready,
                        reconcile=reconcile_settings(config, interval_s=1.0, settle_s=0.5),
                    ),
                    pool=cpu_pool,
                )
                for _ in range(2)
            )
        )
        counts = await probe.counts()
    finally:
        await probe.close()
        await sim.stop()
    assert counts["done"] == total and counts["dead"] == 0
    archived = sum(o.get("archived", 0) for o in outcomes)
    duplicates = sum(o.get("already_archived", 0) for o in outcomes)
    assert archived == total and duplicates == 0, outcomes
    assert len(list((tmp_path / "archive").rglob("*.json.gz"))) == total


async def test_queue_command_reads_the_azure_queue(azurite_q: Azurite) -> None:
    import argparse
    import io

    from archiver.commands.queue import _run

    env = {
        "ARCHIVER_QUEUE__KIND": "azure",
        "ARCHIVER_QUEUE__AZURE__NAME": f"cmd-{uuid.uuid4().hex[:12]}",
        "ARCHIVER_QUEUE__AZURE__STATE_CONTAINER": f"cmd-{uuid.uuid4().hex[:12]}",
        "AZURE_STORAGE_CONNECTION_STRING": azurite_q.connection_string,
        "AZURE_CONTAINER_NAME": "archive",
    }
    config = load_config(env=env)
    out = io.StringIO()
    cid = str(uuid.uuid4())
    assert await _run(config, argparse.Namespace(action="enqueue", ids=[cid]), out) == 0
    assert await _run(config, argparse.Namespace(action="status"), out) == 0
    text = out.getvalue()
    assert f"{cid} queued" in text and f"azure:{config.queue.azure.name}" in text
    assert "pending" in text and " 1\n" in text
