"""National phone numbers behind a context word, dot-grouped cards and SSNs, literal and quoted e-mails.

Each table pairs the positives with near misses: the same digits where the text says they are something
else (an order, a date, a price), which must stay exactly as written.
"""

from __future__ import annotations

import pytest

from archiver.redact import BASE_TYPES, RedactConfig, Redactor

R = Redactor()
# The lists below were written for the five shape types; the cue/shape types have their own tables
# (test_new_types.py), and an IP address or `zip 94105-1234` is PII to them.
R5 = Redactor(RedactConfig(enabled_types=BASE_TYPES))

# (text, the value that must become one PHONE token)
NATIONAL = [
    ("ring 020 7946 0958", "020 7946 0958"),
    ("mobile 07700 900123", "07700 900123"),
    ("appel 06 12 34 56 78", "06 12 34 56 78"),
    ("Tel. 030 1234567", "030 1234567"),
    ("Handy 0171 1234567", "0171 1234567"),
    # an extension glued on stays, the number goes (found by a 5,000-turn run)
    ("電話番号は69581 91785ext.2854; 🙂", "69581 91785"),
    ("mobile 07700 900123x12", "07700 900123"),
    ("my number is 134 1727 2322.. 33914", "134 1727 2322"),  # ends at a separator no number uses
    ("móvil 612 34 56 78", "612 34 56 78"),
    ("Móvil: 612 34 56 78", "612 34 56 78"),
    ("TELÉFONO 91 234 56 78", "91 234 56 78"),
    ("call me on 020 7946 0958 tomorrow", "020 7946 0958"),
    ("my number is 07700 900123.", "07700 900123"),
    ("phone (030) 1234567", "(030) 1234567"),
    ("Tel.: 030/1234567", "030/1234567"),
    ("Telefonnummer: 089 12345678", "089 12345678"),
    ("tel 8 (495) 123-45-67", "8 (495) 123-45-67"),
    ("telefono 06 1234 5678", "06 1234 5678"),
    ("telefoon 020-123 4567", "020-123 4567"),
    ("appel 06.12.34.56.78", "06.12.34.56.78"),
    (
        "appel 06\u201112\u201134\u201156\u201178",
        "06\u201112\u201134\u201156\u201178",
    ),  # non-breaking hyphens
    ("appel 06\u202f12\u202f34\u202f56\u202f78", "06\u202f12\u202f34\u202f56\u202f78"),  # narrow NBSP
    ("mobile 07700\u200e900123", "07700\u200e900123"),  # a bidi mark inside
    ("mobile \u0660\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0661\u0662\u0663", None),  # Arabic-Indic
    ("mobile ０７７００ ９００１２３", "０７７００ ９００１２３"),
    ("電話番号は090-1234-5678です", "090-1234-5678"),
    ("电话：138 0013 8000", "138 0013 8000"),
    ("手机13800138000", "13800138000"),
    ("هاتف 0501234567", "0501234567"),
    ("เบอร์โทร 081 234 5678", "081 234 5678"),
    ("โทร0812345678ครับ", "0812345678"),
    ("Телефон: 8 (495) 123-45-67", "8 (495) 123-45-67"),
    ("휴대폰 010-1234-5678", "010-1234-5678"),
    ("điện thoại 0912 345 678", "0912 345 678"),
    ("मोबाइल 98765 43210", "98765 43210"),
    ("fax 020 7946 0959", "020 7946 0959"),
    ("whatsapp 0612345678", "0612345678"),
    ("call 555-0132", "555-0132"),
    ("call 0171 1234567 2pm", "0171 1234567"),
    ("phone number (02) 9876 5432", "(02) 9876 5432"),
    ("text me on 0412 345 678 🙂", "0412 345 678"),
]


@pytest.mark.parametrize(("text", "value"), NATIONAL)
def test_national_number_behind_a_context_word(text: str, value: str | None) -> None:
    out = R.redact(text)
    assert out.counts == {"PHONE": 1}, (text, out.text)
    if value is not None:
        assert out.text == text.replace(value, "[REDACTED:PHONE]")
    else:
        assert not any(ch.isdigit() for ch in out.text)


