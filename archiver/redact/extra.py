"""Confirmation of the cue and shape candidates: which alternative a candidate is, then the type's checks.

The combined RE2 pattern holds every cue-word and shape alternative without capture groups. For a
candidate it returned, `Extra` looks up the alternatives its first word can start (a dict lookup), matches
only those with Python `re` on the candidate's own bytes (with the `c` cue and `v` value groups), and runs
the type's checks: the gap between cue and value must not name another thing, the value must not run on
into a longer token, and the value's own validator (ids.py) must pass. docs/redaction.md lists them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from archiver.redact import cues
from archiver.redact.context import word_forms
from archiver.redact.ids import (
    aba_ok,
    birth_date_ok,
    expiry_ok,
    itin_ok,
    nino_ok,
    password_chosen,
    sin_ok,
    tfn_ok,
)
from archiver.redact.names import BARE_NAME, bare_name_ok, name_context_ok, person_length
from archiver.redact.shapes import SHAPES, shape_span, unit_prefix
from archiver.redact.tails import tail_after
from archiver.redact.validators import card_brand_ok, iban_ok, luhn_ok, ssn_ok
from archiver.redact.wordlists import (
    EXPIRY_TIME_WORDS,
    NOT_BIRTH,
    OTHER_EXPIRING,
    OTHER_THING,
    PASSWORD_WORDS,
    SET_TO_WORDS,
)

_LETTERS = re.compile(rb"[A-Za-z]+")
_SPACE = re.compile(rb"[\s\x00]")
_QUOTED = re.compile(rb'"[^"\r\n\x00]{1,64}"|\xe2\x80\x9c[^\r\n\x00]{1,64}?\xe2\x80\x9d')
_SEP = re.compile(rb"[ \t\-/.]")
_DIGIT_GROUPS = re.compile(rb"(?:[ .\-]\d+)+")
_DIGIT_END = frozenset(b"0123456789)")
_GAP_ANSWERS = 4096  # gaps whose answer `Extra._gap_fits` keeps
Span = tuple[int, int, str]


class Alt(NamedTuple):
    """One alternative: its type, its source with the value group, and its cue words (empty: a shape)."""

    type: str
    source: bytes
    cues: tuple[str, ...] = ()
    validator: str | None = None  # operator patterns only: "", "luhn" or "mod97"


def re2_source(alts: list[Alt]) -> bytes:
    """The alternatives for the combined RE2 pattern: value groups made non-capturing."""
    return b"|".join(a.source.replace(b"(?P<v>", b"(?:").replace(b"(?P<c>", b"(?:") for a in alts)


def builtin_alts(enabled: frozenset[str]) -> list[Alt]:
    """Cue and shape alternatives of the enabled types, in order of preference."""
    alts = [Alt(kind, src, words) for kind, words, src in cues.ALTERNATIVES if kind in enabled]
    return alts + [Alt(kind, src) for kind, src in SHAPES if kind in enabled]


_KEY = re.compile(rb"[A-Za-z\x80-\xff]+")


def _key(word: bytes) -> bytes:
    m = _KEY.match(word)
    return b"" if m is None else m.group().lower()


class Extra:
    """Confirms candidates of the cue and shape alternatives.

    A candidate's first word picks the few cue alternatives it can belong to (a dict lookup); only those,
    or the shapes for its first byte, are matched with Python `re` on the candidate's own bytes.
    """

    def __init__(self, alts: list[Alt], enabled: frozenset[str]) -> None:
        self._alts = alts
        self._regexes = [re.compile(a.source) for a in alts]
        self._enabled = enabled
        self._by_word: dict[bytes, list[int]] = {}
        shapes: list[int] = []  # what any candidate may be: the shapes (indices into _regexes)
        # an operator pattern may start with a digit in any shape: digit-first candidates all come here
        self.any_digit_first = any(a.validator is not None and not a.cues for a in alts)
        builtin_shapes: list[int] = []
        for i, alt in enumerate(alts):
            if alt.cues:  # (an operator pattern's own pattern may start with anything: it is a shape too)
                for key in {_key(f.encode()) for w in alt.cues for f in word_forms(w)}:
                    self._by_word.setdefault(key, []).append(i)
            elif alt.validator is None:
                builtin_shapes.append(i)
            else:
                shapes.append(i)
        # The built-in shapes are tried as ONE alternation, at the pseudo-index len(alts): most candidates
        # tried against them are none (`call`, `number`, e-mails, IBANs, dates), and one `fullmatch` that
        # fails in every branch costs a fraction of one call per shape. Python tries the branches in order
        # and takes the first that matches the whole candidate, as the loop over them did; each branch is a
        # group, and the last group to close is the branch's own (its inner groups close before it).
        self._shape_of: dict[int, int] = {}
        if builtin_shapes:
            group = 1
            for i in builtin_shapes:
                self._shape_of[group] = i
                group += 1 + self._regexes[i].groups
            self._regexes.append(re.compile(b"|".join(b"(" + alts[i].source + b")" for i in builtin_shapes)))
            shapes.insert(0, len(alts))  # (operator patterns come after the built-in ones)
        self._shapes = shapes
        # the password alternatives whose token must look chosen (no connector: `password hunter2`), or
        # after a verb that sets it (`set the password to …`), where a plain word may go on the sentence
        self._strict = {
            i for i, a in enumerate(alts) if a.cues in (cues.BARE_PASSWORD_CUES, cues.MY_PASS_CUES)
        }
        self._set = {i for i, a in enumerate(alts) if a.cues == cues.SET_PASSWORD_CUES}
        self._pair = {i for i, a in enumerate(alts) if a.cues == cues.LOGIN_PAIR_CUES}
        # per first word: its cue alternatives, then the shapes (built once: no list per candidate)
        self._orders = {key: order + shapes for key, order in self._by_word.items()}
        # the one-word cues and their types: a password that is one (`password: cvv 123`) is none, and a gap
        # that holds another type's cue (`sort code NI number QQ 12…`) belongs to that cue
        self._cue_types: dict[bytes, frozenset[str]] = {}
        for alt in alts:
            for f in {f.encode().lower() for w in alt.cues for f in word_forms(w) if " " not in f}:
                self._cue_types[f] = self._cue_types.get(f, frozenset()) | {alt.type}
        self._gap_answers: dict[tuple[bytes, str], bool] = {}  # see `_gap_fits`

    def match(self, tok: bytes) -> tuple[int, re.Match[bytes]] | None:
        """Which alternative `tok` (an RE2 candidate) is, and its match with the value group."""
        order = self._shapes if 0x30 <= tok[0] <= 0x39 else self._orders.get(_key(tok), self._shapes)
        for i in order:
            m = self._regexes[i].fullmatch(tok)
            if m is not None:
                return (i, m) if i < len(self._alts) else (self._shape_of[m.lastindex or 0], m)
        return None

    def confirm(self, data: bytes, start: int, found: tuple[int, re.Match[bytes]]) -> Span | None:
        """The value's span and type when the candidate holds one, else None."""
        i, m = found
        kind = self._alts[i].type
        validator = self._alts[i].validator
        if validator is not None:  # an operator pattern
            vs, ve = m.span("v")
            ok = custom_value_ok(validator, m.group("v")) and not _glued(data, start + vs, start + ve)
            return (start + vs, start + ve, kind) if ok else None
        if not self._alts[i].cues:  # a shape: the whole candidate
            span = shape_span(data, start, m.group(), kind)
            return self._cut_at_cue(data, span) if span is not None and kind == "STREET_ADDRESS" else span
        vs, ve = m.span("v")
        value = m.group("v")
        gap = m.group()[m.end("c") : vs]
        if kind == "PERSON_NAME":
            found_len = person_length(value, m.group("c"), gap)
            if found_len is None:
                return None
            end = start + vs + found_len
            if not name_context_ok(data, start, end, m.group("c"), value[:1].islower()):
                return None
            if m.group("c") in BARE_NAME and not bare_name_ok(data, start, gap, value):
                return None
            return (start + vs, end, kind)
        if kind == "PASSWORD":
            bare = value.lower().rstrip(b".,!:")
            if bare in PASSWORD_WORDS or bare in self._cue_types or b"REDACTED" in value:
                return None
            if (i in self._strict and not password_chosen(value)) or (
                i in self._set and bare in SET_TO_WORDS
            ):
                return None
            if i in self._pair and not _pair_ok(m.group()[m.end("c") : vs], value):
                return None
            # the pattern takes 64 bytes at most: a longer password is redacted to its end all the same
            stop = _SPACE.search(data, start + ve)
            end = stop.start() if stop else len(data)
            if data[end - 1] in _DIGIT_END:  # `password: 123 45 6789`, `(415) 555…`: the groups go with it
                groups = _DIGIT_GROUPS.match(data, end)
                end = end if groups is None else groups.end()
            quoted = _QUOTED.match(data, start + vs)  # `my password is "Tr1cky pass"`: the whole of it
            return (start + vs, end if quoted is None else max(end, quoted.end()), kind)
        if kind == "PIN" and _SIGN_GLUED.search(gap):  # `passcode Katze#2020`: a password's digits
            return self._later(data, start, i, m.group())
        if not self._gap_fits(gap, kind):
            return None
        if kind == "DATE_OF_BIRTH" and not _birth_context_ok(data, m.group("c"), gap, start + ve):
            return None
        if kind == "CARD_EXPIRY" and not value[:1].isdigit() and not _named_expiry_ok(data, start, gap):
            return None
        if kind == "BANK_ACCOUNT" and _amount(m.group("c"), gap, data, start + ve):
            return None
        # a value glued to more digits is part of a longer token, unless another value follows it
        # (`cvv 123 04/27`, `sort code 12-34-56 12345678`: tails.py)
        if _glued(data, start + vs, start + ve) and not tail_after(
            data, (start + vs, start + ve, kind), len(data), self._enabled
        ):
            return None
        real = _value_kind(kind, value)
        return None if real is None or real not in self._enabled else (start + vs, start + ve, real)

    def _later(self, data: bytes, start: int, i: int, tok: bytes) -> Span | None:
        """The first later alternative of `tok`'s first word that holds a value (`passcode`, `clave`: a PIN's
        cue and a password's)."""
        for j in self._orders.get(_key(tok), ()):
            if i < j < len(self._alts) and self._alts[j].cues:  # (len(alts): the shapes, see __init__)
                m = self._regexes[j].fullmatch(tok)
                if m is not None:
                    return self.confirm(data, start, (j, m))
        return None

    def _cut_at_cue(self, data: bytes, span: Span) -> Span | None:
        """An address ends before another type's cue its tail took for a city (`PO Box 12, SIN 046 …`)."""
        start, end, kind = span
        # (in the tail only, after a comma or line break: `10 Pin Oak Lane`, `Apt 4, 12 Pin Oak Lane`)
        street = unit_prefix(data, start, end)
        comma = min(
            (i for i in (data.find(b",", street, end), data.find(b"\n", street, end)) if i > 0), default=-1
        )
        for m in _LETTERS.finditer(data, comma + 1, end) if comma > 0 else ():
            if m.group().lower() in self._cue_types:
                cut = data.rfind(b" ", start, m.start())
                while cut > start and data[cut - 1] in b" ,;":
                    cut -= 1
                return (start, cut, kind) if cut > start else None
        return span

    def _gap_fits(self, gap: bytes, kind: str) -> bool:
        """`_gap_ok` and no other type's cue in it: a function of the gap and type alone, so answers are kept.

        Gaps are few and repeat (` `, ` is `, `. It says `: 186 distinct ones in 10 MB of chat), and their
        regex work cost ~2 µs per cue candidate.
        """
        key = (gap, kind)
        fits = self._gap_answers.get(key)
        if fits is None:
            if len(self._gap_answers) >= _GAP_ANSWERS:  # (bounded: hostile text may hold endless gaps)
                self._gap_answers.clear()
            fits = self._gap_answers[key] = _gap_ok(gap) and not self._other_cue_in(gap, kind)
        return fits

    def _other_cue_in(self, gap: bytes, kind: str) -> bool:
        """Whether a word of `gap` is another type's cue (the walk then finds that one from its own cue)."""
        cue_types = self._cue_types
        return any(kind not in cue_types.get(w.lower(), (kind,)) for w in _LETTERS.findall(gap))


