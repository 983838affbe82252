"""Held-out accuracy: hand-written customer phrasings (tests/redact/heldout/*.toml), not archiver.synth's.

Our accuracy tests use our own generator, which flatters us; these cases were written by hand from how
customers type in chat (lower case, no punctuation, casual cue words, Spanish/French/German carriers,
values at message start/end, in parentheses, quoted) with hard look-alikes per type. The targets are
issue 8's: recall ≥ 0.97 on the new types with ≥ 0.99 of their look-alikes byte-identical, and ≥ 0.995 /
0.995 on the five original types. With about twenty cases a type, that means every case.

`python -m tests.redact.test_heldout` prints the per-type table and every miss.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from archiver.redact import BASE_TYPES, PII_TYPES, Redactor

HERE = Path(__file__).parent / "heldout"
NEW_TARGET = (0.97, 0.99)  # (recall, look-alikes byte-identical)
BASE_TARGET = (0.995, 0.995)


Positive = tuple[str, list[tuple[str, str]]]


def _load(key: str = "positive") -> tuple[list[Positive], list[tuple[str, str]]]:
    """(text, [(value, type)…]) positives and (type, text) look-alikes of the corpus."""
    positives: list[Positive] = []
    lookalikes: list[tuple[str, str]] = []
    for path in sorted(HERE.glob("*.toml")):
        for kind, section in tomllib.loads(path.read_text("utf-8")).items():
            for case in section.get(key, []):
                if isinstance(case, dict):
                    positives.append((case["text"], [(v, t) for v, t in case["pii"]]))
                else:
                    positives.append((case[0], [(v, kind) for v in case[1:]]))
            lookalikes += [(kind, text) for text in section.get("lookalike", [])]
    return positives, lookalikes


POSITIVES, LOOKALIKES = _load()


def _covered(text: str, value: str, kind: str, hits: list[tuple[int, int, str]]) -> bool:
    """Every non-space character of each occurrence of `value` lies in a hit of type `kind`."""
    start = text.find(value)
    assert start >= 0, (text, value)
    while start >= 0:
        for i in range(start, start + len(value)):
            if not text[i].isspace() and not any(s <= i < e and t == kind for s, e, t in hits):
                return False
        start = text.find(value, start + 1)
    return True


def score(
    redactor: Redactor, positives: list[Positive] = POSITIVES
) -> tuple[dict[str, list[int]], list[str]]:
    """Per type: [values found, values, look-alikes kept, look-alikes]; and a line per miss.

    Lines starting `EXTRA` are positives where more than the values was redacted (a cue word, a quote):
    not scored (no secret leaks), listed to be looked at.
    """
    table: dict[str, list[int]] = {}
    misses: list[str] = []
    for text, values in positives:
        hits = [(h.start, h.end, h.type) for h in redactor.find(text)]
        inside = set()
        for value, _ in values:
            at = text.find(value)
            inside |= set(range(at, at + len(value)))
        extra = [text[s:e] for s, e, _ in hits if not set(range(s, e)) <= inside]
        if extra:
            misses.append(f"EXTRA {values[0][1]:15} {text!r}: also redacted {extra}")
        for value, kind in values:
            row = table.setdefault(kind, [0, 0, 0, 0])
            row[1] += 1
            if _covered(text, value, kind, hits):
                row[0] += 1
            else:
                found = [(text[s:e], t) for s, e, t in hits]
                misses.append(f"MISS  {kind:15} {text!r}: {value!r} not redacted as {kind}; found {found}")
    for kind, text in LOOKALIKES:
        row = table.setdefault(kind, [0, 0, 0, 0])
        row[3] += 1
        out = redactor.redact(text)
        if out.text == text and redactor.redact_utf8(text.encode()) == (text.encode(), {}):
            row[2] += 1
        else:
            misses.append(f"FALSE {kind:15} {text!r} -> {out.text!r}")
    return table, misses


def report(table: dict[str, list[int]]) -> str:
    lines = [f"{'type':16} {'recall':>14} {'look-alikes kept':>18}"]
    for kind in sorted(table, key=lambda k: PII_TYPES.index(k) if k in PII_TYPES else 99):
        found, n, kept, m = table[kind]
        lines.append(
            f"{kind:16} {found:3}/{n:3} {found / max(n, 1):6.3f} {kept:4}/{m:3} {kept / max(m, 1):7.3f}"
        )
    return "\n".join(lines)


def test_the_corpus_covers_every_type_in_enough_phrasings() -> None:
    counts = Counter(kind for _, values in POSITIVES for _, kind in values)
    looks = Counter(kind for kind, _ in LOOKALIKES)
    for kind in PII_TYPES:
        wanted = 10 if kind in BASE_TYPES else 20
        assert counts[kind] >= wanted, (kind, counts[kind])
        assert looks[kind] >= 10 if kind in BASE_TYPES else looks[kind] >= 20, (kind, looks[kind])


# --- the corpus's values are valid for their checksums (independent implementations, not archiver's) --


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _aba(d: str) -> bool:
    w = (3, 7, 1) * 3
    return sum(int(c) * x for c, x in zip(d, w, strict=True)) % 10 == 0


def _tfn(d: str) -> bool:
    w = (1, 4, 3, 7, 5, 8, 6, 9, 10) if len(d) == 9 else (10, 7, 8, 4, 6, 3, 5, 1)
    return sum(int(c) * x for c, x in zip(d, w, strict=True)) % 11 == 0


# registry lengths of the countries in the corpus
_IBAN_LENGTHS = {"GB": 22, "DE": 22, "FR": 27, "ES": 24, "NL": 18, "IT": 27, "BE": 16, "IE": 22, "CH": 21}
_IBAN_LENGTHS |= {"AT": 20, "PL": 28, "PT": 25}


def _mod97(iban: str) -> bool:
    if _IBAN_LENGTHS[iban[:2]] != len(iban):
        return False
    s = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1


def _nino(v: str) -> bool:
    return (
        v[0] not in "DFIQUV"
        and v[1] not in "DFIOQUV"
        and v[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    )


_ITIN_GROUPS = {*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)}
CHECKS = {
    "CREDIT_CARD": lambda v: _luhn(v) and 13 <= len(v) <= 19,
    "CA_SIN": lambda v: len(v) == 9 and _luhn(v),
    "BANK_ROUTING": lambda v: len(v) == 9 and _aba(v),
    "AU_TFN": lambda v: len(v) in (8, 9) and _tfn(v),
    "IBAN": lambda v: _mod97(v.upper()),
    "UK_NINO": lambda v: len(v) == 9 and _nino(v.upper()) and v[-1].upper() in "ABCD",
    "US_ITIN": lambda v: v[0] == "9" and int(v[3:5]) in _ITIN_GROUPS,
}


def test_every_value_is_valid_for_its_checksum() -> None:
    for text, values in POSITIVES:
        for value, kind in values:
            if kind in CHECKS:
                compact = "".join(ch for ch in value if ch.isalnum())
                assert CHECKS[kind](compact), (kind, text, value)


# --- the targets ----------------------------------------------------------------------------------------

TABLE, MISSES = score(Redactor())


@pytest.mark.parametrize("kind", PII_TYPES)
def test_held_out_recall_and_look_alikes_meet_the_targets(kind: str) -> None:
    recall, kept = BASE_TARGET if kind in BASE_TYPES else NEW_TARGET
    found, n, same, m = TABLE[kind]
    mine = [line for line in MISSES if line.split()[1] == kind]
    assert found / n >= recall and same / m >= kept, "\n".join([report({kind: TABLE[kind]}), *mine])


if __name__ == "__main__":
    print(report(TABLE))
    print("\n".join(MISSES))
