"""Regression guards: redaction, pool scaling and gzip, each against a baseline timed in the same run.

Every guard is a ratio of two timings taken in the same run on the same machine (never an absolute time), so
it holds on any machine. Run by `make test` as `pytest -m perf tests/perf -p no:randomly`; excluded from the
default run.

Floors. Each floor is the ratio measured on this project's 2-core machine less a margin of about 25 % for
the run-to-run spread seen there (a tighter 12 % margin failed on an ordinary run). The default redactor runs
every type (PII_TYPES); the five shape types of the first build keep their own, higher bar. The all-types
ratios are much lower than the five types' (2.7× against 5-6× on the typical corpus, ~1× on the dense one):
the cue-word, name and address alternatives cost the automaton and a Python check per cue candidate
(docs/redaction.md). The redaction figures are for this file's 3 MB corpora; `python -m bench.redact`
(20 MB) reports its own.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

from archiver.archive.compress import gzip_bytes
from archiver.redact import BASE_TYPES, PII_TYPES, RedactConfig, Redactor
from archiver.synth import generate_transcript
from bench import best_of
from bench.compress import archive_like
from bench.redact import PROFILES, seed_redact

pytestmark = pytest.mark.perf

# The default redactor runs every type (PII_TYPES: shape types, cue-word types, names and addresses); the five
# shape types of the first build (BASE_TYPES) keep their own, higher bar.
ALL_TYPES = RedactConfig(enabled_types=PII_TYPES)
FIVE_TYPES = RedactConfig(enabled_types=BASE_TYPES)
# Floors sit ~20 % under the lowest of several runs on the 2-core CI VM (2026-12-02, after the blind-audit
# fixes): this VM's ratios swing ±10-15 % between runs, and a guard is for a real regression (an automaton
# that stops fitting its memory, a walk gone quadratic), not for the swing.
FIVE_MANY_FLOOR = 3.0  # five types, typical corpus: measured 3.6-4.0×
FIVE_UTF8_FLOOR = 4.2  # measured 5.25-5.7×
ALL_MANY_FLOOR = 1.5  # every type, typical corpus: measured 1.84-1.95×
ALL_UTF8_FLOOR = 1.6  # measured 2.03-2.5×
DENSE_MANY_FLOOR = 0.55  # every type, dense corpus (30 % of customer turns carry PII): measured 0.71-0.80×
DENSE_UTF8_FLOOR = 0.6  # measured 0.78-0.82×
# share of the machine's own two-process scaling that the pool keeps: measured ~0.9; a pool that serialises
# its work stays near 1/1.9 ≈ 0.5
POOL_EFFICIENCY_FLOOR = 0.7
GZIP_SPEED_FLOOR = 16.0  # ISA-L level 2 (archiver's default) vs stdlib gzip level 9: measured 20.7-24×
GZIP_RATIO_FLOOR = 5.9  # compression ratio of the seeded archive-like JSON: 6.24 (deterministic input)


def judge(ratio: float, floor: float, what: str) -> None:
    """Fail when `ratio` is under `floor` — unless the machine is oversubscribed, which is then a skip.

    At a load average above twice the core count (other people's test suites on a shared box) the ratios
    stop measuring the code: at load 14 on 2 cores every redaction ratio fell 20-30 % (CPU caches and clock
    shared with a dozen busy processes favour the stdlib baseline differently). A skip names the measured
    ratio and the load, and shows in pytest's summary; on a machine that is not oversubscribed a ratio under
    its floor always fails.
    """
    print(f"{what}: {ratio:.2f} (floor {floor})")
    if ratio >= floor:
        return
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > 2 * cores:
        pytest.skip(f"{what} {ratio:.2f} < {floor}, but load {load:.1f} on {cores} cores: not a measurement")
    pytest.fail(f"{what} is only {ratio:.2f}, floor {floor} (load {load:.1f} on {cores} cores)")


def _texts(profile: str, seed: int, size_chars: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    size = 0
    while size < size_chars:
        for turn in generate_transcript(rng, **PROFILES[profile]).turns:  # type: ignore[arg-type]
            texts.append(turn.text)
            size += len(turn.text)
    return texts


def _blob(texts: list[str]) -> bytes:
    """The texts as the one UTF-8 stream `redact_utf8` (the `archiver redact` path) reads."""
    return "\n".join(t.replace("\n", " ") for t in texts).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def messages() -> list[str]:
    """About 3 MB of seeded "typical" chat messages (see bench.redact)."""
    return _texts("typical", 20240601, 3_000_000)


class Baseline:
    """An in-run baseline: timed in rounds that alternate with the candidate's, so both see the same load.

    `ratio(candidate)` is the median over N rounds of (baseline time / candidate time), each round timing
    the two back to back, so a burst of load that slows one round cannot decide. Times are this process's CPU
    time (`time.process_time`), not wall time: both sides run single-threaded in this process, and CPU time
    does not count the slices other processes take on a shared machine (wall-clock ratios moved between 4×
    and 8.5× on a 2-core box at load 6; CPU-time ratios stay within a few %). The rounds interleave (their
    order alternating) so what load still changes — caches, clock frequency — touches both sides; garbage
    collection is off while timing.
    """

    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn

    def ratio(self, candidate: Callable[[], object], rounds: int = 9, repeat: int = 1) -> float:
        """Median of baseline time / candidate time; the candidate runs `repeat` times per timing, so a fast
        candidate is timed over about as long as its baseline (short timings are the noisiest)."""
        self.fn(), candidate()  # warm caches, compile patterns
        ratios = []
        gc.collect()
        gc.disable()
        try:
            for r in range(rounds):
                took = {}
                pair = [("base", self.fn), ("cand", candidate)]
                for key, fn in pair if r % 2 == 0 else reversed(pair):
                    n = repeat if key == "cand" else 1
                    t0 = time.process_time()
                    for _ in range(n):
                        fn()
                    took[key] = (time.process_time() - t0) / n
                ratios.append(took["base"] / took["cand"])
        finally:
            gc.enable()
        return statistics.median(ratios)


@pytest.fixture(scope="module")
def seed_baseline(messages: list[str]) -> Baseline:
    """The typical guards' baseline: the seed's four sequential stdlib `re.sub` passes over `messages`."""
    return Baseline(lambda: [seed_redact(t) for t in messages])


@pytest.fixture(scope="module")
def dense_messages() -> list[str]:
    """About 1.5 MB of seeded "dense" chat messages (PII in 30 % of customer turns)."""
    return _texts("dense", 20240602, 1_500_000)


@pytest.fixture(scope="module")
def dense_seed_baseline(dense_messages: list[str]) -> Baseline:
    """The dense guards' baseline: the seed's passes over `dense_messages`."""
    return Baseline(lambda: [seed_redact(t) for t in dense_messages])


def test_baselines_do_the_work(messages: list[str], dense_messages: list[str]) -> None:
    # A baseline that redacted nothing would be fast for the wrong reason and inflate no ratio honestly.
    for texts in (messages, dense_messages):
        changed = sum(1 for t in texts if seed_redact(t) != t)
        assert changed > len(texts) // 100, changed


def test_five_types_redact_many(messages: list[str], seed_baseline: Baseline) -> None:
    redactor = Redactor(FIVE_TYPES)
    ratio = seed_baseline.ratio(lambda: redactor.redact_many(messages), repeat=4)
    judge(ratio, FIVE_MANY_FLOOR, "typical corpus, five types: redact_many vs the seed's stdlib passes")


def test_five_types_stream_path(messages: list[str], seed_baseline: Baseline) -> None:
    redactor = Redactor(FIVE_TYPES)
    blob = _blob(messages)
    ratio = seed_baseline.ratio(lambda: redactor.redact_utf8(blob), repeat=4)
    judge(ratio, FIVE_UTF8_FLOOR, "typical corpus, five types: redact_utf8 vs the seed's stdlib passes")


def test_every_type_redact_many(messages: list[str], seed_baseline: Baseline) -> None:
    redactor = Redactor(ALL_TYPES)
    ratio = seed_baseline.ratio(lambda: redactor.redact_many(messages), repeat=2)
    judge(ratio, ALL_MANY_FLOOR, "typical corpus, every type: redact_many vs the seed's stdlib passes")


def test_every_type_stream_path(messages: list[str], seed_baseline: Baseline) -> None:
    redactor = Redactor(ALL_TYPES)
    blob = _blob(messages)
    ratio = seed_baseline.ratio(lambda: redactor.redact_utf8(blob), repeat=2)
    judge(ratio, ALL_UTF8_FLOOR, "typical corpus, every type: redact_utf8 vs the seed's stdlib passes")


def test_dense_corpus_redact_many(dense_messages: list[str], dense_seed_baseline: Baseline) -> None:
    redactor = Redactor(ALL_TYPES)
    ratio = dense_seed_baseline.ratio(lambda: redactor.redact_many(dense_messages))
    judge(ratio, DENSE_MANY_FLOOR, "dense corpus, every type: redact_many vs the seed")


def test_dense_corpus_stream_path(dense_messages: list[str], dense_seed_baseline: Baseline) -> None:
    redactor = Redactor(ALL_TYPES)
    blob = _blob(dense_messages)
    ratio = dense_seed_baseline.ratio(lambda: redactor.redact_utf8(blob))
    judge(ratio, DENSE_UTF8_FLOOR, "dense corpus, every type: redact_utf8 vs the seed")


def _busy(n: int) -> int:
    """Pure CPU work with nothing to pickle: what the machine's second core can give right now."""
    x = 0
    for i in range(n):
        x += i * i
    return x


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="pool scaling needs two cores")
def test_pool_scales_to_two_processes(messages: list[str]) -> None:
    """redact+gzip of 256 kB documents on 2 pool processes vs 1, against the machine's own scaling.

    How much a second process helps depends on whether a second core is free, which other load decides (on
    a shared 2-core box a busy neighbour leaves ~1.0×). So the in-run baseline is the same pool running
    tasks of pure CPU work of about the same size (nothing to pickle, no I/O process): the machine's scaling
    at this moment. The pool must keep most of it; what it can lose is its own overhead (pickling the
    documents, the result bytes, the event loop's handoff). Each round times the machine's and the pool's
    scaling back to back (wall time: parallelism is the point); the median round's efficiency is judged.
    """
    from archiver.pool import CpuPool
    from bench.textproc import redact_and_compress

    blob = _blob(messages)
    chunks = [blob[i : i + 256_000] for i in range(0, len(blob), 256_000)]

    def timed(pool: CpuPool, fn: Any, args: list[Any]) -> float:
        async def all_tasks() -> None:
            await asyncio.gather(*(pool.run(fn, a) for a in args))

        return best_of(1, lambda: asyncio.run(all_tasks()))

    with CpuPool(1) as one, CpuPool(2) as two:
        one.warm()
        two.warm()
        busy = [200_000] * len(chunks)
        for pool in (one, two):  # first use: imports and regex compilation in every worker
            timed(pool, redact_and_compress, chunks)
            timed(pool, _busy, busy)
        rounds = []
        for _ in range(7):
            machine = timed(one, _busy, busy) / timed(two, _busy, busy)
            pool_scaling = timed(one, redact_and_compress, chunks) / timed(two, redact_and_compress, chunks)
            rounds.append((pool_scaling / machine, pool_scaling, machine))
    efficiency, pool_scaling, machine = statistics.median(rounds)
    print(f"2 processes vs 1: pool {pool_scaling:.2f}×, machine {machine:.2f}×")
    judge(efficiency, POOL_EFFICIENCY_FLOOR, "pool: share of the machine's two-process scaling")


def test_isal_gzip_vs_stdlib() -> None:
    data = archive_like(3.0, 1)
    out = gzip_bytes(data)
    assert gzip.decompress(out) == data
    speed = Baseline(lambda: gzip.compress(data)).ratio(
        lambda: gzip_bytes(data), repeat=10
    )  # stdlib: level 9
    ratio = len(data) / len(out)
    assert ratio >= GZIP_RATIO_FLOOR, f"compression ratio fell to {ratio:.2f}"  # sizes: no load can skew it
    judge(speed, GZIP_SPEED_FLOOR, "ISA-L gzip level 2 vs stdlib gzip -9")
