"""`archiver queue status|list|requeue|enqueue|prune`: look at and steer the work queue of a (running) worker.

The operator's tool: how many conversations are in each state, why the dead ones died, and, once the cause is
fixed (a missing permission, a deleted container), putting them back in line. Safe while the worker runs:
SQLite in WAL mode lets both processes use the file, and every change is one transaction.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import TextIO

from archiver.assemble import build_queue
from archiver.config import Config, load_config
from archiver.errors import EXIT_FAILURE
from archiver.loop import run as run_loop
from archiver.queue import STATES, QueueItem

MIN_PRUNE_DAYS = 7.0  # above the reconciler's longest look-back (a conversation open 3 days + overlap)


def main(argv: list[str]) -> int:
    """Run one queue subcommand."""
    p = argparse.ArgumentParser(
        prog="archiver queue", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("status", help="items per state")
    ls = sub.add_parser("list", help="items in one state with attempts and last error (default: dead)")
    ls.add_argument("--state", choices=STATES, default="dead")
    ls.add_argument("--limit", type=int, default=100)
    rq = sub.add_parser("requeue", help="give dead items a fresh set of attempts")
    who = rq.add_mutually_exclusive_group(required=True)
    who.add_argument("ids", nargs="*", default=[], type=_conversation_id, metavar="CONVERSATION_ID")
    who.add_argument("--all-dead", action="store_true", help="every dead item")
    pr = sub.add_parser("prune", help="forget done items older than N days (bounds the state file)")
    pr.add_argument("--older-than-days", type=float, required=True, metavar="N")
    en = sub.add_parser("enqueue", help="queue conversations for archiving now (done ones are not redone)")
    en.add_argument("ids", nargs="+", type=_conversation_id, metavar="CONVERSATION_ID")
    args = p.parse_args(argv)
    if args.action == "requeue" and not args.ids and not args.all_dead:
        p.error("requeue needs conversation ids or --all-dead")
    if args.action == "prune" and args.older_than_days < MIN_PRUNE_DAYS:
        # Younger done items are still inside the reconciler's windows: pruning them would only make it
        # re-enqueue and re-check conversations that are archived.
        p.error(f"--older-than-days must be at least {MIN_PRUNE_DAYS:g} (the reconciler looks back that far)")
    return run_loop(_run(load_config(args.config), args, sys.stdout))


async def _run(config: Config, args: argparse.Namespace, out: TextIO) -> int:
    queue = build_queue(config)  # SQLite file, or the shared Azure queue (queue.kind)
    await queue.start()
    try:
        if args.action == "status":
            counts = await queue.counts()
            where = f"azure:{config.queue.azure.name}" if config.queue.kind == "azure" else config.queue.path
            out.write(f"queue {where}\n")
            for state in STATES:
                out.write(f"  {state:<8} {counts[state]:>10,}\n")
            return 0
        if args.action == "list":
            for item in await queue.items(args.state, args.limit):
                out.write(_line(item) + "\n")
            return 0
        if args.action == "prune":
            n = await queue.prune_done(time.time() - args.older_than_days * 86400)
            out.write(f"pruned {n} done item(s)\n")
            return 0
        if args.action == "requeue":
            n = await queue.revive(None if args.all_dead else args.ids)
            out.write(f"requeued {n} dead item(s)\n")
            # Naming an id that is not dead is a mistake worth a non-zero exit (a typo, or already revived).
            return 0 if args.all_dead or n == len(set(args.ids)) else EXIT_FAILURE
        failed = 0
        for cid in args.ids:
            if await queue.enqueue(cid, source="manual"):
                out.write(f"{cid} queued\n")
                continue
            known = await queue.get(cid)
            now_in = known.state if known else "unknown"
            out.write(f"{cid} already known ({now_in}); {_hint(now_in)}\n")
            failed += now_in == "dead"
        return EXIT_FAILURE if failed else 0
    finally:
        await queue.close()


def _conversation_id(text: str) -> str:
    # Genesys conversation ids are UUIDs; anything else is a paste error, not something to queue.
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a conversation id (a UUID): {text[:60]!r}") from None


def _hint(state: str) -> str:
    if state == "dead":
        return "`archiver queue requeue ID` gives it another set of attempts"
    if state == "done":
        return "already archived: `archiver get ID` shows the archive"
    return "it will be processed"


def _line(item: QueueItem) -> str:
    when = datetime.fromtimestamp(item.updated_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    age = _age(time.time() - item.enqueued_at)
    error = (item.last_error or "-").replace("\n", " ")
    stage = f" stage={item.stage}" if item.stage else ""
    return (
        f"{item.conversation_id}  {item.state}  attempts={item.attempts} source={item.source}{stage}"
        f" updated={when} queued={age} ago cause={item.last_cause or '-'}  {error}"
    )


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{max(seconds, 0):.0f}s"
