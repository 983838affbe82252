"""Fault soak: `python -m bench.soak [--conversations 2000] [--seed 1] [--rate 7] [--backlog 100000]`.

Runs the real worker (`python -m archiver run --config FILE`, a separate process) against the Genesys
simulator and Azurite + WORM proxy while a seeded fault schedule plays (bench/soak_faults.py): socket drops
every ~20 s, socket_closing, heartbeat silence, channel expiry, 5% 429s with Retry-After, 2% 5xx and
timeouts, latency spikes, token revocation, write-backs refused for a minute, the blob store unreachable for
15 s (Azurite stopped and restarted), and the worker SIGKILLed and restarted twice. Then it audits the store
against the simulator's ground truth, prints one table and exits 1 when anything is missing, duplicated,
leaked, dead or not written back. `--backlog N` runs the backlog measurement instead (bench/soak_backlog.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from archiver.sim import SimConfig, Simulator
from bench.soak_audit import SoakReport, audit_soak, table
from bench.soak_faults import FaultKnobs, FaultPlayer, plan
from bench.soak_finish import add_worker_figures, drain, soak_needles
from bench.soak_scan import Finding, scan_files
from bench.soak_stack import CONTAINER, REPO, BlobStore, WorkerProcess

log = logging.getLogger("bench.soak")
CLIENT_ID = "soak-client"


class SoakOptions(msgspec.Struct, frozen=True, kw_only=True):
    """One soak run. The traffic window is conversations / rate seconds; faults are laid over it."""

    conversations: int = 2000
    seed: int = 1
    rate_per_s: float = 4.0  # new conversations per second (each ends 1-6 s after it starts)
    decoy_fraction: float = 0.05  # open/sms conversations on top, which must NOT be archived
    bot_fraction: float = 0.05  # bot-only web messaging: no queue events, only the reconciler finds them
    drain_timeout_s: float = 300.0
    processors: int = 8
    pool_processes: int = 2
    reconcile_interval_s: float = 10.0
    client_rate_limit_per_min: int = 5000  # the worker's own request budget (the simulator allows 6000)
    knobs: FaultKnobs = msgspec.field(default_factory=FaultKnobs)

    @property
    def duration_s(self) -> float:
        return self.conversations / self.rate_per_s


@dataclass
class SoakResult:
    """The report plus what the security scan needs (artifacts and the values that must not appear)."""

    report: SoakReport
    run_dir: Path
    log_files: list[Path]
    metrics_files: list[Path]
    db_files: list[Path]
    needles: dict[str, set[str]] = field(default_factory=dict, repr=False)  # PII and secrets: never printed
    scrapes: int = 0
    failovers: list[tuple[str, float, int]] = field(default_factory=list)  # multi-VM: (cause, s, new leader)
    shares: list[int] = field(default_factory=list)  # multi-VM: archives created per VM
    restarts: list[str] = field(default_factory=list)  # multi-VM: exits restarted as systemd would

    def scan(self) -> list[Finding]:
        """Search every log, /metrics page and SQLite file for secrets, tokens, PII and message text."""
        return scan_files([*self.log_files, *self.metrics_files, *self.db_files], self.needles)


def worker_config(run_dir: Path, sim: Simulator, opts: SoakOptions) -> Path:
    """The TOML the worker runs with (secrets are not allowed in it: they come from the environment)."""
    k = opts.knobs
    text = f"""\
[genesys]
base_url = "{sim.base_url}"
client_id = "{CLIENT_ID}"
rate_limit_per_min = {opts.client_rate_limit_per_min}
request_timeout_s = 5.0
heartbeat_timeout_s = {max(3.0, 3 * sim.config.heartbeat_s):.1f}

[sink]
kind = "azure"

[sink.azure]
container = "{CONTAINER}"
retention_days = 1
policy_mode = "Unlocked"
compliance = true

[writeback]
mode = "participant-attributes"

[queue]
path = "{run_dir / "state" / "queue.sqlite3"}"
lease_s = 15
backoff_base_s = 2.0
backoff_max_s = {max(30.0, k.writeback_refusal_s / 2):.0f}
max_attempts = 10

[worker]
processors = {opts.processors}
pool_processes = {opts.pool_processes}
shutdown_timeout_s = 15
reconcile_interval_s = {opts.reconcile_interval_s}
reconcile_overlap_s = 900
reconcile_lag_s = 2

[metrics]
port = 0

