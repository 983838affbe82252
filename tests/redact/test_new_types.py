"""Tables for the cue-word and shape types: each positive fully redacted, each look-alike byte-identical."""

from __future__ import annotations

import pytest

from archiver.redact import PII_TYPES, RedactConfig, Redactor

R = Redactor()

# (text, value, type): `value` must be replaced by its type's token and nothing else in `text` changes
POSITIVE: list[tuple[str, str, str]] = [
    ("cvv 123", "123", "CARD_CVV"),
    ("the security code on the back is 482", "482", "CARD_CVV"),
    ("CVC: 0981", "0981", "CARD_CVV"),
    ("the 3 digits on the back are 713", "713", "CARD_CVV"),
    ("código de seguridad 552", "552", "CARD_CVV"),
    ("cryptogramme 318", "318", "CARD_CVV"),
    ("Prüfnummer 774", "774", "CARD_CVV"),
    ("exp 04/27", "04/27", "CARD_EXPIRY"),
    ("expires 4/2027", "4/2027", "CARD_EXPIRY"),
    ("expiry date: 11-26", "11-26", "CARD_EXPIRY"),
    ("valid thru 0928", "0928", "CARD_EXPIRY"),
    ("vencimiento 07/29", "07/29", "CARD_EXPIRY"),
    ("date d'expiration 03/28", "03/28", "CARD_EXPIRY"),
    ("gültig bis 12/27", "12/27", "CARD_EXPIRY"),
    ("PIN 4821", "4821", "PIN"),
    ("my pin number is 902211", "902211", "PIN"),
    ("passcode: 5521", "5521", "PIN"),
    ("Geheimzahl 7312", "7312", "PIN"),
    ("code PIN 8830", "8830", "PIN"),
    ("my password is Hunter2!", "Hunter2!", "PASSWORD"),
    ("password: s3cr3t#pw", "s3cr3t#pw", "PASSWORD"),
    ("pwd = correcthorse", "correcthorse", "PASSWORD"),
    ("mi contraseña es Perro_2024", "Perro_2024", "PASSWORD"),
    ("mon mot de passe est Soleil!9", "Soleil!9", "PASSWORD"),
    ("mein Passwort ist Sommer2023", "Sommer2023", "PASSWORD"),
    ("my date of birth is 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("DOB: 1985-03-12", "1985-03-12", "DATE_OF_BIRTH"),
    ("born on March 12, 1985", "March 12, 1985", "DATE_OF_BIRTH"),
    ("birthday 12 March 1985", "12 March 1985", "DATE_OF_BIRTH"),
    ("fecha de nacimiento 12 de marzo de 1985", "12 de marzo de 1985", "DATE_OF_BIRTH"),
    ("date de naissance 12.03.1985", "12.03.1985", "DATE_OF_BIRTH"),
    ("geboren am 12. März 1985", "12. März 1985", "DATE_OF_BIRTH"),
    ("ip 192.168.10.24", "192.168.10.24", "IP_ADDRESS"),
    ("from 10.0.0.1 today", "10.0.0.1", "IP_ADDRESS"),
    ("fe80::1ff:fe23:4567:890a", "fe80::1ff:fe23:4567:890a", "IP_ADDRESS"),
    ("addr 2001:db8:85a3:0:0:8a2e:370:7334 ok", "2001:db8:85a3:0:0:8a2e:370:7334", "IP_ADDRESS"),
    ("my NI number is QQ 12 34 56 C", "QQ 12 34 56 C", "UK_NINO"),
    ("AB123456C", "AB123456C", "UK_NINO"),
    ("national insurance jg 10 37 24 a", "jg 10 37 24 a", "UK_NINO"),
    ("SIN 046 454 286", "046 454 286", "CA_SIN"),
    ("numéro d'assurance sociale 046-454-286", "046-454-286", "CA_SIN"),
    ("ITIN 912-78-1234", "912-78-1234", "US_ITIN"),
    ("my itin is 900701234", "900701234", "US_ITIN"),
    ("tax id 912-78-1234", "912-78-1234", "US_ITIN"),
    ("TFN 123 456 782", "123 456 782", "AU_TFN"),
    ("tax file number 123456782", "123456782", "AU_TFN"),
    ("routing 021000021", "021000021", "BANK_ROUTING"),
    ("ABA number: 011000015", "011000015", "BANK_ROUTING"),
    ("account 123456789012", "123456789012", "BANK_ACCOUNT"),
    ("acct #: 0012345678", "0012345678", "BANK_ACCOUNT"),
    ("número de cuenta 12345678", "12345678", "BANK_ACCOUNT"),
    ("numéro de compte 98765432", "98765432", "BANK_ACCOUNT"),
    ("Kontonummer 1234567890", "1234567890", "BANK_ACCOUNT"),
    ("sort code 12-34-56", "12-34-56", "UK_SORT_CODE"),
    ("postcode SW1A 1AA", "SW1A 1AA", "POSTAL_CODE"),
    ("send it to M1 1AE please", "M1 1AE", "POSTAL_CODE"),
    ("zip 94107", "94107", "POSTAL_CODE"),
    ("zip code 94107-1234", "94107-1234", "POSTAL_CODE"),
    ("código postal 28013", "28013", "POSTAL_CODE"),
    ("code postal 75002", "75002", "POSTAL_CODE"),
    ("PLZ 10115", "10115", "POSTAL_CODE"),
    ("postal code K1A 0B1", "K1A 0B1", "POSTAL_CODE"),
    ("passport 123456789", "123456789", "PASSPORT"),
    ("passport number: GB1234567", "GB1234567", "PASSPORT"),
    ("número de pasaporte X1234567", "X1234567", "PASSPORT"),
    ("Reisepass C01X00T47", "C01X00T47", "PASSPORT"),
    ("driver's license D123-4567-8901", "D123-4567-8901", "DRIVER_ID"),
    ("DL# S530-4127-8823", "S530-4127-8823", "DRIVER_ID"),
    ("driving licence MORGA657054SM9IJ", "MORGA657054SM9IJ", "DRIVER_ID"),
    ("Führerscheinnummer B072RRE2I55", "B072RRE2I55", "DRIVER_ID"),
    ("my name is Jane Doberman", "Jane Doberman", "PERSON_NAME"),
    ("this is Mark Evans from accounts", "Mark Evans", "PERSON_NAME"),
    ("I'm Priya", "Priya", "PERSON_NAME"),
    ("Name: María José García", "María José García", "PERSON_NAME"),
    ("you're speaking with Tom", "Tom", "PERSON_NAME"),
    ("the card is under John O'Neil", "John O'Neil", "PERSON_NAME"),
    ("full name Anna van der Berg", "Anna van der Berg", "PERSON_NAME"),
    ("me llamo Carlos Pérez", "Carlos Pérez", "PERSON_NAME"),
    ("je m'appelle Élodie Dubois", "Élodie Dubois", "PERSON_NAME"),
    ("mein Name ist Jürgen Müller", "Jürgen Müller", "PERSON_NAME"),
    ("my name is Antonín Dvořák", "Antonín Dvořák", "PERSON_NAME"),
    (
        "I live at 42 Elm Street, Springfield IL 62704",
        "42 Elm Street, Springfield IL 62704",
        "STREET_ADDRESS",
    ),
    ("ship to 1600 Pennsylvania Ave NW", "1600 Pennsylvania Ave NW", "STREET_ADDRESS"),
    ("10 Downing Street, London SW1A 2AA", "10 Downing Street, London SW1A 2AA", "STREET_ADDRESS"),
    ("221B Baker St, London", "221B Baker St, London", "STREET_ADDRESS"),
    ("12 oak lane apt 4", "12 oak lane apt 4", "STREET_ADDRESS"),
    ("12 rue de la Paix, 75002 Paris", "12 rue de la Paix, 75002 Paris", "STREET_ADDRESS"),
    ("Calle Mayor 12, 28013 Madrid", "Calle Mayor 12, 28013 Madrid", "STREET_ADDRESS"),
    ("Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin", "STREET_ADDRESS"),
]

NEGATIVE = [
    "I forgot my password",
    "the password is wrong",
    "my name is on the account",
    "this is urgent",
    "I'm not sure",
    "I'm Not sure",
    "we're on floor 42",
    "pin this message",
    "room 123, flight 482, error 500",
    "order 12345678 delivered 12/03/2024",
    "it was delivered on 12/03/1985",
    "version 1.2.3 and v2.10.3 and section 7.6.87",
    "firmware 10.2.3.4",
    "1.2.3.4.5",
    "meet at 10:30:00",
    "I walked 3 blocks down the street",
    "2 road bikes",
    "my order number is 123456",
    "my account number ends in 1234",
    "the pin code was sent by SMS",
    "the exp was 3 days",
    "I live in Springfield",
    "Thanks, see you",
    "a PS5 1TB console",
    "std::vector",
    "born in 1985",
    "routing 123456789",
    "SIN 123 456 789",
]


@pytest.mark.parametrize(("text", "value", "kind"), POSITIVE)
def test_positive_is_redacted(text: str, value: str, kind: str) -> None:
    assert value in text
    out = R.redact(text)
    assert out.text == text.replace(value, f"[REDACTED:{kind}]"), out
    assert out.counts == {kind: 1}


@pytest.mark.parametrize("text", NEGATIVE)
def test_look_alike_stays_byte_identical(text: str) -> None:
    assert R.redact(text) == (text, {})
    assert R.redact_utf8(text.encode()) == (text.encode(), {})


ISSUE_LINES = [
    "card 4111 1111 1111 1111 exp 04/27 cvv 123",
    "4111 1111 1111 1111 04/27 123",
    "the security code on the back is 482",
    "my date of birth is 12/03/1985",
    "my name is Jane Doberman",
    "I live at 42 Elm Street, Springfield IL 62704",
    "my NI number is QQ 12 34 56 C          SIN 046 454 286          ITIN 912-78-1234",
    "routing 021000021 account 123456789012          sort code 12-34-56 account 12345678",
    "my password is Hunter2!          PIN 4821          ip 192.168.10.24          fe80::1ff:fe23:4567:890a",
    "postcode SW1A 1AA          passport 123456789          driver's license D123-4567-8901",
]


@pytest.mark.parametrize("line", ISSUE_LINES)
def test_the_issue_examples_are_fully_redacted(line: str) -> None:
    out = R.redact(line).text
    assert not any(ch.isdigit() for ch in out), out
    for leftover in ("Jane", "Doberman", "Springfield", "Elm", "QQ", "Hunter2", "fe80", "SW1A", "D123"):
        assert leftover not in out, out


def test_card_tail_is_expiry_and_code() -> None:
    assert R.redact("4111 1111 1111 1111 04/27 123").counts == {
        "CREDIT_CARD": 1,
        "CARD_EXPIRY": 1,
        "CARD_CVV": 1,
    }
    assert R.redact("378282246310005, 09/2028, 1234").counts == {
        "CREDIT_CARD": 1,
        "CARD_EXPIRY": 1,
        "CARD_CVV": 1,
    }
    # a 4-digit number after a Visa is no code; a year is no expiry
    assert R.redact("4111 1111 1111 1111 2027").text == "[REDACTED:CREDIT_CARD] 2027"


# values pasted after another one without a cue of their own (tails.py): each is redacted as its type
PASTED = [
    ("cvv 123 04/27", {"CARD_CVV": 1, "CARD_EXPIRY": 1}),
    ("exp 04/27 123", {"CARD_EXPIRY": 1, "CARD_CVV": 1}),
    ("the expiry is 04/27 and the code 123", {"CARD_EXPIRY": 1, "CARD_CVV": 1}),
    ("sort code 12-34-56 12345678", {"UK_SORT_CODE": 1, "BANK_ACCOUNT": 1}),
    ("sort code: 12-34-56, 12345678", {"UK_SORT_CODE": 1, "BANK_ACCOUNT": 1}),
    ("sort code 12 34 56 acc no. 12345678", {"UK_SORT_CODE": 1, "BANK_ACCOUNT": 1}),
]


@pytest.mark.parametrize(("text", "counts"), PASTED)
def test_pasted_values_are_redacted(text: str, counts: dict[str, int]) -> None:
    out = R.redact(text)
    assert out.counts == counts, out.text
    assert not any(ch.isdigit() for ch in out.text), out.text


@pytest.mark.parametrize(
    "text",
    [
        "cvv 123 456",  # one longer number: not a code and an expiry
        "sort code 12-34-56 7890",  # too short for an account: the sort code goes on
        "cvv 123 04/27/2020",  # a date
    ],
)
def test_a_value_running_on_is_no_pasted_pair(text: str) -> None:
    assert R.redact(text).text == text


def test_a_date_after_an_expiry_cue_is_still_a_date_of_birth() -> None:
    out = R.redact("exp date of birth 12/03/1985")
    assert out.counts == {"DATE_OF_BIRTH": 1}, out.text


@pytest.mark.parametrize(
    "text",
    [
        "Thanks,\nJane Doberman",
        "Regards,\nJohn Smith",
        "Kind regards,\nDr. Emma O'Brien\n",
        "Thanks,\nJane Doberman\nPS my order is late",
        "Viele Grüße\nKlaus Müller",
        "Cordialement,\nMarie Dubois",
    ],
)
def test_a_name_signing_off_is_redacted(text: str) -> None:
    out = R.redact(text)
    assert out.counts == {"PERSON_NAME": 1}, out.text


@pytest.mark.parametrize(
    "text",
    [
        "Thanks Sarah",  # thanks the agent, on the same line
        "Danke\nSchönen Tag",
        "Thanks!\nHave A Nice Day",
        "thanks\nMerry Christmas",
        "Thanks,\nJane said the card is fine",  # the line goes on: no signature
    ],
)
def test_a_greeting_after_thanks_stays(text: str) -> None:
    assert R.redact(text).text == text


def test_types_can_be_switched_off_one_by_one() -> None:
    for kind in ("PERSON_NAME", "STREET_ADDRESS", "IP_ADDRESS", "PASSWORD", "CARD_CVV", "BANK_ACCOUNT"):
        r = Redactor(RedactConfig(enabled_types=tuple(t for t in PII_TYPES if t != kind)))
        for text, _, k in POSITIVE:
            if k == kind:
                assert f"[REDACTED:{kind}]" not in r.redact(text).text, text


def test_redacting_twice_changes_nothing() -> None:
    for text, _, _ in POSITIVE:
        once = R.redact(text).text
        assert R.redact(once) == (once, {}), once


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("hi my name is oluwaseun hernández dob Sep 20 1972", {"PERSON_NAME": 1, "DATE_OF_BIRTH": 1}),
        ("my name is jane doe dob 12/03/1985", {"PERSON_NAME": 1, "DATE_OF_BIRTH": 1}),
        ("name: jane doe pin 4821", {"PERSON_NAME": 1, "PIN": 1}),
        ("my name is jane ssn 123-45-6789", {"PERSON_NAME": 1, "US_SSN": 1}),
    ],
)
def test_a_name_ends_before_another_types_cue(text: str, counts: dict[str, int]) -> None:
    # a lower-case name took the cue for a name word, and the walk went on past the cue's value
    out = R.redact(text)
    assert out.counts == counts, out.text
    assert not any(ch.isdigit() for ch in out.text), out.text
