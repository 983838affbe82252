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


def person_length(value: bytes) -> int | None:
    """Length of the name in `value`, or None when its first word is no name (`I'm Ready`, `Ich bin Kunde`).

    The pattern bounds the words (five at most), so all of them are kept but the words that are no name at
    its end: in capitals or lower case (`MY NAME IS JOHN AND I NEED HELP`, `jane smith and i …`) the name
    ends at its first common word, capitalised (`Jack Black Smith`) only such words at its end go.
    """
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
        stop = _NOT_NAMES | _LOWER_NOT_NAMES
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


def bare_name_ok(data: bytes, start: int, gap: bytes, value: bytes) -> bool:
    """After a bare `name`: two words at least unless a dash says so (`name - Mr Martin`), and no word before
    it that makes it another thing's name (`brand name Nike Air`, `the name Contoso Support`)."""
    before = _WORD_BEFORE.search(data, max(0, start - 24), start)
    word = b"" if before is None else before.group(1).lower()
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
