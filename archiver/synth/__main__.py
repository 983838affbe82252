"""`python -m archiver.synth --seed S --conversations N --out FILE`: write a labelled corpus as JSON lines.

Each line is one `Transcript` (msgspec JSON: {"turns": [{"role", "text", "spans": [...]}]}). The same seed
always produces the same file. Large corpora belong in `corpus/generated/` (gitignored).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import msgspec

from archiver.synth.chat import generate_transcript


def write_corpus(
    path: Path,
    *,
    seed: int,
    conversations: int,
    pii_rate: float = 0.3,
    negative_rate: float = 0.35,
    unicode_rate: float = 0.2,
) -> int:
    """Write `conversations` transcripts to `path` (JSON lines); return the number of bytes written."""
    rng = random.Random(seed)
    encoder = msgspec.json.Encoder()
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with path.open("wb") as out:
        for _ in range(conversations):
            transcript = generate_transcript(
                rng, pii_rate=pii_rate, negative_rate=negative_rate, unicode_rate=unicode_rate
            )
            line = encoder.encode(transcript) + b"\n"
            out.write(line)
            size += len(line)
    return size


def main(argv: list[str] | None = None) -> int:
    """Generate a corpus file and print its size."""
    parser = argparse.ArgumentParser(prog="python -m archiver.synth", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--pii-rate", type=float, default=0.3, help="PII per customer turn (default 0.3)")
    parser.add_argument("--negative-rate", type=float, default=0.35, help="look-alike numbers per turn")
    parser.add_argument("--unicode-rate", type=float, default=0.2, help="emoji / non-Latin words per turn")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    size = write_corpus(
        args.out,
        seed=args.seed,
        conversations=args.conversations,
        pii_rate=args.pii_rate,
        negative_rate=args.negative_rate,
        unicode_rate=args.unicode_rate,
    )
    print(f"wrote {args.conversations} transcripts ({size} bytes) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
