"""Exponential backoff with equal jitter: the one retry delay every component uses.

`backoff_s(attempt, base_s, cap_s)` takes the step c = min(cap_s, base_s * 2**(attempt - 1)) and draws the
wait uniformly from [c/2, c]: half of the step is fixed, half is random ("equal jitter"). Full jitter
(uniform over [0, c]) spreads a fleet's retries a little wider but can come back almost at once; equal
jitter is chosen because two things depend on a guaranteed minimum wait. The work queue's `max_attempts`
must span a real outage (the attempts' minimum waits add up to the shortest outage a conversation survives
before it is dead-lettered), and a failed Genesys call or socket reconnect must not hammer the API again
immediately. The random half still de-synchronises workers that failed together.
"""

from __future__ import annotations

import random

_rng = random.Random()


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """The wait before retry number `attempt` (1 = the first retry): equal jitter, capped at `cap_s`."""
    ceiling = min(cap_s, base_s * 2.0 ** max(0, attempt - 1))
    return (rng or _rng).uniform(ceiling / 2, ceiling)
