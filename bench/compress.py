"""`python -m bench.compress`: gzip MB/s and ratio, ISA-L (`isal.igzip`, levels 0-3) vs stdlib `gzip`.

Input: archive-like JSON — the seeded synthetic transcripts of `archiver.synth`, one JSON document per
conversation, concatenated to about 20 MB (redacted first, as the archive stores them). The stdlib rows use
`gzip.compress` at its default level (9) and at 6 (zlib's usual default); ISA-L's default is level 2, the
level archiver uses.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys

import msgspec

from bench import best_of, environment, table


def archive_like(mb: float, seed: int) -> bytes:
    """About `mb` MB of redacted transcript JSON (deterministic for a seed)."""
    from archiver.redact import Redactor
    from archiver.synth import generate_transcript

    rng = random.Random(seed)
    redactor = Redactor()
    encoder = msgspec.json.Encoder()
    docs: list[bytes] = []
    size, target = 0, int(mb * 1_000_000)
    while size < target:
        transcript = generate_transcript(rng)
        texts, counts = redactor.redact_many([t.text for t in transcript.turns])
        doc = encoder.encode(
            {
                "schema": "archiver.conversation/v1",
                "messages": [
                    {"role": t.role, "text": x} for t, x in zip(transcript.turns, texts, strict=True)
                ],
                "redaction": {"engine": "archiver-redact/1", "counts": counts},
            }
        )
        docs.append(doc)
        size += len(doc)
    return b"\n".join(docs)


def run(mb: float, seed: int, runs: int) -> str:
    """Measure; return the report."""
    from archiver.archive.compress import gunzip_bytes, gzip_bytes

    data = archive_like(mb, seed)
    size = len(data)
    base_s = best_of(max(1, runs // 2), lambda: gzip.compress(data))
    base_ratio = size / len(gzip.compress(data))
    rows: list[list[object]] = []
    for level in (0, 1, 2, 3):
        seconds = best_of(runs, lambda level=level: gzip_bytes(data, level))  # type: ignore[misc]
        ratio = size / len(gzip_bytes(data, level))
        assert gzip.decompress(gzip_bytes(data, level)) == data
        name = f"isal level {level}" + (" (archiver default)" if level == 2 else "")
        rows.append([name, f"{size / seconds / 1e6:.0f}", f"{base_s / seconds:.1f}×", f"{ratio:.2f}"])
    z6_s = best_of(max(1, runs // 2), lambda: gzip.compress(data, 6))
    rows.append(
        [
            "stdlib gzip level 6",
            f"{size / z6_s / 1e6:.0f}",
            f"{base_s / z6_s:.1f}×",
            f"{size / len(gzip.compress(data, 6)):.2f}",
        ]
    )
    rows.append(
        ["stdlib gzip level 9 (its default)", f"{size / base_s / 1e6:.0f}", "1.0×", f"{base_ratio:.2f}"]
    )
    gz = gzip_bytes(data)
    dec_s = best_of(runs, lambda: gunzip_bytes(gz))
    out = [
        f"# gzip — {size / 1e6:.1f} MB of archive-like JSON (seed {seed}), best of {runs}",
        "",
        table(["compressor", "MB/s", "vs. stdlib", "ratio"], rows),
        "",
        f"isal decompress (level-2 archive): {size / dec_s / 1e6:.0f} MB/s of output",
        "",
        *environment(["isal", "msgspec"]),
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the gzip benchmark table."""
    parser = argparse.ArgumentParser(prog="python -m bench.compress", description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    print(run(args.mb, args.seed, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
