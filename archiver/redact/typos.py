"""The misspellings of cue words that customers type on phones: `pasword is …`, `acount number …`.

A cue word that misses its value because of one slip of the thumb is a leak: a blind audit found recall
0.98 after cues spelt right and 0.18 after misspelt ones. So every cue word of `cues.py` also matches as

- one slip inside a word that names the value (`KEY_WORDS`, 5-12 letters), the first letter kept (people
  rarely get it wrong, and keeping it spares the automaton): a letter dropped (`pasword`, `acount`,
  `routng`), two neighbours swapped (`secuirty`, `brithday`, `passwrod`) or a letter doubled (`passsword`);
- what phone keyboards do to spelling: accents left out (`numero`, `Fuhrerschein`, `contrasena`; German
  umlauts also as `ue`/`oe`/`ae` and `ß` as `ss`), apostrophes dropped or curly (`dassurance`, `je
  mappelle`, `d’assurance`);
- the frequent misspellings no single slip explains (`MISSPELT`: `lisence`, `rounting`, `secutiry`,
  `expiery`, `birth day`), which spell checkers' lists of common errors and chat logs show.

A variant that is itself a word of English, Spanish, French or German (`diver` is one slip from `driver`,
`saving` from `savings`, `im` is `i'm` without its apostrophe) would make that word a cue: `NOT_VARIANTS`
lists them (a test checks the slips against Debian's word lists, which `make test` unpacks). The
value after a misspelt cue must pass the same checks as after the right spelling, so `I forgot my
pasword` or `pasport photo` hold no value.

Each variant is one more string in the combined automaton, so cue words are compiled as a trie
(`alternation`) and docs/redaction.md gives the cost measured.
"""

from __future__ import annotations

import re
import unicodedata


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# the words that get one-slip variants: five letters or more (`pin` has none), twelve at most (each slip
# of a word of n letters adds ~n/2 bytes to the automaton per phrase it is in: the long German compounds
# cost the most, and are seldom typed)
MIN_LENGTH = 5
MAX_LENGTH = 12

# The words that name a value, in the four languages (in their plain spelling): the ones whose slips are
# generated. (The words around them, `number`, `de`, `date`, `card`, carry nothing alone, and a slip in
# every word of every phrase would add 12,000 strings to the automaton.)
KEY_WORDS = _set(
    """
    password passcode username security expiry expiration expires expiring expire birthday birthdate
    birth insurance national social taxpayer routing transit account checking savings postcode postal
    zipcode passport license licence drivers driving driver cardholder contrasena usuario seguridad
    vencimiento caducidad nacimiento cumpleanos cuenta pasaporte licencia conducir passe securite
    naissance anniversaire assurance sociale compte passeport permis conduire appelle titulaire passwort
    kennwort pruefnummer pruefziffer ablaufdatum gueltig gultig geburtsdatum geboren geburtstag
    kontonummer reisepass fuhrerschein fuehrerschein heisse
    """
)

# (German first: `ü` is written `ue` when the key is missing; the bare vowel is the other habit)
_GERMAN = {"ä": ("ae", "a"), "ö": ("oe", "o"), "ü": ("ue", "u"), "ß": ("ss",)}
_APOSTROPHES = ("'", "\u2019")

# The frequent misspellings that are no single slip (or a slip in a short word), per word of a cue or per
# whole cue: applied wherever the word appears (`lisence` in `drivers lisence`).
MISSPELT: dict[str, tuple[str, ...]] = {
    "password": ("paswd", "psswd", "pasword", "passwrd"),
    "passport": ("pasprt",),
    "account": ("accnt", "acount"),
    "routing": ("rounting",),
    "security": ("secutiry", "secrity", "securiry", "securuty", "secuirity"),
    "expiry": ("expiery", "expirey", "expirary", "expiray"),
    "expiration": ("experation", "expieration", "expiraton"),
    "license": ("lisence", "liscense", "lisense", "lincense", "licesne", "licens"),
    "licence": ("lisence", "liscence", "licens", "lisense"),
    "birthday": ("birth day", "bday", "bithday", "birtday"),
    "birth": ("brith", "bith"),
    "sort": ("sotr", "srot"),
    "number": ("numbr", "nunber", "numbe"),
    "cvv": ("ccv", "cvc2"),
    "dob": ("d o b", "d.o.b"),
    "je m'appelle": ("jmappelle", "j'mappelle", "jm'appelle", "je m'apelle"),
}

# One-slip or plain-spelling variants that are words of their own (EN/ES/FR/DE dictionaries), never cues
# on their own (`tests/redact/test_typos.py` checks the list against the system dictionaries where they
# are installed): `diver`, `saving`, `routine` stay words. (Inside a phrase they do no harm.)
NOT_VARIANTS = _set(
    """
    appele appell comptee comte copte cuneta diver drier drive divers driers drives diving expiation
    expie expier expiree expies expirees expres gutig heiss hesse hiesse hisse licensee pase pass passee
    peris perms posta saving socia transi transt ne nee im names
    """
)


