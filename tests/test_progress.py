"""The periodic `progress` line: logged when something changed, otherwise only at the heartbeat."""

from __future__ import annotations

from archiver.progress import ProgressGate


def test_an_unchanged_sample_is_logged_only_at_the_heartbeat() -> None:
    now = [1000.0]
    gate = ProgressGate(heartbeat_s=300.0, clock=lambda: now[0])
    idle = (0, 0, 0, 0, 5, 0, True)
    assert gate.should_log(idle)  # the first sample always
    logged = []
    for _ in range(59):  # every 5 s for 295 s: nothing changed, nothing logged
        now[0] += 5.0
        logged.append(gate.should_log(idle))
    assert not any(logged)
    now[0] += 5.0
    assert gate.should_log(idle)  # 300 s: the heartbeat
    now[0] += 5.0
    assert gate.should_log((1, 0, 0, 0, 6, 0, True))  # a change is logged at once
    now[0] += 5.0
    assert gate.should_log((1, 0, 0, 0, 6, 0, False))  # the listener dropping too
    assert not gate.should_log((1, 0, 0, 0, 6, 0, False))
