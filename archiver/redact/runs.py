"""Long runs of 4-digit groups (`1234 5678 9012 …`, a pasted table): the walk without Python per group.

The general walk in `candidates.py` rejects such a run one candidate (six groups) at a time and restarts at
the next group, so Python ran ~20 windows per 5 bytes (~0.3 MB/s). Inside a run only 4-group windows can be
PII (16 digits: a card; 8, 12, 20, 24 digits are nothing), and a 16-digit window's brand depends on its first
group only, while its Luhn sum is the sum of per-group sums (each group's digits sit at the same parities in
every group-aligned window). So the valid windows are found with C-level maps over the groups, and the walk
is replayed exactly — same hits, same resume point, same `seen` — jumping from one valid window to the next.
The walk hands back before a `00…` group (an international call prefix candidate) and before the run's tail,
where other shapes (short last group, an e-mail's `@`, tracking numbers) need the general path.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate
from operator import sub

from archiver.redact.touch import GLUED, touch_after, touch_before
from archiver.redact.validators import card_brand_ok, carrier_before, usps_tracking_ok

_RUNS = {sep: re.compile(rb"\d{4}(?:" + re.escape(bytes((sep,))) + rb"\d{4}\b)*") for sep in b" -."}
_ZEROS = {sep: re.compile(re.escape(bytes((sep,))) + rb"00") for sep in b" -."}
_TAIL = 14  # groups left to the general walk: 70 bytes cover an e-mail local part (≤ 64) before an `@`
_CHUNK = 4096  # groups per call
MIN_GROUPS = 24  # shorter runs are cheap enough for the general walk


@lru_cache(maxsize=1)
def group_tables() -> tuple[dict[bytes, int], frozenset[bytes]]:
    """Per 4-digit group: its Luhn contribution in a group-aligned 16-digit window; the card-brand groups."""
    dbl = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
    sums: dict[bytes, int] = {}
    brands: set[bytes] = set()
    for n in range(10000):
        g = b"%04d" % n
        d = [c - 48 for c in g]
        sums[g] = dbl[d[0]] + d[1] + dbl[d[2]] + d[3]
        if card_brand_ok(g + b"000000000000"):
            brands.add(g)
    return sums, frozenset(brands)


def fours_run(
    data: bytes, start: int, sep: int, cards: bool
) -> tuple[list[tuple[int, int]], int, int] | None:
    """Replay the general walk after it rejected the six-group candidate at `start`.

    Returns (card spans, byte offset where the general walk resumes, its `seen`), or None when the run of
    groups separated by `sep` is too short to bother.
    """
    pattern = _RUNS[sep]
    short = pattern.match(data, start, start + 5 * MIN_GROUPS - 1)  # cheap probe: most runs are short
    if short is None or short.end() < start + 5 * MIN_GROUPS - 1:
        return None
    # A `00…` group or the end of a chunk hands the walk back, which then calls again: look only a little
    # past the next one, so a long table (full of them or not) stays linear.
    limit = start + 5 * _CHUNK
    zero = data.find(bytes((sep, 0x30, 0x30)), start + 5, limit)
    m = pattern.match(data, start, limit if zero < 0 else zero + 5 * (_TAIL + 8))
    if m is None:
        return None
    run = m.group()
    groups = run.split(bytes((sep,)))
    count = len(groups)
    if count < MIN_GROUPS:
        return None
    tail = count - _TAIL
    if tail <= 1:
        return None
    # the walk must not start a candidate at a `00…` group itself: there an international number may start
    zeros = [run.count(sep, 0, z.start()) + 1 for z in _ZEROS[sep].finditer(run)]
    valid: list[int] = []
    if cards:
        sums, brands = group_tables()
        prefix = list(accumulate(map(sums.__getitem__, groups), initial=0))
        window = map(sub, prefix[4:], prefix)
        valid = [j for j, s in enumerate(window) if not s % 10 and groups[j] in brands]

    def offset(g: int) -> int:  # byte offset of group g: every group is 4 digits and one separator
        return start + 5 * g

    spans: list[tuple[int, int]] = []
    c, seen = 1, 5  # the candidate at group 0 was rejected: groups up to `seen` were tried
    while True:
        k = bisect_left(zeros, c)
        stop = min(tail, zeros[k]) if k < len(zeros) else tail
        # the next valid window a candidate tries: one ending after `seen`, starting at or after c
        k = bisect_left(valid, max(c, seen - 2))
        v = valid[k] if k < len(valid) else count
        visit = max(c, v - 2)  # the candidate that tries it; every one before it is rejected in turn
        if visit >= stop:
            if stop > c:  # rejected up to `stop`: the walk restarts at a group
                return spans, offset(stop), offset(stop + 4) + 4
            # right after a hit (or the first rejection) the walk searches from the separator, where a
            # dashed e-mail local part may start
            return spans, offset(c) - (1 if spans else 0), offset(seen) + 4
        if visit > c:
            seen = visit + 4
        spans.append((offset(v), offset(v + 3) + 4))
        c = v + 4


def fours_card(data: bytes, start: int, end: int, tok: bytes, seen: int) -> tuple[int, int, str] | None:
    """`Numbers.confirm` for three to six 4-digit groups, the shapes a table of digit groups yields.

    Only 16 digits can be PII there (a card; 8, 12, 20 and 24 digits are nothing): the whole of four
    groups, or a 4-group window of five or six, tried leftmost first as `_longest` does, with a card's
    brand and Luhn sum from per-group tables. Five groups that are a USPS tracking number (its check digit,
    or a carrier word before them) hold no card.
    """
    before = touch_before(data, start)
    if before == GLUED:
        return None
    sums, brands = group_tables()
    groups = tok.split(tok[4:5])
    count = len(groups)
    if count < 4 or (count == 5 and (usps_tracking_ok(b"".join(groups)) or carrier_before(data, start))):
        return None
    parts = [sums[g] for g in groups]
    for j in range(count - 3):
        hi = start + 5 * j + 19
        if hi <= seen or groups[j] not in brands or sum(parts[j : j + 4]) % 10:
            continue
        if hi == end and touch_after(data, hi) == GLUED:
            return None
        return (start + 5 * j, hi, "CREDIT_CARD")
    return None


def uniform_fours(tok: bytes) -> bool:
    """4-digit groups with one space, dash or dot separator: the candidates a table of digit groups yields."""
    sep = tok[4:5]
    return (
        sep in (b" ", b"-", b".") and tok.count(sep) == len(tok) // 5 and tok.translate(None, sep).isdigit()
    )
