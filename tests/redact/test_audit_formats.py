"""Independent audit: PII formats and scripts beyond the author's tables, and the hard negatives beside them.

Each positive must vanish completely and be counted under its type; each negative must come back
byte-for-byte. Values are built from rules (Luhn, mod-97) so the tables cover every listed brand/country.
"""

from __future__ import annotations

import pytest

from archiver.redact import BASE_TYPES, RedactConfig, Redactor
from archiver.synth.values import iban_check, luhn_check_digit

R = Redactor()
# The lists below were written for the five shape types; the cue/shape types have their own tables
# (test_new_types.py), and an IP address or `zip 94105-1234` is PII to them.
R5 = Redactor(RedactConfig(enabled_types=BASE_TYPES))


def _luhn(prefix: str, length: int) -> str:
    body = prefix + "1" * (length - len(prefix) - 1)
    return body + luhn_check_digit(body)


def _grouped(digits: str) -> str:
    if len(digits) == 15:
        return f"{digits[:4]} {digits[4:10]} {digits[10:]}"
    if len(digits) == 14:
        return f"{digits[:4]} {digits[4:10]} {digits[10:]}"
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


# (brand prefix, length): every brand and length issue 2 lists, plus UnionPay
CARD_BRANDS = [
    ("4", 13),
    ("4", 16),
    ("4", 19),
    ("51", 16),
    ("55", 16),
    ("2221", 16),
    ("2720", 16),
    ("34", 15),
    ("37", 15),
    ("6011", 16),
    ("6011", 19),
    ("65", 16),
    ("644", 16),
    ("649", 16),
    ("3528", 16),
    ("3589", 19),
    ("300", 14),
    ("305", 14),
    ("36", 14),
    ("38", 14),
    ("39", 14),
    ("62", 16),
    ("62", 19),
]

VISA = "4111 1111 1111 1111"
CARD_CONTEXTS = [
    "{v}.",
    "{v}!",
    "{v}😀",
    "{v}。",
    "卡号{v}谢谢",
    '"{v}"',
    "({v})",
    "[{v}]",
    "<{v}>",
    "«{v}»",
    "¿{v}?",
    "{v},",
    "{v}…",
    "card={v}",
    "card#{v}",
    "card:\n{v}\n",
    "{v}\nnext line",
    "'{d}'",
]


def _assert_redacted(text: str, value: str, kind: str, n: int = 1) -> None:
    out = R.redact(text)
    assert value not in out.text, (text, out.text)
    assert out.counts == {kind: n}, (text, out)
    assert out.text.count(f"[REDACTED:{kind}]") == n, (text, out.text)


@pytest.mark.parametrize(("prefix", "length"), CARD_BRANDS)
def test_every_card_brand_contiguous_and_grouped(prefix: str, length: int) -> None:
    digits = _luhn(prefix, length)
    for value in (digits, _grouped(digits), _grouped(digits).replace(" ", "-")):
        _assert_redacted(f"my card is {value} thanks", value, "CREDIT_CARD")


@pytest.mark.parametrize("template", CARD_CONTEXTS)
def test_card_glued_to_punctuation_emoji_cjk_and_line_breaks(template: str) -> None:
    dashed = VISA.replace(" ", "-")
    text = template.format(v=VISA, d=dashed)
    _assert_redacted(text, VISA if VISA in text else dashed, "CREDIT_CARD")


@pytest.mark.parametrize(
    "text",
    [
        "SSN: 123-45-6789",
        "ssn 123456789",
        "SSN:123456789",
        "SSN#123456789",
        "social-security no. 123456789",
        "soc sec # 123456789",
        "Soc. Sec. 123456789",
        "S.S.N. 123456789",
        "Social Security Number 123456789",
        "social security no: 123456789",
        "número de seguro social 123456789",
        "my SSN is 123 45 6789",
        "ss# 123-45-6789",
        "SOCIAL: 123456789",
    ],
)
def test_ssn_with_context_words_in_any_spelling(text: str) -> None:
    value = next(v for v in ("123-45-6789", "123 45 6789", "123456789") if v in text)
    _assert_redacted(text, value, "US_SSN")


