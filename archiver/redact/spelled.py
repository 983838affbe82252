"""E-mail addresses written out to dodge filters: `jane dot doe at gmail dot com`, `jane[at]example[dot]org`.

Customers spell the `@` and the dots when a form or a chat refused the address, or out of habit. The RE2
alternative (`SOURCE`) finds a local part of up to four words joined by dots, an `at` in brackets or between
spaces, and a domain of two to five labels joined by dots; `spelled_email_ok` then keeps only what reads as
an address: the last label a known top-level domain, and, when the `at` is a plain word, a spelled or
bracketed dot somewhere or a well-known mail provider (`jane at gmail.com`), and a local part that is no
everyday word (`look at google dot com`, `meet at 5.30` stay).
"""

from __future__ import annotations

import re

_WORD = rb"[A-Za-z0-9_%+\-]{1,32}"
_DOT = rb"(?:[ \t]*[\[\(\{<][ \t]*(?i:dot)[ \t]*[\]\)\}>][ \t]*|[ \t]+(?i:dot)[ \t]+|\.)"
_AT = rb"(?:[ \t]*[\[\(\{<][ \t]*(?i:at)[ \t]*[\]\)\}>][ \t]*|[ \t]+(?i:at)[ \t]+)"
_LOCAL = _WORD + rb"(?:" + _DOT + _WORD + rb"){0,3}"
SOURCE = rb"\b" + _LOCAL + _AT + _WORD + rb"(?:" + _DOT + _WORD + rb"){1,4}\b"

_CANDIDATE = re.compile(SOURCE)
_PARTS = re.compile(rb"(?i)^(?P<local>.+?)" + _AT + rb"(?P<domain>.+)$")
_DOT_RE = re.compile(_DOT)
_SPELLED = re.compile(rb"(?i)[\[\(\{<][ \t]*(?:at|dot)|[ \t]dot[ \t]")
TLDS = frozenset(
    b"com net org edu gov mil int io co uk de fr es it nl be ch at au ca us info biz me ie in jp cn br mx"
    b" ru pl se no dk fi pt nz za ar cl pe eu cz sk hu ro gr tr il ae sg hk kr tw my ph id vn th lu"
    b" is".split()
)
PROVIDERS = frozenset(
    b"gmail googlemail yahoo hotmail outlook live msn icloud me mac aol proton protonmail pm gmx web mail"
    b" yandex zoho fastmail hey tutanota orange free wanadoo laposte sfr t-online freenet libero virgilio"
    b" btinternet sky ntlworld comcast verizon att sbcglobal bellsouth cox charter shaw rogers telus".split()
)
_EVERYDAY = frozenset(
    b"look looking looked meet meeting be been is are was were am me us him her them it this that here there"
    b" home work check checked see seen arrive arrived stay stayed live lives living based shop shopping buy"
    b" bought order ordered sign signed log logged go went get got pay paid available open closed office"
    b" store online site website one two three all least first last once now then".split()
)


def spelled_candidate(tok: bytes) -> bool:
    """Whether `tok` is a candidate of `SOURCE` (rather than a phone context word's, which may hold `at`)."""
    return _CANDIDATE.fullmatch(tok) is not None


def spelled_email_ok(tok: bytes) -> bool:
    """Whether a candidate of `SOURCE` reads as an e-mail address (see the module docstring)."""
    m = _PARTS.match(tok)
    if m is None:
        return False
    local, domain = m.group("local"), m.group("domain")
    labels = _DOT_RE.split(domain)
    if not labels[-1].isalpha() or labels[-1].lower() not in TLDS:
        return False
    if any(c in tok[m.end("local") : m.start("domain")] for c in b"[({<"):
        return True  # `jane[at]example.com`, `jane (at) example dot com`: nobody writes that by chance
    if _SPELLED.search(domain) is None and labels[0].lower() not in PROVIDERS:
        return False  # `meet at 5.30`, `I am at home.com`: a plain `at` and dots need a mail provider
    return _DOT_RE.split(local)[0].lower() not in _EVERYDAY  # `look at google dot com`