[logging]
level = "INFO"
format = "text"
"""
    path = run_dir / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    return path


def worker_env(secret: str, connection_string: str) -> dict[str, str]:
    """The parent's environment minus any archiver/Genesys/Azure settings, plus this run's secrets."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVER_", "GENESYS_", "AZURE_"))}
    env["GENESYS_CLIENT_SECRET"] = secret
    env["AZURE_STORAGE_CONNECTION_STRING"] = connection_string
    env["PYTHONPATH"] = str(REPO) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def sim_config(seed: int, secret: str, **overrides: object) -> SimConfig:
    base: dict[str, object] = {
        "seed": seed,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "rate_limit_per_min": 6000,
        "heartbeat_s": 2.0,
        "socket_closing_grace_s": 1.0,
        "transcript_processing_s": 0.0,
        "conversations_per_min": 0.0,
        "fault_timeout_s": 8.0,  # longer than the worker's 5 s request timeout: a real client-side timeout
    }
    base.update(overrides)
    return msgspec.convert(base, SimConfig)


async def play_traffic(sim: Simulator, opts: SoakOptions, t0: float) -> list[str]:
    """Create live conversations over the window, each ended after a short hold; returns their ids."""
    rng = random.Random(opts.seed ^ 0x7AFF1C)
    n_bot = round(opts.conversations * opts.bot_fraction)
    n_decoy = round(opts.conversations * opts.decoy_fraction)
    kinds = ["webmessaging"] * (opts.conversations - n_bot) + ["bot"] * n_bot
    kinds += ["open" if i % 2 == 0 else "sms" for i in range(n_decoy)]
    rng.shuffle(kinds)
    times = sorted(rng.uniform(0, opts.duration_s) for _ in kinds)
    loop = asyncio.get_running_loop()
    ids: list[str] = []
    ends: list[asyncio.Future[None]] = []
    for at, kind in zip(times, kinds, strict=True):
        await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
        cid = await sim.create_live(kind)
        ids.append(cid)
        done: asyncio.Future[None] = loop.create_future()
        ends.append(done)

        def end(cid: str = cid, done: asyncio.Future[None] = done) -> None:
            task = sim.end_conversation(cid)
            task.add_done_callback(lambda _t: done.set_result(None))

        loop.call_later(rng.uniform(1.0, 6.0), end)
    await asyncio.gather(*ends)
    return ids


