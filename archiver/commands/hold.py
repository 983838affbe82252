"""`archiver hold set|clear CONVERSATION_ID... --case NAME`: legal hold on conversations' archives.

Azure: the blob's version-level legal hold (no delete or overwrite while it is on, whatever the retention
policy says), with the case names recorded in the `legalHoldCases` index tag; `clear` removes one case and
lifts the hold only when no case remains. Every attachment the record lists as archived (attachments.mode
= "archive") gets the record's resulting hold too, so it is cleared only with the record's last case.
Local sink: the cases are recorded in the sidecars (not enforced).
Exit 0 when every conversation and attachment was updated; otherwise the first failure's exit status (a 403
names the missing right).
"""

from __future__ import annotations

import argparse
import sys
import zlib

from archiver.archive.compress import gunzip_bytes
from archiver.auditor.attachments import archived_in
from archiver.commands.audit_common import open_store
from archiver.config import Config, load_config
from archiver.errors import ArchiverError, IntegrityError
from archiver.loop import run as run_loop
from archiver.sinks.audit_base import ArchiveEntry, AuditStore, check_case


def main(argv: list[str]) -> int:
    """Set or clear a legal hold."""
    p = argparse.ArgumentParser(
        prog="archiver hold", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("action", choices=["set", "clear"])
    p.add_argument("conversation_ids", nargs="+", metavar="CONVERSATION_ID")
    p.add_argument(
        "--case", required=True, help="case or matter name (no personal data; A-Z a-z 0-9 +-.:=_/)"
    )
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    args = p.parse_args(argv)
    try:
        check_case(args.case)
    except ArchiverError as exc:
        p.error(str(exc))
    return run_loop(hold(load_config(args.config), args.action == "set", args.conversation_ids, args.case))


async def hold(config: Config, on: bool, conversation_ids: list[str], case: str) -> int:
    """Apply to each id; report one line each."""
    status = 0
    async with open_store(config) as store:
        for cid in conversation_ids:
            try:
                entry = await store.set_hold(await store.locate(cid), case, on)
                held = await _hold_attachments(store, entry)
            except ArchiverError as exc:
                sys.stderr.write(f"FAILED {cid}: {exc}\n")
                status = status or exc.exit_code
                continue
            cases = ",".join(entry.legal_hold_cases) or "-"
            state = "ON" if entry.retention.legal_hold else "OFF"
            enforced = "" if store.kind != "local" else "  (local directory: recorded, not enforced)"
            sys.stdout.write(
                f"{cid}  legal hold {state}  cases {cases}  attachments {held}  {entry.uri}{enforced}\n"
            )
    return status


async def _hold_attachments(store: AuditStore, entry: ArchiveEntry) -> int:
    """Give every archived attachment of the record the record's resulting hold; returns how many.

    After the record: the record's tag holds the cases, so a run that fails half-way is repaired by running
    the same command again (it recomputes the hold from the record)."""
    try:
        raw = gunzip_bytes(await store.read(entry))
    except (OSError, EOFError, zlib.error) as exc:
        raise IntegrityError(
            f"record {entry.name} is not valid gzip: its attachments cannot be found to hold them"
        ) from exc
    items = archived_in(raw, entry.meta.conversation_id)
    for item in items:
        if item.problem is not None:
            raise IntegrityError(f"attachment {item.attachment_id}: {item.problem}")
        await store.hold_attachment(item.name, entry.legal_hold_cases, entry.retention.legal_hold)
    return len(items)
