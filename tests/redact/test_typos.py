"""Cue words as customers type them on phones (typos.py): a slip of the thumb, accents and apostrophes
left out, the frequent misspellings; the value after them is found as after the right spelling, and a
misspelt cue before no value (`I forgot my pasword`, `pasport photo`) changes nothing."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from archiver.redact import Redactor
from archiver.redact.typos import (
    KEY_WORDS,
    MISSPELT,
    NOT_VARIANTS,
    _plain,
    alternation,
    slips,
    spellings,
    variants,
)

R = Redactor()
DICTS = Path(__file__).resolve().parents[2] / ".tools" / "dict" / "usr" / "share" / "dict"

# (text, value, type): the value replaced by its token, nothing else changed
POSITIVE: list[tuple[str, str, str]] = [
    # PASSWORD: dropped, swapped, abbreviated; Spanish without ñ, French and German slips
    ("my pasword is Hunter2!", "Hunter2!", "PASSWORD"),
    ("passwrod: fluffy123", "fluffy123", "PASSWORD"),
    ("paswd: blue-sky-9", "blue-sky-9", "PASSWORD"),
    ("hola pasword is fluffy123", "fluffy123", "PASSWORD"),
    ("pssword Katze#2020", "Katze#2020", "PASSWORD"),
    ("mi contrasena es Gato2020", "Gato2020", "PASSWORD"),
    ("mi contraseña es Gato2020", "Gato2020", "PASSWORD"),
    ("mi contrsena es Gato2020", "Gato2020", "PASSWORD"),
    ("mot de pase: Soleil2020", "Soleil2020", "PASSWORD"),
    ("mein passwrot ist Katze2020", "Katze2020", "PASSWORD"),
    ("mon mot de passe cest Soleil2020", "Soleil2020", "PASSWORD"),
    ("mon mot de passe c’est Soleil2020", "Soleil2020", "PASSWORD"),
    ("mein Kenwort ist Katze2020", "Katze2020", "PASSWORD"),
    # BANK_ACCOUNT
    ("acount number 12345678", "12345678", "BANK_ACCOUNT"),
    ("accout number is 12345678", "12345678", "BANK_ACCOUNT"),
    ("acc no 12345678", "12345678", "BANK_ACCOUNT"),
    ("numero de cuenta 12345678", "12345678", "BANK_ACCOUNT"),
    ("mi cunta es 12345678", "12345678", "BANK_ACCOUNT"),
    ("numéro de comtpe 12345678", "12345678", "BANK_ACCOUNT"),
    ("Kontonumer 12345678", "12345678", "BANK_ACCOUNT"),
    ("savigns account 12345678", "12345678", "BANK_ACCOUNT"),
    # BANK_ROUTING
    ("routng number 021000021", "021000021", "BANK_ROUTING"),
    ("rounting number 021000021", "021000021", "BANK_ROUTING"),
    ("rotuing # 021000021", "021000021", "BANK_ROUTING"),
    # CARD_CVV
    ("secuirty code 123", "123", "CARD_CVV"),
    ("securty code 456", "456", "CARD_CVV"),
    ("secutiry code 789", "789", "CARD_CVV"),
    ("ccv 321", "321", "CARD_CVV"),
    ("codigo de segurdad 123", "123", "CARD_CVV"),
    ("code de securite 123", "123", "CARD_CVV"),
    ("code de securtie 123", "123", "CARD_CVV"),
    # CARD_EXPIRY
    ("expirey 09/29", "09/29", "CARD_EXPIRY"),
    ("expiery date 09/29", "09/29", "CARD_EXPIRY"),
    ("exipry 09/29", "09/29", "CARD_EXPIRY"),
    ("experation date 09/29", "09/29", "CARD_EXPIRY"),
    ("fecha de vencimeinto 09/29", "09/29", "CARD_EXPIRY"),
    ("date d expiration 09/29", "09/29", "CARD_EXPIRY"),
    ("date dexpiration 09/29", "09/29", "CARD_EXPIRY"),
    ("gultig bis 09/29", "09/29", "CARD_EXPIRY"),
    ("Abluafdatum 09/29", "09/29", "CARD_EXPIRY"),
    # PASSPORT
    ("pasport # C12345678", "C12345678", "PASSPORT"),
    ("passprt number C12345678", "C12345678", "PASSPORT"),
    ("numero de pasaprote X1234567", "X1234567", "PASSPORT"),
    ("numéro de passeport 12AB34567", "12AB34567", "PASSPORT"),
    ("Reispass C01X00T47", "C01X00T47", "PASSPORT"),
    # DRIVER_ID
    ("drivers lisence D1234567", "D1234567", "DRIVER_ID"),
    ("liscense number D1234567", "D1234567", "DRIVER_ID"),
    ("licencia de conducri 12345678Z", "12345678Z", "DRIVER_ID"),
    ("Fuhrerschein B072RRE2I55", "B072RRE2I55", "DRIVER_ID"),
    ("Fuhrerschien B072RRE2I55", "B072RRE2I55", "DRIVER_ID"),
    # DATE_OF_BIRTH
    ("my birth day is 5th June 1942", "5th June 1942", "DATE_OF_BIRTH"),
    ("brithday 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("date of brith 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("d o b 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("fecha de nacimeinto 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("cumpleanos 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("date de naisance 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("Gebrutsdatum 12.03.1985", "12.03.1985", "DATE_OF_BIRTH"),
    # national numbers
    ("natinal insurance number QQ123456C", "QQ123456C", "UK_NINO"),
    ("socail insurance number 046 454 286", "046 454 286", "CA_SIN"),
    ("mon numéro dassurance sociale est 046-454-286", "046-454-286", "CA_SIN"),
    ("mon numéro d’assurance sociale est 046-454-286", "046-454-286", "CA_SIN"),
    ("numero dasurance sociale 046 454 286", "046 454 286", "CA_SIN"),
    ("socail security 123456789", "123456789", "US_SSN"),
    # sort code, postal code
    ("sotr code 12-34-56", "12-34-56", "UK_SORT_CODE"),
    ("s/c 10-39-74", "10-39-74", "UK_SORT_CODE"),
    ("zipcdoe 94107", "94107", "POSTAL_CODE"),
    ("postocde SW1A 1AA", "SW1A 1AA", "POSTAL_CODE"),
    ("my postocde is 75001", "75001", "POSTAL_CODE"),
    # PERSON_NAME: apostrophes and accents dropped, a slip
    ("je mappelle Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("jmappelle Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("je m’appelle Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("je m'apelle Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("ich heisse Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("ich heise Hans Zhang", "Hans Zhang", "PERSON_NAME"),
    ("the carholder is Hans Zhang", "Hans Zhang", "PERSON_NAME"),
]

# a misspelt cue before no value: byte-identical
NEGATIVE = [
    "I forgot my pasword",
    "I forgot my pasword yesterday",
    "pasword reset please",
    "pasword 3 times wrong",
    "my pasword has 12 characters",
    "acount locked",
    "my acount was locked 3 days ago",
    "I need the acount page",
    "pasport photo",
    "pasport photo 2x2",
    "pasport expires in 2027",
    "the secuirty code doesnt work",
    "secuirty question",
    "expirey date is on the back",
    "brithday party on 03/12/2025",
    "routng is fine",
    "routine 123456789",
    "the routine check 2024-2025",
    "lisence plate ABC 1234",
    "drivers lisence renewal in 2025",
    "sotr the files from 12-05-24",
    "he passes 12345678",
    "the accounts 2024 report",
    "saving 150000 records took long",
    "transit 5 minutes",
    "postal 3 days late",
    "ich bin am 13.05.2025 im Urlaub",
    "the names are listed below",
    "il mapelle demain",
    "cest la vie 2020",
]


@pytest.mark.parametrize(("text", "value", "kind"), POSITIVE)
def test_misspelt_cue_finds_its_value(text: str, value: str, kind: str) -> None:
    assert R.redact(text).text == text.replace(value, f"[REDACTED:{kind}]")


@pytest.mark.parametrize("text", NEGATIVE)
def test_misspelt_cue_without_value_changes_nothing(text: str) -> None:
    assert R.redact(text).text == text


def test_spellings_drop_accents_and_apostrophes() -> None:
    assert "numero d'assurance sociale" in spellings("numéro d'assurance sociale")
    assert "numero dassurance sociale" in spellings("numéro d'assurance sociale")
    assert "numéro d\u2019assurance sociale" in spellings("numéro d'assurance sociale")
    assert {"fuehrerschein", "fuhrerschein"} <= spellings("führerschein")
    assert "heisse" in spellings("heiße")


def test_slips_keep_the_first_letter_and_skip_short_and_generic_words() -> None:
    found = variants("password")
    assert {"pasword", "passwrod", "passsword", "passwor"} <= found
    assert "assword" not in found and "apssword" not in found
    assert variants("pin") == {"pin"}  # (too short)
    assert variants("order id") == {"order id"}  # (no word that names a value)


def test_no_single_word_variant_is_a_word_of_its_own() -> None:
    """Against Debian's word lists of the four languages (`make test` unpacks them under .tools/dict)."""
    lists = [DICTS / n for n in ("american-english", "french", "ngerman", "spanish")]
    missing = [str(p) for p in lists if not p.exists()]
    assert not missing, f"word lists missing (run `make test`, which unpacks them): {missing}"
    words = {w.strip().lower() for p in lists for w in p.read_text("utf-8", errors="ignore").split()}
    words |= {_plain(w) for w in words}
    slipped = {v for k in KEY_WORDS for v in slips(k)} | {v for vs in MISSPELT.values() for v in vs}
    # (what is left is a cue's other spelling: `passport` of `passeport`, `expire` of `expires`)
    left = {v for v in slipped if v in words} - NOT_VARIANTS
    assert left <= {"expire", "passport", "social", "driver", "gultig"}, left