NATIONAL_NEGATIVES = [
    "call me on 12.05.2024",
    "call me on 12/05/2024 at 10:30",
    "call me 12.05.24",
    "call on 12.05.2024 10 30",
    "ring me at 10:30",
    "call me at 2024-05-12 10:30",
    "phone 20240512",
    "my order number is 12345678",
    "order number 0123 456789",
    "phone order 12345678",
    "text me the code 123456",
    "sms code 12345678",
    "phone 2023-2024 model",
    "call 94105-1234",
    "call 1.234.567",
    "number of items 1234567",
    "the number 1 234 567 is large",
    "my account number is 12345678",
    "reference number 0301234567",
    "call about order 4155550132",
    "Tel Aviv 6100000",
    "phone ip 192.168.1.1",
    "call (123) 555-0132",
    "call 911-555-0132",
    "call 415-155-0132",
    "phone version 10.0.19045.3803",
    "my card number is 4111 1111 1111 1112",
    "ticket number: 01234567",
    "Kundennummer 0301234567",
    "Bestellnummer: 0171 1234567",
    "numéro de commande 0612345678",
    "número de pedido 612345678",
    "phone: $1,234,567",
    "call 555 1234 5678 9012 3456",
    "can you confirm your contact details? #55202446",
    "can you confirm your contact details? 1246 8447.",
    "my new apartment number is wrong on the label, 10.0.68209.9786",
    "call me maybe. 0301234567 is the ticket",
    "020 7946 0958",  # no context word at all
    "06 12 34 56 78",
    "mobile phones 2 for 1, ref 0301234567",
    "telephone0301234567",  # glued: one token
    "call 0301234567abc",
    "call 0301234567.00",
]


@pytest.mark.parametrize("text", NATIONAL_NEGATIVES)
def test_national_look_alikes_stay(text: str) -> None:
    assert R5.redact(text) == (text, {})


def test_the_general_finding_wins_over_the_national_one() -> None:
    # a card, an SSN, a NANP or `+` number behind a context word keeps its own type
    assert R.redact("call 4111 1111 1111 1111").counts == {"CREDIT_CARD": 1}
    assert R.redact("my number is 123-45-6789").counts == {"US_SSN": 1}
    assert R.redact("phone +44 20 7946 0958").text == "phone [REDACTED:PHONE]"
    assert R.redact("call me at 415-555-0132 x12").text == "call me at [REDACTED:PHONE] x12"
    assert R.redact("call john.doe1990@example.com").text == "call [REDACTED:EMAIL]"
    text = "call me at 0171 1234567 or mail a@b.co, iban DE89370400440532013000"
    assert R.redact(text).counts == {"PHONE": 1, "EMAIL": 1, "IBAN": 1}


def test_context_never_crosses_a_message_boundary() -> None:
    texts = ["please call me", "0301234567", "mobile", "07700 900123"]
    assert R.redact_many(texts) == (texts, {})
    many, counts = R.redact_many(["x", "Handy 0171 1234567", "y"])
    assert many == ["x", "Handy [REDACTED:PHONE]", "y"] and counts == {"PHONE": 1}


def test_national_numbers_off_when_phone_disabled() -> None:
    from archiver.redact import RedactConfig

    r = Redactor(RedactConfig(enabled_types=("CREDIT_CARD", "EMAIL")))
    assert r.redact("mobile 07700 900123").counts == {}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("4111.1111.1111.1111", "CREDIT_CARD"),
        ("card 5555.5555.5555.4444 thanks", "CREDIT_CARD"),
        ("3782.822463.10005", "CREDIT_CARD"),
        ("4111\u00b71111\u00b71111\u00b71111", "CREDIT_CARD"),  # middle dots fold to `.`
        ("123.45.6789", "US_SSN"),
        ("ssn 078.05.1120.", "US_SSN"),
    ],
)
def test_dot_grouped_cards_and_ssns(text: str, kind: str) -> None:
    out = R.redact(text)
    assert out.counts == {kind: 1} and not any(ch.isdigit() for ch in out.text), out.text


