"""`archiver verify --from DATE --to DATE [--require-locked] [--store]`: completeness attestation.

Asks Genesys which web messaging conversations ended in [from, to), checks each has exactly one archive
whose bytes match its recorded digest and whose immutability policy or legal hold is in force, and lists
archives Genesys does not know. The JSON report goes to stdout (or --report FILE), the summary table and
progress to stderr. `--store` also writes the report write-once into the store under `attestations/`.
Exit 0 only when nothing is missing or wrong; 7 (integrity) otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from archiver import logs
from archiver.auditor.verify import expected_conversations, seal, summary, verify
from archiver.backfill import ProgressBar
from archiver.commands.audit_common import add_period_args, genesys_client, open_store, period_of, require_org
from archiver.config import Config, load_config
from archiver.errors import EXIT_INTEGRITY
from archiver.loop import run as run_loop
from archiver.sinks.audit_base import Period


def main(argv: list[str]) -> int:
    """Attest completeness of a period."""
    p = argparse.ArgumentParser(
        prog="archiver verify", description=__doc__.splitlines()[0] if __doc__ else None
    )
    add_period_args(p)
    p.add_argument("--require-locked", action="store_true", help="an Unlocked policy counts as unprotected")
    p.add_argument("--store", action="store_true", help="also write the report under attestations/ (WORM)")
    p.add_argument("--report", metavar="FILE", help="write the JSON report here instead of stdout")
    p.add_argument("--poll", type=float, default=2.0, help="analytics job poll interval, seconds (2)")
    args = p.parse_args(argv)
    period = period_of(p, args)
    config = load_config(args.config)
    require_org(config, "archiver verify")
    logs.setup_for_command(config.logging.level, config.logging.format)
    return run_loop(run(config, period, args))


async def run(config: Config, period: Period, args: argparse.Namespace) -> int:
    """Verify, print, optionally store; returns the exit status."""
    bar = ProgressBar(sys.stderr)
    async with genesys_client(config) as client, open_store(config) as store:
        bar.note(f"verify: asking Genesys which conversations ended in {period.start} → {period.end}")
        expected = await expected_conversations(client, period, poll_s=args.poll)
        bar.note(f"verify: Genesys reports {len(expected.ends)}; checking the archives")
        report = await verify(
            store,
            expected,
            period,
            require_locked=args.require_locked,
            enforced_only=store.kind != "local",
            source=client.settings.hosts().api,
            now=datetime.now(UTC),
            on_progress=lambda done, total: bar.update(done=done, total=total, phase="verify"),
        )
        bar.close()
        data = seal(report)
        stored = None
        if args.store:
            name = (
                f"{period.start:%Y%m%dT%H%M%SZ}-{period.end:%Y%m%dT%H%M%SZ}-{report.report_sha256[:16]}.json"
            )
            stored = await store.store_attestation(name, data)
    if args.report:
        await asyncio.to_thread(Path(args.report).write_bytes, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    sys.stderr.write(summary(report) + "\n")
    if stored:
        sys.stderr.write(f"  stored as                        {stored}\n")
    return 0 if report.ok else EXIT_INTEGRITY
