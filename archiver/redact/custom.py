"""Operator-defined patterns (`[[redaction.custom]]`): compiled into the same combined RE2 pattern.

Each entry has a `name` (its type and token, e.g. `EMPLOYEE_ID`), an RE2 `pattern`, optional `cues` (words
that must precede the value, as for the built-in cue types) and an optional `validator` (`luhn`, `mod97`).
Checked once at start: a pattern RE2 rejects, one with capturing groups or that can match the empty
string, a name that clashes with a built-in type or another entry, or an unknown validator stops the start
with a ConfigError naming the entry. See docs/redaction.md.
"""

from __future__ import annotations

import re

import msgspec
import re2

from archiver.errors import ConfigError
from archiver.redact.cues import GAP, words
from archiver.redact.validators import PII_TYPES

VALIDATORS = ("", "luhn", "mod97")
_NAME = re.compile(r"[A-Z][A-Z0-9_]{1,39}")


class CustomPattern(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One operator pattern; see the module docstring."""

    name: str
    pattern: str
    cues: tuple[str, ...] = ()
    validator: str = ""


def check(entries: tuple[CustomPattern, ...]) -> None:
    """Raise ConfigError naming the first bad entry (`redaction.custom[i]`)."""
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        key = f"redaction.custom[{i}] ({entry.name or 'no name'})"
        if not _NAME.fullmatch(entry.name):
            raise ConfigError(
                key, f"name {entry.name!r} is not an upper-case identifier", "use e.g. EMPLOYEE_ID"
            )
        if entry.name in PII_TYPES or entry.name in seen:
            what = "a built-in type" if entry.name in PII_TYPES else "another custom entry"
            raise ConfigError(key, f"name {entry.name!r} clashes with {what}", "choose another name")
        seen.add(entry.name)
        if entry.validator not in VALIDATORS:
            raise ConfigError(
                key, f"unknown validator {entry.validator!r}", "use luhn, mod97 or leave it out"
            )
        try:
            compiled = re2.compile(entry.pattern.encode())
        except Exception as exc:  # pyre2 raises re2.error or its fallback's re.error
            raise ConfigError(key, f"RE2 rejects the pattern ({exc})", "write it in RE2 syntax") from exc
        if compiled.groups:
            raise ConfigError(key, "the pattern has capturing groups", "use (?:…) instead of (…)")
        if compiled.fullmatch(b"") is not None or compiled.match(b"") is not None:
            raise ConfigError(key, "the pattern can match the empty string", "require at least one character")
        if any(not c.strip() for c in entry.cues):
            raise ConfigError(key, "an empty cue word", "remove it")


def source(entry: CustomPattern) -> bytes:
    """The entry as an alternative (cue group `c`, value group `v`, as in cues.py)."""
    value = b"(?P<v>(?:" + entry.pattern.encode() + b"))"
    if entry.cues:
        return b"(?P<c>" + words(*entry.cues) + b")" + GAP + value
    return value