@pytest.mark.parametrize(
    "text",
    [
        "4111.1111.1111.1112",  # Luhn
        "4111.1111-1111.1111",  # mixed separators
        "1234.5678.9012.3456",  # no brand
        "12.05.2024",
        "2024.05.12",
        "666.12.3456",  # SSA rules still apply
        "123.00.4567",
        "v123.45.6789",
        "1.123.45.6789",
        "10.123.45.6789",
        "192.168.45.6789",
        "version 123.45.6789",
        "build: 123.45.6789",
    ],
)
def test_dotted_look_alikes_stay(text: str) -> None:
    assert R.redact(text) == (text, {})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mail john@[192.168.1.1] please", "john@[192.168.1.1]"),
        ("mail me: john@[IPv6:2001:db8::1].", "john@[IPv6:2001:db8::1]"),
        ("josé@[192.0.2.1]", "josé@[192.0.2.1]"),
        ('"john doe"@example.com', '"john doe"@example.com'),
        ('write to "john.doe"@example.com.', '"john.doe"@example.com'),
        ('("josé garcía"@correo.es)', '"josé garcía"@correo.es'),
        # zero-width characters hidden inside the literal
        (
            "mail josé@[\ufeff\u2060IPv6:2001:d\u200cb8::604] ok",
            "josé@[\ufeff\u2060IPv6:2001:d\u200cb8::604]",
        ),
        ("ｊｏｈｎ＠［１９２．０．２．７］", "ｊｏｈｎ＠［１９２．０．２．７］"),  # full-width
        # an invisible character between `@` and `[`, or before the opening quote (found by a 5,000-turn run)
        ("mail nguyễn.văn@\u2060[IPv6:2001:db8::631]>", "nguyễn.văn@\u2060[IPv6:2001:db8::631]"),
        ('to \u200b"john doe"@example.com', '"john doe"@example.com'),
        ("send jo\u200bsé@[IPv6:2001\u200d:db8::490])", "jo\u200bsé@[IPv6:2001\u200d:db8::490]"),
        ("email: info@[192.0.2.31\u200b] — ok?", "info@[192.0.2.31\u200b]"),
        ("mail: françois@[IPv6:2001:db8::\u200b70]", "françois@[IPv6:2001:db8::\u200b70]"),
        ('send "김철수 用户"\u200d@उदाहरण.भारत!', '"김철수 用户"\u200d@उदाहरण.भारत'),
        ('to "\u200bjohn doe"@example.com', '"\u200bjohn doe"@example.com'),
    ],
)
def test_address_literals_and_quoted_local_parts(text: str, value: str) -> None:
    out = R.redact(text)
    assert out.counts == {"EMAIL": 1}
    assert out.text == text.replace(value, "[REDACTED:EMAIL]")


@pytest.mark.parametrize(
    "text",
    ['he said "hi"@ noon', '"quoted" @example', "john@[not an ip]", "john@[192.168.1]", '""@example.com'],
)
def test_email_look_alikes_stay(text: str) -> None:
    assert R.redact(text) == (text, {})


def test_batched_equals_one_by_one_on_folded_text() -> None:
    # the batch maps view spans back to the original in one walk; it must agree with `redact` per text
    import random

    rng = random.Random(3)
    pieces = [
        "card ４１１１ １１１１ １１１１ １１１１",
        "mobile 07700\u200e900123",
        "appel 06\u202f12\u202f34\u202f56\u202f78",
        "e\u0301te\u0301 call 415\u2013555\u20130132",
        "ssn ١٢٣-٤٥-٦٧٨٩ ok",
        "电话：138 0013 8000",
        "jo\u200bhn@example.com",
        "plain text",
        "😀 4111111111111111",
        "IBAN DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",
    ]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(400)]
    many, counts = R.redact_many(texts)
    one = [R.redact(t) for t in texts]
    assert many == [o.text for o in one]
    total: dict[str, int] = {}
    for o in one:
        for kind, n in o.counts.items():
            total[kind] = total.get(kind, 0) + n
    assert counts == total
