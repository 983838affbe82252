"""The checks on a PERSON_NAME candidate's value: where the name ends, and whether it is one at all.

The combined pattern finds a cue (`my name is`, `ich bin`, `card is under`, a bare `name`) and the
capitalised, lower-case or all-capitals words after it; these checks decide from the word lists
(`wordlists.py`) whether those words are a name (`I'm Ready`, `Ich bin Kunde`, `brand name Nike Air` are
not) and drop the words after it that are none. docs/redaction.md, PERSON_NAME, lists the rules.
"""

from __future__ import annotations

import re

from archiver.redact import cues
from archiver.redact.wordlists import NAME_TITLES, NOT_NAME_STARTS, NOT_NAMES, OTHER_NAMES

_WORDS = re.compile(rb"[^ \t]+")


def person_length(value: bytes, cue: bytes = b"", gap: bytes = b"") -> int | None:
    """Length of the name in `value`, or None when its first word is no name (`I'm Ready`, `Ich bin Kunde`).

    The pattern bounds the words (five at most), so all of them are kept but the words that are no name at
    its end: in capitals or lower case (`MY NAME IS JOHN AND I NEED HELP`, `jane smith and i …`) the name
    ends at its first common word, capitalised (`Jack Black Smith`) only such words at its end go. After a
    third-person cue a name in lower case needs two words (`card is under review`, `speaking with him`
    are none); `cue` and `gap` are the candidate's.
    """
    comma = value.find(b", ")
    if comma > 0 and b" " not in value[:comma]:  # (not `John Smith, Sr.`)
        # `Name: Smith, John`; after `my name is Sarah, Thanks …` the name is the first word
        form = b":" in gap or cue.endswith(b":")
        if form and _fold(value[comma + 2 :].split()[0]) not in _NOT_FIRST:
            return _given_after_surname(value, comma)
        value = value[:comma]
    found = _person_length(value)
    if found is None or not value[:1].islower() or not (cue.lower() in _THIRD or cue.lower() in _LOWER_PAIRS):
        return found
    kept = value[:found].split()
    if len(kept) < 2 or any(_fold(w) in _LOWER_THIRD_STOPS for w in kept):
        return None
    # (`the account holder passed away`: after a noun the name needs its `is` or colon)
    return None if cue.lower() in _HOLDER_NOUNS and _CONNECTOR.search(gap) is None else found


def _given_after_surname(value: bytes, comma: int) -> int | None:
    """`Smith, John` after a colon: the surname, then the given name (or None when the surname is no name)."""
    if _person_length(value[:comma]) is None:
        return None
    rest = _person_length(value[comma + 2 :])
    return comma if rest is None else comma + 2 + rest


def name_context_ok(data: bytes, start: int, end: int, cue: bytes, lower: bool) -> bool:
    """A name does not run on into digits or signs (`its Hunter3`, `its Qwerty!7`: a password); after a weak
    cue (at `start`) no number follows it (`This is Tier 2 Support`), and in lower case a greeting comes
    before the cue (`hi this is carlos rossi`; `this is really bad`, `i'm worried sick` are none)."""
    nxt = data[end : end + 1]
    if nxt.isdigit() or (nxt in _GLUE_SIGNS and data[end + 1 : end + 2].isalnum()):
        return False
    if cue.lower() not in _WEAK:
        return True
    if lower and _GREETING.search(data, max(0, start - 24), start) is None:
        return False
    return _NUMBER_NEXT.match(data, end) is None


def _person_length(value: bytes) -> int | None:
    if b" " not in value and b"\t" not in value:  # one word, the commonest (`I'm Sam`): no list to build
        key = _fold(value)
        if key in _NOT_FIRST or key in NAME_TITLES:
            return None
        return None if value[:1].islower() and (key in _PARTICLES or key in _LOWER_NOT_NAMES) else len(value)
    words = [(m.end(), _fold(m.group())) for m in _WORDS.finditer(value)]
    first = 0
    while first < len(words) and words[first][1] in NAME_TITLES:  # `Frau Schmidt`, `Mr Martin`
        first += 1
    if first == len(words) or words[first][1] in _NOT_FIRST:
        return None
    lower = value[:1].islower()
    stop = _NOT_NAMES
    if lower:  # `nombre completo del titular`, `Mein Name ist anders geschrieben`
        if words[first][1] in _PARTICLES or words[first][1] in _LOWER_NOT_NAMES:
            return None
        stop = _LOWER_STOPS  # (and another value's cue: `name liam patel dob 28.1.1973`)
    kept = len(words)
    if lower or value.upper() == value:  # lower case or capitals: up to the first common word
        kept = next((i for i in range(first + 1, kept) if words[i][1] in stop and len(words[i][1]) > 1), kept)
    while kept > first + 1 and (words[kept - 1][1] in _NOT_NAMES or _bare_initial(words[kept - 1][1])):
        kept -= 1
    return words[kept - 1][0]


