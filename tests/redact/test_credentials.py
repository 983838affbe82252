"""Passwords, card expiries and codes, PINs and dates of birth in the phrasings a blind audit found missed
(bare cues before a chosen-looking token, verbs that set a password, login pairs, glued and foreign expiry
cues, a card pasted with its expiry and code, compact and yearless dates of birth), and their look-alikes.

Also the PASSWORD forms the second blind audit found missed: hyphenated words after a bare cue
(`pwd blue-Monkey-42`), a quoted password with a space (the whole quoted value), a new one after the old
(`… but now its Hunter3`).
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor
from tests.redact.expect import redacted

R = Redactor()

# (text, [(value, type), …]): each value replaced by its token, nothing else changed
POSITIVE: list[tuple[str, list[tuple[str, str]]]] = [
    # a bare cue, then a token with letters and a digit or a sign
    ("password Katze#2020", [("Katze#2020", "PASSWORD")]),
    ("pwd Tr0ub4dor&3", [("Tr0ub4dor&3", "PASSWORD")]),
    ("pw mango*Tree9", [("mango*Tree9", "PASSWORD")]),
    ("passcode abc123XYZ", [("abc123XYZ", "PASSWORD")]),
    ("pw mybank_77 ?", [("mybank_77", "PASSWORD")]),
    ("Kennwort S3cure_Pass", [("S3cure_Pass", "PASSWORD")]),
    ("clave de acceso Sunshine2023!", [("Sunshine2023!", "PASSWORD")]),
    ("mot de passe Soleil#1 merci", [("Soleil#1", "PASSWORD")]),
    ("Passwort Blume$77", [("Blume$77", "PASSWORD")]),
    ("passcode Katze#2020", [("Katze#2020", "PASSWORD")]),  # (`passcode` is a PIN cue too)
    # a verb that sets it, a relative clause, `my pass`
    ("i set the password to N0v3mber!!", [("N0v3mber!!", "PASSWORD")]),
    ("I changed my password to letmein yesterday", [("letmein", "PASSWORD")]),
    ("cambié mi contraseña a perro123", [("perro123", "PASSWORD")]),
    ("j'ai changé mon mot de passe en soleil", [("soleil", "PASSWORD")]),
    ("the password i use is abc123XYZ", [("abc123XYZ", "PASSWORD")]),
    ("the password that I set was Sunshine2023!", [("Sunshine2023!", "PASSWORD")]),
    ("my pass is Tr0ub4dor&3", [("Tr0ub4dor&3", "PASSWORD")]),
    ("contraseña: Perro_12", [("Perro_12", "PASSWORD")]),
    ("password - Katze#2020", [("Katze#2020", "PASSWORD")]),
    ("la contraseña nueva es Perro_99", [("Perro_99", "PASSWORD")]),
    ("mot de passe temporaire : Soleil#7", [("Soleil#7", "PASSWORD")]),
    # (a code word and its number after `password` is that value, not a password)
    ("I forgot my password - card#4477507861066>", [("4477507861066", "CREDIT_CARD")]),
    # credentials: a login, then its password
    ("user x@y.com pass Dragon$fly8", [("x@y.com", "EMAIL"), ("Dragon$fly8", "PASSWORD")]),
    ("user x@y.com pass correcthorse", [("x@y.com", "EMAIL"), ("correcthorse", "PASSWORD")]),
    ("login: x@y.com / correcthorse", [("x@y.com", "EMAIL"), ("correcthorse", "PASSWORD")]),
    ("my login is jo_k@proton.me / P@ssw0rd#77", [("jo_k@proton.me", "EMAIL"), ("P@ssw0rd#77", "PASSWORD")]),
    ("credentials gsantos@gmx.de Bella2019", [("gsantos@gmx.de", "EMAIL"), ("Bella2019", "PASSWORD")]),
    ("username jdoe password hunter2", [("hunter2", "PASSWORD")]),
    (
        "user: jdoe@example.com password: Dragon$fly8",
        [("jdoe@example.com", "EMAIL"), ("Dragon$fly8", "PASSWORD")],
    ),
    ("he cambiado mi contraseña a Perro_2024", [("Perro_2024", "PASSWORD")]),
    ("login: jdoe / correcthorse", [("jdoe / correcthorse", "PASSWORD")]),
    ("login jdoe / hunter2", [("jdoe / hunter2", "PASSWORD")]),
    # a card pasted with its expiry and code
    (
        "4125-0826-7538-1412 0328 987",
        [("4125-0826-7538-1412", "CREDIT_CARD"), ("0328", "CARD_EXPIRY"), ("987", "CARD_CVV")],
    ),
    (
        "2465209604855586 10-31 0681",
        [("2465209604855586", "CREDIT_CARD"), ("10-31", "CARD_EXPIRY"), ("0681", "CARD_CVV")],
    ),
    (
        "5593 4903 1039 5046/11/28/261",
        [("5593 4903 1039 5046", "CREDIT_CARD"), ("11/28", "CARD_EXPIRY"), ("261", "CARD_CVV")],
    ),
    ("card 6011486496509022, 1229", [("6011486496509022", "CREDIT_CARD"), ("1229", "CARD_EXPIRY")]),
    (
        "2277 0865 8332 4265/0927/0903",
        [("2277 0865 8332 4265", "CREDIT_CARD"), ("0927", "CARD_EXPIRY"), ("0903", "CARD_CVV")],
    ),
    # (four digits and four more after a Visa: a table of fours, not its expiry and code)
    ("card 4111111111111111 1227 4567", [("4111111111111111", "CREDIT_CARD")]),
    # expiry cues
    ("exp. date 08/26", [("08/26", "CARD_EXPIRY")]),
    ("exp0528", [("0528", "CARD_EXPIRY")]),
    ("exp04/32", [("04/32", "CARD_EXPIRY")]),
    ("expira 06-32", [("06-32", "CARD_EXPIRY")]),
    ("Ablauf 12/27", [("12/27", "CARD_EXPIRY")]),
    ("Verfallsdatum: 11/29", [("11/29", "CARD_EXPIRY")]),
    ("valable jusqu'au 04/28", [("04/28", "CARD_EXPIRY")]),
    ("válida hasta 05/29", [("05/29", "CARD_EXPIRY")]),
    ("mm/yy 08/26", [("08/26", "CARD_EXPIRY")]),
    ("vto 08/26", [("08/26", "CARD_EXPIRY")]),
    ("Gültigkeit 12/27", [("12/27", "CARD_EXPIRY")]),
    # PIN cues
    ("clave 1862", [("1862", "PIN")]),
    ("la clave es 4412", [("4412", "PIN")]),
    ("NIP 1234", [("1234", "PIN")]),
    ("PIN-Nummer 4821", [("4821", "PIN")]),
    ("clave secreta 4521", [("4521", "PIN")]),
    ("pin no#1234", [("1234", "PIN")]),
    ("account no#12345678", [("12345678", "BANK_ACCOUNT")]),
    ("clave Luna#2024", [("Luna#2024", "PASSWORD")]),
    # dates of birth
    ("dob 03121985", [("03121985", "DATE_OF_BIRTH")]),
    ("DOB 19850312", [("19850312", "DATE_OF_BIRTH")]),
    ("my birthday is 03/12", [("03/12", "DATE_OF_BIRTH")]),
    ("Geburtstag am 13.05.", [("13.05", "DATE_OF_BIRTH")]),
    ("my birthday is March 12th", [("March 12th", "DATE_OF_BIRTH")]),
    ("birthday: 3 mars", [("3 mars", "DATE_OF_BIRTH")]),
    ("ich bin am 13. Mai 1949 geboren", [("13. Mai 1949", "DATE_OF_BIRTH")]),
    ("ich wurde am 13.05.1949 in Wien geboren", []),  # (a place between: not taken)
    ("né le 12 mars 1985", [("12 mars 1985", "DATE_OF_BIRTH")]),
    ("nacido el 12/03/1985", [("12/03/1985", "DATE_OF_BIRTH")]),
]

# look-alikes: byte-identical after redaction
NEGATIVE = [
    "I forgot my password yesterday",
    "password reset",
    "password please!",
    "password reset 3 times",
    "I forgot my password v14.27.1",
    "I forgot my password INV550123",
    "I forgot my password SKU-8938",
    "I forgot my password ref#3566",
    "I forgot my password order12345",
    "password 2FA-code",
    "I forgot my password fb080258-c2a1-42bd-92e9-303b8fad0dac",
    "login page / signup page",
    "login: doesn't work",
    "password: does not work",
    "pwd: forgot it",
    "contraseña: no funciona",
    "mot de passe: ne marche pas",
    "Passwort: vergessen",
    "I set my password to expire every month",
    "I want to change my password to something stronger",
    "set the password to access the site",
    "password i think is wrong",
    "the bus pass is valid",
    "my pass is expired",
    "boarding pass is ready",
    "pin Katze#2020",
    "exp1000 points",
    "birthday party on 03/12/2025",
    "born 2.5 months early",
    "birthday in May 3 weeks from now",
    "my birthday is in March",
    "ich bin am 13.05.2025 im Urlaub",
    "I need to re-enter my password re-enter it",
    "password e-mail reset",
    "password pre-2020 accounts",
    "password well-known issue",
    "password self-service portal",
    "password covid-19",
    "password reset link",
]


@pytest.mark.parametrize(("text", "values"), POSITIVE)
def test_credential_phrasings_are_redacted(text: str, values: list[tuple[str, str]]) -> None:
    assert R.redact(text).text == redacted(text, values)


@pytest.mark.parametrize("text", NEGATIVE)
def test_credential_look_alikes_stay(text: str) -> None:
    assert R.redact(text).text == text


# (text, the password in it, as redacted)
FOUND = [
    ("Sorry for the delay. pwd blue-Monkey-42 Thanks!", "blue-Monkey-42"),
    ("password abc-De1", "abc-De1"),
    ("Kennwort sonne-Mond-7", "sonne-Mond-7"),
    ('my password is "Tr1cky pass"', '"Tr1cky pass"'),
    ("mi contraseña es \u201cmi clave 12\u201d gracias", "\u201cmi clave 12\u201d"),
    ('password: "abc def" and "ghi"', '"abc def"'),
]

# (text, what it is once redacted): a new password after the old one (`… but now its Hunter3`), no name
AFTER = [
    (
        "my password was Hunter2 but now its Hunter3",
        "my password was [REDACTED:PASSWORD] but now its [REDACTED:PASSWORD]",
    ),
    (
        "my password was Hunter2 but now it's Qwerty!7",
        "my password was [REDACTED:PASSWORD] but now it's [REDACTED:PASSWORD]",
    ),
    ("my password was Hunter2 but now its fine", "my password was [REDACTED:PASSWORD] but now its fine"),
    (
        "my password is Hunter2 and its 12 characters",
        "my password is [REDACTED:PASSWORD] and its 12 characters",
    ),
]


@pytest.mark.parametrize(("text", "out"), AFTER)
def test_the_new_password_after_the_old(text: str, out: str) -> None:
    assert R.redact(text).text == out


@pytest.mark.parametrize(("text", "secret"), FOUND)
def test_the_whole_password_is_redacted(text: str, secret: str) -> None:
    assert R.redact(text).text == text.replace(secret, "[REDACTED:PASSWORD]", 1)
