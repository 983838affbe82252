"""Security scan: search everything the worker emitted (logs, /metrics pages, its SQLite files) for secrets,
bearer tokens, the storage key, planted PII and message text. Findings name the kind and the file, never the
value, so the report itself leaks nothing.

Tens of thousands of needles over megabytes: one `bytes.find` per needle would take minutes, so the scan
slides a k-byte window over each file, looks the window up in a set of needle prefixes, and compares the
full needle only on a prefix hit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import msgspec

MIN_TEXT_CHARS = 16  # shorter message texts ("hi", "thanks") are not evidence of a leak anywhere
MIN_NEEDLE_BYTES = 8


class Finding(msgspec.Struct, frozen=True):
    """A needle of `kind` found in `file` at byte `offset` (the value itself is deliberately absent)."""

    kind: str
    file: str
    offset: int


def _fold_digits(value: str) -> str:
    """Non-ASCII decimal digits → ASCII; other characters unchanged."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in value)


def pii_variants(value: str) -> set[str]:
    """The value as planted, lower-cased, with ASCII digits, and as its bare digit run (≥ 9 digits)."""
    out = {value, value.lower(), _fold_digits(value), _fold_digits(value).lower()}
    digits = "".join(c for c in _fold_digits(value) if c.isdigit())
    if len(digits) >= 9:
        out.add(digits)
    return {v for v in out if len(v.encode()) >= MIN_NEEDLE_BYTES}


def build_needles(
    *,
    secrets: Mapping[str, Iterable[str]],
    planted_pii: Iterable[str],
    message_texts: Iterable[str],
) -> dict[str, set[str]]:
    """kind → values to look for. `secrets` maps e.g. "client secret" → [value]."""
    needles: dict[str, set[str]] = {k: {v for v in vs if v} for k, vs in secrets.items()}
    pii: set[str] = set()
    for value in planted_pii:
        pii |= pii_variants(value)
    needles["planted PII"] = pii
    needles["message text"] = {t for t in message_texts if len(t.strip()) >= MIN_TEXT_CHARS}
    return needles


def scan_bytes(data: bytes, needles: Mapping[str, set[str]], label: str) -> list[Finding]:
    """Every (kind, offset) at which some needle occurs in `data`."""
    encoded: dict[bytes, str] = {}
    for kind, values in needles.items():
        for v in values:
            b = v.encode("utf-8", "surrogatepass")
            if len(b) >= MIN_NEEDLE_BYTES:
                encoded.setdefault(b, kind)
    if not encoded or not data:
        return []
    k = min(MIN_NEEDLE_BYTES, *(len(b) for b in encoded))
    by_prefix: dict[bytes, list[bytes]] = {}
    for b in encoded:
        by_prefix.setdefault(b[:k], []).append(b)
    found: list[Finding] = []
    for i in range(len(data) - k + 1):
        cands = by_prefix.get(data[i : i + k])
        if cands is None:
            continue
        for b in cands:
            if data.startswith(b, i):
                found.append(Finding(encoded[b], label, i))
    return found


def scan_files(files: Iterable[Path], needles: Mapping[str, set[str]]) -> list[Finding]:
    """Scan each file whole (binary: SQLite pages and WAL frames are searched as raw bytes)."""
    found: list[Finding] = []
    for path in files:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        found += scan_bytes(data, needles, path.name)
    return found
