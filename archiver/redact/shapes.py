"""Shape alternatives (no cue word needed) and the confirmation of every cue or shape candidate.

Shapes: IPv4/IPv6 addresses, UK National Insurance numbers and postcodes in their printed upper-case form,
and street addresses (house number + street name + a USPS/Royal Mail street suffix, or the French, Spanish
and German word orders) with their unit, city, state/county and postal code, so no part of the address is
left behind. `Extra` learns a candidate's type from the same sources compiled with named groups for Python
(`cues.py`), then runs the type's checks (extra.py; `shape_span` here); docs/redaction.md lists them.
"""

from __future__ import annotations

import re

from archiver.redact import cues
from archiver.redact.ids import ipv4_ok, ipv6_ok, nino_ok
from archiver.redact.wordlists import STOP_STREET, STREET_SUFFIXES, SUFFIX_WORDS, WEAK_SUFFIX

# a capitalised word of an address (Latin-1 letters): upper then lower case only, so that a run of
# capitalised words has one reading (overlapping readings multiply the automaton's states)
_NAME_WORD = rb"(?:[A-Z]|\xc3[\x80-\x96\x98-\x9e])(?:[a-z]|\xc3[\x9f-\xb6\xb8-\xbf])+"
_SUFFIX = cues.words(*STREET_SUFFIXES, "hwy.", "st.", "rd.", "ave.")
_UK_POST = rb"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
# (4 digits: Australia, New Zealand, Switzerland, Austria, Belgium, the Nordics: `Sydney NSW 2000`)
_ZIP = rb"(?:\d{5}(?:-\d{4})?|\d{4}|" + _UK_POST + rb"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b"
# (in capitals too: `42 ELM STREET, SPRINGFIELD, IL 62704`, copied from a form)
_CITY = rb"(?:" + _NAME_WORD + rb"(?:[ \t]" + _NAME_WORD + rb")?|[A-Z]{3,20}(?:[ \t][A-Z]{3,20})?)"
_STATE = rb"(?:[A-Z]{2,3}\b|" + _NAME_WORD + rb")"
_UNIT = (
    rb"(?:,?[ \t]+(?i:apt|apartment|unit|suite|ste|flat|fl|floor|room|rm|#)\.?[ \t]?#?[A-Za-z0-9\-]{1,6}\b)?"
)
# `221b baker street london nw1 6xe`, `42 elm st springfield il 62704`: a city typed in lower case, taken
# only when a postcode or ZIP ends it
_LOWER_TAIL = (
    rb",?[ \t]+[a-z]{3,20}(?:,?[ \t][a-z]{2,20})?,?[ \t]+(?:(?i:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})"
    rb"|\d{5}(?:-\d{4})?)\b"
)
_TAIL = (
    (
        rb"(?:,[ \t]*" + _CITY + rb"(?:,?[ \t]+" + _STATE + rb")?(?:,?[ \t]+" + _ZIP + rb")?"
        rb"|[ \t]+" + _CITY + rb",?[ \t]+" + _STATE + rb",?[ \t]+" + _ZIP + rb"|,?[ \t]+" + _ZIP + rb"|"
    )
    + _LOWER_TAIL
    + rb")?"
)
# `1600 Pennsylvania Ave NW`, `88 Queen St. W`: a compass point after the street suffix
_DIRECTION = rb"(?:[ \t]+(?:[NS][EW]?|[EW])\b)?"
_STREET_WORD = rb"(?:\d{1,3}(?:st|nd|rd|th)|[A-Za-z][A-Za-z'\-]*\.?)"
_US_UK = (
    rb"\b\d{1,5}[A-Za-z]?(?:[\-/]\d{1,5}[A-Za-z]?)?,?[ \t]+(?:"
    + _STREET_WORD
    + rb"[ \t]+){1,3}"
    + _SUFFIX
    + rb"\.?"
    + _DIRECTION
    + _UNIT
    + _TAIL
)
# `PO Box 1234, Springfield, IL 62704`, `Postfach 1234`: a postal address as much as a street is
_PO_BOX = rb"\b(?i:p\.?[ \t]?o\.?[ \t]?box|postfach)[ \t]+\d{1,6}\b" + _TAIL
# after a French, Spanish or German street: the postcode and city, or the city alone (`Calle Mayor 5,
# Madrid`, `10 rue de Rivoli, Paris`)
_EU_TAIL = rb"(?:,?[ \t]+\d{4,5}(?:[ \t]+" + _CITY + rb")?|,[ \t]*" + _CITY + rb")?"
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
    + _EU_TAIL
)
_ES = (
    cues.words("calle", "c/", "avenida", "avda", "avda.", "paseo", "plaza", "camino", "carrera", "ronda")
    + rb"[ \t]*(?:(?:de|del|la|las|los|el)[ \t]+)*"
    + _NAME_WORD
    + rb"(?:[ \t]"
    + _NAME_WORD
    + rb"){0,3}"
    + rb",?[ \t]+(?:(?i:n[\xc2\xba\xb0o]|n\xc3\xbam\.?|num\.?)[ \t]?)?\d{1,4}[A-Za-z]?\b"
    + rb"(?:,[ \t]*\d{1,2}(?:\xc2\xba)?[ \t]?[A-Za-z]?\b)?"
    + _EU_TAIL
)
_DE_SUFFIX = rb"(?:stra\xc3\x9fe|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|pfad)"
_DE = (
    rb"\b(?:"
    + _NAME_WORD
    + _DE_SUFFIX
    + rb"|"
    + _NAME_WORD
    + rb"[ \t\-](?:Stra\xc3\x9fe|Strasse|Str\.|Weg|Gasse|Platz|Allee|Ring|Damm))"
    + rb"[ \t]+\d{1,4}[a-z]?\b"
    + _EU_TAIL
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
        # (`::ffff:192.0.2.128`: an IPv4 address in IPv6; first, as leftmost-first would stop at `192`)
        + rb":){0,6}(?:\d{1,3}(?:\.\d{1,3}){3}|"
        + _IPV6_GROUP
        + rb")\b|\b"
        + _IPV6_GROUP
        + rb"::(?:"  # `fe80::1`
        + _IPV6_GROUP
        + rb"\b)?)",
    ),
    ("UK_NINO", rb"\b[A-Z]{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?\d{2}[ \t]?[A-D]\b"),
    ("POSTAL_CODE", rb"\b" + _UK_POST + rb"\b"),
    ("STREET_ADDRESS", _US_UK),
    ("STREET_ADDRESS", _PO_BOX),
    ("STREET_ADDRESS", _FR),
    ("STREET_ADDRESS", _ES),
    ("STREET_ADDRESS", _DE),
)
TYPES: tuple[str, ...] = (*cues.TYPES, "IP_ADDRESS", "STREET_ADDRESS")


