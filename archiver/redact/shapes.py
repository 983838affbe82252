"""Shape alternatives (no cue word needed) and the confirmation of every cue or shape candidate.

Shapes: IPv4/IPv6 addresses, UK National Insurance numbers and postcodes in their printed upper-case form,
and street addresses (house number + street name + a USPS/Royal Mail street suffix, or the French, Spanish
and German word orders) with their unit, city, state/county and postal code, so no part of the address is
left behind. `Extra` learns a candidate's type from the same sources compiled with named groups for Python
(`cues.py`), then runs the type's checks; docs/redaction.md lists them.
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
    ipv4_ok,
    ipv6_ok,
    itin_ok,
    nino_ok,
    sin_ok,
    tfn_ok,
)
from archiver.redact.validators import card_brand_ok, iban_ok, luhn_ok, ssn_ok

_NAME_WORD = cues.NAME.split(b"(?:[ \t]")[0]
_SUFFIX = cues.words(
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "court",
    "ct",
    "place",
    "pl",
    "terrace",
    "ter",
    "way",
    "circle",
    "cir",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "square",
    "sq",
    "trail",
    "trl",
    "close",
    "crescent",
    "cres",
    "gardens",
    "gdns",
    "grove",
    "mews",
    "row",
    "hill",
    "park",
    "walk",
    "green",
    "rise",
    "vale",
    "view",
    "loop",
    "pike",
    "alley",
    "plaza",
    "ridge",
    "path",
    "crossing",
    "commons",
    "heights",
    "expressway",
    "expy",
    "freeway",
    "turnpike",
    "center",
    "manor",
    "wharf",
    "quay",
    "embankment",
    "broadway",
    "parade",
    "gate",
    "hwy.",
    "st.",
    "rd.",
    "ave.",
)
_UK_POST = rb"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
_ZIP = rb"(?:\d{5}(?:-\d{4})?|" + _UK_POST + rb"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b"
_CITY = _NAME_WORD + rb"(?:[ \t]" + _NAME_WORD + rb"){0,2}"
_STATE = rb"(?:[A-Z]{2}\b|" + _NAME_WORD + rb")"
_UNIT = (
    rb"(?:,?[ \t]+(?i:apt|apartment|unit|suite|ste|flat|fl|floor|room|rm|#)\.?[ \t]?#?[A-Za-z0-9\-]{1,6}\b)?"
)
_TAIL = (
    rb"(?:,[ \t]*" + _CITY + rb"(?:,?[ \t]+" + _STATE + rb")?(?:,?[ \t]+" + _ZIP + rb")?"
    rb"|[ \t]+" + _CITY + rb",?[ \t]+" + _STATE + rb",?[ \t]+" + _ZIP + rb"|,?[ \t]+" + _ZIP + rb")?"
)
_STREET_WORD = rb"(?:\d{1,3}(?:st|nd|rd|th)|[A-Za-z][A-Za-z'\-]*\.?|" + _NAME_WORD + rb")"
_US_UK = (
    rb"\b\d{1,5}[A-Za-z]?(?:[\-/]\d{1,5}[A-Za-z]?)?,?[ \t]+(?:"
    + _STREET_WORD
    + rb"[ \t]+){1,3}"
    + _SUFFIX
    + rb"\.?"
    + _UNIT
    + _TAIL
)
_FR_PARTICLES = rb"(?:(?:de|du|des|la|le|les|d'|l'|saint|sainte)[ \t]*)*"
_FR = (
    rb"\b\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+"
    + cues.words(
        "rue",
        "avenue",
        "av.",
        "boulevard",
        "bd",
        "chemin",
        "allée",
        "allee",
        "impasse",
        "quai",
        "route",
        "cours",
        "place",
    )
    + rb"[ \t]+"
    + _FR_PARTICLES
    + _NAME_WORD
    + rb"(?:[ \t\-]"
    + _NAME_WORD
    + rb"){0,3}"
    + rb"(?:,?[ \t]+\d{5}(?:[ \t]+"
    + _CITY
    + rb")?)?"
)
_ES = (
    cues.words("calle", "c/", "avenida", "avda", "avda.", "paseo", "plaza", "camino", "carrera", "ronda")
    + rb"[ \t]*(?:(?:de|del|la|las|los|el)[ \t]+)*"
    + _NAME_WORD
    + rb"(?:[ \t]"
    + _NAME_WORD
    + rb"){0,3}"
    + rb",?[ \t]+(?:(?i:n[\xc2\xba\xb0o]|n\xc3\xbam\.?|num\.?)[ \t]?)?\d{1,4}[A-Za-z]?\b"
    + rb"(?:,[ \t]*\d{1,2}(?:\xc2\xba)?[ \t]?[A-Za-z]?\b)?(?:,?[ \t]+\d{5}(?:[ \t]+"
    + _CITY
    + rb")?)?"
)
_DE_SUFFIX = rb"(?:stra\xc3\x9fe|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|pfad)"
_DE = (
    rb"\b(?:"
    + _NAME_WORD
    + _DE_SUFFIX
    + rb"|"
    + _NAME_WORD
    + rb"[ \t\-](?:Stra\xc3\x9fe|Strasse|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm))"
    + rb"[ \t]+\d{1,4}[a-z]?\b(?:,?[ \t]+\d{4,5}[ \t]+"
    + _CITY
    + rb")?"
)
_IPV6_GROUP = rb"[0-9A-Fa-f]{1,4}"
SHAPES: tuple[tuple[str, bytes], ...] = (
    ("IP_ADDRESS", rb"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"),
    (
        "IP_ADDRESS",
        rb"(?:\b"
        + _IPV6_GROUP
        + rb"(?:::?"
        + _IPV6_GROUP
        + rb"){2,7}(?:::)?|::(?:"
        + _IPV6_GROUP
        + rb":){0,6}"
        + _IPV6_GROUP
        + rb"\b|\b"
        + _IPV6_GROUP
        + rb"::)",
    ),
    ("UK_NINO", rb"\b[A-Z]{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-D]\b"),
    ("POSTAL_CODE", rb"\b" + _UK_POST + rb"\b"),
    ("STREET_ADDRESS", _US_UK),
    ("STREET_ADDRESS", _FR),
    ("STREET_ADDRESS", _ES),
    ("STREET_ADDRESS", _DE),
)
TYPES: tuple[str, ...] = (*cues.TYPES, "IP_ADDRESS", "STREET_ADDRESS")

# The gap between a cue and its value must not name something else the number could be.
_OTHER_THING = frozenset(
    b"order orders ticket case ref reference invoice tracking room flight floor page step item items error"
    b" times minutes hours days weeks months years attempts tries version model part serial sku unit apt"
    b" suite about around approximately than over last ending ends digit digits level gate seat table"
    b" chapter section line row box lot batch extension ext ssn social tel phone mobile cell text call sms"
    b" whatsapp fax card iban email mail visa amex mastercard s n me my soc sec".split()
)
_LETTERS = re.compile(rb"[A-Za-z]+")
_SEP = re.compile(rb"[ \t\-/.]")
# first words after a name cue that are no name: `I'm Not sure`, `This is Urgent`, `Name: Unknown`
_NOT_NAMES = frozenset(
    [
        "not",
        "sorry",
        "here",
        "there",
        "the",
        "a",
        "an",
        "it",
        "this",
        "that",
        "just",
        "still",
        "also",
        "really",
        "very",
        "so",
        "now",
        "back",
        "fine",
        "good",
        "great",
        "ok",
        "okay",
        "happy",
        "glad",
        "calling",
        "trying",
        "looking",
        "going",
        "having",
        "writing",
        "contacting",
        "waiting",
        "interested",
        "unable",
        "afraid",
        "sure",
        "unsure",
        "confused",
        "available",
        "hi",
        "hello",
        "hey",
        "yes",
        "no",
        "please",
        "thanks",
        "thank",
        "your",
        "my",
        "our",
        "customer",
        "support",
        "agent",
        "team",
        "service",
        "urgent",
        "important",
        "new",
        "never",
        "always",
        "currently",
        "actually",
        "already",
        "using",
        "getting",
        "wondering",
        "following",
        "reaching",
        "messaging",
        "chatting",
        "asking",
        "regarding",
        "re",
        "fw",
        "gold",
        "premium",
        "platinum",
        "member",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "english",
        "spanish",
        "french",
        "german",
        "american",
        "british",
        "canadian",
        "australian",
        "done",
        "ready",
        "disappointed",
        "frustrated",
        "angry",
        "upset",
        "unknown",
        "none",
        "same",
        "correct",
        "wrong",
        "on",
        "in",
        "at",
        "from",
        "with",
        "for",
        "and",
        "or",
        "but",
        "if",
        "when",
        "what",
        "who",
        "how",
        "why",
        "where",
        "which",
        "nicht",
        "sehr",
        "kunde",
        "leider",
        "bereit",
        "pas",
        "très",
        "tres",
        "content",
        "bien",
        "aquí",
        "aqui",
        "muy",
        "cliente",
        "estoy",
        "tengo",
        "mal",
        "desolé",
        "désolé",
        "bonjour",
        "hola",
        "hallo",
        "guten",
        "buenos",
        "buenas",
        "bonsoir",
        "gracias",
        "merci",
        "danke",
        "bitte",
        "por",
        "favor",
        "also",
        "amazon",
        "paypal",
        "visa",
        "mastercard",
        "apple",
        "google",
        "microsoft",
    ]
)
_PASSWORD_WORDS = frozenset(
    b"wrong incorrect not invalid expired correct right same different reset locked changed working blank"
    b" empty required case-sensitive too very the a an my your still being set saved stored fine ok okay"
    b" forgotten lost missing weak strong long short".split()
)


def re2_source(alts: list[Alt]) -> bytes:
    """The alternatives for the combined RE2 pattern: value groups made non-capturing."""
    return b"|".join(a.source.replace(b"(?P<v>", b"(?:").replace(b"(?P<c>", b"(?:") for a in alts)


def builtin_alts(enabled: frozenset[str]) -> list[Alt]:
    """Cue and shape alternatives of the enabled types, in order of preference."""
    alts = [Alt(kind, src, words) for kind, words, src in cues.ALTERNATIVES if kind in enabled]
    return alts + [Alt(kind, src) for kind, src in SHAPES if kind in enabled]


Span = tuple[int, int, str]


class Alt(NamedTuple):
    """One alternative: its type, its source with the value group, and its cue words (empty: a shape)."""

    type: str
    source: bytes
    cues: tuple[str, ...] = ()
    validator: str | None = None  # operator patterns only: "", "luhn" or "mod97"


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
        self._digit_shapes: list[int] = []
        self._other_shapes: list[int] = []
        # an operator pattern may start with a digit in any shape: digit-first candidates all come here
        self.any_digit_first = any(a.validator is not None and not a.cues for a in alts)
        for i, alt in enumerate(alts):
            if alt.cues:  # (an operator pattern's own pattern may start with anything: it is a shape too)
                for key in {_key(f.encode()) for w in alt.cues for f in word_forms(w)}:
                    self._by_word.setdefault(key, []).append(i)
            else:
                self._digit_shapes.append(i)
                self._other_shapes.append(i)

    def match(self, tok: bytes) -> tuple[int, re.Match[bytes]] | None:
        """Which alternative `tok` (an RE2 candidate) is, and its match with the value group."""
        if 0x30 <= tok[0] <= 0x39:
            order: list[int] = self._digit_shapes
        else:
            order = self._by_word.get(_key(tok), []) + self._other_shapes
        for i in order:
            m = self._regexes[i].fullmatch(tok)
            if m is not None:
                return i, m
        return None

    def confirm(self, data: bytes, start: int, found: tuple[int, re.Match[bytes]]) -> Span | None:
        """The value's span and type when the candidate holds one, else None."""
        i, m = found
        kind = self._alts[i].type
        validator = self._alts[i].validator
        if validator is not None:  # an operator pattern
            vs, ve = m.span("v")
            ok = custom_value_ok(validator, m.group("v")) and not _glued(data, start + ve)
            return (start + vs, start + ve, kind) if ok else None
        if not self._alts[i].cues:  # a shape: the whole candidate
            return _shape(data, start, m.group(), kind)
        vs, ve = m.span("v")
        value = m.group("v")
        gap = m.group()[m.end("c") : vs]
        if kind == "PERSON_NAME":
            found_len = _person(value)
            return None if found_len is None else (start + vs, start + vs + found_len, kind)
        if kind == "PASSWORD":
            if value.lower().rstrip(b".,!") in _PASSWORD_WORDS or b"REDACTED" in value:
                return None
            return (start + vs, start + ve, kind)
        if not _gap_ok(gap) or _glued(data, start + ve):
            return None
        real = _value_kind(kind, value)
        return None if real is None or real not in self._enabled else (start + vs, start + ve, real)


