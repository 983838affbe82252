"""Multi-VM soak: `python -m bench.soak --queue azure --workers 3 [--conversations 2000]`.

Three (N) real worker processes share one Azure Storage queue and state container (Azurite) and the WORM
archive store (Azurite behind the recording WORM proxy), as VMs would. Today's whole fault schedule plays
(bench/soak_faults.py) — except that each "kill" SIGKILLs whichever VM is the *current leader* (the one
holding the blob lease and the notification socket) and restarts it — plus one lost lease renewal: the
leader blob's lease is broken under the leader, so its next renewal is refused and it must stop listening.
The audit is the single-VM soak's (exactly once, nothing missing, dead or leaked, every write-back present)
with the queue's dead letters read from the state container; the table adds the leader failover times (lease
lost → a leader listening again) and each VM's share of the archives.

The queue service runs in its own Azurite, so the blob outage (Azurite stopped and restarted on a new port
behind the proxy) takes the archive and state containers away but leaves the queue endpoint stable.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.storage.blob.aio import BlobServiceClient

from archiver.queue.azure.leader import LEADER_BLOB
from archiver.queue.azure.queue import AzureQueue
from archiver.queue.azure.settings import AzureQueueSettings
from archiver.secret import Secret
from archiver.sim import Simulator
from archiver.testing.azurite import Azurite, connection_string
from bench.soak import SoakOptions, SoakResult, play_traffic, sim_config, worker_config, worker_env
from bench.soak_audit import audit_soak
from bench.soak_faults import FaultPlayer, plan
from bench.soak_finish import add_worker_figures, drain, soak_needles
from bench.soak_stack import CONTAINER, BlobStore, WorkerProcess

QUEUE_NAME = "soak-work"
STATE_CONTAINER = "soak-state"
_ELECTED = re.compile(rb"leader_elected identity=")
_LOST = re.compile(rb"leader_lost identity=")
_DONE = re.compile(rb"(?:archived|written_back) id=(\S+)")  # the two log lines of an item done


def multi_config(run_dir: Path, sim: Simulator, opts: SoakOptions) -> Path:
    """The single-VM soak's TOML with the shared Azure queue instead of SQLite."""
    text = worker_config(run_dir, sim, opts).read_text(encoding="utf-8")
    start = text.index("[queue]\n")
    text = (
        text[:start]
        + (
            "[queue]\n"
            'kind = "azure"\n'
            "lease_s = 15\n"
            "backoff_base_s = 2.0\n"
            f"backoff_max_s = {max(30.0, opts.knobs.writeback_refusal_s / 2):.0f}\n"
            "max_attempts = 10\n\n"
            "[queue.azure]\n"
            f'name = "{QUEUE_NAME}"\n'
            f'state_container = "{STATE_CONTAINER}"\n'
            "create = true\n\n"
        )
        + text[text.index("[worker]\n") :]
    )
    path = run_dir / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Fleet:
    """The VMs; who leads is read from their logs (`leader_elected` / `leader_lost` of a live incarnation)."""

    vms: list[WorkerProcess]
    sim: Simulator
    failovers: list[tuple[str, float, int]] = field(default_factory=list)  # (cause, seconds, new leader)
    errors: list[str] = field(default_factory=list)

    def _log(self, vm: WorkerProcess) -> bytes:
        path = vm.run_dir / f"worker-{vm.incarnation}.err"
        return path.read_bytes() if path.exists() else b""

    def leader(self) -> int | None:
        """The VM that holds the lease: of the live incarnations whose last `leader_elected` has no
        `leader_lost` after it, the most recently elected one. Two can claim it for a while: a VM whose lease
        was broken learns so only at its next renewal, after another VM has already taken the lease."""
        claims: list[tuple[bytes, int]] = []
        for i, vm in enumerate(self.vms):
            if not vm.running:
                continue
            text = self._log(vm)
            elected = [m.start() for m in _ELECTED.finditer(text)]
            lost = [m.start() for m in _LOST.finditer(text)]
            if elected and (not lost or elected[-1] > lost[-1]):
                line_start = text.rfind(b"\n", 0, elected[-1]) + 1
                claims.append((text[line_start : line_start + 24], i))  # the line's ISO timestamp
        return max(claims)[1] if claims else None

    def elections(self) -> int:
        return sum(len(_ELECTED.findall(p.read_bytes())) for vm in self.vms for p in vm.run_dir.glob("*.err"))

    def listening(self) -> bool:
        return any(c.ws is not None for c in self.sim.notifications.channels.values())

    async def wait_leader(self, timeout_s: float = 120.0) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            i = self.leader()
            if i is not None and self.listening():
                return i
            await asyncio.sleep(0.1)
        raise RuntimeError(f"no leader listening after {timeout_s:.0f}s")

    async def measure(self, cause: str, t_lost: float, elections_before: int) -> None:
        """Seconds from the lease loss until a leader elected since (any VM, the restarted victim included)
        has its notification socket connected."""
        deadline = t_lost + 180.0
        while time.monotonic() < deadline:
            i = self.leader()
            if self.elections() > elections_before and i is not None and self.listening():
                self.failovers.append((cause, time.monotonic() - t_lost, i))
                return
            await asyncio.sleep(0.1)
        self.errors.append(f"{cause}: no new leader listening within 180 s")

    def shares(self) -> list[int]:
        """Conversations each VM completed (all its incarnations): its `archived` / `written_back` lines."""
        return [
            len({m for p in vm.run_dir.glob("*.err") for m in _DONE.findall(p.read_bytes())})
            for vm in self.vms
        ]


