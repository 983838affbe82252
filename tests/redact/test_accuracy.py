"""Accuracy over the generated corpus: per-type precision and recall from the labelled spans."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from archiver.redact import Redactor
from archiver.synth import NEW_TYPES, PII_TYPES, Transcript, generate_transcript, new_negative

SAMPLE = Path(__file__).resolve().parents[2] / "corpus" / "sample.jsonl"


def _score(transcripts: list[Transcript]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    r = Redactor()
    tp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    for transcript in transcripts:
        for turn in transcript.turns:
            gold = {(s.start, s.end, s.type) for s in turn.spans}
            got = {(h.start, h.end, h.type) for h in r.find(turn.text)}
            for span in gold:
                (tp if span in got else fn)[span[2]] += 1
            for span in got - gold:
                fp[span[2]] += 1
            # and the redacted text holds none of the labelled values
            redacted = r.redact(turn.text).text
            assert all(s.value not in redacted for s in turn.spans), turn.text
    return tp, fn, fp


@pytest.mark.parametrize("seed", [20241, 77])
def test_precision_and_recall_per_type(seed: int) -> None:
    rng = random.Random(seed)
    transcripts = [generate_transcript(rng) for _ in range(1500)]
    tp, fn, fp = _score(transcripts)
    for kind in PII_TYPES:
        assert tp[kind] >= 500, kind  # the corpus really exercises every type
        recall = tp[kind] / (tp[kind] + fn[kind])
        precision = tp[kind] / (tp[kind] + fp[kind])
        assert recall >= 0.995, (kind, recall)
        assert precision >= 0.995, (kind, precision)


@pytest.mark.parametrize("seed", [20241, 77])
def test_new_types_recall_and_precision(seed: int) -> None:
    print(f"seed {seed}")
    rng = random.Random(seed)
    transcripts = [generate_transcript(rng) for _ in range(1500)]
    tp, fn, fp = _score(transcripts)
    for kind in NEW_TYPES:
        assert tp[kind] >= 80, kind  # every new type is exercised
        recall = tp[kind] / (tp[kind] + fn[kind])
        precision = tp[kind] / (tp[kind] + fp[kind])
        assert recall >= 0.97, (kind, recall)
        assert precision >= (0.95 if kind == "BANK_ACCOUNT" else 0.99), (kind, precision)


@pytest.mark.parametrize("seed", [5, 6])
def test_new_type_look_alikes_stay_byte_identical(seed: int) -> None:
    print(f"seed {seed}")
    rng = random.Random(seed)
    r = Redactor()
    phrases = [new_negative(rng) for _ in range(3000)]
    kept = sum(r.redact(p).text == p for p in phrases)
    assert kept / len(phrases) >= 0.99, [p for p in phrases if r.redact(p).text != p][:10]


def test_committed_sample_is_labelled_consistently_and_fully_redacted() -> None:
    decoder = msgspec.json.Decoder(Transcript)
    transcripts = [decoder.decode(line) for line in SAMPLE.read_bytes().splitlines()]
    assert len(transcripts) >= 20
    for t in transcripts:
        for turn in t.turns:
            for s in turn.spans:
                assert turn.text[s.start : s.end] == s.value
    _, fn, fp = _score(transcripts)
    assert sum(fn.values()) == 0 and sum(fp.values()) == 0, (fn, fp)
