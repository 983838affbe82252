"""The 200-conversation fault soak (`make test`'s version of `make soak`) and the security scan of its output.

One soak run per module: the real worker as a subprocess against the simulator and Azurite (on disk) + the
WORM proxy, with every fault of the full soak compressed into ~80 s of traffic. The first test checks the
audit; the second scans everything the worker logged, every /metrics page it served and its SQLite files.
"""

from __future__ import annotations

import asyncio
import collections.abc

import pytest

from bench.soak import SoakOptions, SoakResult, run_soak
from bench.soak_faults import FaultKnobs

FAULTS = {
    "random_failures",  # 5% 429 + Retry-After, 1.5% 503, 0.5% timeouts
    "drop_sockets",
    "socket_closing",
    "heartbeat_silence",
    "expire_channels",
    "latency_spike",
    "revoke_tokens",
    "refuse_writeback",
    "blob_outage",
    "kill_worker",
}

OPTIONS = SoakOptions(
    conversations=200,
    seed=7,
    rate_per_s=2.5,  # 80 s of traffic
    drain_timeout_s=100.0,
    processors=8,
    pool_processes=1,
    reconcile_interval_s=5.0,
    knobs=FaultKnobs(
        socket_drop_every_s=20.0,
        latency_spikes=2,
        heartbeat_silence_s=8.0,
        writeback_refusal_s=15.0,
        blob_outage_s=8.0,
        worker_kills=2,
        socket_closings=1,
        channel_expiries=1,
        token_revocations=1,
    ),
)


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> collections.abc.Iterator[SoakResult]:
    run_dir = tmp_path_factory.mktemp("soak")
    yield asyncio.run(run_soak(OPTIONS, run_dir, progress=False))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_soak_archives_every_conversation_exactly_once_under_faults(soak: SoakResult) -> None:
    r = soak.report
    evidence = f"run dir {soak.run_dir}"
    assert set(r.faults) == FAULTS, (r.faults, evidence)
    assert not r.fault_errors, r.fault_errors
    assert r.worker_kills == 2 and r.worker_starts == 3, evidence
    assert r.conversations == 200 and r.decoys == 10 and r.ended == 200
    assert r.missing == [], evidence
    assert r.archived_twice == [], evidence
    assert r.dead == [], evidence
    assert r.unexpected == [] and r.invalid == []
    assert r.pii_leaks == [] and r.personal_data_leaks == []
    assert r.planted_pii_checked > 100  # the generator planted PII: the check was not vacuous
    assert r.writebacks_bad == [] and r.writebacks_ok == 200
    assert r.archived == 200
    assert r.queue_states == {"done": 200}
    assert r.final_exit == 0, evidence
    assert 0 < r.latency_p50_s <= r.latency_p99_s
    assert 0 < r.peak_rss_mb < 300
    assert r.ok


@pytest.mark.slow
def test_worker_output_holds_no_secret_token_key_pii_or_message_text(soak: SoakResult) -> None:
    # Not vacuous: there is output to scan, and the needles cover every kind the issue names.
    logs = b"".join(p.read_bytes() for p in soak.log_files)
    assert logs.count(b"archived id=") + logs.count(b"written_back id=") >= 200
    assert soak.scrapes >= 10 and all(p.stat().st_size > 0 for p in soak.metrics_files)
    assert any(p.name == "queue.sqlite3" for p in soak.db_files)
    n = {kind: len(values) for kind, values in soak.needles.items()}
    assert n["client secret"] == 1 and n["storage key"] == 1 and n["connection string"] == 1
    assert n["bearer token"] >= 4  # one per start plus one per revocation
    assert n["planted PII"] > 100 and n["message text"] > 500
    findings = soak.scan()
    assert findings == [], sorted({f"{f.kind} in {f.file}" for f in findings})
