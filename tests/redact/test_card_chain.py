"""A card pasted with its expiry and code between dashes or on lines of their own, expiries written with a
month's name, dates of birth in the `6-Mar-2002` / `3rd April '90` / `3 4 1990` forms, a Spanish CCC, a code
read out digit by digit, an IPv6 prefix ending in `::` (second blind audit, items 1, 5, 10), and the
look-alikes that must stay byte-identical: versions, product codes in an SSN's shape, build numbers, a
warranty's expiry."""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()
CARD = "4111 1111 1111 1111"

# (text, [(value, type), …]): each value replaced by its token, nothing else changed
POSITIVE: list[tuple[str, list[tuple[str, str]]]] = [
    # ` - ` and line breaks between a card, its expiry and its code
    (f"{CARD} - 04/27 - 123", [(CARD, "CREDIT_CARD"), ("04/27", "CARD_EXPIRY"), ("123", "CARD_CVV")]),
    (f"card {CARD}\n04/27\n123", [(CARD, "CREDIT_CARD"), ("04/27", "CARD_EXPIRY"), ("123", "CARD_CVV")]),
    (f"{CARD} 04/27 - 123", [(CARD, "CREDIT_CARD"), ("04/27", "CARD_EXPIRY"), ("123", "CARD_CVV")]),
    (f"{CARD} – 11/2029 – 987 ok", [(CARD, "CREDIT_CARD"), ("11/2029", "CARD_EXPIRY"), ("987", "CARD_CVV")]),
    (
        "4199 2823 3354 1883\n0532\n576",
        [("4199 2823 3354 1883", "CREDIT_CARD"), ("0532", "CARD_EXPIRY"), ("576", "CARD_CVV")],
    ),
    (
        "its 6011-5062-2591-1916\n0128 0561",
        [("6011-5062-2591-1916", "CREDIT_CARD"), ("0128", "CARD_EXPIRY"), ("0561", "CARD_CVV")],
    ),
    (
        "here you go 6011322660854201 0428\n1257 thanks",
        [("6011322660854201", "CREDIT_CARD"), ("0428", "CARD_EXPIRY"), ("1257", "CARD_CVV")],
    ),
    (
        "card 4900268424030597 - 0427, 2755",
        [("4900268424030597", "CREDIT_CARD"), ("0427", "CARD_EXPIRY"), ("2755", "CARD_CVV")],
    ),
    (
        f"card number {CARD} - exp 04/27 - 123",
        [(CARD, "CREDIT_CARD"), ("04/27", "CARD_EXPIRY"), ("123", "CARD_CVV")],
    ),
    (
        f"tarjeta {CARD}\r\nvence 09/28\r\ncvv 4321",
        [(CARD, "CREDIT_CARD"), ("09/28", "CARD_EXPIRY"), ("4321", "CARD_CVV")],
    ),
    # a month's name: after a card, an expiry cue (EN, ES, FR, DE)
    (f"my card is {CARD} expiring april 2027", [(CARD, "CREDIT_CARD"), ("april 2027", "CARD_EXPIRY")]),
    (f"{CARD} Sept 2030 cvv 123", [(CARD, "CREDIT_CARD"), ("Sept 2030", "CARD_EXPIRY"), ("123", "CARD_CVV")]),
    ("exp April 2027", [("April 2027", "CARD_EXPIRY")]),
    ("expires Apr/27 thanks", [("Apr/27", "CARD_EXPIRY")]),
    ("expiry date is Dec '29", [("Dec '29", "CARD_EXPIRY")]),
    ("my card expires in May 2029", [("May 2029", "CARD_EXPIRY")]),
    ("fecha de caducidad: abril de 2027", [("abril de 2027", "CARD_EXPIRY")]),
    ("date d'expiration : févr. 2028", [("févr. 2028", "CARD_EXPIRY")]),
    ("Karte gültig bis März 2027", [("März 2027", "CARD_EXPIRY")]),
    # dates of birth
    ("my date of birth is 6-Mar-2002", [("6-Mar-2002", "DATE_OF_BIRTH")]),
    ("dob 15-Jun-2001", [("15-Jun-2001", "DATE_OF_BIRTH")]),
    ("DOB: 06-MAR-2002", [("06-MAR-2002", "DATE_OF_BIRTH")]),
    ("born Mar-06-2002", [("Mar-06-2002", "DATE_OF_BIRTH")]),
    ("DOB is 3rd April '90", [("3rd April '90", "DATE_OF_BIRTH")]),
    ("fecha de nacimiento 7-abr-1985", [("7-abr-1985", "DATE_OF_BIRTH")]),
    ("dob 6/Mar/2002", [("6/Mar/2002", "DATE_OF_BIRTH")]),
    ("né le 3 avr. 1990", [("3 avr. 1990", "DATE_OF_BIRTH")]),
    ("dob 3 4 1990", [("3 4 1990", "DATE_OF_BIRTH")]),
    ("date de naissance 12 03 1975 merci", [("12 03 1975", "DATE_OF_BIRTH")]),
    # a Spanish CCC (4-4-2-10), a code read out digit by digit, an IPv6 prefix
    ("número de cuenta: 0049 1500 05 1234567890", [("0049 1500 05 1234567890", "BANK_ACCOUNT")]),
    ("cuenta 2100-0418-45-0200051332 gracias", [("2100-0418-45-0200051332", "BANK_ACCOUNT")]),
    ("CCC: 2100 0418 45 0200051332", [("2100 0418 45 0200051332", "BANK_ACCOUNT")]),
    ("cvv: 1 2 3", [("1 2 3", "CARD_CVV")]),
    ("security code is 4 5 6 7", [("4 5 6 7", "CARD_CVV")]),
    ("my ip is 2001:db8::", [("2001:db8::", "IP_ADDRESS")]),
    ("prefix 2001:db8:85a3:: on the router", [("2001:db8:85a3::", "IP_ADDRESS")]),
    # a table of fours after a card stays a table (its groups no expiry and code)
    ("card 4111111111111111 1227 4567", [("4111111111111111", "CREDIT_CARD")]),
    ("card 4111111111111111\n1227 4567 thanks", [("4111111111111111", "CREDIT_CARD")]),
    ("card 4111111111111111 - 1227 - 4567 - 8901", [("4111111111111111", "CREDIT_CARD")]),
    # a month after a card with no expiry cue and no code: a statement's month
    (f"the card {CARD} - may 2026 statement", [(CARD, "CREDIT_CARD")]),
    # still found next to the look-alikes' words
    ("SSN 123-45-6789", [("123-45-6789", "US_SSN")]),
    ("my ssn is 123-45-6789 and the sku is ABC", [("123-45-6789", "US_SSN")]),
    ("call 415-555-0132 about build 12", [("415-555-0132", "PHONE")]),
    ("10.0.0.1 is the gateway", [("10.0.0.1", "IP_ADDRESS")]),
]

