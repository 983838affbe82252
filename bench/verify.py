"""Verify benchmark: `python -m bench.verify [--archives N] [--runs R]`.

`archiver verify` over N archives (default 10,000) in Azurite behind the WORM proxy, against the in-process
simulator as the Genesys org: one analytics details job for the expected set, a listing of the day prefix,
then every archive downloaded, gunzipped and hashed against its metadata, its policy checked. Target: N =
10,000 in ≤ 120 s on 2 cores. Setup (N simulated conversations, N uploads with policy, tags and metadata)
is not timed. Records are synthetic but shaped and sized like real ones (~20 messages). Everything binds
127.0.0.1 on free ports; nothing is written outside a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archiver.auditor.verify import Report, expected_conversations, verify
from archiver.commands.audit_common import genesys_client, open_store
from archiver.config import AzureSinkConfig, load_config
from archiver.secret import Secret
from archiver.sim import SimConfig, Simulator
from archiver.sinks import ArchiveMeta, AzureSink
from archiver.sinks.audit_base import Period
from archiver.testing.records import handmade_archive
from bench import print_measures

TARGET_S = 120.0
_CPU: list[float] = []  # CPU seconds of this process per timed run (the WORM proxy's thread included)


def _record(cid: str, end: datetime, rng_text: str) -> tuple[bytes, ArchiveMeta]:
    messages: list[dict[str, Any]] = [
        {
            "id": f"m{i}",
            "timestamp": (end - timedelta(seconds=30 * (20 - i))).isoformat(),
            "direction": "inbound" if i % 2 else "outbound",
            "purpose": "customer" if i % 2 else "agent",
            "type": "Text",
            "text": f"{rng_text} message {i} [REDACTED:EMAIL]" if i % 5 == 0 else f"{rng_text} message {i}",
            "attachments": [],
        }
        for i in range(20)
    ]
    doc = {"schema": "archiver.conversation/v1", "conversationId": cid, "endTime": end.isoformat(),
           "messages": messages, "messageCount": 20}  # fmt: skip
    return handmade_archive(
        json.dumps(doc, separators=(",", ":")).encode(),
        conversation_id=cid,
        end_time=end,
        redactor_version="archiver-redact/1",
        archiver_version="bench",
        message_count=20,
        queue_id=str(uuid.UUID(int=1)),
    )


async def _archive(sink: AzureSink, sim: Simulator, ids: list[str]) -> None:
    sem = asyncio.Semaphore(64)
    text = "Hello, I would like to ask about my order and the delivery date of the parcel"

    async def one(cid: str) -> None:
        end = sim.store.by_id[cid].end_time()
        assert end is not None
        data, meta = _record(cid, datetime.fromtimestamp(end, UTC), text)
        async with sem:
            await sink.put(data, meta)

    await asyncio.gather(*(one(c) for c in ids))


async def _verify_once(config: Any, period: Period) -> tuple[Report, float, float]:
    c0 = time.process_time()
    t0 = time.perf_counter()
    async with genesys_client(config) as client, open_store(config) as store:
        expected = await expected_conversations(client, period, poll_s=0.05)
        t1 = time.perf_counter()
        report = await verify(store, expected, period, enforced_only=True)
    _CPU.append(time.process_time() - c0)
    return report, t1 - t0, time.perf_counter() - t1


async def main_async(args: argparse.Namespace) -> int:
    from azure.storage.blob.aio import BlobServiceClient

    from archiver.testing.wormproxy import worm_stack

    load0 = " ".join(f"{x:.1f}" for x in os.getloadavg())  # the machine may be shared: say how busy it was
    failures: list[str] = []
    rows: list[tuple[str, str, str]] = []
    sim_config = SimConfig(
        seed=args.seed, rate_limit_per_min=1_000_000, transcript_processing_s=0.0, conversations_per_min=0.0
    )
    with worm_stack() as (_azurite, proxy):
        async with Simulator(sim_config) as sim:
            start = datetime.now(UTC) - timedelta(hours=6)
            t = time.perf_counter()
            ids = await sim.generate(args.archives)
            container = f"bench{uuid.uuid4().hex[:12]}"
            async with BlobServiceClient.from_connection_string(proxy.connection_string) as svc:
                await svc.create_container(container)
            settings = AzureSinkConfig(
                container=container, connection_string=Secret(proxy.connection_string), retention_days=30
            )
            sink = AzureSink(settings)
            await sink.start()
            try:
                await _archive(sink, sim, ids)
            finally:
                await sink.close()
            setup_s = time.perf_counter() - t
            config = load_config(
                None,
                env={
                    "GENESYS_BASE_URL": sim.base_url,
                    "GENESYS_CLIENT_ID": sim.config.client_id,
                    "GENESYS_CLIENT_SECRET": sim.config.client_secret,
                    "ARCHIVER_GENESYS__RATE_LIMIT_PER_MIN": "100000",
                    "ARCHIVER_SINK__KIND": "azure",
                    "AZURE_STORAGE_CONNECTION_STRING": proxy.connection_string,
                    "AZURE_CONTAINER_NAME": container,
                    "ARCHIVER_QUEUE__PATH": str(Path(os.devnull)),
                },
            )
            period = Period(start, datetime.now(UTC) + timedelta(milliseconds=1))
            best: tuple[Report, float, float] | None = None
            for _ in range(args.runs):
                result = await _verify_once(config, period)
                if best is None or sum(result[1:]) < sum(best[1:]):
                    best = result
            assert best is not None
    report, genesys_s, store_s = best
    total = genesys_s + store_s
    c = report.counts
    rate = c.verified / max(store_s, 1e-9)
    rows += [
        ("archives verified", f"{c.verified}", f"of {args.archives} (expected {c.expected})"),
        ("Genesys analytics job", f"{genesys_s:.1f} s", "submit, wait, page the results"),
        ("store: list + download + hash", f"{store_s:.1f} s", f"{rate:.0f} archives/s"),
        ("total", f"{total:.1f} s", f"target ≤ {TARGET_S:.0f} s for 10,000 ({total / TARGET_S:.2f}× target)"),
        ("CPU of this process", f"{min(_CPU):.1f} s", "verify + in-process WORM proxy (not Azurite)"),
        ("setup (not timed above)", f"{setup_s:.1f} s", "simulate + upload with policy, tags, metadata"),
    ]  # fmt: skip
    if not report.ok or c.verified != args.archives:
        failures.append(f"verify did not attest all {args.archives} archives: {c}")
    if args.archives >= 10_000 and total > TARGET_S:
        failures.append(f"verify took {total:.1f} s > {TARGET_S:.0f} s")
    return print_measures(
        f"archiver verify benchmark: {args.archives} archives in Azurite behind the WORM proxy, "
        f"best of {args.runs}",
        rows,
        failures,
        ["aiohttp", "msgspec", "azure-storage-blob", "isal"],
        notes=[f"load average before the run: {load0}"],
    )


def main() -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.verify", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--archives", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=1, help="timed verify runs; the best is reported")
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args()
    from archiver.loop import run

    return run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