EMAILS = [
    "用户@例子.广告",
    "josé@correo.es",
    "иван@пример.рф",
    "ivan@пример.рф",
    "user@xn--fsqu00a.xn--0zwm56d",
    "info@xn--mller-kva.de",
    "müller@bücher.de",
    "μαρία@παράδειγμα.ελ",
    "أحمد@مثال.مصر",
    "राम@उदाहरण.भारत",
    "ÇAĞLA@örnek.com.tr",
    "たなか@例え.jp",
    "김철수@예시.한국",
    "nguyễn.văn@ví-dụ.vn",
    "test.user+tag@sub.example.co.uk",
    "ANNA.SMITH@EXAMPLE.COM",
    "o'neil@example.ie",
    "j_doe-1@mail-server.example.org",
    "用户16@例子.广告",
]


@pytest.mark.parametrize("email", EMAILS)
def test_email_in_any_script_and_around_any_punctuation(email: str) -> None:
    for text in (
        f"mail me at {email} please",
        f"mail:{email}",
        f"（{email}）",
        f"邮箱：{email}。",
        f"<{email}>",
        f"«{email}», merci",
        f"بريدي، {email}",
    ):
        out = R.redact(text)
        assert out.counts == {"EMAIL": 1}, (text, out)
        assert out.text == text.replace(email, "[REDACTED:EMAIL]"), (text, out.text)


@pytest.mark.parametrize(
    "email",
    ["jo\u200bhn@example.com", "john@exa\u200bmple.com", "张伟\u2060@例子.广告", "иван@при\u200dмер.рф"],
)
def test_email_split_by_invisible_characters(email: str) -> None:
    _assert_redacted(f"write to {email} today", email, "EMAIL")


PHONES = [
    "+1-415-555-0132",
    "1 (415) 555-0132",
    "+1.415.555.0132",
    "+1 (415) 555-0132",
    "1-415-555-0132",
    "0044 20 7946 0958",
    "0033 6 12 34 56 78",
    "011 44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "+44 (0) 20 7946 0958",
    "+33 6 12 34 56 78",
    "+33 (0)6 12 34 56 78",
    "+49 30 1234567",
    "+49 (0)30 1234567",
    "+61 2 9876 5432",
    "+91 98765 43210",
    "+81 3-1234-5678",
    "+86 138 0013 8000",
    "+55 11 91234-5678",
    "+34 612 34 56 78",
    "+353 87 123 4567",
    "+971 50 123 4567",
    "+7 912 345-67-89",
    "+7 (912) 345-67-89",
    "+82 10-1234-5678",
    "+90 532 123 45 67",
    "+48 512 345 678",
    "+27 82 123 4567",
    "+14155550132",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats_national_and_international(phone: str) -> None:
    _assert_redacted(f"call me on {phone} today", phone, "PHONE")
    _assert_redacted(f"tel:{phone}", phone, "PHONE")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("call 415-555-0132 x123 after 5", "415-555-0132"),
        ("call 415-555-0132 ext. 45", "415-555-0132"),
        ("call 415.555.0132x12", "415.555.0132"),
        ("call 4155550132x12", "4155550132"),
        ("call 4155550132ext.12", "4155550132"),
        ("call (415) 555-0132 ext 7", "(415) 555-0132"),
        ("call +33 1 27 04 66 76x1465", "+33 1 27 04 66 76"),
    ],
)
def test_phone_with_extension_number_is_redacted(text: str, number: str) -> None:
    _assert_redacted(text, number, "PHONE")
    assert "[REDACTED:PHONE]" in R.redact(text).text


# country -> BBAN (valid shape); check digits computed
BBANS = {
    "DE": "370400440532013000",
    "GB": "NWBK60161331926819",
    "FR": "20041010050500013M02606",
    "ES": "21000418450200051332",
    "IT": "X0542811101000000123456",
    "NL": "ABNA0417164300",
    "BE": "539007547034",
    "CH": "00762011623852957",
    "AT": "1904300234573201",
    "PL": "109010140000071219812874",
    "SE": "50000000058398257466",
    "NO": "86011117947",
    "DK": "00400440116243",
    "FI": "12345600000785",
    "IE": "AIBK93115212345678",
    "PT": "000201231234567890154",
    "LU": "0019400644750000",
    "SA": "80000000608010167519",
    "AE": "0331234567890123456",
    "TR": "0006100519786457841326",
    "BR": "00360305000010009795493P1",
    "MU": "BOMM0101101030300200000MUR",
    "CZ": "08000000192000145399",
    "HU": "117730161111101800000000",
    "RO": "AAAA1B31007593840000",
    "GR": "01101250000000012300695",
    "IL": "0108000000099999999",
    "QA": "DOHB00001234567890ABCDEFG",
    "KW": "CBKU0000000000001234560101",
}


