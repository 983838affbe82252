"""`archiver redact`: a streaming line filter that redacts PII from stdin to stdout.

Exactly one output line per input line, in order; memory stays constant (blocks of about 1 MiB; a single
line longer than 8 MiB is cut at a space that no supported PII format can contain).

Input is treated as UTF-8 bytes and never decoded as a whole: bytes that are not valid UTF-8 pass through
unchanged (a Latin-1 `é` stays the byte 0xE9), so the filter is byte-exact on everything but the PII it
replaces. The RE2 pattern and all separators are ASCII, so invalid bytes can neither create nor hide a match.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO

from archiver.redact.engine import RedactConfig, Redactor
from archiver.redact.validators import PII_TYPES

_BLOCK = 1 << 20
_MAX_LINE = 8 << 20


def _safe_cut(buf: bytes | bytearray) -> int:
    """Where an over-long line may be split: after the last space with no digit on either side."""
    pos = len(buf) - 2
    while pos > 0:
        pos = buf.rfind(b" ", 0, pos)
        if pos <= 0:
            break
        if not (0x30 <= buf[pos - 1] <= 0x39 or 0x30 <= buf[pos + 1] <= 0x39 or buf[pos + 1] in b"+("):
            return pos + 1
    return len(buf)  # no safe place at all (one 8 MiB token): pass it as one piece


def redact_stream(redactor: Redactor, src: BinaryIO, dst: BinaryIO, block: int = _BLOCK) -> dict[str, int]:
    """Copy `src` to `dst`, redacting; return the per-type counts."""
    totals: dict[str, int] = {}
    pending = bytearray()
    while True:
        chunk = src.read(block)
        if chunk:
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if cut == 0:
                if len(pending) < _MAX_LINE:
                    continue
                cut = _safe_cut(pending)
        else:
            cut = len(pending)
        if cut:
            out, counts = redactor.redact_utf8(bytes(pending[:cut]))
            dst.write(out)
            del pending[:cut]
            for kind, n in counts.items():
                totals[kind] = totals.get(kind, 0) + n
        if not chunk:
            break
    dst.flush()
    return totals


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="archiver redact",
        description="Redact PII (cards, SSNs, e-mails, phones, IBANs) from stdin to stdout, line by line.",
    )
    parser.add_argument(
        "--types",
        default=",".join(PII_TYPES),
        help=f"comma-separated PII types to redact (default: all of {','.join(PII_TYPES)})",
    )
    parser.add_argument(
        "--token", default=RedactConfig().token_format, help="replacement; {type} is the PII type"
    )
    parser.add_argument(
        "--mask-cards", action="store_true", help="PCI-style masking: keep the last 4 digits of card numbers"
    )
    parser.add_argument("--stats", action="store_true", help="print per-type counts to stderr at the end")
    return parser


def main(argv: list[str]) -> int:
    """Run the filter; exit status 0, or the ConfigError exit code for bad options."""
    args = _parser().parse_args(argv)
    types = tuple(t.strip().upper() for t in args.types.split(",") if t.strip())
    redactor = Redactor(
        RedactConfig(enabled_types=types, token_format=args.token, mask_cards_last4=args.mask_cards)
    )
    try:
        counts = redact_stream(redactor, sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # `archiver redact < big | head`: the reader left; not an error
        # point stdout at /dev/null so the interpreter's final flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.stats:
        total = sum(counts.values())
        lines = [f"{kind}\t{counts.get(kind, 0)}" for kind in PII_TYPES] + [f"TOTAL\t{total}"]
        print("\n".join(lines), file=sys.stderr)
    return 0