async def wait_ready(worker: WorkerProcess, sim: Simulator, timeout_s: float = 90.0) -> None:
    """Until the worker's listener holds a socket (its metrics server is up by then too)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not worker.running:
            raise RuntimeError(f"worker exited during start-up: see {worker.run_dir}/worker-*.err")
        if any(c.ws is not None for c in sim.notifications.channels.values()):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"worker not connected after {timeout_s:.0f}s: see {worker.run_dir}/worker-*.err")


async def run_soak(opts: SoakOptions, run_dir: Path, *, progress: bool = True) -> SoakResult:
    """The whole soak in one call (also what tests/soak runs, with a smaller configuration)."""
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    sim = Simulator(sim_config(opts.seed, secret))
    await sim.start(host="127.0.0.1", port=0)
    store = BlobStore(run_dir / "azurite")
    worker: WorkerProcess | None = None
    try:
        await store.start()
        cfg = worker_config(run_dir, sim, opts)
        worker = WorkerProcess(run_dir, cfg, worker_env(secret, store.connection_string))
        await worker.start()
        await wait_ready(worker, sim)
        t0 = time.monotonic()
        player = FaultPlayer(sim, store, worker, opts.knobs, t0)
        events = plan(opts.seed, opts.duration_s, opts.knobs)
        faults = asyncio.create_task(player.play(events))
        all_ids = await play_traffic(sim, opts, t0)
        await faults
        await player.settle()
        traffic_done = time.monotonic()
        drained = await drain(sim, all_ids, opts.drain_timeout_s, progress=progress, restart=worker)
        await worker.scrape_now()
        final_exit = await worker.terminate(60.0)
        sim.faults.clear()
        truths = [sim.truth(cid) for cid in all_ids]
        report = await audit_soak(
            truths=truths,
            attributes=sim.attributes,
            connection_string=store.connection_string,
            container=CONTAINER,
            created=store.proxy.created if store.proxy else {},
            queue_db=run_dir / "state" / "queue.sqlite3",
        )
        add_worker_figures(report, [worker], [final_exit], t0=t0, traffic_done=traffic_done, drained=drained)
        report.faults = dict(player.applied)
        report.fault_errors = list(player.errors)
        needles = soak_needles(sim, truths, secret=secret, connection_string=store.connection_string)
        state = run_dir / "state"
        return SoakResult(
            report=report,
            run_dir=run_dir,
            log_files=worker.log_files(),
            metrics_files=worker.metrics_files(),
            db_files=sorted(state.glob("queue.sqlite3*")),
            needles=needles,
            scrapes=worker.scrapes,
        )
    finally:
        if worker is not None:
            await worker.terminate(10.0)
        await store.close()
        await sim.stop()


def _parser() -> argparse.ArgumentParser:
    d = SoakOptions()
    k = FaultKnobs()
    p = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument(
        "--conversations", type=int, default=d.conversations, help="web messaging conversations to archive"
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--rate", type=float, default=d.rate_per_s, help="new conversations per second")
    p.add_argument(
        "--duration", type=float, default=None, help="traffic window in seconds (overrides --rate)"
    )
    p.add_argument("--drain-timeout", type=float, default=d.drain_timeout_s)
    p.add_argument("--processors", type=int, default=d.processors)
    p.add_argument("--pool-processes", type=int, default=d.pool_processes)
    p.add_argument("--writeback-refusal", type=float, default=k.writeback_refusal_s, help="seconds")
    p.add_argument("--blob-outage", type=float, default=k.blob_outage_s, help="seconds")
    p.add_argument("--kills", type=int, default=k.worker_kills)
    p.add_argument("--run-dir", type=Path, default=None, help="keep logs, metrics and state here")
    p.add_argument("--backlog", type=int, default=0, help="backlog mode: conversations queued before release")
    p.add_argument("--backlog-sample", type=int, default=3000, help="archives timed in backlog mode")
    p.add_argument(
        "--queue",
        choices=("sqlite", "azure"),
        default="sqlite",
        help="azure: several workers share an Azure queue (bench/soak_multi.py)",
    )
    p.add_argument("--workers", type=int, default=1, help="worker processes (VMs); --queue azure only")
    p.add_argument("--no-scan", action="store_true", help="skip the security scan of logs/metrics/SQLite")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the soak (or the backlog measurement), print the table, exit 0 only if every target is met."""
    a = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The WORM proxy drops connections on purpose during the blob outage; aiohttp logs each as an error.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    if a.backlog:
        from bench.soak_backlog import main_backlog

        status: int = main_backlog(a)
        return status
    rate = a.conversations / a.duration if a.duration else a.rate
    opts = SoakOptions(
        conversations=a.conversations,
        seed=a.seed,
        rate_per_s=rate,
        drain_timeout_s=a.drain_timeout,
        processors=a.processors,
        pool_processes=a.pool_processes,
        knobs=FaultKnobs(
            writeback_refusal_s=a.writeback_refusal, blob_outage_s=a.blob_outage, worker_kills=a.kills
        ),
    )
    keep = a.run_dir is not None
    ok = False
    run_dir = a.run_dir or Path(tempfile.mkdtemp(prefix="archiver-soak-"))
    print(
        f"soak: {opts.conversations} conversations over {opts.duration_s:.0f} s, seed {opts.seed},"
        f" run dir {run_dir}",
        file=sys.stderr,
        flush=True,
    )
    try:
        if a.queue == "azure":
            from bench.soak_multi import run_multi

            result = asyncio.run(run_multi(opts, run_dir, max(1, a.workers)))
        else:
            result = asyncio.run(run_soak(opts, run_dir))
        findings = [] if a.no_scan else result.scan()
        # Every id behind every figure (the table shows the first few), for whoever investigates.
        (run_dir / "report.json").write_bytes(msgspec.json.format(msgspec.json.encode(result.report)))
        title = f"archiver fault soak — {opts.conversations} conversations, seed {opts.seed}"
        if a.queue == "azure":
            from bench.soak_multi import fleet_table

            title = f"archiver multi-VM soak — {a.workers} workers, Azure queue, " + title.split(" — ", 1)[1]
        print(table(result.report, title=title))
        if a.queue == "azure":
            print(fleet_table(result))
        if not a.no_scan:
            files = len(result.log_files) + len(result.metrics_files) + len(result.db_files)
            kinds = sorted({f"{f.kind} in {f.file}" for f in findings})
            print(
                f"security scan: {files} files ({result.scrapes} /metrics pages) searched for"
                f" {sum(len(v) for v in result.needles.values())} secret/PII/text values:"
                f" {len(findings)} found" + (f" — {', '.join(kinds)}" if kinds else "")
            )
        ok = result.report.ok and not findings
    finally:
        if ok and not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        elif not ok:
            print(
                f"evidence kept in {run_dir} (worker logs, /metrics pages, queue database)", file=sys.stderr
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
