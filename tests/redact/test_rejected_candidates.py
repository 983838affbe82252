"""What a rejected candidate covers is still looked at.

RE2 returns the leftmost candidate; when the check rejects it, the walk must look again inside it, or a
value that starts inside the rejected span is never seen. The IBAN shape is the widest one (a two-letter,
two-digit token and up to ten groups of four), and an identifier's tail has that shape: a UUID's
`bb64-428c-b26a-5705…` ran on over a following `ITIN 902771421` and hid it (found by the 5,000-message
hostile transcript, seed 2797141617).
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

CASES = [
    (
        "can you check my parcel? (ref f8b9d240-bb64-428c-b26a-570507049181 ITIN 902771421",
        "902771421",
        "US_ITIN",
    ),
    ("ref AB12-4111-1111-1111-1111 ok", "4111-1111-1111-1111", "CREDIT_CARD"),
    ("code xy12 4111 1111 1111 1111", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("id zz99 1234 5678 then 123-45-6789", "123-45-6789", "US_SSN"),
    ("order QW12 ABCD EFGH call 415-555-0132", "415-555-0132", "PHONE"),
]


# The same for the other places a candidate is rejected or ends early.
MORE = [
    # a cue word's rejected value must not hide a shape starting inside it; `…vv` is no `v` of a version
    ("cvv 192.168.10.24", "192.168.10.24", "IP_ADDRESS"),
    ("my ssn is cvv 123.45.6789", "123.45.6789", "US_SSN"),
    # a rejected `+` number covered the address
    ("+1 (555) 192.168.10.24", "192.168.10.24", "IP_ADDRESS"),
    # a password is one token: a longer value starting with it wins, digit groups after it go with it, and a
    # cue word is no password
    ("password: 123 45 6789", "123 45 6789", "US_SSN"),
    ("password: (415) 555-0132", "(415) 555-0132", "PHONE"),
    ("password: 42 Elm Street, Springfield IL", "42 Elm Street, Springfield IL", "STREET_ADDRESS"),
    ("pwd: date of birth 12/03/1985", "12/03/1985", "DATE_OF_BIRTH"),
    ("password: 2024 1234 5678", "2024 1234 5678", "PASSWORD"),
    # a name that runs on into an address is the address
    ("Name: Jane.Doe@example.com", "Jane.Doe@example.com", "EMAIL"),
    ("this is jane_doe@example.com", "jane_doe@example.com", "EMAIL"),
    # the second look takes what it finds there as it is (a shape found again at its own start once recursed)
    ("0089 6526), my NI number is SL071298C.", "SL071298C", "UK_NINO"),
    ("password: cvv 123", "123", "CARD_CVV"),
    # a lower-case or capitals name after `name:` may be another type's cue
    ("name: cvv 123", "123", "CARD_CVV"),
    ("Name: DOB 1985-03-12", "1985-03-12", "DATE_OF_BIRTH"),
    # a sentence's full stop does not run a value on (`account 2468013579.` is no phone number)
    ("account 2468013579.", "2468013579", "BANK_ACCOUNT"),
    ("login: account 12345678", "12345678", "BANK_ACCOUNT"),
]


@pytest.mark.parametrize(("text", "value", "kind"), CASES + MORE)
def test_value_behind_a_rejected_or_short_candidate_is_found(text: str, value: str, kind: str) -> None:
    out, counts = R.redact_many([text])
    assert out == [text.replace(value, f"[REDACTED:{kind}]")]
    assert counts == {kind: 1}
    assert R.redact_utf8(text.encode())[0].decode() == out[0]  # the bytes path walks the same way


def test_an_address_tail_ends_before_another_types_cue() -> None:
    # the tail takes capitals for a city (`…, Springfield IL`); `SIN` there is the cue of what follows
    out, counts = R.redact_many(["PO Box 12, SIN 046 454 286", "10 Pin Oak Lane, Austin TX 78701"])
    assert out == ["[REDACTED:STREET_ADDRESS], SIN [REDACTED:CA_SIN]", "[REDACTED:STREET_ADDRESS]"]
    assert counts == {"STREET_ADDRESS": 2, "CA_SIN": 1}