@pytest.mark.parametrize("country", sorted(BBANS))
def test_iban_every_country_every_writing(country: str) -> None:
    bban = BBANS[country]
    iban = country + iban_check(country, bban) + bban
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    for value in (
        iban,
        spaced,
        spaced.lower(),
        spaced.replace(" ", "-"),
        iban[0] + iban[1].lower() + iban[2:],
    ):
        _assert_redacted(f"IBAN: {value}.", value, "IBAN")
        _assert_redacted(f"pay to {value} please", value, "IBAN")


DIGIT_ZEROS = [0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE, 0x1D7EC, 0xAE6, 0xBE6, 0x1040, 0x17E0]


@pytest.mark.parametrize("zero", DIGIT_ZEROS)
def test_values_in_other_digit_scripts(zero: int) -> None:
    def conv(s: str) -> str:
        return "".join(chr(zero + int(c)) if c.isdigit() else c for c in s)

    for value, kind in (
        (VISA, "CREDIT_CARD"),
        ("123-45-6789", "US_SSN"),
        ("415-555-0132", "PHONE"),
        ("+44 20 7946 0958", "PHONE"),
    ):
        text = conv(value)
        _assert_redacted(f"number {text} ok", text, kind)


INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u00ad",
    "\u2060",
    "\ufeff",
    "\u200f",
    "\u202e",
    "\u200e",
    "\u034f",
]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_values_split_by_invisible_marks(mark: str) -> None:
    for value, kind in (
        ("4111111111111111", "CREDIT_CARD"),
        (VISA, "CREDIT_CARD"),
        ("123-45-6789", "US_SSN"),
        ("(415) 555-0132", "PHONE"),
        ("DE89370400440532013000", "IBAN"),
    ):
        split = value[:6] + mark + value[6:]
        _assert_redacted(f"x {split} y", split, kind)
        out = R.redact(f"x {split} y").text
        assert out == f"x [REDACTED:{kind}] y"  # not even the invisible mark or a digit is left


@pytest.mark.parametrize("sep", ["\u00a0", "\u202f", "\u2009", "\u2007", "\u3000", "\u2002"])
def test_unicode_spaces_as_group_separators(sep: str) -> None:
    card = sep.join(VISA.split(" "))
    _assert_redacted(f"card {card} ok", card, "CREDIT_CARD")
    phone = f"415{sep}555{sep}0132"
    _assert_redacted(f"call {phone} ok", phone, "PHONE")
    paren = f"1{sep}(415){sep}555-0132"
    _assert_redacted(f"call {paren} ok", paren, "PHONE")
    iban = sep.join(["DE89", "3704", "0044", "0532", "0130", "00"])
    _assert_redacted(f"iban {iban} ok", iban, "IBAN")


@pytest.mark.parametrize(
    "dash", ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
)
def test_unicode_hyphens_as_group_separators(dash: str) -> None:
    card = dash.join(VISA.split(" "))
    _assert_redacted(f"card {card} ok", card, "CREDIT_CARD")
    ssn = dash.join(["123", "45", "6789"])
    _assert_redacted(f"ssn {ssn} ok", ssn, "US_SSN")
    phone = dash.join(["415", "555", "0132"])
    _assert_redacted(f"call {phone} ok", phone, "PHONE")


