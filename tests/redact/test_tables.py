"""Per-type positive and negative tables: each value alone, and embedded in a sentence."""

from __future__ import annotations

import pytest

from archiver.redact import BASE_TYPES, RedactConfig, Redactor

R = Redactor()
# The lists below were written for the five shape types; the cue/shape types have their own tables
# (test_new_types.py), and an IP address or `zip 94105-1234` is PII to them.
R5 = Redactor(RedactConfig(enabled_types=BASE_TYPES))

POSITIVE: dict[str, list[str]] = {
    "CREDIT_CARD": [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4012888888881881",
        "4222222222222",  # Visa 13
        "4111 1111 1111 1111 003",  # Visa 19 (4-4-4-4-3)
        "5555555555554444",
        "5105 1051 0510 5100",
        "2223000048400011",  # Mastercard 2-series
        "2720 9999 9999 9996",
        "378282246310005",
        "3782 822463 10005",  # Amex 4-6-5
        "3714-496353-98431",
        "6011111111111117",
        "6011 0009 9013 9424",
        "6445644564456445",
        "6500000000000002",
        "3530111333300000",  # JCB
        "3566 0020 2036 0505",
        "30569309025904",  # Diners 14
        "3056 930902 5904",  # Diners 4-6-4
        "36227206271667",
        "6200000000000005",  # UnionPay
        "4111.1111.1111.1111",  # dot-grouped, as some forms print it
        "3782.822463.10005",
    ],
    "US_SSN": [
        "123-45-6789",
        "123 45 6789",
        "001-01-0001",
        "899-99-9999",
        "665-12-3456",
        "078-05-1120",
        "123.45.6789",  # dotted 3-2-4: dates are 2-2-4 or 4-2-2, so this shape is only an SSN
    ],
    "EMAIL": [
        "john.doe@example.com",
        "John.Doe+orders@Mail.Example.COM",
        "a@b.co",
        "first_last-99@sub.dept.example.co.uk",
        "USER@EXAMPLE.ORG",
        "x.y.z+tag+more@example-domain.io",
        "josé.garcía@exämple.es",
        "o'neil@example.com",
        "1234567890@txt.att.net",
        "user%route@example.com",
    ],
    "PHONE": [
        "(415) 555-0132",
        "(415)555-0132",
        "415-555-0132",
        "415.555.0132",
        "415 555 0132",
        "4155550132",
        "+1 415 555 0132",
        "+1-415-555-0132",
        "+1 (415) 555-0132",
        "1-800-555-0199",
        "1 (800) 555-0199",
        "+14155550132",
        "14155550132",
        "415 555-0132",
        "+44 20 7946 0958",
        "+44 7911 123456",
        "+44 (0)20 7946 0958",
        "+442079460958",
        "+49 30 12345678",
        "+49 151 2345 6789",
        "+33 1 23 45 67 89",
        "+33612345678",
        "+61 2 9876 5432",
        "+61 412 345 678",
        "+353 1 234 5678",
        "+34 612 345 678",
        "+39 06 1234 5678",
        "+31 20 123 4567",
        "+91 98765 43210",
        "+81 3-1234-5678",
        "+55 11 91234-5678",
        "+52 55 1234 5678",
        "+7 495 123-45-67",
        "+86 10 1234 5678",
        "+27 21 123 4567",
        "+46 8 123 45 67",
        "+41 44 668 18 00",
        "(+44) 20 7946 0958",
        "(+49) (0)30 1234567",
        "+33 (0) 1 23 45 67 89",
        "+852 2345 6789",
        "+971 50 123 4567",
        "+86 138 0013 8000",
        "(415)-555-0132",
        "+1 415.555.0132",
    ],
    "IBAN": [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "FR14 2004 1010 0505 0001 3M02 606",
        "ES91 2100 0418 4502 0005 1332",
        "NL91 ABNA 0417 1643 00",
        "BE68 5390 0754 7034",
        "CH93 0076 2011 6238 5295 7",
        "IT60 X054 2811 1010 0000 0123 456",
        "AT61 1904 3002 3457 3201",
        "PL61 1090 1014 0000 0712 1981 2874",
        "SE45 5000 0000 0583 9825 7466",
        "NO93 8601 1117 947",
        "IE29 AIBK 9311 5212 3456 78",
        "de89 3704 0044 0532 0130 00",
        "SA03 8000 0000 6080 1016 7519",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "BR15 0000 0000 0000 1093 2840 814P 2",
    ],
}