# (a word of three letters or more: `pin no#1234` is the number sign)
_SIGN_GLUED = re.compile(rb"[A-Za-z]{3}[#$%&*+@^_~!?]$")
# (`no. is`, `Nr. J01…`: the full stop of an abbreviation ends no sentence)
_SENTENCE_END = re.compile(rb"(?<![Nn]o)(?<![Nn]r)\.\s+[A-Za-z]{2}")
_CLAUSE_BREAK = re.compile(rb"[,.][ \t]+\S")
_MY_CARD = re.compile(rb"(?i)\bmy (?:(?:debit|credit|bank) )?card")


def _gap_ok(gap: bytes) -> bool:
    # `my zip's 94107`, `password's`: the `'s` is no word of its own
    # `the cvv on my card is 321`, `the PIN for my debit card is …`: the card is this one (`my` alone leads
    # elsewhere: `account my number is…`)
    found = _LETTERS.findall(_MY_CARD.sub(b"card", gap.replace(b"'s ", b" ")))
    if len(found) > 6 or any(w.lower() in OTHER_THING for w in found):
        return False
    # `my account, #2473…`, `account. It says …`: a clause break after the cue word
    if b", " in gap:  # `my bank account, 9222 9574)`, `account as a precaution, 6415…`: another clause
        return False
    return _SENTENCE_END.search(gap) is None and not _CLAUSE_BREAK.match(gap)


