"""The one combined RE2 candidate pattern, compiled once per process.

The pattern runs over UTF-8 bytes. pyre2 compiles bytes patterns in Latin-1 mode, so `\\b` and every class
here are ASCII; letters of other scripts in e-mail addresses are matched by their UTF-8 byte shapes.
Bytes, not str: pyre2 maps str offsets by re-walking the text for every match (quadratic), bytes are 60×
faster here. There are no capture groups: without them RE2 answers `finditer` from its DFA alone, about
twice as fast as with named groups; the kind of each candidate is plain from its first bytes.

Candidates are deliberately loose; `engine.py` confirms each one with the validators.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

from archiver.redact import context, spelled

# Letters of any script in e-mail addresses (EAI/IDN: `用户@例子.广告`, `иван@пример.рф`, `josé@…`),
# coarsely by UTF-8 byte shape: 2-byte U+00C0-U+07FF, the 3-byte letter blocks (Indic, Thai, Georgian,
# Hangul, CJK, kana…) and 4-byte planes 1-2 without the emoji block (\xf0\x9f). The blocks of spaces,
# dashes, quotes and CJK punctuation (U+2000-U+2BFF, U+3000-U+303F, full-width forms) are left out, so
# `（a@b.cn）` or `…a@b.cn。` ends where it should; the few punctuation marks inside letter blocks (`،`, `।`)
# are trimmed by the candidate check, which also requires every non-ASCII character to be a letter, mark
# or digit.
UNI_LETTER = (
    rb"[\xc3-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|\xe1[\x80-\xbf][\x80-\xbf]|\xe2[\xb0-\xbf][\x80-\xbf]"
    rb"|\xe3[\x81-\xbf][\x80-\xbf]|[\xe4-\xec][\x80-\xbf][\x80-\xbf]|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xef[\xa4-\xab][\x80-\xbf]|\xf0[\x90-\x9e\xa0-\xaf][\x80-\xbf][\x80-\xbf]"
)

_URL = rb"(?i:https?://|www\.)[^\s<>\"'\x00]+"
# Bounded parts (RFC 5321: local part ≤ 64, label ≤ 63): an unbounded local part would make every search
# inside a long `1234-5678-…` run scan to its end looking for an `@` (quadratic on hostile input).
_LOCAL_CHAR = rb"(?:[A-Za-z0-9._%+\-]|" + UNI_LETTER + rb")"
_EMAIL = (
    _LOCAL_CHAR + rb"(?:[A-Za-z0-9._%+\-']|" + UNI_LETTER + rb"){0,63}@"  # o'neil@…, never '…@
    # labels unbounded: a domain needs the `@` before it, so a search cannot start inside one (no quadratic
    # rescans), and bounded repeats of the multi-byte classes would blow the DFA's memory budget
    rb"(?:(?:(?:[A-Za-z0-9]|" + UNI_LETTER + rb")(?:[A-Za-z0-9\-]|" + UNI_LETTER + rb")*\.)+"
    # punycode first: leftmost-first would otherwise stop at the `xn` of `xn--…`
    rb"(?:xn--[A-Za-z0-9\-]{1,59}\b|[A-Za-z]{2,24}\b|(?:" + UNI_LETTER + rb"){1,24})"
    # RFC 5321 address literals: `john@[192.168.1.1]`, `john@[IPv6:2001:db8::1]`
    rb"|\[(?:\d{1,3}(?:\.\d{1,3}){3}|(?i:ipv6):[0-9A-Fa-f:.]{2,45})\])"
)
# a quoted local part, `"john doe"@example.com`: the quote starts the candidate, the `@` must follow it
_EMAIL_QUOTED = rb'"[^"\\\x00-\x1f@]{1,62}"@' + _EMAIL[_EMAIL.index(b"@") + 1 :]
# country code, check digits, then groups of four (space- or dash-separated or not) and a short last group
_IBAN = rb"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4}){2,8}(?:[ \-]?[A-Za-z0-9]{1,3})?"
# `+` and country code; a parenthesised trunk or area part may appear once, e.g. +44 (0)20 7946 0958
_INTL = (
    rb"\+\d(?:[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d){6,17}"
    rb"|\(\+\d{1,4}\)(?:[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d){6,15}"  # (+44) 20 7946 0958
    # the international call prefix instead of `+`: 0044 20 7946 0958, 011 44 20 7946 0958 (from the US);
    # a separator after the country code is required, so a bare `00…` digit run stays an identifier
    rb"|\b(?:00[1-9]\d{0,3}|011[ .\-]\d{1,4})[ .\-](?:\(\d{1,4}\)[ .\-]?)?\d"
    rb"(?:[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d){5,16}"
)
# North American numbers with the area code in parentheses, optionally with a leading 1
_PAREN = rb"(?:\b1[ .\-]?)?\(\d{3}\)[ .\-]?\d{3}[ .\-]?\d{4}"
# Digit shapes that can be PII; each starts at a word boundary. Dates, times, IPs, ZIP+4, versions and
# 20+ digit tracking numbers fit none of them, so they never reach Python at all.
_NUM = (
    rb"\b(?:"
    rb"\d{9,19}\b"  # contiguous: bare SSN, NANP, card (a longer run has no boundary inside: no match)
    rb"|\d{10,11}(?i:x|ext\.?)\d{1,6}\b"  # a contiguous NANP number with its extension glued on
    rb"|\d{4}(?:[ .\-]\d{4}){2,4}(?:[ .\-]\d{1,4})?"  # fours: cards (+ a stray group), tracking numbers
    rb"|\d{4}[ .\-]\d{6}[ .\-]\d{4,5}"  # Amex 4-6-5, Diners 4-6-4
    rb"|\d{8}[ .\-]\d{8}\b"  # a card typed 8-8
    rb"|\d{4}(?:  \d{4}){3,4}(?:  \d{1,4})?"  # fours with doubled spaces (a copy-paste)
    rb"|\d{3}[ .\-]\d{2}[ .\-]\d{4}"  # SSN
    rb"|(?:1[ .\-]?)?\d{3}[ .\-]\d{3}[ .\-]\d{4}"  # NANP, maybe with the 1 prefix
    rb")"
)

# Order matters: RE2 is leftmost-first, so at one position a URL wins over an e-mail inside it, and an
# e-mail over the digits of its local part.
# The phone context words come last: a candidate starting at the same letter (`phone@x.com`) is the other.
OUTER_SOURCE = b"|".join(
    (_URL, _EMAIL_QUOTED, _EMAIL, _IBAN, _INTL, _PAREN, _NUM, spelled.SOURCE, context.SOURCE)
)
INNER_SOURCE = b"|".join((_EMAIL, _IBAN, _INTL, _PAREN, _NUM))  # for the inside of a URL


def _compile(source: bytes, max_mem: int = 64 << 20) -> Any:
    # Never let pyre2 silently fall back to the slow stdlib engine: a pattern RE2 rejects is a bug.
    re2.set_fallback_notification(re2.FALLBACK_EXCEPTION)
    # RE2's default 8 MB budget is shared by the forward and reverse DFAs; when hostile text (long digit
    # tables, mixed scripts) exhausts it RE2 prints "DFA out of memory" and falls back to the slow NFA
    return re2.compile(source, max_mem=max_mem)


OUTER = _compile(OUTER_SOURCE)
INNER = _compile(INNER_SOURCE)


@lru_cache(maxsize=16)
def outer_with(extra: bytes) -> Any:
    """The combined pattern with the cue, shape and operator alternatives `extra` (see shapes.py).

    They come after the five original types, so at one start position those win (leftmost-first), and
    before the phone context words, whose candidates are only a first look.
    """
    if not extra:
        return OUTER
    parts = (_URL, _EMAIL_QUOTED, _EMAIL, _IBAN, _INTL, _PAREN, _NUM, spelled.SOURCE, extra, context.SOURCE)
    # With every type the automaton has many more states: at 64 MB its cache kept being flushed on a
    # varied 12 MB chat corpus (6 MB/s once warm); at 256 MB it stays warm (27 MB/s). Memory is taken
    # lazily, as states are built.
    return _compile(b"|".join(parts), 256 << 20)
