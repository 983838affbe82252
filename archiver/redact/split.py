"""A card number sent in pieces, one message each: `4111 1111`, then `1111 1111`.

Customers who do not want to paste a whole card number send it in chunks. Each chunk alone is an
unremarkable number, so the walk over one text cannot see it. A run of up to four consecutive texts that
each hold nothing but digit groups is read as one number; when it is a valid card (13-19 digits, Luhn,
a brand prefix), every piece is replaced by the card token. Only number-only texts take part, so a chance
match costs at most a few bare numbers, never words.
"""

from __future__ import annotations

import re

from archiver.redact.validators import card_brand_ok, luhn_ok

_PIECE = re.compile(r"[ \t]*\d{1,8}(?:[ .\-]\d{1,8}){0,3}[ \t.,]*")
_FIRST = frozenset("0123456789 \t")
_NOT_DIGIT = re.compile(r"\D")
_MAX_PIECES = 4


def card_pieces(texts: list[str]) -> list[list[int]]:
    """Runs of indices of `texts` whose number-only texts join into a valid card number."""
    # cheap first look: short texts starting with a digit or a space (most texts are neither)
    pieces = [
        i for i, t in enumerate(texts) if len(t) <= 40 and t[:1] in _FIRST and _PIECE.fullmatch(t) is not None
    ]
    runs: list[list[int]] = []
    k = 0
    while k < len(pieces):
        run = [pieces[k]]
        while len(run) < _MAX_PIECES and k + len(run) < len(pieces) and pieces[k + len(run)] == run[-1] + 1:
            run.append(pieces[k + len(run)])
        found = _card_window(texts, run)  # (a prefix of run, which is pieces[k : k + len(run)])
        if found:
            runs.append(found)
        k += len(found) or 1
    return runs


def _card_window(texts: list[str], run: list[int]) -> list[int]:
    """The longest run of two or more pieces from run[0] that is a card, else []."""
    digits = ""
    best: list[int] = []
    for n, i in enumerate(run):
        digits += _NOT_DIGIT.sub("", texts[i])
        if n and 13 <= len(digits) <= 19:
            raw = digits.encode()
            if luhn_ok(raw) and card_brand_ok(raw):
                best = run[: n + 1]
        if len(digits) > 19:
            break
    return best
