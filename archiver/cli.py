"""The `archiver` command: dispatches `archiver <command> ...` to the module that owns the command.

Each command module exposes `main(argv: list[str]) -> int` and parses its own arguments, so a command's
dependencies are imported only when it runs (`archiver redact` must not pay for aiohttp or Azure).
"""

from __future__ import annotations

import importlib
import sys

from archiver import __version__
from archiver.errors import EXIT_USAGE, ArchiverError

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("archiver.commands.run", "run the worker (simulator + ./archive/ when no Genesys credentials)"),
    "check": ("archiver.commands.check", "preflight: config, Genesys permissions, Azure container and WORM"),
    "demo": ("archiver.commands.demo", "archive N simulated conversations end to end and print a summary"),
    "backfill": ("archiver.commands.backfill", "archive a historical date range via analytics jobs"),
    "get": ("archiver.commands.get", "download an archive, verify digest and retention, print the record"),
    "find": ("archiver.commands.find", "list archived conversations by end date, queue, division"),
    "verify": ("archiver.commands.verify", "attest a period is completely archived, intact and protected"),
    "hold": ("archiver.commands.hold", "legal hold: set or clear on conversations' archives, per case"),
    "export": ("archiver.commands.export", "e-discovery bundle: archives, HTML transcripts, manifest.csv"),
    "queue": ("archiver.commands.queue", "work queue: status, list dead items and why, requeue, enqueue"),
    "redact": ("archiver.redact.cli", "line filter: redact PII from stdin to stdout"),
    "sim": ("archiver.sim.cli", "serve the Genesys Cloud simulator"),
}


def _usage() -> str:
    lines = ["usage: archiver <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "`archiver <command> --help` shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run one `archiver` command and return its exit status."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if args else EXIT_USAGE
    if args[0] == "--version":
        print(f"archiver {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        print(f"archiver: unknown command {args[0]!r}\n\n{_usage()}", file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(entry[0])
    try:
        return int(module.main(args[1:]))
    except ArchiverError as exc:
        print(f"archiver {args[0]}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