NEGATIVE: list[str] = [
    "123e4567-e89b-12d3-a456-426614174000",
    "550e8400-e29b-41d4-a716-446655440000",
    "2024-03-15T10:32:11Z",
    "2024-03-15T10:32:11.123+02:00",
    "2024-03-15 10:32:11",
    "03/15/2024",
    "15.03.2024",
    "March 15, 2024",
    "10:32",
    "10:32:11",
    "3:45 PM",
    "$1,234.56",
    "$4,155,550,132.00",
    "€49,99",
    "USD 12,000",
    "94105",
    "94105-1234",
    "ORD-2024-000123",
    "ORD-4155550132",
    "order #12345678",
    "order 4155550132",
    "ticket #4155550132",
    "TCK-48213",
    "INC0012345",
    "SKU-7781-BLK-XL",
    "v2.10.3",
    "10.0.19045.3803",
    "192.168.100.200",
    "https://shop.example.com/orders/4155550132?ref=chat",
    "https://help.example.com/articles/123456789012-how-to-reset",
    "www.example.com/track/9400111202555555555555",
    "12.5%",
    "100%",
    "1Z999AA10123456784",
    "1Z 999 AA1 01 2345 6784",
    "9400111202555555555555",
    "9400 1112 0255 5555 5555 55",
    "92055901755477000271990",
    "4111111111111112",  # Luhn-invalid
    "4111 1111 1111 1112",
    "1234567812345678",
    "INV4111111111111111",
    "ref4155550132x",
    "abc123-45-6789",
    "123-45-67890",
    "41111111111111111111111",
    "000-12-3456",
    "666-12-3456",
    "123-00-4567",
    "123-45-0000",
    "987-65-4321",  # 9xx areas are ITINs
    "123456789",  # bare nine digits, no context word
    "4155550132.00",
    "(123) 555-0132",  # area code cannot start with 1
    "(415) 155-0132",  # exchange cannot start with 1
    "911-555-0132",  # N11 area
    "+5 12",
    "+12345",
    "+0 20 7946 0958",
    "DE89 3704 0044 0532 0130 01",  # mod-97 fails
    "XX89 3704 0044 0532 0130 00",  # no such country
    "GB82 WEST 1234 5698 7654",  # too short for GB
    "version 4.1.1.1111",
    "4111.1111.1111.1112",  # dotted groups: Luhn still decides
    "4111.1111 1111.1111",  # inconsistent separators
    "4111 1111-1111 1111",  # inconsistent separators
    "123-45 6789",
    "@handle",
    "a@b",
    "1.5e10",
]


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, vs in POSITIVE.items() for v in vs])
def test_positive_alone_and_in_sentence(kind: str, value: str) -> None:
    token = f"[REDACTED:{kind}]"
    assert R.redact(value) == (token, {kind: 1})
    for before, after in [
        ("my value is ", "."),
        ("(", ")"),
        ("«", "» thanks"),
        ("电话", "。"),
        ("📞 ", " 🙂"),
    ]:
        out = R.redact(f"{before}{value}{after}")
        assert out.text == f"{before}{token}{after}", (before, value, after)
        assert out.counts == {kind: 1}


@pytest.mark.parametrize("value", NEGATIVE)
def test_negative_untouched(value: str) -> None:
    for text in (value, f"see {value} please", f"({value})", f"{value}."):
        assert R5.redact(text) == (text, {}), text


@pytest.mark.parametrize(
    "text",
    [
        "my SSN is 123456789",
        "SSN: 123456789",
        "social security number 078051120.",
        "ssn#123456789",
        "123456789 is my social",
    ],
)
def test_bare_ssn_needs_context(text: str) -> None:
    out = R.redact(text)
    assert "123456789" not in out.text and "078051120" not in out.text
    assert out.counts == {"US_SSN": 1}


def test_context_does_not_leak_between_batched_messages() -> None:
    texts, counts = R.redact_many(["what is your ssn?", "123456789"])
    assert texts == ["what is your ssn?", "123456789"] and counts == {}


def test_card_among_other_digit_groups() -> None:
    assert R.redact("ref 1000 4111 1111 1111 1111").text == "ref 1000 [REDACTED:CREDIT_CARD]"
    assert R.redact("cards 4111 1111 1111 1111 5555 5555 5555 4444").counts == {"CREDIT_CARD": 2}
    # a USPS tracking number (valid check digit) holds card-shaped windows: none of them is a card
    assert R.redact("tracking 9400 4358 7428 5782 5258 73").counts == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.168.100.200 4155550132", "192.168.100.200 [REDACTED:PHONE]"),  # overlapping look-alike first
        ("2024-03-15 10:32:11 415-555-0132", "2024-03-15 10:32:11 [REDACTED:PHONE]"),
        ("tel +33668018799 01:54 ?", "tel [REDACTED:PHONE] 01:54 ?"),  # not the hour of the time after it
        ("1234-4111 1111 1111 1111", "1234-[REDACTED:CREDIT_CARD]"),
        ("4111111111111111-card", "[REDACTED:CREDIT_CARD]-card"),  # a valid card joined by a dash is a card
        ("SKU-4155550132", "SKU-4155550132"),  # …a phone-shaped id is not
        ("call 415-555-0132: thanks", "call [REDACTED:PHONE]: thanks"),
    ],
)
def test_neighbours(text: str, expected: str) -> None:
    assert R5.redact(text).text == expected


def test_card_followed_by_other_numbers_keeps_them() -> None:
    assert (
        R.redact("card 4111 1111 1111 1111 2027 cvv 123").text
        == "card [REDACTED:CREDIT_CARD] 2027 cvv [REDACTED:CARD_CVV]"
    )
    assert R.redact("call 415-555-0132 2pm").text == "call [REDACTED:PHONE] 2pm"
    assert R.redact("+31 20 862 2936 39%").text == "[REDACTED:PHONE] 39%"


def test_several_types_in_one_text_and_counts() -> None:
    text = (
        "card 4111111111111111, ssn 123-45-6789, mail a.b@example.com, call (415) 555-0132 or "
        "+44 20 7946 0958, iban DE89370400440532013000, card again 5555-5555-5555-4444"
    )
    out = R.redact(text)
    assert out.counts == {"CREDIT_CARD": 2, "US_SSN": 1, "EMAIL": 1, "PHONE": 2, "IBAN": 1}
    assert not any(ch.isdigit() for ch in out.text)


def test_email_inside_url_is_redacted_but_ids_are_not() -> None:
    text = "https://x.example.com/orders/4155550132?email=john@example.com&card=4111111111111111"
    out = R.redact(text)
    assert (
        out.text
        == "https://x.example.com/orders/4155550132?email=[REDACTED:EMAIL]&card=[REDACTED:CREDIT_CARD]"
    )