def _pair_ok(gap: bytes, value: bytes) -> bool:
    """`login: jdoe / correcthorse`, `login jdoe / hunter2`; not `login page / signup page`."""
    login, _, secret = value.partition(b"/")
    if login.strip().lower() in PASSWORD_WORDS or secret.strip().lower().rstrip(b".,!:") in PASSWORD_WORDS:
        return False
    return b":" in gap or b"=" in gap or password_chosen(secret.strip())


_GEBOREN = re.compile(rb"[ \t]+geboren\b")
_COUNT_AFTER = re.compile(
    rb"(?i)[ \t]+(?:weeks?|days?|months?|years?|hours?|times|more|left|semanas?"
    rb"|d\xc3\xadas|meses|jours|semaines|mois|tage|wochen|monate)\b"
)


def _birth_context_ok(data: bytes, cue: bytes, gap: bytes, end: int) -> bool:
    """`birthday party on 03/12/2025` is an event; `ich bin am 13. Mai 1949` a birth only before `geboren`."""
    if any(w.lower() in NOT_BIRTH for w in _LETTERS.findall(gap)):
        return False
    if _COUNT_AFTER.match(data, end):  # `birthday in May 3 weeks from now`
        return False
    return cue[:3].lower() not in (b"bin", b"wur") or _GEBOREN.match(data, end) is not None


