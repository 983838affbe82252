"""`archiver backfill` explains itself: what it waits for and how long, and what one Ctrl-C is doing."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archiver.backfill import BackfillSettings, ProgressBar
from archiver.commands.backfill import backfill
from archiver.genesys.ratelimit import RateBudget
from archiver.sim import Simulator
from tests.e2e.conftest import make_config
from tests.support import fast_sim_config

pytestmark = pytest.mark.timeout(120)


async def test_the_budget_says_how_long_a_waiting_request_waits() -> None:
    now = [1000.0]
    budget = RateBudget(1, 60.0, clock=lambda: now[0])
    assert budget.waiting_for() == 0.0
    await budget.acquire()
    budget.succeeded()  # the one unit of this window is spent until 1060
    now[0] += 15.0
    waiter = asyncio.create_task(budget.acquire())
    for _ in range(100):  # until the waiter is parked in acquire()
        if budget.waiting_for():
            break
        await asyncio.sleep(0)
    assert budget.waiting_for() == pytest.approx(45.0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert budget.waiting_for() == 0.0  # nobody waits any more


def test_the_bar_shows_what_it_waits_for() -> None:
    out = io.StringIO()
    bar = ProgressBar(out)
    bar.update(done=3, total=10)
    bar.status("waiting 45 s for the Genesys rate budget")
    assert out.getvalue().splitlines()[-1].endswith("| waiting 45 s for the Genesys rate budget")
    bar.status("")
    assert "waiting" not in out.getvalue().splitlines()[-1]


class _CtrlC(io.StringIO):
    """stderr that presses Ctrl-C (a real SIGINT to this process) once the archiving bar first shows."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def write(self, text: str) -> int:
        n = super().write(text)
        if not self.sent and text.startswith("archiving ["):
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
        return n


async def test_one_ctrl_c_says_at_once_that_it_finishes_in_flight_conversations(
    tmp_path: Path, cpu_pool: Any
) -> None:
    # Conversation reads hang (then time out): conversations stay in flight, only the Ctrl-C ends the run.
    async with Simulator(fast_sim_config(fault_timeout_s=60.0)) as sim:
        await sim.generate(5)
        sim.faults.fail_next(10_000, "timeout", path_prefix="/api/v2/conversations")
        config = make_config(sim, tmp_path, ARCHIVER_WORKER__SHUTDOWN_TIMEOUT_S="2")
        since = datetime.now(UTC) - timedelta(hours=1)
        until = datetime.now(UTC) + timedelta(minutes=1)
        out = _CtrlC()
        settings = BackfillSettings(chunk_s=7200.0, poll_s=0.05)
        rc = await backfill(config, since, until, settings, pool=cpu_pool, stream=out)
    text = out.getvalue()
    assert out.sent and rc != 0
    note = re.search(r"SIGINT: stopping — finishing (\d+) in-flight conversation\(s\) \(at most 2 s", text)
    assert note is not None, text
    assert int(note.group(1)) > 0
    assert text.index(note.group(0)) < text.index("backfill interrupted (run again to resume)")