NEGATIVE: list[str] = [
    # versions in an IP's shape
    "app version is 3.2.0.5",
    "version: 3.2.0.5",
    "the version number is 1.2.3.4",
    "firmware version no. 10.2.0.1",
    "6.8.2.5 is the version the store shows",
    "Versionsnummer 1.2.3.4",
    "la versión es 10.4.0.2",
    "3.2.4.65 is installed",
    # product codes in an SSN's or ITIN's shape
    "SKU 283-73-1172",
    "sku 672-74-9321 is out of stock",
    "SKU 998-81-4788",
    "part no. 123-45-6789",
    "model # 512-44-1234 is discontinued",
    "Art.-Nr. 231-55-9087",
    "item number is 321-54-9876",
    "número de serie 512-44-1234",
    # a time typed with a trailing `::` is no IPv6 prefix
    "see you at 10:30:: ok",
    # release numbers in a phone's shape
    "build 2026932995",
    "version 4155550132 crashed",
    # another thing's expiry, a time
    "the warranty expires in May 2029",
    "my subscription expires May 2029",
    "it expires in June 2027 I think",
    "la garantía vence en abril de 2027",
    # an event's date after a birthday cue
    "birthday party 12-Mar-2025",
    # twenty digits in one run after `account`: a tracking number as often
    "I can't log into my account 94002679793507533597.",
]


def _expected(text: str, values: list[tuple[str, str]]) -> str:
    out, pos = [], 0
    for value, kind in values:
        at = text.index(value, pos)
        out += [text[pos:at], f"[REDACTED:{kind}]"]
        pos = at + len(value)
    return "".join(out) + text[pos:]


@pytest.mark.parametrize(("text", "values"), POSITIVE)
def test_chained_and_named_values_are_redacted(text: str, values: list[tuple[str, str]]) -> None:
    assert R.redact(text).text == _expected(text, values)


@pytest.mark.parametrize("text", NEGATIVE)
def test_version_product_and_expiry_look_alikes_stay(text: str) -> None:
    assert R.redact(text).text == text
