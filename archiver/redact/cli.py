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

# one example per type for `--list-types` (each is redacted by the default configuration: see the tests)
EXAMPLES = {
    "CREDIT_CARD": "card 4111 1111 1111 1111",
    "US_SSN": "ssn 123-45-6789",
    "EMAIL": "jane.doe@example.com",
    "PHONE": "(415) 555-0132",
    "IBAN": "DE89 3704 0044 0532 0130 00",
    "CARD_CVV": "cvv 123",
    "CARD_EXPIRY": "exp 04/27",
    "PIN": "PIN 4821",
    "PASSWORD": "my password is Hunter2!",
    "DATE_OF_BIRTH": "date of birth 12/03/1985",
    "IP_ADDRESS": "192.168.10.24",
    "UK_NINO": "NI number QQ 12 34 56 C",
    "CA_SIN": "SIN 046 454 286",
    "US_ITIN": "ITIN 912-78-1234",
    "AU_TFN": "TFN 123 456 782",
    "BANK_ROUTING": "routing 021000021",
    "BANK_ACCOUNT": "account 123456789012",
    "UK_SORT_CODE": "sort code 12-34-56",
    "POSTAL_CODE": "postcode SW1A 1AA",
    "PASSPORT": "passport 123456789",
    "DRIVER_ID": "driver's license D123-4567-8901",
    "PERSON_NAME": "my name is Jane Doberman",
    "STREET_ADDRESS": "42 Elm Street, Springfield IL 62704",
}
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
        description="Redact PII (cards and their codes, national ids, bank details, credentials, dates of "
        "birth, IPs, names, addresses, e-mails, phones …) from stdin to stdout, line by line.",
    )
    parser.add_argument(
        "--types",
        default=None,
        help="comma-separated PII types to redact (default: every type, and the config's custom ones)",
    )
    parser.add_argument(
        "--list-types", action="store_true", help="print each type with an example, then exit"
    )
    parser.add_argument("--config", default=None, help="TOML config file: its [redaction] settings apply")
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
    if args.list_types:
        print("\n".join(f"{kind:<16}{EXAMPLES[kind]}" for kind in PII_TYPES))
        return 0
    base = RedactConfig()
    if args.config is not None:
        from archiver.config import load_config, redact_config

        base = redact_config(load_config(args.config))
    types = base.enabled_types
    if args.types is not None:
        types = tuple(t.strip().upper() for t in args.types.split(",") if t.strip())
    custom = tuple(c for c in base.custom if args.types is None or c.name in types)
    token = args.token if args.token != RedactConfig().token_format else base.token_format
    redactor = Redactor(
        RedactConfig(
            enabled_types=tuple(t for t in types if t not in {c.name for c in base.custom}),
            token_format=token,
            mask_cards_last4=args.mask_cards or base.mask_cards_last4,
            custom=custom,
        )
    )
    try:
        counts = redact_stream(redactor, sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # `archiver redact < big | head`: the reader left; not an error
        # point stdout at /dev/null so the interpreter's final flush does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.stats:
        total = sum(counts.values())
        kinds = (*PII_TYPES, *(c.name for c in custom))
        lines = [f"{kind}\t{counts.get(kind, 0)}" for kind in kinds] + [f"TOTAL\t{total}"]
        print("\n".join(lines), file=sys.stderr)
    return 0
