"""A card number sent in pieces over consecutive messages is redacted in every piece."""

from __future__ import annotations

import pytest

from archiver.redact import RedactConfig, Redactor

R = Redactor()
CARD = "[REDACTED:CREDIT_CARD]"


@pytest.mark.parametrize(
    "pieces",
    [
        ["4111 1111", "1111 1111"],
        ["4111", "1111", "1111", "1111"],
        ["4111 1111 1111", "1111."],
        ["3782", "822463", "10005"],  # Amex 4-6-5
        ["5555-5555", "5555-4444"],
    ],
)
def test_card_in_pieces_is_redacted(pieces: list[str]) -> None:
    texts = ["my card number is", *pieces, "thanks"]
    out, counts = R.redact_many(texts)
    assert out == ["my card number is", *[CARD] * len(pieces), "thanks"]
    assert counts == {"CREDIT_CARD": 1}


def test_numbers_that_are_no_card_stay() -> None:
    texts = [
        "order", "1234 5678", "1234 5678",  # not Luhn-valid together
        "room 4111", "1111 1111 1111",  # words in a piece: not number-only
        "4111 1111", "ok", "1111 1111",  # not consecutive
        "2024", "12",
    ]  # fmt: skip
    out, counts = R.redact_many(texts)
    assert out == texts and counts == {}


def test_pieces_follow_the_enabled_types() -> None:
    off = Redactor(RedactConfig(enabled_types=("EMAIL",)))
    assert off.redact_many(["4111 1111", "1111 1111"]) == (["4111 1111", "1111 1111"], {})
