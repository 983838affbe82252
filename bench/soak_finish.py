"""What every soak does once its traffic is over, whether one worker ran it (bench/soak.py) or a fleet of them
(bench/soak_multi.py): wait for the pipeline to drain, add the workers' own figures to the audit's report, and
list the values the security scan must never find.

One home, so that the single-VM and multi-VM tables count the same things the same way.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence

from archiver.sim import ConversationTruth, Simulator
from archiver.testing.azurite import ACCOUNT_KEY
from bench.soak_audit import ARCHIVABLE, SoakReport
from bench.soak_scan import build_needles
from bench.soak_stack import WorkerProcess, metric_sum


def written_back(sim: Simulator, ids: list[str]) -> int:
    """How many archivable conversations carry their write-back (the last step of the pipeline)."""
    return sum(1 for cid in ids if "archiveUri" in sim.store.by_id[cid].customer.attributes)


async def drain(
    sim: Simulator,
    ids: list[str],
    timeout_s: float,
    *,
    progress: bool,
    restart: WorkerProcess | None = None,
) -> float:
    """Until every archivable one of `ids` is written back or `timeout_s` has passed; returns when it stopped
    (time.monotonic()). A `restart` worker that exits on its own meanwhile is started again, so the run
    goes on and the restart shows in the report (the multi-VM soak's supervisor does this for its fleet)."""
    expected = [cid for cid in ids if sim.store.by_id[cid].kind in ARCHIVABLE]
    started = time.monotonic()
    last_note = 0.0
    while time.monotonic() - started < timeout_s:
        done = written_back(sim, expected)
        if progress and time.monotonic() - last_note > 10:
            last_note = time.monotonic()
            print(f"  drain: {done}/{len(expected)} written back", file=sys.stderr, flush=True)
        if done == len(expected):
            break
        if restart is not None and not restart.running:
            await restart.start()
        await asyncio.sleep(1.0)
    return time.monotonic()


def add_worker_figures(
    report: SoakReport,
    workers: Sequence[WorkerProcess],
    exits: Sequence[int],
    *,
    t0: float,
    traffic_done: float,
    drained: float,
) -> None:
    """The workers' side of the report: the worst exit status and peak memory, starts and kills summed, the
    client counters of every worker's last /metrics scrape, and the run's times (monotonic seconds)."""
    report.final_exit = max(exits)
    report.peak_rss_mb = max(w.peak_main_kb for w in workers) / 1024
    report.peak_rss_with_pool_mb = max(w.peak_total_kb for w in workers) / 1024
    report.worker_starts = sum(w.incarnation for w in workers)
    report.worker_kills = sum(w.kills for w in workers)
    pages = [p for w in workers for p in w.last_metrics.values()]
    report.client_429s = sum(metric_sum(p, "archiver_genesys_429_total") for p in pages)
    report.client_retries = sum(metric_sum(p, "archiver_genesys_retries_total") for p in pages)
    report.socket_reconnects = sum(metric_sum(p, "archiver_socket_reconnects_total") for p in pages)
    report.wall_s = drained - t0
    report.drain_s = drained - traffic_done
    report.throughput_per_s = report.archived / report.wall_s if report.wall_s else 0.0


def soak_needles(
    sim: Simulator, truths: Sequence[ConversationTruth], *, secret: str, connection_string: str
) -> dict[str, set[str]]:
    """Every secret the run used, every token the simulator issued, and the planted PII and message text
    of every conversation: none of it may appear in a log, /metrics page or queue file."""
    return build_needles(
        secrets={
            "client secret": [secret],
            "bearer token": list(sim.tokens.history),
            "storage key": [ACCOUNT_KEY],
            "connection string": [connection_string],
        },
        planted_pii=[v for t in truths for v in t.planted_pii],
        message_texts=[text for t in truths for _, text in t.messages],
    )