def _named_expiry_ok(data: bytes, start: int, gap: bytes) -> bool:
    """`exp April 2027`, `expiring apr/27`, `my card expires in May 2029`; not `the warranty expires in May
    2029` (another thing expires), nor `it expires in May 2029` (`in` makes the month a time, unless a card
    is named before the cue)."""
    lo = max(0, start - 32)
    lo = data.rfind(b"\x00", lo, start) + 1 or lo  # (this message only)
    gap_words = [w.lower() for w in _LETTERS.findall(gap)]
    before = [w.lower() for w in _LETTERS.findall(data, lo, start)]
    if any(w in OTHER_EXPIRING for w in gap_words + before):
        return False
    return not any(w in EXPIRY_TIME_WORDS for w in gap_words) or any(w in _CARD_WORDS for w in before)


_CARD_WORDS = frozenset(
    b"card cards visa mastercard amex discover debit credit tarjeta carte karte kreditkarte".split()
)


# `savings of 150000 dollars`, `checking 150000 records took long`: an amount or a count after an account
# word. `of` before the number, a currency after it; after the everyday words `checking`/`savings` also a
# plural noun (`records`, `rows`); an account number is followed by neither
_AMOUNT_GAP = frozenset((b"of", b"usd", b"eur", b"gbp", b"cad", b"aud"))
_CURRENCY = re.compile(
    rb"[ \t]?(?:[$%]|\xe2\x82\xac|\xc2\xa3"
    rb"|(?i:dollars?|bucks|usd|eur|euros?|gbp|pounds?|cad|aud|pesos?|francs?|chf|yen|mil|million|thousand)\b)"
)
_NEXT_WORD = re.compile(rb"[ \t]+([a-z]{4,20})\b")
_NOT_PLURAL = frozenset(
    b"this thanks always perhaps unless towards besides whereas sometimes anyways regards cheers gracias"
    b" pls".split()
)


