"""The synthetic generator: seeded, labelled consistently, every type and format valid."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from archiver.redact.validators import card_brand_ok, iban_ok, luhn_ok, ssn_ok
from archiver.synth import (
    NEW_TYPES,
    PII_TYPES,
    Transcript,
    generate_transcript,
    hard_negative,
    obfuscate,
    pii_value,
)


def test_same_seed_same_transcripts() -> None:
    a = [generate_transcript(random.Random(9)) for _ in range(3)]
    b = [generate_transcript(random.Random(9)) for _ in range(3)]
    assert a == b
    assert a[0] != generate_transcript(random.Random(10))


def test_spans_are_str_offsets_and_roles_alternate() -> None:
    rng = random.Random(3)
    for _ in range(300):
        t = generate_transcript(rng, min_turns=2, max_turns=12, pii_rate=0.8)
        assert 2 <= len(t.turns) <= 12
        for turn in t.turns:
            assert turn.role in ("customer", "agent")
            for s in turn.spans:
                assert turn.text[s.start : s.end] == s.value and s.type in (*PII_TYPES, *NEW_TYPES)


@pytest.mark.parametrize("kind", PII_TYPES)
def test_pii_value_is_valid(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(300):
        value = pii_value(rng, kind)
        digits = "".join(ch for ch in value if ch.isdigit()).encode()
        if kind == "CREDIT_CARD":
            assert luhn_ok(digits) and card_brand_ok(digits)
        elif kind == "US_SSN":
            assert len(digits) == 9 and ssn_ok(digits) and not value.isdigit()  # never bare
        elif kind == "EMAIL":
            assert value.count("@") == 1
        elif kind == "PHONE":
            assert 10 <= len(digits) <= 15
        else:
            assert iban_ok(value.replace(" ", "").replace("-", "").upper().encode())


def test_unknown_type_and_bad_turn_bounds_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        pii_value(random.Random(1), "PASSPORT")
    with pytest.raises(ValueError, match="min_turns"):
        generate_transcript(random.Random(1), min_turns=5, max_turns=4)


def test_obfuscation_and_negatives_differ_from_plain() -> None:
    rng = random.Random(4)
    assert any(obfuscate(rng, "4111 1111 1111 1111") != "4111 1111 1111 1111" for _ in range(5))
    assert len({hard_negative(rng) for _ in range(200)}) > 150


def test_cli_writes_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    cmd = [sys.executable, "-m", "archiver.synth", "--seed", "2", "--conversations", "5", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    lines = out.read_bytes().splitlines()
    assert len(lines) == 5
    decoded = [msgspec.json.decode(line, type=Transcript) for line in lines]
    assert decoded[0] == generate_transcript(random.Random(2))
