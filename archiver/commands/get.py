"""`archiver get CONVERSATION_ID`: download an archive, verify its digest and retention, print the record.

What an auditor runs. The record (decompressed JSON) goes to stdout; the verification report goes to
stderr. Exit status (README, "Exit codes"): 0 when the digest matches and the archive is protected as WORM (an
immutability policy that has not expired, or a legal hold); EXIT_INTEGRITY (7) when the digest or gzip is
wrong, or the archive is not protected; EXIT_NOT_FOUND (8) when the store answered that there is no such
archive; EXIT_SINK (6) when the store could not be reached or refused us; EXIT_USAGE (2) for an id that is
not a conversation id. Archives in a local directory (the local sink, or `--dir`) are never WORM: they are
printed with a warning and exit 0, unless `--strict`, or `--require-locked` (they have no policy at all).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from archiver.assemble import build_sink, sink_kind
from archiver.audit import validate_record
from archiver.config import Config, load_config
from archiver.errors import EXIT_INTEGRITY, ConfigError, IntegrityError
from archiver.ids import parse_conversation_id
from archiver.loop import run as run_loop
from archiver.sinks import AzureSink, LocalSink


def _conversation_id(text: str) -> str:
    try:
        return parse_conversation_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str]) -> int:
    """Fetch, verify and print one archive."""
    p = argparse.ArgumentParser(prog="archiver get", description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("conversation_id", type=_conversation_id, help="Genesys conversation id (a UUID)")
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    p.add_argument(
        "--dir",
        metavar="PATH",
        help="read a local archive directory (e.g. the one `archiver demo` prints) instead of the configured "
        "store",
    )
    p.add_argument("--date", help="conversation end date YYYY-MM-DD (UTC) if known; otherwise looked up")
    p.add_argument("--require-locked", action="store_true", help="an Unlocked policy is a failure")
    p.add_argument("--strict", action="store_true", help="fail for stores that do not enforce WORM too")
    p.add_argument("--compact", action="store_true", help="print the record as stored (no indentation)")
    p.add_argument(
        "--attachments",
        metavar="DIR",
        help="also fetch the record's archived attachments, verify each sha256, write them into DIR",
    )
    args = p.parse_args(argv)
    config = load_config(args.config)
    end_time = None
    if args.date:
        try:
            end_time = datetime.strptime(args.date, "%Y-%m-%d").replace(hour=12, tzinfo=UTC)
        except ValueError:
            p.error("--date must look like 2026-05-14")
    if args.dir or sink_kind(config) == "local":
        root = Path(args.dir or config.sink.local.dir).expanduser()
        if not root.is_dir():  # never create it (starting the sink would): a typo is not "no such archive"
            raise ConfigError(
                "--dir" if args.dir else "sink.local.dir",
                f"there is no archive directory {root}",
                "give the directory the archives were written to (`archiver demo` prints it)",
            )
    return run_loop(get(config, args.conversation_id, end_time, args))


async def get(
    config: Config, conversation_id: str, end_time: datetime | None, args: argparse.Namespace
) -> int:
    """Download, verify and print; see the module docstring for exit codes."""
    if args.dir:
        sink: LocalSink | AzureSink = LocalSink(msgspec.structs.replace(config.sink.local, dir=args.dir))
    else:
        built = build_sink(config)
        assert isinstance(built, LocalSink | AzureSink)
        sink = built
    if isinstance(sink, AzureSink):  # read rights suffice: no start-up probe write (see AzureSink)
        sink = AzureSink(sink.config, reader=True)
    await sink.start()
    try:
        stored = await sink.get(conversation_id, end_time)
    finally:
        await sink.close()
    err = sys.stderr
    try:
        raw = stored.record()  # gunzip + sha256 against the digest recorded at upload
        validate_record(raw)
    except IntegrityError as exc:
        err.write(f"FAILED integrity: {exc}\n")
        return EXIT_INTEGRITY
    except ValueError as exc:
        err.write(f"FAILED schema: {type(exc).__name__}: {exc}\n")
        return EXIT_INTEGRITY
    ret = stored.retention
    local = isinstance(sink, LocalSink)
    problems = ret.problems(require_locked=args.require_locked)
    if local:
        # The local sink records the intended retention but cannot enforce it, and has no policy whose mode
        # could be Locked: say that, rather than "Unlocked".
        problems = [p for p in problems if "enforce" not in p and "policy" not in p]
        if args.require_locked:
            problems.append(
                "--require-locked: a local directory archive has no immutability policy at all (not WORM)"
            )
    err.write(f"archive      {stored.uri}\n")
    err.write(f"sha256       {stored.meta.sha256} (verified)\n")
    err.write(f"schema       {stored.meta.schema}  redactor {stored.meta.redactor_version}\n")
    err.write(f"content-type {stored.content_type}  content-encoding {stored.content_encoding or '-'}\n")
    until = ret.until.isoformat() if ret.until else "-"
    err.write(f"retention    until {until}  mode {ret.mode or '-'}  legal hold {ret.legal_hold}")
    err.write(f"  enforced by store: {ret.enforced}\n")
    if local:
        err.write("WARNING      local directory archive: retention is recorded, not enforced (not WORM)\n")
    for problem in problems:
        err.write(f"FAILED       {problem}\n")
    if args.compact:
        sys.stdout.write(raw.decode("utf-8", "surrogatepass") + "\n")
    else:
        sys.stdout.write(json.dumps(json.loads(raw), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if getattr(args, "attachments", None):  # after the record: its digests are what the bytes must match
        from archiver.attachments.verify import save_attachments

        if not await save_attachments(sink, raw, Path(args.attachments), err):
            return EXIT_INTEGRITY
    if problems or (args.strict and local):
        return EXIT_INTEGRITY
    return 0