def _plain(text: str) -> str:
    """`text` without its accents (`número` -> `numero`); German letters as their plain vowel."""
    decomposed = unicodedata.normalize("NFD", text.replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _german(text: str) -> set[str]:
    """`führerschein` -> `fuehrerschein`, `fuhrerschein`; `heiße` -> `heisse`."""
    forms = {""}
    for c in text:
        forms = {f + r for f in forms for r in _GERMAN.get(c, (c,))}
    return forms


def spellings(cue: str) -> set[str]:
    """The cue as phones type it: accents and apostrophes dropped or changed (no slips)."""
    forms = {cue} if cue.isascii() else {cue, _plain(cue)} | _german(cue)
    for form in list(forms):
        if "'" in form or "\u2019" in form:
            bare = form.replace("\u2019", "'")
            forms |= {bare.replace("'", a) for a in _APOSTROPHES} | {bare.replace("'", "")}
    return forms


def slips(word: str) -> set[str]:
    """One slip of the thumb in `word`, first letter kept: a letter dropped or doubled, neighbours swapped."""
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH or word not in KEY_WORDS:
        return set()
    out = set()
    for i in range(1, len(word)):
        out.add(word[:i] + word[i + 1 :])  # dropped
        out.add(word[:i] + word[i] + word[i:])  # doubled
        if i + 1 < len(word) and word[i] != word[i + 1]:
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # swapped
    out.discard(word)
    return out


def variants(cue: str, slipped: bool = True) -> set[str]:
    """Every way `cue` is typed: its spellings, each with at most one misspelt word (`slipped`)."""
    forms = spellings(cue)
    if not slipped:
        return forms
    forms |= {f for wrong in MISSPELT.get(cue, ()) for f in spellings(wrong)}  # (`jmappelle`)
    out = set(forms)
    # (slips in the plain spelling only, `contraseña` careful is seldom slipped as well; after an elided
    # article the word itself: `d'asurance`, then spelt `dasurance` too)
    for form in (f for f in forms if f.isascii()):
        parts = form.split(" ")
        for i, part in enumerate(parts):
            head, _, word = part.rpartition("'")
            head += "'" if head else ""
            for wrong in slips(word) | set(MISSPELT.get(word, ())):
                out |= spellings(" ".join([*parts[:i], head + wrong, *parts[i + 1 :]]))
    return out


_EXPANDED: set[tuple[str, ...]] = set()


def with_typos(cues: tuple[str, ...], *, gap: bool = False, slipped: bool = True) -> tuple[str, ...]:
    """`cues`, then their variants that are not already listed (the listed order is kept).

    With `gap` (the value may follow a few words after the cue), a variant whose words hold another cue
    or variant is left out: `routng number 021…` is the cue `routng` and the gap ` number`, `fecha de
    nacimeinto 12/03/1985` the cue `nacimeinto`. Expanding an
    expanded tuple returns it as it is (`cues.py` lists some tuples that `extra.py` compares with).
    """
    if cues in _EXPANDED:
        return cues
    found = {v for cue in cues for v in variants(cue, slipped)}
    found = {v for v in found if v in cues or v not in NOT_VARIANTS}
    if gap:
        found = {v for v in found if v in cues or not _holds_cue(v, found)}
    out = cues + tuple(sorted(found - set(cues)))
    _EXPANDED.add(out)
    return out


def _holds_cue(variant: str, cues: set[str]) -> bool:
    parts = variant.split(" ")
    n = len(parts)
    return any(" ".join(parts[i:j]) in cues for i in range(n) for j in range(i + 1, n + 1) if j - i < n)


_END = -1  # (the key of a trie node that ends a word)


def alternation(forms: list[str]) -> bytes:
    """`(?:…)` matching any of `forms` (ASCII letters in either case, `\\b` at ASCII word ends), as a trie.

    A listed `a|b|c` makes RE2 and Python try every word at every start (Python's `re` goes through the
    branches one by one); a trie shares the prefixes, so thousands of misspellings cost little more than
    their distinct letters. It matches as the sorted list did: words are literal, so two of them match at
    one position only if one is a prefix of the other, and the trie tries the longer one first.
    """
    root: dict[int, dict] = {}  # type: ignore[type-arg]
    for form in forms:
        node = root
        for byte in form.encode("utf-8"):
            node = node.setdefault(byte | 0x20 if 0x41 <= byte <= 0x5A else byte, {})
        node[_END] = {}
    return b"(?:" + _LETTER_RUN.sub(_ignore_case, _branches(root, None)) + b")"


# a run of ASCII letter classes (`[pP][aA][sS]`) as one case-insensitive run (`(?i:pas)`): the same match
# for RE2 (Latin-1 mode folds no ASCII letter onto another byte) and Python, whose `re` compiles a run
# ~40 % faster than the classes
_LETTER_RUN = re.compile(rb"(?<!\\)(?:\[[a-z][A-Z]\]){2,}")


def _ignore_case(run: re.Match[bytes]) -> bytes:
    return b"(?i:" + run.group()[1::4] + b")"


def _branches(node: dict[int, dict], last: int | None) -> bytes:  # type: ignore[type-arg]
    out = []
    for key in sorted(k for k in node if k != _END):
        # (a word that starts with an ASCII letter or digit starts at a word boundary)
        src = _START[key] if last is None else _BYTE[key]
        out.append(src + _branches(node[key], key))
    if _END in node:  # (last: the longer words first)
        out.append(rb"\b" if last is not None and _ALNUM[last] else b"")
    if len(out) == 1 and last is not None:
        return out[0]
    return b"(?:" + b"|".join(out) + b")" if last is not None else b"|".join(out)


_ALNUM = [b < 0x80 and chr(b).isalnum() for b in range(256)]
# each byte's source: ASCII letters in either case, the rest literal
_BYTE = [
    f"[{chr(b)}{chr(b).upper()}]".encode("ascii") if b < 0x80 and chr(b).isalpha() else re.escape(bytes((b,)))
    for b in range(256)
]
_START = [rb"\b" + src if alnum else src for src, alnum in zip(_BYTE, _ALNUM, strict=True)]
