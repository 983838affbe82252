"""The generator really emits the formats the audit added, so the accuracy test keeps measuring them."""

from __future__ import annotations

import random

from archiver.synth import generate_transcript


def test_generator_covers_the_audited_formats() -> None:
    rng = random.Random(11)
    values: dict[str, list[str]] = {}
    texts: list[str] = []
    for _ in range(600):
        for turn in generate_transcript(rng).turns:
            texts.append(turn.text)
            for span in turn.spans:
                values.setdefault(span.type, []).append(span.value)
    emails, phones, ibans = values["EMAIL"], values["PHONE"], values["IBAN"]
    assert any(not e.split("@")[0].isascii() for e in emails)  # local part in another script
    assert any(not e.split("@")[1].isascii() for e in emails)  # IDN domain
    assert any("xn--" in e for e in emails)
    assert any(p.startswith(("00", "011 ")) for p in phones)
    assert any("-" in i and " " not in i for i in ibans)
    assert any(i[1].islower() and i[0].isupper() for i in ibans)
    assert any(
        any(sep in v for sep in ("\u00a0", "\u202f", "\u2009", "\u2013", "\u2212"))
        for vs in values.values()
        for v in vs
    )
    assert any(t for t in texts if "ext" in t or any(f"{d}x" in t for d in "0123456789"))
    assert any(t for t in texts if "soc sec" in t or "S.S.N." in t)
    cards = values["CREDIT_CARD"]
    assert any(c.replace(" ", "").replace("-", "").startswith("62") for c in cards)  # UnionPay


def test_generator_covers_the_context_formats() -> None:
    rng = random.Random(5)
    values: dict[str, list[str]] = {}
    texts: list[str] = []
    for _ in range(600):
        for turn in generate_transcript(rng).turns:
            texts.append(turn.text)
            for span in turn.spans:
                values.setdefault(span.type, []).append(span.value)
    phones, emails = values["PHONE"], values["EMAIL"]
    assert sum(p[0] in "0(" and "+" not in p for p in phones) >= 20  # national formats, trunk prefix
    assert any("@[" in e for e in emails) and any(e.startswith('"') for e in emails)
    assert any(c.count(".") >= 3 for c in values["CREDIT_CARD"])
    assert any(s.count(".") == 2 for s in values["US_SSN"])
    assert any("numéro de commande" in t or "order number is" in t for t in texts)  # context negatives
