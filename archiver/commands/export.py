"""`archiver export --from DATE --to DATE [--queue ID] [--zone TZ] --out DIR`: an e-discovery bundle.

For each conversation that ended in [from, to): its archive exactly as stored, a readable HTML transcript
(times in UTC and --zone, who spoke, redactions marked, attachments linked or listed with their outcome),
each archived attachment (verified against the record's sha256 and size first), then `index.html` and
`manifest.csv` (digests as recorded and as recomputed, retention, legal hold, every file's sha256). Nothing
is written outside --out; run it again to resume. Exit 0 when every archive matches its recorded digest and
every archived attachment its record, 7 when one does not (an archive is still exported, and flagged; an
attachment that fails verification is flagged and not written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archiver.auditor.export import export
from archiver.backfill import ProgressBar
from archiver.commands.audit_common import add_filter_args, add_period_args, open_store, period_of
from archiver.config import Config, load_config
from archiver.errors import EXIT_INTEGRITY
from archiver.loop import run as run_loop
from archiver.sinks.audit_base import Period


def main(argv: list[str]) -> int:
    """Write an export bundle."""
    p = argparse.ArgumentParser(
        prog="archiver export", description=__doc__.splitlines()[0] if __doc__ else None
    )
    add_period_args(p)
    add_filter_args(p)
    p.add_argument("--zone", default="UTC", help="time zone shown beside UTC, e.g. Europe/Paris (UTC)")
    p.add_argument("--out", required=True, type=Path, help="output directory (created; resumable)")
    args = p.parse_args(argv)
    period = period_of(p, args)
    try:
        ZoneInfo(args.zone)
    except (ZoneInfoNotFoundError, ValueError):
        p.error(f"--zone: unknown time zone {args.zone!r} (use an IANA name such as Europe/Paris)")
    return run_loop(run(load_config(args.config), period, args))


async def run(config: Config, period: Period, args: argparse.Namespace) -> int:
    """Export and print a summary; see the module docstring for the exit status."""
    bar = ProgressBar(sys.stderr)
    async with open_store(config) as store:
        rows, listing = await export(
            store,
            period,
            args.out,
            queue=args.queue,
            division=args.division,
            zone_name=args.zone,
            on_progress=lambda done, total: bar.update(done=done, total=total, phase="export"),
        )
    bar.close()
    bad = [r["conversation_id"] for r in rows if r["sha256_recorded"] != r["sha256_recomputed"]]
    bad_attachments = [
        (r["conversation_id"], r["attachment_problems"]) for r in rows if r["attachment_problems"]
    ]
    if listing.note:
        sys.stderr.write(f"note: {listing.note}\n")
    sys.stderr.write(f"exported {len(rows)} conversation(s) to {args.out} (found via {listing.via})\n")
    for cid in bad:
        sys.stderr.write(f"FAILED {cid}: archive does not match its recorded digest (exported and flagged)\n")
    for cid, problems in bad_attachments:
        sys.stderr.write(f"FAILED {cid}: attachment(s) not verified, not exported: {problems}\n")
    return EXIT_INTEGRITY if bad or bad_attachments else 0
