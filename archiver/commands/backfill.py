"""`archiver backfill --since DATE [--until DATE]`: archive a historical range via analytics details jobs.

Enqueues every web messaging conversation that ENDED in [--since, --until), however long before it started
(one async job per day), then processes the queue until nothing is left to do, with a progress bar on
stderr (counts, rate, ETA). Ctrl-C stops gracefully; running the same command again resumes: enqueued days
are skipped, done conversations are never archived twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from archiver import logs
from archiver.app import make_worker
from archiver.assemble import Components
from archiver.backfill import BackfillSettings, ProgressBar, enqueue_range
from archiver.config import Config, load_config, require_genesys
from archiver.errors import EXIT_FAILURE, ConfigError
from archiver.loop import run as run_loop

if TYPE_CHECKING:
    from archiver.pool import CpuPool


def _parse_date(text: str) -> datetime:
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(text.rstrip("Z"), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use 2026-05-14 or 2026-05-14T10:00)"
        ) from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def main(argv: list[str]) -> int:
    """Enqueue and archive a date range."""
    p = argparse.ArgumentParser(
        prog="archiver backfill", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument(
        "--since", type=_parse_date, required=True, help="ended at or after (UTC), e.g. 2026-05-01"
    )
    p.add_argument("--until", type=_parse_date, default=None, help="ended before (UTC; default: now)")
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    p.add_argument("--chunk-hours", type=float, default=24.0, help="hours of history per analytics job (24)")
    p.add_argument("--poll", type=float, default=2.0, help="job state poll interval, seconds (2)")
    args = p.parse_args(argv)
    until = args.until or datetime.now(UTC)
    if until <= args.since:
        p.error("--until must be after --since")
    config = load_config(args.config)
    if config.embedded:
        raise ConfigError(
            "genesys.client_id",
            "backfill needs a Genesys org (no credentials are configured)",
            "set GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION or GENESYS_BASE_URL",
        )
    require_genesys(config, "archiver backfill")
    logs.setup_for_command(config.logging.level, config.logging.format)
    settings = BackfillSettings(chunk_s=args.chunk_hours * 3600, poll_s=args.poll)
    return run_loop(backfill(config, args.since, until, settings))


async def backfill(
    config: Config,
    since: datetime,
    until: datetime,
    settings: BackfillSettings,
    *,
    pool: CpuPool | None = None,
    stream: TextIO | None = None,
) -> int:
    """Enqueue the range, then process until the queue has nothing left (`pool`: share an open CpuPool)."""
    out = stream or sys.stderr
    bar = ProgressBar(out)
    async with Components(config, pool=pool) as c:
        assert c.client is not None
        budget = c.client.budget
        bar.note(f"backfill {since.isoformat()} → {until.isoformat()}: submitting analytics jobs")
        chunks = max(1, math.ceil((until - since).total_seconds() / settings.chunk_s))

        def on_found(found: int, new: int, at: datetime) -> None:
            # Chunks whose end is at or before `at` are enqueued: the bar reaches 100 % at `at == until`.
            passed = math.floor((at - since).total_seconds() / settings.chunk_s + 1e-9)
            done = chunks if at >= until else min(chunks, passed)
            bar.update(done=done, total=chunks, phase=f"enqueue {at:%Y-%m-%d} found={found}", unit="chunk")

        async def explain_waits() -> None:
            # The rate budget can hold every request for most of a minute: say so rather than look frozen.
            while True:
                wait = budget.waiting_for()
                bar.status(f"waiting {wait:.0f} s for the Genesys rate budget" if wait >= 1 else "")
                await asyncio.sleep(0.5)

        explainer = asyncio.create_task(explain_waits(), name="backfill-budget-status")
        try:
            found, new = await enqueue_range(
                c.client, c.queue, since, until, settings=settings, metrics=c.metrics, on_progress=on_found
            )
            bar.close()
            bar = ProgressBar(out)
            bar.note(f"found {found} ended web messaging conversations, {new} newly enqueued")
            start = await c.queue.counts()
            todo = start.get("pending", 0) + start.get("retry", 0) + start.get("leased", 0)
            outcomes: dict[str, int] = {}
            shown = {"done": 0, "total": todo}

            async def remaining() -> int:
                counts = await c.queue.counts()
                return counts.get("pending", 0) + counts.get("retry", 0) + counts.get("leased", 0)

            async def finished() -> bool:
                return await remaining() == 0

            async def progress() -> None:
                done = sum(outcomes.get(k, 0) for k in FINISHED)
                shown["done"], shown["total"] = done, max(todo, done + await remaining())
                bar.update(
                    done=done,
                    total=shown["total"],
                    failed=outcomes.get("retry", 0),
                    dead=outcomes.get("dead", 0),
                )

            def on_outcome(_cid: str, outcome: str) -> None:
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

            worker = make_worker(
                c,
                stop_when=finished,
                progress=progress,
                progress_every_s=0.5,
                on_outcome=on_outcome,
            )
            timeout = config.worker.shutdown_timeout_s

            def on_stop(reason: str, in_flight: int) -> None:
                if reason in {"SIGINT", "SIGTERM"}:  # not "finished": that is the normal end
                    bar.note(
                        f"{reason}: stopping — finishing {in_flight} in-flight conversation(s) (at most "
                        f"{timeout:g} s; Ctrl-C again to force). Run the same command again to resume."
                    )

            worker.on_stop = on_stop
            remove = worker.install_signal_handlers()
            try:
                await worker.run()
            finally:
                remove()
                bar.close()
            left = await remaining()
        finally:
            explainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await explainer
    interrupted = left > 0
    parts = " + ".join(f"{LABELS[k]} {outcomes.get(k, 0)}" for k in FINISHED)
    out.write(
        f"backfill {'interrupted (run again to resume)' if interrupted else 'complete'}: "
        f"{shown['done']}/{shown['total']} finished = {parts}; remaining {left}\n"
    )
    return EXIT_FAILURE if interrupted or outcomes.get("dead", 0) else 0


# Outcomes that finish a conversation, in the order the summary lists them; they add up to the bar's count.
FINISHED = ("archived", "already_archived", "written_back", "dead")
LABELS = {
    "archived": "archived",
    "already_archived": "already archived",
    "written_back": "write-back only",
    "dead": "dead",
}
