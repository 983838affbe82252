"""The soak's building blocks: the seeded fault plan, the simulator's random-failure switch and token history,
the blob-store outage (Azurite on disk, stopped and restarted), and the security scanner."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import aiohttp
import pytest

from archiver.sim import SimConfig, Simulator
from bench.soak_faults import FaultKnobs, plan
from bench.soak_scan import Finding, build_needles, scan_bytes, scan_files
from bench.soak_stack import CONTAINER, BlobStore, metric_sum

QUEUES = "/api/v2/routing/queues"


def test_plan_is_seeded_and_covers_every_fault() -> None:
    knobs = FaultKnobs()
    a, b = plan(3, 300.0, knobs), plan(3, 300.0, knobs)
    assert a == b and a != plan(4, 300.0, knobs)
    names = [e.name for e in a]
    assert names.count("kill_worker") == 2 and names.count("blob_outage") == 1
    assert names.count("drop_sockets") >= 12  # every ~20 s over 300 s
    assert {"socket_closing", "heartbeat_silence", "expire_channels", "latency_spike"} <= set(names)
    assert {"revoke_tokens", "refuse_writeback", "random_failures"} <= set(names)
    assert all(0 <= e.at <= 300 for e in a) and [e.at for e in a] == sorted(e.at for e in a)
    # the blob outage never overlaps a worker kill + restart, so each fault is seen on its own
    outage = next(e for e in a if e.name == "blob_outage")
    for kill in (e for e in a if e.name == "kill_worker"):
        assert kill.at > outage.at + outage.length_s or kill.at + kill.length_s < outage.at


async def _get(session: aiohttp.ClientSession, sim: Simulator, token: str) -> tuple[int, str | None]:
    async with session.get(sim.base_url + QUEUES, headers={"Authorization": f"Bearer {token}"}) as r:
        await r.read()
        return r.status, r.headers.get("Retry-After")


async def _token(session: aiohttp.ClientSession, sim: Simulator) -> str:
    basic = base64.b64encode(f"{sim.config.client_id}:{sim.config.client_secret}".encode()).decode()
    async with session.post(
        sim.base_url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    ) as r:
        return str((await r.json())["access_token"])


async def test_sim_fail_fraction_is_seeded_random_and_cleared() -> None:
    sim = Simulator(SimConfig(seed=5, rate_limit_per_min=100_000))
    async with sim, aiohttp.ClientSession() as session:
        token = await _token(session, sim)
        sim.faults.fail_fraction(0.3, status=429)
        sim.faults.fail_fraction(0.2, status=503, path_prefix=QUEUES)
        answers = [await _get(session, sim, token) for _ in range(300)]
        statuses = [s for s, _ in answers]
        assert 50 < statuses.count(429) < 130 and 25 < statuses.count(503) < 100
        assert statuses.count(200) == 300 - statuses.count(429) - statuses.count(503)
        assert all(ra == "1" for s, ra in answers if s == 429)  # 429s carry Retry-After
        sim.faults.clear()
        assert {(await _get(session, sim, token))[0] for _ in range(30)} == {200}
        # the admin endpoint mirrors it
        async with session.post(
            sim.base_url + "/_sim/faults/fail_fraction", json={"fraction": 1.0, "status": 503}
        ) as r:
            assert r.status == 200
        assert (await _get(session, sim, token))[0] == 503
        sim.faults.clear()
    with pytest.raises(ValueError):
        sim.faults.fail_fraction(1.5)
    with pytest.raises(ValueError):
        sim.faults.fail_fraction(0.1, status=200)


async def test_sim_remembers_every_token_it_issued_even_revoked() -> None:
    async with Simulator(SimConfig(seed=6)) as sim, aiohttp.ClientSession() as session:
        first = await _token(session, sim)
        sim.faults.revoke_tokens()
        assert (await _get(session, sim, first))[0] == 401
        second = await _token(session, sim)
    assert sim.tokens.history == [first, second]


@pytest.mark.slow
async def test_blob_outage_makes_the_store_unreachable_then_keeps_the_data(tmp_path: Path) -> None:
    from azure.core.exceptions import AzureError
    from azure.storage.blob.aio import BlobServiceClient

    store = BlobStore(tmp_path / "azurite")
    await store.start()
    try:
        async with BlobServiceClient.from_connection_string(
            store.connection_string, retry_total=0, connection_timeout=2, read_timeout=2
        ) as svc:
            container = svc.get_container_client(CONTAINER)
            await container.upload_blob("conversations/a.json.gz", b"before")
            outage = asyncio.create_task(store.outage(3.0))
            await asyncio.sleep(0.5)
            with pytest.raises(AzureError):
                await container.upload_blob("conversations/b.json.gz", b"during")
            await outage
            await container.upload_blob("conversations/c.json.gz", b"after")
            names = [b.name async for b in container.list_blobs()]
            data = await (await container.download_blob("conversations/a.json.gz")).readall()
    finally:
        await store.close()
    assert names == ["conversations/a.json.gz", "conversations/c.json.gz"]
    assert data == b"before"
    assert store.outages == 1
    assert set(store.proxy.created) == {"conversations/a.json.gz", "conversations/c.json.gz"}  # type: ignore[union-attr]


def test_scanner_finds_every_kind_and_never_reports_the_value(tmp_path: Path) -> None:
    card, email, ssn = "4111 1111 1111 1111", "Jane.Doe+x@Example.org", "٢١٩-٨٤-٣٥٤٠"  # Arabic-Indic SSN
    text = "I would like to change the delivery address of my order please"
    needles = build_needles(
        secrets={"client secret": ["s3cr3t-value-xyz"], "bearer token": ["tok_ABCDEFGHIJKLMNOP"]},
        planted_pii=[card, email, ssn],
        message_texts=[text, "hi"],
    )
    assert "hi" not in needles["message text"]  # too short to be evidence
    (tmp_path / "log").write_text(
        "x=4111111111111111\n"  # the card as a bare digit run
        "user=jane.doe+x@example.org\n"  # lower-cased
        "ssn=219-84-3540\n"  # digits folded to ASCII
        f"msg={text}\n"
        "auth=Bearer tok_ABCDEFGHIJKLMNOP\n",
        encoding="utf-8",
    )
    (tmp_path / "db").write_bytes(b"\x00\x01s3cr3t-value-xyz\x00")
    (tmp_path / "clean").write_text("archived id=123 created=True bytes=1792\n")
    found = scan_files([tmp_path / "log", tmp_path / "db", tmp_path / "clean", tmp_path / "gone"], needles)
    kinds = sorted({(f.kind, f.file) for f in found})
    assert kinds == [
        ("bearer token", "log"),
        ("client secret", "db"),
        ("message text", "log"),
        ("planted PII", "log"),
    ]
    assert sum(1 for f in found if f.kind == "planted PII") == 3
    assert all(set(Finding.__struct_fields__) == {"kind", "file", "offset"} for _ in found)
    assert scan_bytes(b"", needles, "empty") == []


def test_metric_sum_reads_labelled_and_plain_samples() -> None:
    page = (
        "# HELP archiver_genesys_retries_total x\n"
        'archiver_genesys_retries_total{cause="429"} 10.0\n'
        'archiver_genesys_retries_total{cause="5xx"} 2.0\n'
        "archiver_genesys_retries_totalx 99\n"
        "archiver_genesys_429_total 3.0\n"
    )
    assert metric_sum(page, "archiver_genesys_retries_total") == 12.0
    assert metric_sum(page, "archiver_genesys_429_total") == 3.0
