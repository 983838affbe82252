"""National ids, bank numbers, passports and phones behind the cue spellings customers use (audit items 8-12):
dotted abbreviations, German/Spanish/French wordings, weaker cues; and the amounts, counts and reference
numbers after the same words, which stay byte-identical."""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, values, type): each value is replaced by its type's token and nothing else in `text` changes
POSITIVE: list[tuple[str, tuple[str, ...], str]] = [
    # dotted abbreviations
    ("S.I.N. 046 454 286", ("046 454 286",), "CA_SIN"),
    ("my S.I.N is 046 454 286", ("046 454 286",), "CA_SIN"),
    ("N.A.S. 046 454 286", ("046 454 286",), "CA_SIN"),
    ("T.F.N 123456782", ("123456782",), "AU_TFN"),
    ("T.I.N. 912701234", ("912701234",), "US_ITIN"),
    ("my s.i.n. is 046454286", ("046454286",), "CA_SIN"),
    ("T.F.N. 123 456 782", ("123 456 782",), "AU_TFN"),
    ("t.f.n.: 123-456-782 thanks", ("123-456-782",), "AU_TFN"),
    ("my N.I. number is hj388193b", ("hj388193b",), "UK_NINO"),
    ("N.I. QQ 12 34 56 C", ("QQ 12 34 56 C",), "UK_NINO"),
    # other-language wordings of the national ids
    ("numero de seguro nacional británico sb644414b", ("sb644414b",), "UK_NINO"),
    ("meine britische Sozialversicherungsnummer ist pa793979c", ("pa793979c",), "UK_NINO"),
    ("kanadische Sozialversicherungsnummer 046-454-286", ("046-454-286",), "CA_SIN"),
    ("número de seguro social de Canadá 046454286", ("046454286",), "CA_SIN"),
    ("numéro d'assurance nationale QQ123456C", ("QQ123456C",), "UK_NINO"),
    ("australische Steuernummer 123456782", ("123456782",), "AU_TFN"),
    # the Canadian reading wins where the number is a valid SIN (before: a US_SSN)
    ("mi número de seguro social canadiense es 046454286", ("046454286",), "CA_SIN"),
    ("Sozialversicherungsnummer (USA): 813483837", ("813483837",), "US_SSN"),
    ("my ss number is 166543277", ("166543277",), "US_SSN"),
    ("my ss number is 022752838", ("022752838",), "US_SSN"),  # (before: a phone)
    # an ITIN after a weaker tax cue: nine digits in the ITIN ranges
    ("tax id 916558932", ("916558932",), "US_ITIN"),
    ("TIN 932611931", ("932611931",), "US_ITIN"),
    ("my taxpayer id number is 943701846", ("943701846",), "US_ITIN"),
    ("tax identification number: 943-70-1846", ("943-70-1846",), "US_ITIN"),
    ("número de identificación fiscal 943701846", ("943701846",), "US_ITIN"),
    ("numéro d'identification fiscale 943701846", ("943701846",), "US_ITIN"),
    # bank
    ("Kontonr. 69169212", ("69169212",), "BANK_ACCOUNT"),
    ("Konto-Nr.: 8916849102", ("8916849102",), "BANK_ACCOUNT"),  # (before: a phone)
    ("Kto-Nr. 43236520554568", ("43236520554568",), "BANK_ACCOUNT"),
    ("acct. no. 12345678", ("12345678",), "BANK_ACCOUNT"),
    ("sort 37-10-76", ("37-10-76",), "UK_SORT_CODE"),
    ("SORT: 37-10-76", ("37-10-76",), "UK_SORT_CODE"),
    ("savings 12345678 please", ("12345678",), "BANK_ACCOUNT"),
    ("checking 12345678 thanks", ("12345678",), "BANK_ACCOUNT"),
    # driver ids
    ("permiso de conducir K1286264", ("K1286264",), "DRIVER_ID"),
    ("permiso de conducción M5252-30095-83462", ("M5252-30095-83462",), "DRIVER_ID"),
    ("licencia de manejo S455-4103-7234", ("S455-4103-7234",), "DRIVER_ID"),
    ("carné de conducir 12345678", ("12345678",), "DRIVER_ID"),
    ("Führerscheinnr. B072RRE2I55", ("B072RRE2I55",), "DRIVER_ID"),
    ("driver's lic. # D1234567", ("D1234567",), "DRIVER_ID"),
    # passports that are mostly letters (German: nine of CFGHJKLMNPRTVWXYZ0-9)
    ("passport:CYHWHPJK0", ("CYHWHPJK0",), "PASSPORT"),
    ("Reisepassnummer CVXW6YFRY", ("CVXW6YFRY",), "PASSPORT"),
    ("Reisepassnummer CKLJYVKJX", ("CKLJYVKJX",), "PASSPORT"),
    ("número de pasaporte ccrv43m3w", ("ccrv43m3w",), "PASSPORT"),
    ("passport number is CRHKH64K4.", ("CRHKH64K4",), "PASSPORT"),
    # phones behind weak cues
    ("ph 07323 830638", ("07323 830638",), "PHONE"),
    ("ph: 030 1234567", ("030 1234567",), "PHONE"),
    ("ph. 07323 830638", ("07323 830638",), "PHONE"),
    ("cell# 06 48 06 47 89", ("06 48 06 47 89",), "PHONE"),
    ("phone # 07700 900123", ("07700 900123",), "PHONE"),
    ("best number 06 54 09 67 64, after 5pm", ("06 54 09 67 64",), "PHONE"),
    ("contact number: 0171 1234567", ("0171 1234567",), "PHONE"),
    # a second number joined to a phone by `or`, `/`, `o`, `oder`
    ("reach me on 646.525.7606 or 07955 622495", ("646.525.7606", "07955 622495"), "PHONE"),
    ("phone 646.525.7606 / 07955 622495", ("646.525.7606", "07955 622495"), "PHONE"),
    ("llámame al +34 612 345 678 o 0612345678", ("+34 612 345 678", "0612345678"), "PHONE"),
    ("Handy 0171 1234567 oder 030 1234567", ("0171 1234567", "030 1234567"), "PHONE"),
    ("call me on 07700 900123 or on 020 7946 0958", ("07700 900123", "020 7946 0958"), "PHONE"),
    ("phone: 020 7946 0958 (work) or 07700 900123 (mobile)", ("020 7946 0958", "07700 900123"), "PHONE"),
    # (without a trunk `0`, the second number is typed in the first one's groups)
    ("mi móvil 612 345 678 o 912 345 678", ("612 345 678", "912 345 678"), "PHONE"),
    (
        "tel 020 7946 0958 or 0171 1234567 or 06 12 34 56 78",
        ("020 7946 0958", "0171 1234567", "06 12 34 56 78"),
        "PHONE",
    ),
    ("call me at 4155550132", ("4155550132",), "PHONE"),
]

