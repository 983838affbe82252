"""The values customers paste right after another one, without a cue word of their own.

`4111 1111 1111 1111 04/27 123`, `…1111, exp 04/2027, cvv 123`: once the walk has confirmed a card, the few
bytes after it are matched here (one anchored `re` match per value, never a scan of the text). The same
holds after a card's expiry or code (`cvv 123 04/27`, `exp 04/27 123`) and after a UK sort code, whose
account number customers give with it (`sort code 12-34-56 12345678`), and after a phone number, a second
one joined by `or` (`646.525.7606 or 07955 622495`). A lone code after a card must have the card's length (3
digits; 4 after an Amex number). PCI DSS forbids keeping the expiry or the code.
"""

from __future__ import annotations

import re

from archiver.redact.context import number_at
from archiver.redact.ids import expiry_ok

_EXP_CUE = (
    rb"(?:(?i:exp(?:iry|iration|ires)?(?: date)?|valid(?: thru| through| until)?|good thru|vence|vto|caduca"
    rb"|expire|g\xc3\xbcltig bis|ablauf(?:datum)?)\.?[ \t]*:?[ \t]*)"
)
_CODE_CUE = rb"(?:(?i:cvv2?|cvc2?|cid|csc|code|security code|cryptogramme|pr\xc3\xbcfnummer)[ \t]*:?[ \t]*)"
_ACCOUNT_CUE = rb"(?:(?i:acc(?:oun)?t?|a/c)\.?(?:[ \t]*(?i:no|number|num|nr)\.?)?[ \t]*:?[ \t]*)"
_SEP = rb"[ \t]*[,;/|]?[ \t]*"
_AND = rb"(?:(?i:and|&|y|et|und)[ \t]+)?(?:(?i:the)[ \t]+)?"  # `… and the code 123`
_IS = rb"(?:(?i:is)[ \t]+)?"
_EXPIRY = rb"(?:0?[1-9]|1[0-2])[ \t]?[/\-][ \t]?(?:20\d{2}|\d{2})"
_CODE = rb"\d{3,4}"
# what may follow each type, and the type of each named value: e expiry, c code (after the expiry), k code,
# x expiry (after the code), a account
_TAILS = {
    "CREDIT_CARD": re.compile(
        _SEP
        + _EXP_CUE
        + rb"?(?P<e>"
        + _EXPIRY
        + rb")\b(?:"
        + _SEP
        + _CODE_CUE
        + rb"?(?P<c>"
        + _CODE
        + rb")\b)?"
        rb"|"
        + _SEP
        + _CODE_CUE
        + rb"?(?P<k>"
        + _CODE
        + rb")\b(?:"
        + _SEP
        + _EXP_CUE
        + rb"?(?P<x>"
        + _EXPIRY
        + rb")\b)?"
    ),
    "CARD_EXPIRY": re.compile(_SEP + _AND + _CODE_CUE + rb"?" + _IS + rb"(?P<k>" + _CODE + rb")\b"),
    "CARD_CVV": re.compile(_SEP + _AND + _EXP_CUE + rb"?" + _IS + rb"(?P<x>" + _EXPIRY + rb")\b"),
    "UK_SORT_CODE": re.compile(_SEP + _AND + _ACCOUNT_CUE + rb"?" + _IS + rb"(?P<a>\d{6,10})\b"),
}
# a second phone number joined to one the walk found (`reach me on 646.525.7606 or 07955 622495`, `… / 06 12
# 34 56 78`, `or on …`): the context word that made the first a phone says what the second is too. A national
# number (a trunk `0` first; a `+` or NANP one is found by the walk alone) or one typed in the first's groups
# (`móvil 612 345 678 o 912 345 678`), and only after `or`/`and`/`/`: after a comma a number is as often
# something else (`mobile: +34 672 594 144, 0498 6256 - …`)
_PHONE_JOIN = re.compile(
    rb"(?:[ \t]{1,3}\([A-Za-z]{1,12}\))?"  # `020 7946 0958 (work) or …`
    rb"(?:[ \t]{0,3}/[ \t]{0,3}|[ \t]{1,3}(?i:or|o|ou|oder|and|y|et|und)[ \t]{1,3})"
    rb"(?:(?i:on|at|al|au|am|an)[ \t]{1,3})?(?=\(?\d)"
)
_GROUPS = re.compile(rb"\d+")
_TYPES = {"e": "CARD_EXPIRY", "x": "CARD_EXPIRY", "c": "CARD_CVV", "k": "CARD_CVV", "a": "BANK_ACCOUNT"}
_GLUED = re.compile(rb"[\-./:]?\d|[A-Za-z]")
_DATE_ON = re.compile(rb"[/\-.]\d")

