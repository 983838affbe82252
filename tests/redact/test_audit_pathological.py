"""Audit: pathological digit-group tables stay fast and exact; look-alike dots and Hangul fillers hide no PII.

A pasted table of 4-digit groups used to cost Python ~20 candidate windows per group (~0.3 MB/s); the walk
over such runs is now replayed from per-group tables (`archiver/redact/runs.py`). These tests pin what it
finds (the same cards the general walk finds) and bound its time generously.
"""

from __future__ import annotations

import random
import time

import pytest

from archiver.redact import Redactor

R = Redactor()
CARD_A = "4111 1111 1111 1111"
CARD_B = "4012 8888 8888 1881"
FILLER = "1000"  # brand-less: no window starting with it is a card


# --- look-alike separators and dots ----------------------------------------------------------------------

DOTS = ["\u00b7", "\u2027", "\u30fb", "\uff0e", "\u3002"]


@pytest.mark.parametrize("dot", DOTS)
@pytest.mark.parametrize("template", ["call {} now", "{}", "tel:{}.", "电话{}谢谢"])
def test_phone_with_lookalike_dots(dot: str, template: str) -> None:
    phone = dot.join(("415", "555", "2671"))
    text = template.format(phone)
    out = R.redact(text)
    assert out.text == template.format("[REDACTED:PHONE]")
    assert out.counts == {"PHONE": 1}


@pytest.mark.parametrize("dot", ["\u3002", "\uff0e", "\u30fb"])
@pytest.mark.parametrize("address", ["jo@ex{}com", "Jo.Smith+x@mail{}example{}co{}uk"])
def test_email_with_ideographic_or_fullwidth_dot(dot: str, address: str) -> None:
    value = address.replace("{}", dot)
    out = R.redact(f"mail {value} ok")
    assert out.text == "mail [REDACTED:EMAIL] ok"
    assert out.counts == {"EMAIL": 1}


FILLERS = ["\u3164", "\u115f", "\u1160", "\uffa0"]


@pytest.mark.parametrize("filler", FILLERS)
@pytest.mark.parametrize(
    "shape",
    [
        "4111{f}1111{f}1111{f}1111",
        "4111{f} 1111{f} 1111{f} 1111",
        "4111 {f}1111 {f}1111 {f}1111",
        "41{f}11111111111111",
    ],
)
def test_card_split_by_hangul_fillers(filler: str, shape: str) -> None:
    text = "card " + shape.format(f=filler) + " thanks"
    out = R.redact(text)
    assert out.text == "card [REDACTED:CREDIT_CARD] thanks"
    assert out.counts == {"CREDIT_CARD": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Col·legi Sant Jordi, aula 12",  # Catalan middle dot in a word
        "版本1。2。3发布了",  # a version with ideographic stops
        "结束。谢谢。再见",
        "価格・1200円・送料無料",
        "\u3164\u3164 hangul filler padding \uffa0",
        "order 1234·5678",  # too short for any PII
    ],
)
def test_lookalike_dot_negatives_unchanged(text: str) -> None:
    assert R.redact(text) == (text, {})


# --- digit-group tables -----------------------------------------------------------------------------------


def _table(groups: int, sep: str = " ", inserts: dict[int, str] | None = None) -> tuple[str, int]:
    """`groups` filler groups with `inserts` (group index -> value) spliced in; also the expected cards."""
    parts = [FILLER] * groups
    for where, value in sorted((inserts or {}).items(), reverse=True):
        parts[where:where] = [value.replace(" ", sep)]
    return sep.join(parts), len(inserts or {})


@pytest.mark.parametrize("sep", [" ", "-"])
@pytest.mark.parametrize("where", [0, 1, 7, 500, 1985, 1999, 2000])
def test_cards_inside_long_table_found_exactly(sep: str, where: int) -> None:
    text, _ = _table(2000, sep, {where: CARD_A + " " + CARD_B})
    out = R.redact(text)
    assert out.counts == {"CREDIT_CARD": 2}
    token = "[REDACTED:CREDIT_CARD]"
    assert out.text == text.replace(CARD_A.replace(" ", sep), token).replace(CARD_B.replace(" ", sep), token)


def test_international_number_inside_table_still_found() -> None:
    # a `00` group starts an international-prefix candidate; the table walk hands those back
    text = " ".join([FILLER] * 300) + " 0044 20 7946 0958 " + " ".join([FILLER] * 300)
    out = R.redact(text)
    assert out.counts == {"PHONE": 1}
    assert "0044 20 7946 0958" not in out.text


def test_table_without_pii_round_trips() -> None:
    rng = random.Random(7)
    # groups starting 1 or 7-8-9 … with no brand (first digit 1, 0 is avoided: `00` is a call prefix)
    text = " ".join(f"1{rng.randrange(1000):03d}" for _ in range(5000))
    assert R.redact(text) == (text, {})
    assert R.redact_utf8(text.encode()) == (text.encode(), {})


def test_random_table_every_card_window_is_luhn_valid() -> None:
    rng = random.Random(11)
    groups = [f"{rng.randrange(10000):04d}" for _ in range(3000)]
    text = " ".join(groups)
    for start, end, kind in R.find(text):
        assert kind in ("CREDIT_CARD", "PHONE")
        if kind == "CREDIT_CARD":
            digits = text[start:end].replace(" ", "")
            assert len(digits) == 16
            total = sum(
                (d if i % 2 else (2 * d if 2 * d < 10 else 2 * d - 9)) for i, d in enumerate(map(int, digits))
            )
            assert total % 10 == 0


def test_table_in_batch_matches_single_redaction() -> None:
    rng = random.Random(5)
    lines = [" ".join(f"{rng.randrange(10000):04d}" for _ in range(rng.randrange(3, 60))) for _ in range(300)]
    many, counts = R.redact_many(lines)
    singles = [R.redact(line) for line in lines]
    assert many == [one.text for one in singles]
    total: dict[str, int] = {}
    for one in singles:
        for kind, n in one.counts.items():
            total[kind] = total.get(kind, 0) + n
    assert counts == total


def _random_groups(rng: random.Random, count: int, sep: str) -> str:
    return sep.join(f"{rng.randrange(10000):04d}" for _ in range(count))


@pytest.mark.parametrize(
    "shape",
    ["one-line-space", "one-line-dash", "lines-of-16"],
)
def test_digit_group_text_bounded_time(shape: str, capfd: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(3)
    if shape == "lines-of-16":
        text = "\n".join(_random_groups(rng, 16, " ") for _ in range(25000))  # 2 MB
    else:
        text = _random_groups(rng, 400000, " " if shape == "one-line-space" else "-")  # 2 MB
    started = time.process_time()  # CPU time: other processes on the machine do not count
    R.redact(text)
    R.redact_utf8(text.encode())
    R.redact_many(text.split("\n"))
    assert time.process_time() - started < 20  # generous: ~0.2-1 s each here; it was ~7 s each before
    assert "DFA out of memory" not in capfd.readouterr().err