_SENTENCE_END = re.compile(rb"\.\s+[A-Za-z]{2}")
_CLAUSE_BREAK = re.compile(rb"[,.][ \t]+\S")


def _gap_ok(gap: bytes) -> bool:
    found = _LETTERS.findall(gap)
    if len(found) > 6 or any(w.lower() in _OTHER_THING for w in found):
        return False
    # `my account, #2473…`, `account. It says …`: a clause break after the cue word
    return _SENTENCE_END.search(gap) is None and not _CLAUSE_BREAK.match(gap)


def _glued(data: bytes, end: int) -> bool:
    """`cvv 123-456`, `pin 1234.5`: the value continues with a joined digit or letter."""
    nxt = data[end : end + 2]
    if len(nxt) < 2:
        return False
    return (nxt[0] in b" -./,:" and nxt[1:].isdigit()) or (nxt[0] in b"-/" and nxt[1:].isalpha())


def _value_kind(kind: str, value: bytes) -> str | None:
    digits = value.translate(None, b" \t-./")
    if kind == "BANK_ACCOUNT":
        if 13 <= len(digits) <= 19 and digits.isdigit() and luhn_ok(digits) and card_brand_ok(digits):
            return "CREDIT_CARD"  # `account 4111 1111 1111 1111`: the card it is
        sizes = [len(g) for g in _SEP.split(value)]
        if sizes == [3, 2, 4] and ssn_ok(digits):
            return "US_SSN"
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
        return kind if sum(c in b"0123456789" for c in value) >= 5 else None
    if kind == "DRIVER_ID":
        n = sum(c in b"0123456789" for c in value)
        return kind if n >= 4 and len(digits) >= 6 and not (len(digits) == 4 and digits.isdigit()) else None
    if kind.startswith("CUSTOM:"):
        return kind
    return kind