def _amount(cue: bytes, gap: bytes, data: bytes, end: int) -> bool:
    """Whether the number after an account word that ends at `end` is an amount or a count."""
    if any(w.lower() in _AMOUNT_GAP for w in _LETTERS.findall(gap)) or _CURRENCY.match(data, end):
        return True
    if cue.lower() not in (b"checking", b"savings"):
        return False
    noun = _NEXT_WORD.match(data, end)
    word = b"" if noun is None else noun.group(1)
    return word.endswith(b"s") and not word.endswith((b"ss", b"us", b"is")) and word not in _NOT_PLURAL


def _glued(data: bytes, start: int, end: int) -> bool:
    """`cvv 123-456`, `pin 1234.5`, `…rossi.1988@…`: the value is part of a longer token."""
    if data[end : end + 1] == b"@" or (start >= 2 and data[start - 1] in b".-_" and data[start - 2] in _WORD):
        return True
    nxt = data[end : end + 2]
    if len(nxt) < 2:
        return False
    return (nxt[0] in b" -./,:" and nxt[1:].isdigit()) or (nxt[0] in b"-/" and nxt[1:].isalpha())


_WORD = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# the characters of a German passport number (no vowels: `CVXW6YFRY` holds one digit only)
_GERMAN_PASSPORT = b"CFGHJKLMNPRTVWXYZcfghjklmnprtvwxyz0123456789"


def _value_kind(kind: str, value: bytes) -> str | None:
    digits = value.translate(None, b" \t-./")
    if kind == "BANK_ACCOUNT":
        if 13 <= len(digits) <= 19 and digits.isdigit() and luhn_ok(digits) and card_brand_ok(digits):
            return "CREDIT_CARD"  # `account 4111 1111 1111 1111`: the card it is
        sizes = [len(g) for g in _SEP.split(value)]
        if sizes == [3, 2, 4] and ssn_ok(digits):
            return "US_SSN"
        if len(sizes) > 1 and (len(digits) < 8 or sizes == [5, 4]):
            return None  # `account 996-000`, `19355-5142` (a ZIP+4): too short or another shape
        return kind
    if kind == "CARD_EXPIRY":
        return kind if expiry_ok(value) else None
    if kind == "DATE_OF_BIRTH":
        return kind if birth_date_ok(value) else None
    if kind == "UK_NINO":
        return kind if nino_ok(digits, strict=False) else None
    if kind == "CA_SIN":
        return kind if sin_ok(digits) else None
    if kind == "US_ITIN":
        return kind if itin_ok(digits) else None
    if kind == "AU_TFN":
        return kind if tfn_ok(digits) else None
    if kind == "BANK_ROUTING":
        return kind if aba_ok(digits) else None
    if kind == "PASSPORT":
        # German passports are nine of `CFGHJKLMNPRTVWXYZ0-9`: a few digits only (`CF9K1LM28`)
        n = sum(c in b"0123456789" for c in value)
        german = len(value) == 9 and not value.translate(None, _GERMAN_PASSPORT)
        # (all nine in capitals with no digit at all: no word is spelt without vowels)
        german_ok = german and (n or value.isupper())
        return kind if n >= 5 or (n >= 2 and len(value) >= 8) or german_ok else None
    if kind == "DRIVER_ID":
        n = sum(c in b"0123456789" for c in value)
        if all(len(g) == 4 and g[:2] in (b"19", b"20") for g in _SEP.split(value)):
            return None  # `license 2024-2025`, `Führerschein seit 2010`: years
        return kind if n >= 4 and len(digits) >= 6 and not (len(digits) == 4 and digits.isdigit()) else None
    if kind.startswith("CUSTOM:"):
        return kind
    return kind


def custom_value_ok(validator: str, value: bytes) -> bool:
    """An operator pattern's optional check: `luhn` on its digits, `mod97` (IBAN rule) on it."""
    if validator == "luhn":
        digits = bytes(c for c in value if 0x30 <= c <= 0x39)
        return len(digits) >= 2 and luhn_ok(digits)
    if validator == "mod97":
        compact = bytes(c for c in value.upper() if c not in b" -")
        return iban_ok(compact)
    return True
