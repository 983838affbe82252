"""`archiver queue status|list|requeue|enqueue|prune`: look at and steer the work queue of a (running) worker.

The operator's tool: how many conversations are in each state, why the dead ones died, and, once the cause is
fixed (a missing permission, a deleted container), putting them back in line. Safe while the worker runs:
SQLite in WAL mode lets both processes use the file, and every change is one transaction.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import msgspec

from archiver.assemble import build_queue
from archiver.config import Config, load_config
from archiver.errors import EXIT_FAILURE, ConfigError
from archiver.ids import parse_conversation_id
from archiver.loop import run as run_loop
from archiver.queue import STATES, QueueItem

MIN_PRUNE_DAYS = 7.0  # above the reconciler's longest look-back (a conversation open 3 days + overlap)


def _parser() -> argparse.ArgumentParser:
    # --config/--queue-path are accepted before and after the subcommand, as with every other command; the
    # subparsers' defaults are SUPPRESS so a value given before the subcommand is not reset by them.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="TOML config file (default: $ARCHIVER_CONFIG)",
    )
    common.add_argument(
        "--queue-path",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the SQLite queue file to use instead of queue.path (e.g. the temporary queue an embedded "
        "worker prints in its banner); same as ARCHIVER_QUEUE__PATH",
    )
    p = argparse.ArgumentParser(
        prog="archiver queue",
        description=__doc__.splitlines()[0] if __doc__ else None,
        parents=[common],
        epilog="The queue must exist (a worker creates it): these commands never create a queue file.",
    )
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text, parents=[common])

    add("status", "conversations per state (pending, leased, retry, done, dead)")
    ls = add("list", "items in one state with attempts, cause and last error (default: dead)")
    ls.add_argument("--state", choices=STATES, default="dead", help="which state to list (default: dead)")
    ls.add_argument("--limit", type=int, default=100, metavar="N", help="at most N items (default: 100)")
    rq = add(
        "requeue",
        "give dead items a fresh set of attempts, once their cause is fixed (an uploaded blob is not "
        "re-uploaded)",
    )
    who = rq.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "ids",
        nargs="*",
        default=[],
        type=_conversation_id,
        metavar="CONVERSATION_ID",
        help="dead conversations to revive",
    )
    who.add_argument("--all-dead", action="store_true", help="every dead item")
    pr = add("prune", "forget done items older than N days (bounds the state file; dead items are kept)")
    pr.add_argument(
        "--older-than-days",
        type=float,
        required=True,
        metavar="N",
        help=f"age of the last change, at least {MIN_PRUNE_DAYS:g} days",
    )
    en = add("enqueue", "queue conversations for archiving now (done ones are not redone)")
    en.add_argument(
        "ids", nargs="+", type=_conversation_id, metavar="CONVERSATION_ID", help="Genesys conversation ids"
    )
    return p


def main(argv: list[str]) -> int:
    """Run one queue subcommand."""
    p = _parser()
    args = p.parse_args(argv)
    if args.action == "requeue" and not args.ids and not args.all_dead:
        p.error("requeue needs conversation ids or --all-dead")
    if args.action == "prune" and args.older_than_days < MIN_PRUNE_DAYS:
        # Younger done items are still inside the reconciler's windows: pruning them would only make it
        # re-enqueue and re-check conversations that are archived.
        p.error(f"--older-than-days must be at least {MIN_PRUNE_DAYS:g} (the reconciler looks back that far)")
    # getattr: SUPPRESS leaves the attribute out when the option is given nowhere.
    config = load_config(getattr(args, "config", None))
    queue_path = getattr(args, "queue_path", None)
    if queue_path:
        queue = msgspec.structs.replace(config.queue, kind="sqlite", path=queue_path)
        config = msgspec.structs.replace(config, queue=queue)
    if config.queue.kind == "sqlite":
        require_existing_queue(config, "--queue-path" if queue_path else "queue.path")
    return run_loop(_run(config, args, sys.stdout))


def require_existing_queue(config: Config, key: str) -> None:
    """ConfigError naming the path unless the SQLite queue file exists: a command never creates a queue."""
    path = Path(config.queue.path)
    if path.is_file():
        return
    where = f"{path} (absolute: {path.resolve()})"
    if config.embedded and key == "queue.path":
        raise ConfigError(
            key,
            f"there is no work queue at {where}; nothing is configured, so `archiver run` is in embedded "
            "mode, whose worker keeps a temporary queue (the path is in its banner) and removes it at exit",
            "pass --queue-path PATH (or set ARCHIVER_QUEUE__PATH) to the embedded worker's queue, or "
            "--config the production worker's config file",
        )
    raise ConfigError(
        key,
        f"there is no work queue at {where}",
        "point it at the queue file the worker uses (its config file via --config, or ARCHIVER_QUEUE__PATH);"
        " a worker creates the file when it starts",
    )


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
            items = await queue.items(args.state, args.limit)
            for item in items:
                out.write(_line(item) + "\n")
            more = (
                f" (showing the first {args.limit}; --limit N shows more)" if len(items) >= args.limit else ""
            )
            # The count goes to stderr: stdout stays one line per item for scripts, yet an empty list is
            # never silent.
            sys.stderr.write(f"{len(items)} {args.state} item{'' if len(items) == 1 else 's'}{more}\n")
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
        return parse_conversation_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