NEGATIVE = [
    # amounts and counts after an account word
    "savings of 150000 dollars",
    "I have savings of 250000 in that bank",
    "checking 150000 records took long",
    "checking 1500000 rows now",
    "savings 150000 USD",
    "savings of $150000",
    "account 12345678 dollars",
    "Konto mit 150000 Euro",
    "cuenta con 150000 euros",
    "savings: 150000 €",
    "checking 150000 entries",
    # a number after a reference/order/ticket/case cue is that thing
    "your reference number is 7592420441",
    "your order number is 4155550132",
    "the case number was 4155550132",
    "tracking number: 4155550132",
    "ticket # is 4155550132",
    "your booking number is 4155550132",
    # passport look-alikes
    "passport expired",
    "passport photo",
    "passport OFFICE",
    "passport chryzlmnp",
    "my passport number is expired",
    # weaker tax cues before other numbers
    "tax id 123456789",
    "a tin of 912345678 beans",
    "the tin can holds 912701234 beans",
    # `sort` is a verb too
    "sort the files from 12-05-24",
    "sort by 12-05-24",
    "sort 12-05-2024",
    # `#` glued to the digits is an identifier
    "电话 #55544144",
    # an abbreviation's full stop before no value
    "I closed the acct. Then I called",
    "driving lic. expired in 2022",
    "pH. 7.4 in 0123 4567 water",
]

# after a phone, what a comma joins may be anything, and a date or a decimal is no second number
AFTER_A_PHONE = [
    ("mobile: +34 672 594 144, 0498 6256 - thanks", "+34 672 594 144"),
    ("call 020 7946 0958 or 01.02.2024", "020 7946 0958"),
    ("call 020 7946 0958 or 0.5 hours later", "020 7946 0958"),
    ("call 020 7946 0958, 12345678 is my order", "020 7946 0958"),
    ("call 612 345 678 or 1234 5678 items", "612 345 678"),
    ("phone 4155550132 or 1234567890", "4155550132"),
]


@pytest.mark.parametrize(("text", "values", "kind"), POSITIVE)
def test_value_behind_the_cue_is_redacted(text: str, values: tuple[str, ...], kind: str) -> None:
    expected = text
    for value in values:
        assert value in expected
        expected = expected.replace(value, f"[REDACTED:{kind}]", 1)
    out = R.redact(text)
    assert out.text == expected, out
    assert out.counts == {kind: len(values)}


@pytest.mark.parametrize("text", NEGATIVE)
def test_look_alike_stays_byte_identical(text: str) -> None:
    assert R.redact(text) == (text, {})
    assert R.redact_utf8(text.encode()) == (text.encode(), {})


@pytest.mark.parametrize(("text", "phone"), AFTER_A_PHONE)
def test_only_the_phone_is_redacted(text: str, phone: str) -> None:
    assert R.redact(text) == (text.replace(phone, "[REDACTED:PHONE]"), {"PHONE": 1})
