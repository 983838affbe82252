"""The expiry date and security code customers paste right after a card number, without a cue word.

`4111 1111 1111 1111 04/27 123`, `…1111, exp 04/2027, cvv 123`: once the walk has confirmed a card, the few
bytes after it are matched here (one anchored `re` match per card, never a scan of the text). A lone code
must have the card's length (3 digits; 4 after an Amex number). PCI DSS forbids keeping either.
"""

from __future__ import annotations

import re

from archiver.redact.ids import expiry_ok

_EXP_CUE = (
    rb"(?:(?i:exp(?:iry|iration|ires)?(?: date)?|valid(?: thru| through| until)?|good thru|vence|vto|caduca"
    rb"|expire|g\xc3\xbcltig bis|ablauf(?:datum)?)\.?[ \t]*:?[ \t]*)"
)
_CODE_CUE = rb"(?:(?i:cvv2?|cvc2?|cid|csc|code|security code|cryptogramme|pr\xc3\xbcfnummer)[ \t]*:?[ \t]*)"
_SEP = rb"[ \t]*[,;/|]?[ \t]*"
_EXPIRY = rb"(?:0?[1-9]|1[0-2])[ \t]?[/\-][ \t]?(?:20\d{2}|\d{2})"
_TAIL = re.compile(
    _SEP + _EXP_CUE + rb"?(?P<e>" + _EXPIRY + rb")\b(?:" + _SEP + _CODE_CUE + rb"?(?P<c>\d{3,4})\b)?"
    rb"|" + _SEP + _CODE_CUE + rb"?(?P<k>\d{3,4})\b(?:" + _SEP + _EXP_CUE + rb"?(?P<x>" + _EXPIRY + rb")\b)?"
)
_GLUED = re.compile(rb"[\-./:]?\d|[A-Za-z]")

Span = tuple[int, int, str]


def card_tail_types(enabled: frozenset[str]) -> tuple[str, ...]:
    return tuple(t for t in ("CARD_EXPIRY", "CARD_CVV") if t in enabled)


def card_tails(data: bytes, hits: list[Span], enabled: tuple[str, ...]) -> list[Span]:
    """`hits` with the expiry and code found right after each card (where no other hit is)."""
    out: list[Span] = []
    for i, hit in enumerate(hits):
        out.append(hit)
        if hit[2] != "CREDIT_CARD":
            continue
        limit = hits[i + 1][0] if i + 1 < len(hits) else len(data)
        nul = data.find(b"\x00", hit[1], limit)
        m = _TAIL.match(data, hit[1], limit if nul < 0 else nul)
        if m is None or m.end() == hit[1]:
            continue
        if _GLUED.match(data, m.end()):
            continue
        amex = data[hit[0] : hit[0] + 2] in (b"34", b"37")
        found: list[Span] = []
        for group in ("e", "c", "k", "x"):
            value = m.group(group)
            if value is None:
                continue
            nxt = data[m.end(group) : m.end(group) + 2]
            if nxt[:1] in (b"/", b"-", b".") and nxt[1:].isdigit():
                found = []  # `09/12/2022`: a date, not an expiry and a code
                break
            if group in "ex":
                if expiry_ok(value) and "CARD_EXPIRY" in enabled:
                    found.append((m.start(group), m.end(group), "CARD_EXPIRY"))
            elif len(value) == (4 if amex else 3) and "CARD_CVV" in enabled:
                found.append((m.start(group), m.end(group), "CARD_CVV"))
        out += sorted(found)
    return out