NEGATIVES = [
    "order 550e8400-e29b-41d4-a716-446655440000 shipped",
    "at 2024-01-15T10:20:30.123Z",
    "on 2024-01-15 10:20:30",
    "date 15/01/2024",
    "at 10:30:45",
    "costs $1,234.56",
    "€1.234.567,89",
    "zip 94105-1234",
    "order #123456789",
    "ticket 4155550132",
    "order no.: 4155550132",
    "SKU AB-1234-XY",
    "version 1.2.3.4",
    "99.5%",
    "https://example.com/orders/4155550132?id=123456789",
    "1Z999AA10123456784",
    "9400 1000 0000 0000 0000 00",
    "4111111111111112",
    "4111 1111 1111 1112",
    "4111 1111-1111 1111",
    "4111-1111 1111-1111",
    "4111.1111.1111.1112",  # dotted groups are a card only when Luhn-valid
    "4111.1111-1111.1111",
    "123-45-678",
    "000-12-3456",
    "666-12-3456",
    "900-12-3456",
    "123-00-4567",
    "123-45-0000",
    "123456789",
    "123-45 6789",
    "phone 123-456-7890",
    "call 415-155-0132",
    "192.168.100.200",
    "+999 123 456 789",
    "+384 12 345 6789",
    "+44 20",
    "0044 123",
    "invoice 00442079460958",
    "price 0049.99",
    "ISBN 978-3-16-148410-0",
    "٢٠٢٤-٠١-١٥",
    "２０２４年１月１５日",
    "version ٣.٤.٥",
    "mac 00:1A:2B:3C:4D:5E",
    "1920x1080 px",
    "size 2x4",
    "GB82 WEST 1234 5698 7654 33",
    "DE00 0000 0000 0000 0000 00",
    "x@y",
    "user@localhost",
    "@handle",
    "4111111111111111abc",
    "card4111111111111111",
    "lat 37.774929, -122.419416",
    "+1 800 FLOWERS",
    "ref 2024-000123456",
    "INV-2024-000123",
    "92055901755477000000000015",
    "Tracking: 1Z 999 AA1 01 2345 678 4",
    "a 97 1x4 plank",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_stay_untouched(text: str) -> None:
    assert R5.redact(text) == (text, {})


def test_redact_many_equals_redact_one_by_one_across_message_boundaries() -> None:
    # context words must not leak from one message into the next when messages are batched
    texts = [
        "order #",
        "4155550132 is my number",
        "my SSN is",
        "123456789",
        "用户@例子.广告",
        "ticket",
        "4155550132",
        "张伟\u2060@例子.广告",
    ]
    many, counts = R.redact_many(texts)
    one = [R.redact(t) for t in texts]
    assert many == [o.text for o in one]
    total: dict[str, int] = {}
    for o in one:
        for k, n in o.counts.items():
            total[k] = total.get(k, 0) + n
    assert counts == total
    assert many[1] == "[REDACTED:PHONE] is my number"  # `order #` was the previous message
    assert many[3] == "123456789"  # and so was `my SSN is`


def test_bytes_path_agrees_with_str_path() -> None:
    text = " | ".join([*EMAILS, *PHONES, VISA, "SSN 123456789"])
    out, counts = R.redact_utf8(text.encode())
    assert out.decode() == R.redact(text).text
    assert counts == R.redact(text).counts


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


@pytest.mark.parametrize(
    ("text", "kind", "n"),
    [
        (_full_width("john@example.com"), "EMAIL", 1),
        (_full_width("+44 20 7946 0958"), "PHONE", 1),
        (_full_width("DE89 3704 0044 0532 0130 00"), "IBAN", 1),
        (_full_width("SSN 123-45-6789"), "US_SSN", 1),
        (_full_width("4111-1111-1111-1111"), "CREDIT_CARD", 1),
        ("رقم بطاقتي ٤١١١ ١١١١ ١١١١ ١١١١ شكرا", "CREDIT_CARD", 1),
        ("رقم هاتفي \u200e+٩٧١ ٥٠ ١٢٣ ٤٥٦٧\u200e شكرا", "PHONE", 1),
        ("מספר הכרטיס שלי 4111 1111 1111 1111 תודה", "CREDIT_CARD", 1),
        ("\u202b4111 1111 1111 1111\u202c", "CREDIT_CARD", 1),
        ("\u2066+44 20 7946 0958\u2069", "PHONE", 1),
        ("ssn\u00a0123\u201145\u20116789", "US_SSN", 1),
        ("cards 4111111111111111,5555555555554444", "CREDIT_CARD", 2),
        ("4111111111111111/5555555555554444", "CREDIT_CARD", 2),
        ("call (415) 555-0132/(415) 555-0133", "PHONE", 2),
        ("+1 415 555 0132;+44 20 7946 0958", "PHONE", 2),
        ("4\u0301111 1111 1111 1111", "CREDIT_CARD", 1),
        ("john\u00ad.doe@example.com", "EMAIL", 1),
    ],
)
def test_scripts_bidi_controls_and_neighbours(text: str, kind: str, n: int) -> None:
    out = R.redact(text)
    assert out.counts == {kind: n}, (text, out)
    assert not any(ch.isdigit() for ch in out.text), out.text  # no digit of any script is left
