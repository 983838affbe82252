"""`archiver find --from DATE --to DATE [--queue ID] [--division ID] [--json]`: archived conversations.

Selects by conversation END time in [from, to). Azure: server-side Find Blobs by Tags, falling back to
listing the day prefixes when the identity lacks `blobs/filter/action` (said on stderr); `--listing` forces
the listing (the tag index may lag fresh uploads by minutes). Local sink: the sidecars. One line per
conversation (id, end time, queue, messages, legal hold, archive URI), or JSON lines with `--json`.
"""

from __future__ import annotations

import argparse
import sys

import msgspec

from archiver.commands.audit_common import add_filter_args, add_period_args, open_store, period_of
from archiver.config import Config, load_config
from archiver.loop import run as run_loop
from archiver.sinks.audit_base import ArchiveEntry, Listing, Period


def main(argv: list[str]) -> int:
    """List the archives of a period."""
    p = argparse.ArgumentParser(
        prog="archiver find", description=__doc__.splitlines()[0] if __doc__ else None
    )
    add_period_args(p)
    add_filter_args(p)
    p.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    p.add_argument("--listing", action="store_true", help="list day prefixes instead of the tag index")
    args = p.parse_args(argv)
    period = period_of(p, args)
    return run_loop(find(load_config(args.config), period, args))


def as_json(entry: ArchiveEntry) -> dict[str, object]:
    """The JSON-lines form of one archive (what `find --json` prints)."""
    r, m = entry.retention, entry.meta
    return {
        "conversationId": m.conversation_id,
        "endTime": m.end_time,
        "queueId": m.queue_id,
        "divisionId": m.division_id,
        "messages": m.message_count,
        "archiveUri": entry.uri,
        "sha256": m.sha256,
        "storedAt": entry.stored_at,
        "retentionUntil": r.until,
        "policyMode": r.mode,
        "legalHold": r.legal_hold,
        "legalHoldCases": list(entry.legal_hold_cases),
        "wormEnforced": r.enforced,
        "problem": entry.problem,
    }


async def find(config: Config, period: Period, args: argparse.Namespace) -> int:
    """Print the period's archives; exit 0 (also when none match)."""
    listing = Listing()
    out = sys.stdout
    n = 0
    async with open_store(config) as store:
        async for entry in store.entries(
            period, queue=args.queue, division=args.division, listing=listing, use_tags=not args.listing
        ):
            n += 1
            if args.json:
                out.write(msgspec.json.encode(as_json(entry)).decode() + "\n")
            else:
                m = entry.meta
                hold = "HOLD" if entry.retention.legal_hold else "-"
                out.write(
                    f"{m.conversation_id}  {m.end_time:%Y-%m-%dT%H:%M:%SZ}  {m.queue_id or '-'}  "
                    f"{m.message_count:>5}  {hold:<4}  {entry.uri}\n"
                )
    if listing.note:
        sys.stderr.write(f"note: {listing.note}\n")
    sys.stderr.write(f"{n} archived conversation(s) found via {listing.via}\n")
    return 0
