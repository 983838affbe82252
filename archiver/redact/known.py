"""Known values: what the conversation itself says about the customer, redacted wherever it is written.

The customer participant's `name` and the participant attributes that hold personal data (the keys in
`redaction.known_value_attributes`; by default the web-chat pre-chat keys `context.firstName` … that many
deployments still set) are the exact values to look for. Every occurrence in that conversation's texts —
the full name, the first or last name alone (two letters or more, word-bounded), the e-mail, the phone
number with any separators, the street, city and postal code — is replaced by its type's token, case- and
accent-insensitively (`jose`, `JOSÉ` and `José` all match `José`). Agent names are added only with
`redaction.agent_names = true`.

One Python `re` alternation is compiled per conversation (cached for repeated calls with the same values);
it runs after the RE2 pass, over the texts of that one conversation only. See docs/redaction.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import msgspec

from archiver.config_model import KNOWN_VALUE_ATTRIBUTES

# the default attribute keys, defined once with the config key they default (redaction.known_value_attributes)
DEFAULT_ATTRIBUTES = KNOWN_VALUE_ATTRIBUTES
# the type a known value is replaced by, from its attribute key (case-insensitive substrings)
_KEY_TYPES = (
    ("email", "EMAIL"),
    ("mail", "EMAIL"),
    ("phone", "PHONE"),
    ("mobile", "PHONE"),
    ("postal", "POSTAL_CODE"),
    ("zip", "POSTAL_CODE"),
    ("street", "STREET_ADDRESS"),
    ("address", "STREET_ADDRESS"),
    ("city", "STREET_ADDRESS"),
)
KnownValue = tuple[str, str]  # (type, value)


class _Participant(msgspec.Struct, frozen=True):
    purpose: str | None = None
    name: str | None = None
    attributes: dict[str, str] | None = None


class _Conversation(msgspec.Struct, frozen=True):
    participants: list[_Participant] | None = None


_decoder = msgspec.json.Decoder(_Conversation)


def known_values(
    raws: list[bytes], attribute_keys: tuple[str, ...], agent_names: bool = False
) -> tuple[KnownValue, ...]:
    """The customer's (and optionally the agents') known values from raw conversation JSON payloads."""
    found: dict[KnownValue, None] = {}
    keys = {k.lower() for k in attribute_keys}
    for raw in raws:
        try:
            conv = _decoder.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue  # the record builder reports payload errors; known values are best effort
        for part in conv.participants or ():
            purpose = (part.purpose or "").lower()
            if (purpose == "customer" or (agent_names and purpose == "agent")) and part.name:
                found[("PERSON_NAME", part.name.strip())] = None
            if purpose != "customer":
                continue
            for key, value in (part.attributes or {}).items():
                if key.lower() in keys and isinstance(value, str) and value.strip():
                    found[(_type_of(key), value.strip())] = None
    return tuple(found)


def _type_of(key: str) -> str:
    low = key.lower()
    return next((kind for part, kind in _KEY_TYPES if part in low), "PERSON_NAME")


def fold(text: str) -> str:
    """Case- and accent-free form: NFKD, combining marks dropped, case-folded."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Per folded ASCII letter: a character class of every Latin letter that folds to it (é, É, è, ē …)."""
    table: dict[str, set[str]] = {}
    for cp in range(0x20, 0x250):
        ch = chr(cp)
        folded = fold(ch)
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            table.setdefault(folded, set()).update((ch, ch.upper(), ch.lower()))
    return {k: "[" + "".join(sorted(re.escape(c) for c in v)) + "]" for k, v in table.items()}


_MARKS = "[\u0300-\u036f]*"  # a decomposed accent after the letter
# `O'Brien` is typed `O’Brien` by phone keyboards (smart quotes) and `OBrien` by the hurried
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc`\u00b4")
_APOSTROPHE = "['\u2019\u2018\u02bc`\u00b4]?"
# `Smith-Jones`, `Smith Jones`, `Smith\u2011Jones` (a no-break hyphen)
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013")
_JOIN = "[\\s\\-\u2010\u2011\u2012\u2013]+"
_PHONE_SEP = r"[\s.\-()/]*"


def _letters(value: str) -> str:
    variants = _variants()
    out = []
    for ch in fold(value):
        if ch in variants:
            out.append(variants[ch] + _MARKS)
        elif ch.isspace() or ch in _HYPHENS:
            out.append(_JOIN)
        elif ch in _APOSTROPHES:
            out.append(_APOSTROPHE)
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _sources(kind: str, value: str) -> list[str]:
    if kind == "PHONE":
        digits = [c for c in value if c.isdigit()]
        if len(digits) < 7:
            return []
        # the national part (last 9 digits at most) with any separators, optionally behind a +/00 prefix
        tail = digits[-9:] if len(digits) > 9 else digits
        return [r"(?<!\d)" + _PHONE_SEP.join(tail) + r"(?!\d)"]
    if kind == "PERSON_NAME":
        # each word, and each part of a double-barrelled one (`O'Brien-Smith`: `O'Brien`, `Smith`)
        words = [w for w in re.split(r"[\s,]+", value) if w]
        parts = list(dict.fromkeys(p for w in words for p in (w, *re.split(r"[\-\u2010-\u2013]", w))))
        parts = [p for p in parts if len(fold(p).strip("'\u2019\u2018\u02bc`\u00b4")) >= 2]
        whole = [_letters(value)] if len(words) > 1 else []
        return whole + [_letters(w) for w in parts]
    if len(fold(value)) < 2:
        return []
    return [_letters(value)]


@lru_cache(maxsize=64)
def matcher(values: tuple[KnownValue, ...]) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """One compiled alternation for all of a conversation's values (longest first), and each group's type."""
    entries: list[tuple[str, str]] = []
    for kind, value in values:
        entries += [(kind, src) for src in _sources(kind, value)]
    if not entries:
        return None
    entries.sort(key=lambda e: -len(e[1]))
    pattern = "|".join(f"({src})" for _, src in entries)
    return re.compile(r"(?<![^\W_])(?:" + pattern + r")(?![^\W_])"), tuple(kind for kind, _ in entries)


def redact_known(
    texts: list[str], values: tuple[KnownValue, ...], tokens: dict[str, str], counts: dict[str, int]
) -> list[str]:
    """`texts` with every known value replaced by its type's token; `counts` updated."""
    compiled = matcher(values)
    if compiled is None:
        return texts
    pattern, kinds = compiled

    def replace(m: re.Match[str]) -> str:
        kind = kinds[(m.lastindex or 1) - 1]
        counts[kind] = counts.get(kind, 0) + 1
        return tokens[kind]

    return [pattern.sub(replace, t) for t in texts]