def _fold(word: bytes) -> bytes:
    """Lower case, accented capitals too (`Étudiant`, as the word lists spell it: `étudiant`)."""
    return word.lower() if word.isascii() else word.decode("utf-8", "replace").lower().encode()


BARE_NAME = frozenset((b"name", b"Name", b"NAME"))
_NAME_PARTS = frozenset((b"last", b"first", b"middle", b"maiden", b"family", b"given", b"sur"))
_WORD_BEFORE = re.compile(rb"([A-Za-z]+)[ \t]*$")
_POSSESSIVES = frozenset((b"my", b"his", b"her", b"their", b"our", b"your"))
_DIGITS_BEFORE = re.compile(rb"\d[ \t]*[,;]?[ \t]+$")
_APOS_S = re.compile(rb"[A-Za-z](?:'|\xe2\x80\x99)s[ \t]*$")


def bare_name_ok(data: bytes, start: int, gap: bytes, value: bytes) -> bool:
    """After a bare `name`: two words at least unless a dash says so (`name - Mr Martin`), and no word before
    it that makes it another thing's name (`brand name Nike Air`, `the name Contoso Support`); after a
    comma, a possessive before it (`under my wife's name, Maria Gonzalez`, not `name, Email Address`)."""
    before = _WORD_BEFORE.search(data, max(0, start - 24), start)
    word = b"" if before is None else before.group(1).lower()
    if b"," in gap and not (word in _POSSESSIVES or _APOS_S.search(data, max(0, start - 8), start)):
        return False
    if value[:1].islower() and _DIGITS_BEFORE.search(data, max(0, start - 4), start) is None:
        return False  # (`… account number 988235142 name mohammed hernández`: a list of details)
    if b"-" not in gap and b"=" not in gap and len(value.split()) < 2 and word not in _NAME_PARTS:
        return False  # (`last name Smith`: one word is the whole value)
    return word not in OTHER_NAMES


def _bare_initial(word: bytes) -> bool:
    """`John I` (of `JOHN I NEED HELP`): a letter without its full stop ends no name."""
    return len(word) == 1


# (bytes, lower-cased ASCII-wise: `Désolé`.lower() is `désolé`, which is how the list spells it)
_NOT_NAMES = frozenset(w.encode() for w in NOT_NAMES)
_NOT_FIRST = _NOT_NAMES | NOT_NAME_STARTS
_PARTICLES = frozenset(cues.PARTICLES)
# names when capitalised, common words in lower case (`Anders` / `anders geschrieben`, `Will` / `will`)
_LOWER_NOT_NAMES = frozenset((b"anders", b"will", b"may", b"les", b"des", b"son", b"ma"))

_WEAK = frozenset(c.encode().lower() for c in cues.WEAK_NAME_CUES)
_THIRD = frozenset(c.encode().lower() for c in cues.THIRD_NAME_CUES)
# the cues after which a lower-case name needs two words (and no pronoun, mood word …): all but the
# first-person ones
_LOWER_PAIRS = _WEAK | {b"name"}
# `its Qwerty!7`: a sign glued between a word and more letters or digits ends no name
# (not `&`, `=`, `@`, `_`: `?v=my name is Jane Doberman&x=1`, an address or a handle goes on there)
_GLUE_SIGNS = frozenset((b"!", b"#", b"$", b"%", b"*", b"^", b"~"))
_NUMBER_NEXT = re.compile(rb"[ \t]+\d")
_GREETING = re.compile(
    rb"(?i:\b(?:hi|hello|hey|hiya|hola|buenas|buenos d\xc3\xadas|bonjour|salut|hallo|servus|moin"
    rb"|good (?:morning|afternoon|evening)))[ \t,!.]*$"
)
# lower-case words after a third-person cue that are no name (`speaking with him yesterday`, `card is under
# investigation`): pronouns and the words around them
_LOWER_THIRD_STOPS = frozenset(
    b"him her them his hers their theirs someone somebody anyone anybody yesterday today tomorrow earlier"
    b" before after about since until again him. her. them. there here now then still please thanks been"
    b" gone broken over down out off back late early ages weeks days months years ago stuck kinda pretty"
    b" super quite extremely totally absolutely completely annoyed worried tired sick mad fed pissed lost"
    b" desperate furious livid bit little".split()
)
_HOLDER_NOUNS = frozenset(
    (
        b"account holder",
        b"cardholder",
        b"card holder",
        b"cardholder name",
        b"name on the card",
        b"titular",
        b"titulaire",
        b"karteninhaber",
    )
)
_CONNECTOR = re.compile(rb"[:\-]|(?i:\b(?:is|es|est|ist|lautet)\b)")
# the one-word cues of every type (`dob`, `geburtsdatum`, `iban`): a name in lower case ends before them
_CUE_WORDS = frozenset(w.encode().lower() for _, ws, _ in cues.ALTERNATIVES for w in ws if " " not in w)
_LOWER_STOPS = _NOT_NAMES | _LOWER_NOT_NAMES | _CUE_WORDS
