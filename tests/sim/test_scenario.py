"""`messages=N` is exact: the count a test asks for is the count the simulator serves, whatever the draws."""

from __future__ import annotations

import random
import time

from archiver.sim.scenario import Org, build


def test_messages_count_is_exact_for_every_seed() -> None:
    # Before the fix, an attachment-only picture message came on top of N turns about 1 draw in 30.
    now = time.time()
    for seed in range(300):
        rng = random.Random(seed)
        org = Org.make(rng, 3, 4)
        n = rng.choice((1, 2, 7, 40))
        conv, _ = build(
            rng, org, "webmessaging", now, messages=n, ended=True, min_turns=4, max_turns=12, pii_rate=0.3
        )
        assert len(conv.messages) == n, f"seed={seed}: asked {n}, got {len(conv.messages)}"


def test_unforced_counts_still_include_attachment_only_messages() -> None:
    # The realistic mode keeps its picture-only messages (no text, one attachment).
    now = time.time()
    found = False
    for seed in range(300):
        rng = random.Random(seed)
        conv, _ = build(
            rng,
            Org.make(rng, 3, 4),
            "webmessaging",
            now,
            messages=None,
            ended=True,
            min_turns=4,
            max_turns=12,
            pii_rate=0.3,
        )
        found = found or any(m.text == "" and m.attachments for m in conv.messages)
    assert found