async def supervise(fleet: Fleet, killer: LeaderKiller, restarts: list[str], every_s: float = 2.0) -> None:
    """systemd's `Restart=on-failure`: a VM that exits on its own (not one the schedule killed) is restarted
    after `RestartSec`. Each such exit is listed in the table: a worker stops only on a permanent error (a
    403, a missing container); it rides out the blob outage (docs/operations.md#storage-outages)."""
    while True:
        await asyncio.sleep(every_s)
        for i, vm in enumerate(fleet.vms):
            if vm.proc is not None and not vm.running and i not in killer.pending:
                restarts.append(
                    f"vm-{vm.run_dir.name[3:]} exit {vm.proc.returncode} (incarnation {vm.incarnation})"
                )
                await vm.start()


class LeaderKiller:
    """What the fault player kills and restarts: the current leader, with the failover timed."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.victim: int | None = None
        self.kills = 0
        self.pending: set[int] = set()  # killed, restart scheduled by the fault player
        self._measures: set[asyncio.Task[None]] = set()

    async def kill(self) -> None:
        victim = await self.fleet.wait_leader()
        before = self.fleet.elections()
        t = time.monotonic()
        self.pending.add(victim)
        await self.fleet.vms[victim].kill()
        self.victim, self.kills = victim, self.kills + 1
        self._spawn(self.fleet.measure(f"SIGKILL leader vm-{victim}", t, before))

    async def start(self) -> None:
        if self.victim is not None:
            await self.fleet.vms[self.victim].start()
            self.pending.discard(self.victim)

    async def break_lease(self, conn: str) -> None:
        """Break the leader blob's lease under the leader: its next renewal is refused (a lost renewal)."""
        victim = await self.fleet.wait_leader()
        before = self.fleet.elections()
        async with BlobServiceClient.from_connection_string(conn) as svc:
            from azure.storage.blob.aio import BlobLeaseClient

            lease = BlobLeaseClient(svc.get_blob_client(STATE_CONTAINER, LEADER_BLOB))
            t = time.monotonic()
            await lease.break_lease(lease_break_period=0)
        self._spawn(self.fleet.measure(f"lease renewal lost by vm-{victim}", t, before))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._measures.add(task)
        task.add_done_callback(self._measures.discard)

    async def settle(self) -> None:
        while self._measures:
            await asyncio.gather(*list(self._measures), return_exceptions=True)