def _listed(forms: list[str]) -> re.Pattern[bytes]:
    """The plain sorted alternation the trie replaces (longest first)."""
    ordered = sorted(forms, key=lambda w: (-len(w.encode()), w))
    return re.compile(b"(?:" + b"|".join(map(_word, ordered)) + b")")


def _word(word: str) -> bytes:
    core = b"".join(
        f"[{chr(b).lower()}{chr(b).upper()}]".encode()
        if b < 0x80 and chr(b).isalpha()
        else re.escape(bytes((b,)))
        for b in word.encode()
    )
    if word[0].isascii() and word[0].isalnum():
        core = rb"\b" + core
    if word[-1].isascii() and word[-1].isalnum():
        core += rb"\b"
    return core


def test_trie_matches_as_the_sorted_list() -> None:
    rng = random.Random(20261202)
    letters = "abcé. '"
    for _ in range(200):
        forms = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 5))) for _ in range(8)})
        forms = [f for f in forms if f.strip()]
        trie = re.compile(alternation(forms))
        plain = _listed(forms)
        for _ in range(20):
            text = "".join(rng.choice(letters + "xA") for _ in range(rng.randint(0, 12))).encode()
            for pos in range(len(text) + 1):
                a, b = trie.match(text, pos), plain.match(text, pos)
                assert (a and a.group()) == (b and b.group()), (forms, text, pos)
