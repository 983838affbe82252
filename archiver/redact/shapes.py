"""Shape alternatives (no cue word needed) and the confirmation of every cue or shape candidate.

Shapes: IPv4/IPv6 addresses, UK National Insurance numbers and postcodes in their printed upper-case form,
and street addresses (house number + street name + a USPS/Royal Mail street suffix, or the French, Spanish
and German word orders) with their unit, city, state/county and postal code, so no part of the address is
left behind. `url_ips` finds the IPs that are a URL's host or a parameter's value for the walk, which
otherwise looks only for self-validating PII inside a URL. `Extra` learns a candidate's type from the same
sources compiled with named groups for Python (`cues.py`), then runs the type's checks (extra.py;
`shape_span` here); docs/redaction.md lists them.
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
_LONG_ZIP = rb"(?:\d{5}(?:-\d{4})?|" + _UK_POST + rb"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d)\b"
_ZIP = rb"(?:\d{4}\b|" + _LONG_ZIP + rb")"
# up to three words, a `St.`/`Ft.`/`Mt.` first, joined by dashes or particles (`Salt Lake City`, `St. Louis`,
# `Winston-Salem`, `Coeur d'Alene`, `Frankfurt am Main`), or in capitals (`42 ELM STREET, SPRINGFIELD, IL
# 62704`, copied from a form): a city left out leaves the ZIP after it too
_CITY_JOIN = rb"[ \t\-](?:d'|(?:de|del|la|le|du|sur|on|upon|am|an|der)[ \t\-])?"
_CITY = (
    rb"(?:(?:(?:St|Ste|Ft|Mt|Pt)\.?[ \t])?"
    + _NAME_WORD
    + rb"(?:"
    + _CITY_JOIN
    + _NAME_WORD
    + rb"){0,2}|(?:ST\.?[ \t])?[A-Z]{3,20}(?:[ \t\-][A-Z]{3,20}){0,2})"
)
# `UT`, `NSW`, `Utah`, `New York`, `New South Wales`
_STATE = rb"(?:[A-Z]{2,3}\b|" + _NAME_WORD + rb"(?:[ \t]" + _NAME_WORD + rb"){0,2})"
# `Suite 858`, `Floor 21`, `Bldg 3, Room 204`, `#5`, `Ste. 200`, `Apt B`: one or two, each a word of its own
# (`Floor` is no `Fl` + `oor`) and a value with a digit or one letter (`office hours` is no unit)
_UNIT_WORD = (
    rb"(?i:apartment|apt|unit|suite|ste|flat|floor|fl|room|rm|building|bldg|dept|level|lvl|pmb|piso|apto"
    rb"|appartement|etage|\xc3[\xa9\x89]tage|wohnung|whg)\b"
)
_UNIT_VALUE = rb"(?:[A-Za-z]?\d[A-Za-z0-9\-]{0,5}|[A-Za-z])\b"
# (an address typed over several lines: a line break separates its parts as a comma does)
_NL = rb"[ \t]*\r?\n[ \t]*"
_UNIT = (
    rb"(?:,?(?:[ \t]+|" + _NL + rb")(?:" + _UNIT_WORD + rb"\.?[ \t]?#?|#[ \t]?)" + _UNIT_VALUE + rb"){0,2}"
)
# `Flat 2, 10 Downing Street`, `Apt 4B, 12 Main St`, `3rd Floor, …`: the unit before the house number
_UNIT_FIRST = (
    rb"(?:(?:\b"
    + _UNIT_WORD
    + rb"\.?[ \t]?#?"
    + _UNIT_VALUE
    + rb"|\b\d{1,3}(?:st|nd|rd|th)[ \t]+(?i:floor|fl)\b\.?),?[ \t]+)?"  # (`3rd Floor, 12 Main St`)
)
# `221b baker street london nw1 6xe`, `42 elm st springfield il 62704`: a city typed in lower case, taken
# only when a postcode or ZIP ends it
_LOWER_TAIL = (
    rb",?[ \t]+[a-z]{3,20}(?:,?[ \t][a-z]{2,20}){0,3},?[ \t]+(?:(?i:[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2})"
    rb"|\d{5}(?:-\d{4})?)\b"
)
# `…, USA`, `…, France`: the country after it (after a comma or line break only)
_COUNTRY = (
    rb"(?:,?(?:,[ \t]*|" + _NL + rb")(?:USA|U\.S\.A\.|United[ \t]States|UK|U\.K\.|United[ \t]Kingdom|England"
    rb"|Scotland|Wales|Ireland|Canada|Australia|New[ \t]Zealand|France|Spain|Espa\xc3\xb1a|Germany"
    rb"|Deutschland|Mexico|M\xc3\xa9xico|Italy|Italia|Portugal|Belgium|Belgique|Switzerland|Schweiz|Suisse"
    rb"|Austria|\xc3\x96sterreich|Netherlands|Nederland)\b)?"
)
_TAIL = (
    (
        rb"(?:,[ \t]*" + _CITY + rb"(?:,?[ \t]+" + _STATE + rb")?(?:,?[ \t]+" + _ZIP + rb")?"
        rb"|[ \t]+"
        + _CITY
        + rb",?[ \t]+"
        + _STATE
        + rb",?[ \t]+"
        + _ZIP
        # over lines: `Springfield, IL 62704`, `London` and `SW1A 2AA` on lines of their own (a ZIP of five
        # digits or a postcode: `PO Box 12` + `DOB 1985-…` is no city and ZIP)
        + rb"|,?"
        + _NL
        + _CITY
        + rb"(?:,?[ \t]+"
        + _STATE
        + rb")?,?(?:[ \t]+|"
        + _NL
        + rb")"
        + _LONG_ZIP
        + rb"|,?(?:[ \t]+"
        + _ZIP
        + rb"|"
        + _NL
        + _LONG_ZIP
        + rb")"
        + rb"|"
    )
    + _LOWER_TAIL
    + rb")?"
    + _COUNTRY
)
# `1600 Pennsylvania Ave NW`, `88 Queen St. W`: a compass point after the street suffix
_DIRECTION = rb"(?:[ \t]+(?:[NS][EW]?|[EW])\b)?"
_STREET_WORD = rb"(?:\d{1,3}(?:st|nd|rd|th)|[A-Za-z][A-Za-z'\-]*\.?)"
_US_UK = (
    _UNIT_FIRST
    + rb"\b\d{1,5}[A-Za-z]?(?:[\-/]\d{1,5}[A-Za-z]?)?,?[ \t]+(?:"
    + _STREET_WORD
    + rb"[ \t]+){1,5}"
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
# and first a floor, flat or door (`piso 3`, `3e étage`, `Wohnung 3`, `Apt 5`)
_EU_UNIT = (
    rb"(?:,?[ \t]+(?:(?i:piso|planta|puerta|pta|esc|escalera|apto|apt|app|appt|appartement|apartement"
    rb"|b\xc3\xa2t|bat|b\xc3\xa2timent|batiment|\xc3\xa9tage|etage|porte|wohnung|whg|stock|og)\.?[ \t]?"
    rb"[A-Za-z0-9]{1,4}\b"
    rb"|\d{1,2}(?:e|er|\xc3\xa8me|eme|\.)?[ \t]+(?i:\xc3\xa9tage|etage|piso|planta|stock|og|obergeschoss)\b"
    rb")){0,2}"
)
_EU_TAIL = (
    _EU_UNIT
    + rb"(?:,?(?:[ \t]+|"
    + _NL
    + rb")\d{4,5}(?:[ \t]+"
    + _CITY
    + rb")?|,[ \t]*"
    + _CITY
    # (`2 Rue Sainte-Catherine Ouest, Montréal, QC H2X 1Y4`: the French order in Quebec)
    + rb"(?:,?[ \t]+[A-Z]{2}\b)?(?:,?[ \t]+"
    + _ZIP
    + rb")?)?"
    + _COUNTRY
)
_FR_PARTICLES = rb"(?:(?:de|du|des|la|le|les|d'|l'|saint|sainte)[ \t]*)*"
_FR = (
    rb"\b\d{1,4}(?:-\d{1,4})?(?:[ \t]?(?:bis|ter))?,?[ \t]+"
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
    cues.words(
        "calle",
        "c/",
        "avenida",
        "avda",
        "avda.",
        "av.",
        "paseo",
        "plaza",
        "camino",
        "carrera",
        "ronda",
        "rambla",
        "traves\u00eda",
        "travesia",
        "glorieta",
        "carrer",
        "avinguda",
        "passeig",
    )
    + rb"[ \t]*(?:(?:de|del|la|las|los|el)[ \t]+)*"
    + _NAME_WORD
    + rb"(?:[ \t]"
    + _NAME_WORD
    + rb"){0,3}"
    + rb",?[ \t]+(?:(?i:n[\xc2\xba\xb0o]|n\xc3\xbam\.?|num\.?)[ \t]?)?\d{1,4}[A-Za-z]?(?:-\d{1,4})?\b"
    # the floor and door: `3º B`, `2º izq.` (the view has `3   B`)
    + rb"(?:,[ \t]*\d{1,2}\b(?:\xc2[\xaa\xba])?[ \t]{0,3}(?:[A-Za-z]{1,9}\b\.?)?)?"
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
    + rb"[ \t]+\d{1,4}[a-z]?(?:[\-/]\d{1,4}[a-z]?)?\b"  # (`Friedrichstraße 43-45`)
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
        + rb"){2,7}(?:::)?|\b"
        # `2001:db8::`: a prefix of two groups or more ends in `::` (`fe80::` alone names no host)
        + _IPV6_GROUP
        + rb"(?::"
        + _IPV6_GROUP
        + rb"){1,6}::|::(?:"
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
    # (`step 1.2.3.4 of the guide`: a numbered step, as a section is)
    rb"(?i)(?:\b(?:version|versionsnummer|versi\xc3\xb3n|build|release|firmware|update|upgrade|patch|section|chapter"
    rb"|step|steps|paso|\xc3\xa9tape|etape|schritt|clause|paragraph|article|figure|fig\.?|ver\.?|v)"
    # (`app version is 3.2.0.5`, `the version number is 1.2.3.4`, `version no. 1.2.3.4`)
    rb"|\xc2\xa7)(?:[ :#]*\b(?:number|num|no|nr|is|was|es|est|ist)\b\.?)*[ :#]*$"
)
# `6.8.2.5 is the version the store shows`, `3.2.4.65 is installed`: a version named after the value
_VERSION_AFTER = re.compile(
    rb"(?i)[ \t]+(?:is|was)[ \t]+(?:(?:the|my|our)[ \t]+)?"
    rb"(?:(?:latest|current|new|old|app|firmware|software)[ \t]+)?"
    rb"(?:version|build|release|installed)\b"
)
_PREFIX_GROUP = re.compile(rb"[0-9A-Fa-f]{3}|[A-Fa-f]")
_INWARD_UNITS = re.compile(rb"\d[TGMK]B$")
_UNIT_PREFIX = re.compile(_UNIT_FIRST)
_FR_STREET = frozenset(
    (b"rue", b"avenue", b"av", b"boulevard", b"bd", b"chemin", b"all\xc3\xa9e", b"allee", b"impasse", b"quai")
) | frozenset((b"route", b"cours", b"place"))
_FR_PARTICLE = (b"de", b"du", b"des", b"la", b"le", b"les", b"d'", b"l'", b"saint", b"sainte")


def unit_prefix(data: bytes, start: int, end: int) -> int:
    """Where the house number starts in the address at data[start:end] (after `Flat 2, `, `3rd Floor, `)."""
    unit = _UNIT_PREFIX.match(data, start, end)
    return unit.end() if unit else start


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
            if _VERSION_AFTER.match(data, end):
                return None
            return (start, end, kind)
        if before[-1:].isalnum() or before.endswith(b":") or after[:1].isalnum() or not ipv6_ok(tok):
            return None
        if tok.endswith(b"::") and not _PREFIX_GROUP.search(tok):
            return None  # (`10:30::`: a time, where `2001:db8::` has a group of three or a hex letter)
        return (start, end, kind)
    if kind == "UK_NINO":
        return (start, end, kind) if nino_ok(tok.translate(None, b" \t"), strict=True) else None
    if kind == "POSTAL_CODE":
        return None if _INWARD_UNITS.search(tok) else (start, end, kind)
    if tok.endswith(b".") and len(tok.rsplit(None, 1)[-1]) > 5:  # `… Baker Road.`: a full stop
        tok, end = tok[:-1], end - 1
    # a street address: its name words are no ordinary words (`3 blocks down the street`)
    words = tok[unit_prefix(tok, 0, len(tok)) :].split()  # (`Flat 2, 10 Downing St`: from the number)
    if len(words) < 3 and words[0][:1].isdigit():
        return None
    if words[0][:1].isdigit():
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
        # (in lower case, a ZIP or postcode at the end says it: `1087 elm circle boston ma 02118`)
        coded = len(words) > len(names) + 2 and any(c in b"0123456789" for c in words[-1])
        if suffix in WEAK_SUFFIX and not coded and not all(w[:1].isupper() or w[:1].isdigit() for w in raw):
            return None
    return (start, end, kind)


# a URL's host when it is an IP address: `http://192.168.1.10/login`, `http://user@[2001:db8::1]:8080/`,
# `http://2001:db8::1/` (unbracketed, as customers type it); a port may follow
_URL_HOST = re.compile(
    rb"(?i:https?://)(?:[^/?#@\s]{1,64}@)?(?:\[(?P<b>[0-9A-Fa-f:.]{2,45})(?:%[^\]\s]{0,16})?\](?::\d{1,5})?"
    rb"|(?P<h>[0-9A-Fa-f:.]{2,51}))(?=[/?#\s]|$)"
)
_PORT = re.compile(rb":\d{1,5}$")
# a query parameter's value that is an IP address: `…/lookup?ip=203.0.113.5&x=1`
# (not a version: `?v=1.2.3.4`)
_URL_PARAM_IP = re.compile(rb"[?&;](?P<n>[A-Za-z0-9_.\-]{0,32})=(?P<v>[0-9A-Fa-f:.]{2,45})(?=[&#;]|$)")
_VERSION_PARAMS = frozenset(b"v ver version build release rev revision fw firmware".split())


def _ip_ok(host: bytes) -> bool:
    return ipv4_ok(host) if b":" not in host else ipv6_ok(host)


def url_ips(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the IP addresses in the URL at data[start:end]: its host, its query parameters' values."""
    found = []
    m = _URL_HOST.match(data, start, end)
    if m is not None:
        group = "b" if m.start("b") >= 0 else "h"
        hs, he = m.span(group)
        host = data[hs:he]
        if group == "h" and _PORT.search(
            host
        ):  # (`137.179.27.206:8080`; a bare IPv6's last group may be one)
            bare = host[: host.rindex(b":")]
            if b":" not in bare or not ipv6_ok(host):
                host, he = bare, hs + len(bare)
        if _ip_ok(host):
            found.append((hs, he))
    query = data.find(b"?", start, end)
    if query >= 0:
        for p in _URL_PARAM_IP.finditer(data, query, end):
            if p.group("n").lower() not in _VERSION_PARAMS and _ip_ok(p.group("v")):
                found.append(p.span("v"))
    return found
