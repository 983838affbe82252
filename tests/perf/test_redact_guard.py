"""Regression guard (pytest-benchmark): archiver redaction must stay ≥ 5× the seed's sequential regexes.

A ratio measured in the same run, not an absolute time, so it holds on any machine. Run by `make test` as
`pytest -m perf tests/perf`; excluded from the default run.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from archiver.redact import Redactor
from archiver.synth import generate_transcript
from bench import best_of
from bench.redact import PROFILES, seed_redact

pytestmark = pytest.mark.perf

_seconds: dict[str, float] = {}


@pytest.fixture(scope="module")
def messages() -> list[str]:
    """About 3 MB of seeded "typical" chat messages (see bench.redact)."""
    rng = random.Random(20240601)
    texts: list[str] = []
    size = 0
    while size < 3_000_000:
        for turn in generate_transcript(rng, **PROFILES["typical"]).turns:  # type: ignore[arg-type]
            texts.append(turn.text)
            size += len(turn.text)
    return texts


def _seed_seconds(messages: list[str]) -> float:
    if "seed" not in _seconds:
        _seconds["seed"] = best_of(3, lambda: [seed_redact(t) for t in messages])
    return _seconds["seed"]


@pytest.mark.benchmark(group="redact")
def test_seed_sequential_stdlib_baseline(benchmark: Any, messages: list[str]) -> None:
    benchmark.pedantic(lambda: [seed_redact(t) for t in messages], rounds=3, iterations=1)
    _seconds["seed"] = float(benchmark.stats.stats.min)


@pytest.mark.benchmark(group="redact")
def test_archiver_redact_many_at_least_5x_seed(benchmark: Any, messages: list[str]) -> None:
    redactor = Redactor()
    benchmark.pedantic(lambda: redactor.redact_many(messages), rounds=7, iterations=1, warmup_rounds=1)
    ratio = _seed_seconds(messages) / float(benchmark.stats.stats.min)
    benchmark.extra_info["vs_seed"] = round(ratio, 2)
    assert ratio >= 5.0, f"archiver redact_many is only {ratio:.1f}× the sequential stdlib approach"


@pytest.mark.benchmark(group="redact")
def test_archiver_stream_path_at_least_5x_seed(benchmark: Any, messages: list[str]) -> None:
    redactor = Redactor()
    blob = "\n".join(t.replace("\n", " ") for t in messages).encode("utf-8", "surrogatepass")
    benchmark.pedantic(lambda: redactor.redact_utf8(blob), rounds=7, iterations=1, warmup_rounds=1)
    ratio = _seed_seconds(messages) / float(benchmark.stats.stats.min)
    benchmark.extra_info["vs_seed"] = round(ratio, 2)
    assert ratio >= 5.0, f"archiver redact_utf8 is only {ratio:.1f}× the sequential stdlib approach"
