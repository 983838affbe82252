"""`python -m bench.identity`: sha256 of the redactor's output on seeded corpora (output identity check).

Performance work must not change a single output byte: record the hashes before a change, compare after.
Each line: corpus, path (`many`: `Redactor.redact_many`, texts and counts; `utf8`: `Redactor.redact_utf8`
on the newline-joined corpus, bytes and counts), hash.
"""

from __future__ import annotations

import hashlib
import sys

import msgspec

from bench.redact import corpus

CORPORA = ((10.0, 1, "typical"), (10.0, 1, "dense"), (4.0, 2, "typical"))


def digests() -> list[str]:
    """One line per corpus and path: `<mb> <seed> <profile> <path> <sha256>`."""
    from archiver.redact import Redactor

    lines = []
    for mb, seed, profile in CORPORA:
        texts = corpus(mb, seed, profile)
        out, counts = Redactor().redact_many(texts)
        many = hashlib.sha256(msgspec.json.encode([out, sorted(counts.items())])).hexdigest()
        blob = "\n".join(t.replace("\n", " ") for t in texts).encode("utf-8", "surrogatepass")
        data, counts = Redactor().redact_utf8(blob)
        utf8 = hashlib.sha256(data + msgspec.json.encode(sorted(counts.items()))).hexdigest()
        lines += [f"{mb:g} {seed} {profile} many {many}", f"{mb:g} {seed} {profile} utf8 {utf8}"]
    return lines


def main() -> int:
    """Print the digests; with a file argument, compare against it and exit 1 on any difference."""
    lines = digests()
    print("\n".join(lines))
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            expected = f.read().split("\n")
        bad = [line for line in lines if line not in expected]
        print("IDENTICAL" if not bad else f"DIFFERENT: {bad}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
