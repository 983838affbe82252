"""`python -m bench.redact`: redaction MB/s on a seeded 20 MB chat corpus, archiver vs the seed approach.

Rows, each the best of N runs on the same messages:
- archiver `Redactor.redact_many` (the str API) and `Redactor.redact_utf8` (the bytes path `archiver redact`
  streams through), single process;
- the seed tutorial's approach: four stdlib `re` patterns (card, SSN, e-mail, phone) applied one after the
  other with `re.sub`, per message — reproduced faithfully below as `seed_redact`;
- Microsoft Presidio's pattern recognizers, when `presidio_analyzer` is importable (skipped with a note);
- the process pool (`archiver.pool.CpuPool` running `redact_and_compress`) from 1 to N processes;
- the cost of each type group: the bytes path with the five shape types plus that group alone, on a 2 MB
  slice of the typical corpus (every archiver row above runs every type, the default).

Two corpora: "typical" (PII in ~5% of customer messages, look-alike numbers in 15%, some emoji/CJK/RTL)
and "dense" (the generator's defaults, the accuracy yardstick: PII in 30% of customer messages, look-alikes
in 35%, a third of messages non-ASCII). Corpora are cached in corpus/generated/ (gitignored).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

from bench import best_of, environment, table

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "generated"
PROFILES: dict[str, dict[str, float]] = {
    "typical": {"pii_rate": 0.05, "negative_rate": 0.15, "unicode_rate": 0.08},
    "dense": {"pii_rate": 0.3, "negative_rate": 0.35, "unicode_rate": 0.2},
}

# --- the seed tutorial's approach, verbatim in spirit: four patterns, four passes ---------------------
SEED_CARD = re.compile(r"\b(?:\d[ -]*?){13,16}\b")
SEED_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
SEED_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SEED_PHONE = re.compile(r"(?:\+?1[-.\s]?)?\(?\d{3}\)?[-.\s]?\d{3}[-.\s]?\d{4}")


def seed_redact(text: str) -> str:
    """The baseline: sequential stdlib `re.sub` calls, one per PII type."""
    text = SEED_CARD.sub("[REDACTED:CREDIT_CARD]", text)
    text = SEED_SSN.sub("[REDACTED:US_SSN]", text)
    text = SEED_EMAIL.sub("[REDACTED:EMAIL]", text)
    return SEED_PHONE.sub("[REDACTED:PHONE]", text)


def corpus(mb: float, seed: int, profile: str) -> list[str]:
    """The message texts of a seeded corpus of about `mb` MB (UTF-8), generated once and cached."""
    from archiver.synth import generate_transcript

    # (v2: the generator covers the cue-word and shape types; older cached corpora do not)
    path = CORPUS_DIR / f"chat-v2-{profile}-s{seed}-{mb:g}mb.json"
    if path.exists():
        return msgspec.json.decode(path.read_bytes(), type=list[str])
    rng = random.Random(seed)
    texts: list[str] = []
    size, target = 0, int(mb * 1_000_000)
    while size < target:
        for turn in generate_transcript(rng, **PROFILES[profile]).turns:  # type: ignore[arg-type]
            texts.append(turn.text)
            size += len(turn.text.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.encode(texts))
    return texts


def _presidio() -> tuple[Any, str] | None:
    """Presidio's predefined pattern recognizers (no NLP model), or None when not installed."""
    try:
        from presidio_analyzer.predefined_recognizers import (  # type: ignore[import-not-found]
            CreditCardRecognizer,
            EmailRecognizer,
            IbanRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError:
        return None
    from importlib.metadata import version

    recognizers = [
        CreditCardRecognizer(),
        UsSsnRecognizer(),
        EmailRecognizer(),
        IbanRecognizer(),
        PhoneRecognizer(),
    ]
    return recognizers, version("presidio-analyzer")


def _rows(texts: list[str], runs: int, presidio: tuple[Any, str] | None) -> list[list[object]]:
    """Single-process rows for one corpus: archiver str and bytes paths, the seed, maybe Presidio."""
    from archiver.redact import Redactor

    redactor = Redactor()
    blob = "\n".join(t.replace("\n", " ") for t in texts).encode("utf-8", "surrogatepass")
    size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
    seed_s = best_of(max(1, runs // 2), lambda: [seed_redact(t) for t in texts])
    seed_rate = size / seed_s / 1e6
    many_s = best_of(runs, lambda: redactor.redact_many(texts))
    utf8_s = best_of(runs, lambda: redactor.redact_utf8(blob))
    rows: list[list[object]] = [
        ["archiver redact_many (str)", f"{size / many_s / 1e6:.1f}", f"{seed_s / many_s:.1f}×"],
        [
            "archiver redact_utf8 (bytes, CLI path)",
            f"{len(blob) / utf8_s / 1e6:.1f}",
            f"{seed_s / utf8_s:.1f}×",
        ],
        ["seed: 4 stdlib re.sub passes", f"{seed_rate:.1f}", "1.0×"],
    ]
    if presidio is not None:
        recognizers = presidio[0]
        sample = texts[: max(1, len(texts) // 20)]  # Presidio is ~100× slower: time a 5% slice
        sample_size = sum(len(t.encode("utf-8", "surrogatepass")) for t in sample)
        p_s = best_of(1, lambda: [[r.analyze(t, r.supported_entities) for r in recognizers] for t in sample])
        p_rate = sample_size / p_s / 1e6
        rows.append(
            ["presidio pattern recognizers (5% slice)", f"{p_rate:.2f}", f"{p_rate / seed_rate:.2f}×"]
        )
    return rows


GROUPS: dict[str, tuple[str, ...]] = {
    "card data (CVV, expiry, PIN)": ("CARD_CVV", "CARD_EXPIRY", "PIN"),
    "credentials (password)": ("PASSWORD",),
    "date of birth": ("DATE_OF_BIRTH",),
    "national ids (NINO, SIN, ITIN, TFN)": ("UK_NINO", "CA_SIN", "US_ITIN", "AU_TFN"),
    "bank (routing, account, sort code)": ("BANK_ROUTING", "BANK_ACCOUNT", "UK_SORT_CODE"),
    "postal codes": ("POSTAL_CODE",),
    "documents (passport, driver id)": ("PASSPORT", "DRIVER_ID"),
    "person names": ("PERSON_NAME",),
    "IP addresses": ("IP_ADDRESS",),
    "street addresses": ("STREET_ADDRESS",),
}


def _group_rows(texts: list[str], runs: int) -> list[list[object]]:
    """redact_utf8 MB/s with the five shape types plus one group, and what the group costs."""
    from archiver.redact import BASE_TYPES, PII_TYPES, RedactConfig, Redactor

    blob, size = b"", 0
    lines = []
    for t in texts:
        lines.append(t.replace("\n", " "))
        size += len(t)
        if size > 2_000_000:
            break
    blob = "\n".join(lines).encode("utf-8", "surrogatepass")

    def rate(types: tuple[str, ...]) -> float:
        redactor = Redactor(RedactConfig(enabled_types=types))
        return len(blob) / best_of(runs, lambda: redactor.redact_utf8(blob)) / 1e6

    base = rate(BASE_TYPES)
    rows: list[list[object]] = [["the five shape types only", f"{base:.1f}", "—"]]
    for name, group in GROUPS.items():
        r = rate(BASE_TYPES + group)
        rows.append([f"+ {name}", f"{r:.1f}", f"{(1 / r - 1 / base) * 1e3:+.1f} ms/MB"])
    every = rate(PII_TYPES)
    rows.append(["every type (the default)", f"{every:.1f}", f"{(1 / every - 1 / base) * 1e3:+.1f} ms/MB"])
    return rows


def _pool_rows(data_chunks: list[bytes], size: int, runs: int) -> list[list[object]]:
    from archiver.pool import CpuPool
    from bench.textproc import redact_and_compress

    rows: list[list[object]] = []
    base = 0.0
    for n in range(1, (os.cpu_count() or 1) + 1):
        with CpuPool(n) as pool:
            pool.warm()

            async def all_chunks(pool: CpuPool = pool) -> None:
                await asyncio.gather(*(pool.run(redact_and_compress, c) for c in data_chunks))

            seconds = best_of(runs, lambda: asyncio.run(all_chunks()))
        rate = size / seconds / 1e6
        base = base or rate
        rows.append(
            [f"pool, {n} process{'es' if n > 1 else ''} (redact+gzip)", f"{rate:.1f}", f"{rate / base:.2f}×"]
        )
    return rows


def run(mb: float, seed: int, runs: int, profiles: list[str], pool_only: bool = False) -> str:
    """Measure everything; return the report."""
    from archiver.redact import Redactor

    redactor = Redactor()
    out = [f"# redaction throughput — {mb:g} MB seeded chat corpora (seed {seed}), best of {runs}", ""]
    presidio = _presidio()
    for profile in [] if pool_only else profiles:
        texts = corpus(mb, seed, profile)
        size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts)
        hits = sum(redactor.redact_many(texts)[1].values())
        out.append(
            f"## {profile}: {len(texts)} messages, {size / 1e6:.1f} MB, {hits} PII values (every type on)"
        )
        out.append(
            table(["engine (1 process unless noted)", "MB/s", "vs. seed"], _rows(texts, runs, presidio))
        )
        out.append("")
    if presidio is None and not pool_only:
        out.append("presidio: not installed (pip install presidio-analyzer) — row skipped")
    texts = corpus(mb, seed, profiles[0])
    if not pool_only:
        out.append(f"## cost per type group ({profiles[0]} corpus, 2 MB slice, bytes path)")
        out.append(table(["types", "MB/s", "cost"], _group_rows(texts, min(runs, 3))))
        out.append("")
    blob = "\n".join(t.replace("\n", " ") for t in texts).encode("utf-8", "surrogatepass")
    chunks = [blob[i : i + 256_000] for i in range(0, len(blob), 256_000)]
    out.append(f"## pool scaling ({profiles[0]} corpus, {len(chunks)} documents of 256 kB, spawn workers)")
    out.append(table(["engine", "MB/s", "vs. 1 process"], _pool_rows(chunks, len(blob), runs)))
    out.append("")
    out += environment(["pyre2", "isal", "msgspec", "presidio-analyzer"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the redaction benchmark tables."""
    parser = argparse.ArgumentParser(prog="python -m bench.redact", description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="best of N (default 5)")
    parser.add_argument("--profile", choices=[*PROFILES, "all"], default="all")
    parser.add_argument("--pool-only", action="store_true", help="only the pool scaling table")
    args = parser.parse_args(argv)
    profiles = list(PROFILES) if args.profile == "all" else [args.profile]
    started = time.perf_counter()
    print(run(args.mb, args.seed, args.runs, profiles, args.pool_only))
    print(f"(took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