async def run_multi(opts: SoakOptions, run_dir: Path, workers: int, *, progress: bool = True) -> SoakResult:
    """The multi-VM soak in one call (tests/soak runs a smaller one)."""
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    sim = Simulator(sim_config(opts.seed, secret))
    await sim.start(host="127.0.0.1", port=0)
    store = BlobStore(run_dir / "azurite")
    queue_az = Azurite(queue=True, location=str(run_dir / "azurite-queue"))
    vms: list[WorkerProcess] = []
    try:
        await store.start()
        await asyncio.to_thread(queue_az.start)
        assert store.proxy is not None
        store.proxy.set_container_worm(STATE_CONTAINER, False)  # queue state is rewritten: never WORM
        conn = connection_string(store.proxy.blob_url, queue_az.queue_url)
        env = worker_env(secret, conn)
        for i in range(workers):
            vm_dir = run_dir / f"vm-{i}"
            vm_dir.mkdir(parents=True, exist_ok=True)
            vms.append(WorkerProcess(vm_dir, multi_config(vm_dir, sim, opts), env))
        fleet = Fleet(vms, sim)
        await asyncio.gather(*(vm.start() for vm in vms))
        await fleet.wait_leader()
        t0 = time.monotonic()
        killer = LeaderKiller(fleet)
        player = FaultPlayer(sim, store, killer, opts.knobs, t0)
        events = plan(opts.seed, opts.duration_s, opts.knobs)
        # the lost renewal: after the first kill has settled, apart from the blob outage (0.58-0.66)
        renewal_at = 0.72 * opts.duration_s
        faults = asyncio.create_task(player.play(events))

        async def lose_renewal() -> None:
            await asyncio.sleep(max(0.0, t0 + renewal_at - time.monotonic()))
            try:
                await killer.break_lease(conn)
            except Exception as exc:  # reported in the table like any fault that could not be applied
                fleet.errors.append(f"break_lease: {type(exc).__name__}: {exc}")

        renewal = asyncio.create_task(lose_renewal())
        restarts: list[str] = []
        supervisor = asyncio.create_task(supervise(fleet, killer, restarts))
        all_ids = await play_traffic(sim, opts, t0)
        await faults
        await renewal
        await player.settle()
        await killer.settle()
        traffic_done = time.monotonic()
        drained = await drain(sim, all_ids, opts.drain_timeout_s, progress=progress)
        supervisor.cancel()
        await asyncio.gather(*(vm.scrape_now() for vm in vms))
        exits = await asyncio.gather(*(vm.terminate(60.0) for vm in vms))
        sim.faults.clear()
        truths = [sim.truth(cid) for cid in all_ids]
        report = await audit_soak(
            truths=truths,
            attributes=sim.attributes,
            connection_string=store.connection_string,
            container=CONTAINER,
            created=store.proxy.created,
            queue_db=run_dir / "no-sqlite-queue",
        )
        queue = AzureQueue(
            AzureQueueSettings(
                queue_name=QUEUE_NAME,
                state_container=STATE_CONTAINER,
                connection_string=Secret(conn),
                create=False,
                counts_cache_s=0.0,
            )
        )
        try:
            report.queue_states = await queue.counts()
            report.dead = [f"{d.conversation_id}: {d.last_error}" for d in await queue.items("dead", 10_000)]
        finally:
            await queue.close()
        add_worker_figures(report, vms, exits, t0=t0, traffic_done=traffic_done, drained=drained)
        report.faults = dict(player.applied)
        report.faults["lost_lease_renewal"] = 0 if any("break_lease" in e for e in fleet.errors) else 1
        report.fault_errors = [*player.errors, *fleet.errors]
        needles = soak_needles(sim, truths, secret=secret, connection_string=conn)
        result = SoakResult(
            report=report,
            run_dir=run_dir,
            log_files=[f for vm in vms for f in vm.log_files()],
            metrics_files=[f for vm in vms for f in vm.metrics_files()],
            db_files=[],
            needles=needles,
            scrapes=sum(vm.scrapes for vm in vms),
            failovers=list(fleet.failovers),
            shares=fleet.shares(),
            restarts=restarts,
        )
        return result
    finally:
        for vm in vms:
            await vm.terminate(10.0)
        await asyncio.to_thread(queue_az.stop)
        await store.close()
        await sim.stop()


def fleet_table(result: SoakResult) -> str:
    """The multi-VM figures under the soak table: failovers and each VM's share."""
    lines = ["leader failover (lease lost → a leader listening again):"]
    lines += [f"  {cause}: {secs:.1f} s → vm-{vm}" for cause, secs, vm in result.failovers]
    total = sum(result.shares) or 1
    lines.append(
        "conversations completed per VM: "
        + ", ".join(f"vm-{i} {n} ({100 * n / total:.0f}%)" for i, n in enumerate(result.shares))
    )
    return "\n".join(lines)
