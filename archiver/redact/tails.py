"""The values customers paste right after another one, without a cue word of their own.

`4111 1111 1111 1111 04/27 123`, `…1111, exp 04/2027, cvv 123`: once the walk has confirmed a card, the few
bytes after it are matched here (one anchored `re` match per value, never a scan of the text). The same
holds after a card's expiry or code (`cvv 123 04/27`, `exp 04/27 123`), after a UK sort code, whose
account number customers give with it (`sort code 12-34-56 12345678`), after a phone number, a second one
joined by `or` (`646.525.7606 or 07955 622495`), and after an e-mail a login cue introduces, whose password
customers type next (`login: x@y.com / correcthorse`). A lone code after a card must have the card's length
(3 digits; 4 after an Amex number). PCI DSS forbids keeping the expiry or the code.
"""

from __future__ import annotations

import re

from archiver.redact.context import number_at
from archiver.redact.ids import MONTH_WORD, expiry_ok, password_chosen
from archiver.redact.wordlists import PASSWORD_WORDS

_EXP_CUE = (
    rb"(?:(?i:exp(?:iry|iration|ires|iring)?(?: date)?|valid(?: thru| through| until)?|good thru|vence|vto"
    rb"|caduca|expire|g\xc3\xbcltig bis|ablauf(?:datum)?)\.?[ \t]*:?[ \t]*)"
)
_CODE_CUE = rb"(?:(?i:cvv2?|cvc2?|cid|csc|code|security code|cryptogramme|pr\xc3\xbcfnummer)[ \t]*:?[ \t]*)"
_ACCOUNT_CUE = rb"(?:(?i:acc(?:oun)?t?|a/c)\.?(?:[ \t]*(?i:no|number|num|nr)\.?)?[ \t]*:?[ \t]*)"
# `, `, ` / `, ` - ` (a dash between spaces: `4111-1111-…` is the card's own), or one line break (the card,
# its expiry and its code pasted on lines of their own)
_SEP = rb"[ \t]*(?:[,;/|]|(?<=[ \t])(?:-|\xe2\x80\x93)(?=[ \t])|\r?\n)?[ \t]*"
_PASS_CUE = rb"(?i:pass(?:word|wd)?|pwd|pw|contrase\xc3\xb1a|clave|mot de passe|mdp|passwort|kennwort)\b"
_PASS_WORD = re.compile(_PASS_CUE + rb"[:=]?")
# an e-mail given as a login: the password may follow it with no cue of its own
_LOGIN_BEFORE = re.compile(
    rb"(?i)\b(?:log-?in|sign-?in|user(?:name)?|user id|credentials|creds|usuario|credenciales|identifiants?"
    rb"|benutzer(?:name)?|zugangsdaten|anmeldung)\b[^\n\x00]{0,12}$"
)
_AND = rb"(?:(?i:and|&|y|et|und)[ \t]+)?(?:(?i:the)[ \t]+)?"  # `… and the code 123`
_IS = rb"(?:(?i:is)[ \t]+)?"
_EXPIRY = (
    rb"(?:(?:0?[1-9]|1[0-2])[ \t]?[/\-][ \t]?(?:20\d{2}|\d{2})"
    # `april 2027`, `Apr/27`, `Apr '27`: a month's name (a bare two-digit number after it is a day)
    rb"|" + MONTH_WORD + rb"\.?(?:[ \t]?[/\-'][ \t]?\d{2}|(?:[ \t]+de)?[ \t]?[/\-]?[ \t]?20\d{2})\b)"
)
# `4125-0826-7538-1412 0328 987`: after a card, MMYY without a separator too (kept only when a code follows)
_CARD_EXPIRY = rb"(?:" + _EXPIRY + rb"|(?:0[1-9]|1[0-2])[2-4]\d)"
_CODE = rb"\d{3,4}"
# what may follow each type, and the type of each named value: e expiry, c code (after the expiry), k code,
# x expiry (after the code), a account
_TAILS = {
    "CREDIT_CARD": re.compile(
        _SEP
        + _EXP_CUE
        + rb"?(?P<e>"
        + _CARD_EXPIRY
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
    # `user x@y.com pass correcthorse`, `login: x@y.com / correcthorse`, `credentials x@y.com Bella2019`
    "EMAIL": re.compile(
        rb"(?:[ \t]*(?P<slash>[/|])[ \t]*|[ \t]*[,;]?[ \t]+)(?P<cue>" + _PASS_CUE + rb"[ \t]*[:=]?[ \t]*)?"
        rb"(?P<p>[^\s\x00:=][^\s\x00]{0,63})"
    ),
    "UK_SORT_CODE": re.compile(_SEP + _AND + _ACCOUNT_CUE + rb"?" + _IS + rb"(?P<a>\d{6,10})\b"),
    # `my password was Hunter2 but now its Hunter3`: the new one, when it looks chosen (password_chosen)
    "PASSWORD": re.compile(
        rb"[ \t]*[,;.]?[ \t]+(?:(?i:but|and|so)[ \t]+)?(?:(?i:now|then)[ \t]+)?"
        rb"(?i:it's|its|it\xe2\x80\x99s|it is)[ \t]+(?:(?i:now)[ \t]+)?(?P<q>[^\s\x00]{1,64})"
    ),
}
_TYPES = {
    "p": "PASSWORD",
    "e": "CARD_EXPIRY",
    "x": "CARD_EXPIRY",
    "c": "CARD_CVV",
    "k": "CARD_CVV",
    "a": "BANK_ACCOUNT",
    "q": "PASSWORD",
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
_GLUED = re.compile(rb"[\-./:]?\d|[A-Za-z]")
_DATE_ON = re.compile(rb"[/\-.]\d")
# `09/12/2022`, `09/12/22`: a date goes on with its year (`…5046/11/28/261`: a code goes on with 3 digits)
_YEAR_ON = re.compile(rb"[/\-.](?:\d{2}|(?:19|20)\d{2})\b")

Span = tuple[int, int, str]


def tail_sources(enabled: frozenset[str]) -> frozenset[str]:
    """The enabled types whose tails hold an enabled type (the walk looks after those only)."""
    return frozenset(
        kind
        for kind, tail in _TAILS.items()
        if kind in enabled and any(_TYPES.get(g) in enabled for g in tail.groupindex)
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
    if hit[2] == "EMAIL":
        return _password_after(data, hit, m, enabled)
    code_len = (4 if data[hit[0] : hit[0] + 2] in (b"34", b"37") else 3) if hit[2] == "CREDIT_CARD" else 0
    groups = m.groupdict()
    mmyy = groups.get("e")
    if mmyy is not None and mmyy.isdigit() and not _mmyy_ok(data, hit[1], m, code_len):
        return []
    # a month's name right after a card is as often a statement's or a charge's month (`… - may 2026
    # statement`): an expiry with its cue (`… expiring april 2027`) or a code after it
    # (the code may be a hit of its own, past `limit`: `… Sept 2030 cvv 123`)
    if (
        mmyy is not None
        and mmyy[:1].isalpha()
        and not _LETTER.search(data, hit[1], m.start("e"))
        and not _CODE_NEXT.match(data, m.end("e"))
    ):
        return []
    found: list[Span] = []
    for group, value in groups.items():
        if value is None:
            continue
        if _YEAR_ON.match(data, m.end(group)):
            return []  # `09/12/2022`: a date, not an expiry and a code
        kind = _TYPES[group]
        if kind not in enabled:
            continue
        if kind == "CARD_EXPIRY" and not expiry_ok(value):
            continue
        if kind == "PASSWORD" and not password_chosen(value):
            continue  # (`password was wrong, it's fine now`)
        # a lone code after a card has the card's length; after the card's expiry (`… 10-31 0681`) any code
        # of 3-4 digits is kept out of the archive (PCI data all the same)
        if group == "k" and code_len and len(value) != code_len:
            continue
        found.append((m.start(group), m.end(group), kind))
    return sorted(found)


def _mmyy_ok(data: bytes, end: int, m: re.Match[bytes], code_len: int) -> bool:
    """MMYY after a card (`… 0328 987`, `…, 1229`, `…4265/0927/0903`, `… - 0427, 2755`): before a 3-digit
    code or the card's own, or with a sign around it; on a line of its own after the card's line, with the
    line's last code, or before a code on the next line; in a table of fours (`… 1227 4567`, a line of
    fours under the card) four digits after a card are the next group."""
    code = m.group("c")
    if code is not None and len(code) in (3, code_len):
        return True
    before = data[end : m.start("e")]
    after = b"" if code is None else data[m.end("e") : m.start("c")]
    if _MORE.match(data, m.end()):
        return False  # (`… - 1227 - 4567 - 8901`: a run of fours goes on)
    if _SIGNED.search(before) or _SIGNED.search(after) or b"\n" in after:
        return True
    return b"\n" in before and (code is None or _LINE_END.match(data, m.end()) is not None)


_MORE = re.compile(_SEP + rb"\d")
_SIGNED = re.compile(rb"[,;/|\-]|\xe2\x80\x93")
_LETTER = re.compile(rb"[A-Za-z]")
_CODE_NEXT = re.compile(_SEP + _CODE_CUE + rb"?" + _CODE + rb"\b")
_LINE_END = re.compile(rb"[ \t.!]*(?:\r?\n|\x00|$)")


def _password_after(data: bytes, hit: Span, m: re.Match[bytes], enabled: frozenset[str]) -> list[Span]:
    """The password after an e-mail that a login cue introduces: after `pass`/`password` or `/`
    (`my login is x@y.com / correcthorse`), or a token that looks chosen (`credentials x@y.com Bella2019`)."""
    value = m.group("p")
    if _PASS_WORD.fullmatch(value):  # `… password: ` with its value found already (a hit of its own)
        return []
    if "PASSWORD" not in enabled or value.lower().rstrip(b".,!:") in PASSWORD_WORDS:
        return []
    if _LOGIN_BEFORE.search(data, max(0, hit[0] - 40), hit[0]) is None:
        return []  # (`email me at x@y.com / call me`: no login)
    if m.group("cue") is None and m.group("slash") is None and not password_chosen(value):
        return []
    return [(m.start("p"), m.end("p"), "PASSWORD")]


def phones_after(data: bytes, hit: Span, limit: int) -> list[Span]:
    """The numbers joined to phone `hit` by `or`/`and` (in four languages) or `/` (none past `limit` or a
    NUL): national ones, or in the first one's groups (`_PHONE_JOIN`)."""
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
