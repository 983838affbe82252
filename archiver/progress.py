"""When the worker's periodic `progress` log line is worth writing: when a value changed, else at a heartbeat.

The worker samples its counts every few seconds (cheap), but an idle worker printing the same line every 5 s
buries the log lines that matter. So a sample is logged when it differs from the last logged one, and an
unchanged one only once per `heartbeat_s` (proof of life in the journal).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

DEFAULT_HEARTBEAT_S = 300.0


class ProgressGate:
    """Decides per sample whether the progress line is logged (`clock`: a monotonic clock, injectable)."""

    def __init__(
        self, heartbeat_s: float = DEFAULT_HEARTBEAT_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.heartbeat_s = heartbeat_s
        self._clock = clock
        self._last: Hashable | None = None
        self._logged_at: float | None = None

    def should_log(self, sample: Hashable) -> bool:
        """True (remembering the sample) when it changed since the last logged one, or at the heartbeat."""
        now = self._clock()
        due = self._logged_at is None or now - self._logged_at >= self.heartbeat_s
        if sample == self._last and not due:
            return False
        self._last, self._logged_at = sample, now
        return True