_VERSION_BEFORE = re.compile(
    # (a word of its own: `server 10.0.0.254` holds no `ver`)
    rb"(?i)(?:\b(?:version|versi\xc3\xb3n|build|release|firmware|update|upgrade|patch|section|chapter"
    rb"|ver\.?|v)|\xc2\xa7)[ :#]*$"
)
_INWARD_UNITS = re.compile(rb"\d[TGMK]B$")
_FR_STREET = frozenset(
    (b"rue", b"avenue", b"av", b"boulevard", b"bd", b"chemin", b"all\xc3\xa9e", b"allee", b"impasse", b"quai")
) | frozenset((b"route", b"cours", b"place"))
_FR_PARTICLE = (b"de", b"du", b"des", b"la", b"le", b"les", b"d'", b"l'", b"saint", b"sainte")


def shape_span(data: bytes, start: int, tok: bytes, kind: str) -> tuple[int, int, str] | None:
    """The span of shape candidate `tok` at `start` when its type's checks pass."""
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
    if tok.endswith(b".") and len(tok.rsplit(None, 1)[-1]) > 5:  # `… Baker Road.`: a full stop
        tok, end = tok[:-1], end - 1
    # a street address: its name words are no ordinary words (`3 blocks down the street`)
    words = tok.split()
    if len(words) < 3 and tok[:1].isdigit():
        return None
    if tok[:1].isdigit():
        street = [w.rstrip(b".,").lower() for w in words[1:]]
        if street[0] in _FR_STREET and (street[1].startswith(_FR_PARTICLE) or words[2][:1].isupper()):
            return (start, end, kind)  # `3 place de la Bourse`: the French order, the street word first
        names = []
        for i, w in enumerate(street):
            names.append(w)
            if w in SUFFIX_WORDS and i > 0:  # (a suffix word first is part of the name: `12 Park Lane`)
                break
        suffix = names[-1] if names else b""
        if any(w in STOP_STREET for w in names[:-1]):
            return None
        raw = words[1 : 1 + len(names)]
        if suffix in WEAK_SUFFIX and not all(w[:1].isupper() or w[:1].isdigit() for w in raw):
            return None
    return (start, end, kind)
