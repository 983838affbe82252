"""`archiver check` in azure-queue mode (Azurite with its queue service): work queue and state container."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import pytest
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueClient

from archiver.config import load_config
from archiver.preflight.queue import check_queue
from archiver.preflight.report import Report
from archiver.testing.azurite import Azurite


@pytest.fixture(scope="module")
def azurite_q() -> Iterator[Azurite]:
    with Azurite(queue=True) as az:
        yield az


async def check(az: Azurite, **env: str) -> dict[str, str]:
    cfg = load_config(
        env={
            "ARCHIVER_QUEUE__KIND": "azure",
            "AZURE_STORAGE_CONNECTION_STRING": az.connection_string,
            "AZURE_CONTAINER_NAME": "archive",
            **env,
        }
    )
    report = Report(io.StringIO())
    await check_queue(cfg, report)
    return {r.name.split(" ")[0] + " " + r.name.split(" ")[1]: r.status for r in report.results}


async def test_missing_queue_and_state_container(azurite_q: Azurite) -> None:
    name = f"q{uuid.uuid4().hex[:12]}"
    env = {"ARCHIVER_QUEUE__AZURE__NAME": name, "ARCHIVER_QUEUE__AZURE__STATE_CONTAINER": name}
    assert await check(azurite_q, **env, ARCHIVER_QUEUE__AZURE__CREATE="false") == {
        "work queue": "fail",
        "state container": "fail",
    }
    assert await check(azurite_q, **env) == {
        "work queue": "warn",
        "state container": "warn",
    }  # created at start
    async with QueueClient.from_connection_string(azurite_q.connection_string, name) as q:
        await q.create_queue()
        await q.send_message("not consumed by the check")
    async with BlobServiceClient.from_connection_string(azurite_q.connection_string) as svc:
        await svc.create_container(name)
    assert await check(azurite_q, **env) == {"work queue": "ok", "state container": "ok"}
    async with QueueClient.from_connection_string(azurite_q.connection_string, name) as q:
        assert (await q.get_queue_properties()).approximate_message_count == 1  # peeked, never received