def _person(value: bytes) -> int | None:
    """Length of the name in `value` (trailing words that are no name cut off), or None."""
    parts = value.split(b" ")
    names = [p for p in parts]
    while names and names[-1].decode("utf-8", "replace").lower() in _NOT_NAMES:
        names.pop()
    if not names or names[0].decode("utf-8", "replace").lower() in _NOT_NAMES:
        return None
    return len(b" ".join(names))


_VERSION_BEFORE = re.compile(
    rb"(?i)(?:version|build|release|firmware|section|chapter|ver\.?|v|\xc2\xa7)[ :#]*$"
)
_INWARD_UNITS = re.compile(rb"\d[TGMK]B$")
_STOP_STREET = frozenset(
    b"the a an of down up to on in at my your our their his her this that blocks block miles mile minutes"
    b" km doors houses streets times more other different next same few many some two three four five"
    b" and or from for by".split()
)
_WEAK_SUFFIX = frozenset(
    b"way place court drive circle square trail close crescent gardens grove row hill park walk green rise"
    b" vale view loop pike path crossing commons heights center manor gate parade plaza ridge".split()
)


def _shape(data: bytes, start: int, tok: bytes, kind: str) -> Span | None:
    end = start + len(tok)
    before = data[max(0, start - 24) : start]
    after = data[end : end + 2]
    if kind == "IP_ADDRESS":
        if b"." in tok and b":" not in tok:
            if not ipv4_ok(tok) or _VERSION_BEFORE.search(before) or before.endswith((b".", b"-")):
                return None
            if after[:1] == b"." and after[1:].isdigit():
                return None  # 1.2.3.4.5: a longer dotted run
            return (start, end, kind)
        if before[-1:].isalnum() or before.endswith(b":") or after[:1].isalnum() or not ipv6_ok(tok):
            return None
        return (start, end, kind)
    if kind == "UK_NINO":
        return (start, end, kind) if nino_ok(tok.translate(None, b" \t"), strict=True) else None
    if kind == "POSTAL_CODE":
        return None if _INWARD_UNITS.search(tok) else (start, end, kind)
    # a street address: its name words are no ordinary words (`3 blocks down the street`)
    words = tok.split()
    if len(words) < 3 and tok[:1].isdigit():
        return None
    if tok[:1].isdigit():
        street = [w.rstrip(b".,").lower() for w in words[1:]]
        names = []
        for w in street:
            names.append(w)
            if w in _SUFFIX_WORDS:
                break
        suffix = names[-1] if names else b""
        if any(w in _STOP_STREET for w in names[:-1]):
            return None
        raw = words[1 : 1 + len(names)]
        if suffix in _WEAK_SUFFIX and not all(w[:1].isupper() or w[:1].isdigit() for w in raw):
            return None
    return (start, end, kind)


_SUFFIX_WORDS = frozenset(
    w.rstrip(b".")
    for w in b"street st avenue ave road rd lane ln drive dr boulevard blvd court ct place pl terrace ter way"
    b" circle cir parkway pkwy highway hwy square sq trail trl close crescent cres gardens gdns grove mews"
    b" row hill park walk green rise vale view loop pike alley plaza ridge path crossing commons heights"
    b" expressway expy freeway turnpike center manor wharf quay embankment broadway parade gate rue avenue"
    b" boulevard bd chemin allee impasse quai route cours".split()
)


def custom_value_ok(validator: str, value: bytes) -> bool:
    """An operator pattern's optional check: `luhn` on its digits, `mod97` (IBAN rule) on it."""
    if validator == "luhn":
        digits = bytes(c for c in value if 0x30 <= c <= 0x39)
        return len(digits) >= 2 and luhn_ok(digits)
    if validator == "mod97":
        compact = bytes(c for c in value.upper() if c not in b" -")
        return iban_ok(compact)
    return True
