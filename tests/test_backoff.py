"""The one backoff: exponential, equal jitter (a guaranteed half of each step), capped."""

from __future__ import annotations

import random

from archiver.backoff import backoff_s


def test_backoff_grows_with_equal_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for attempts, full in [(1, 2), (2, 4), (3, 8), (6, 60), (50, 60)]:
        samples = [backoff_s(attempts, 2, 60, rng) for _ in range(200)]
        assert all(full / 2 <= s <= full for s in samples)
        assert max(samples) - min(samples) > 0  # jittered