Span = tuple[int, int, str]


def tail_sources(enabled: frozenset[str]) -> frozenset[str]:
    """The enabled types whose tails hold an enabled type (the walk looks after those only)."""
    return frozenset(
        kind
        for kind, tail in _TAILS.items()
        if kind in enabled and any(_TYPES[g] in enabled for g in tail.groupindex)
    ) | ({"PHONE"} & enabled)


def tail_after(data: bytes, hit: Span, limit: int, enabled: frozenset[str]) -> list[Span]:
    """The values pasted right after `hit` (none past `limit` or a NUL), in order."""
    tail = _TAILS.get(hit[2])
    if tail is None or (hit[2] != "CREDIT_CARD" and _DATE_ON.match(data, hit[1])):
        return []  # (`exp date of birth 12/03/1985`: `12/03` goes on as a date, no code follows it)
    nul = data.find(b"\x00", hit[1], limit)
    m = tail.match(data, hit[1], limit if nul < 0 else nul)
    if m is None or m.end() == hit[1] or _GLUED.match(data, m.end()):
        return []
    code_len = (4 if data[hit[0] : hit[0] + 2] in (b"34", b"37") else 3) if hit[2] == "CREDIT_CARD" else 0
    found: list[Span] = []
    for group, value in m.groupdict().items():
        if value is None:
            continue
        nxt = data[m.end(group) : m.end(group) + 2]
        if nxt[:1] in (b"/", b"-", b".") and nxt[1:].isdigit():
            return []  # `09/12/2022`: a date, not an expiry and a code
        kind = _TYPES[group]
        if kind not in enabled:
            continue
        if kind == "CARD_EXPIRY" and not expiry_ok(value):
            continue
        if kind == "CARD_CVV" and code_len and len(value) != code_len:
            continue
        found.append((m.start(group), m.end(group), kind))
    return sorted(found)


def phones_after(data: bytes, hit: Span, limit: int) -> list[Span]:
    """The national numbers joined to phone `hit` by `or`, `,` or `/` (none past `limit` or a NUL)."""
    nul = data.find(b"\x00", hit[1], limit)
    limit = limit if nul < 0 else nul
    found: list[Span] = []
    end = hit[1]
    shape = [len(g) for g in _GROUPS.findall(data, hit[0], hit[1])]
    while (m := _PHONE_JOIN.match(data, end, limit)) is not None:
        span = number_at(data, m.end())
        if span is None or span[1] > limit:
            break
        national = data[span[0]] == 0x30 or data[span[0] : span[0] + 2] == b"(0"
        if not national and [len(g) for g in _GROUPS.findall(data, *span)] != shape:
            break
        found.append((*span, "PHONE"))
        end = span[1]
    return found


def tails(data: bytes, hits: list[Span], enabled: frozenset[str]) -> list[Span]:
    """`hits` with the values found right after each (where no other hit is)."""
    out: list[Span] = []
    for i, hit in enumerate(hits):
        out.append(hit)
        limit = hits[i + 1][0] if i + 1 < len(hits) else len(data)
        if hit[2] in _TAILS:
            out += tail_after(data, hit, limit, enabled)
        elif hit[2] == "PHONE":
            out += phones_after(data, hit, limit)
    return out
