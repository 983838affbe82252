"""The multi-VM fault soak at 200 conversations (`pytest -m soak_multi tests/soak`), a small version of
`python -m bench.soak --queue azure --workers 3`: three worker processes share the Azure queue (Azurite) and
the WORM store while the whole fault schedule plays, each kill hitting the current leader, plus a lease
broken under the leader. Not in `make test`: at ~3 min it pushes the suite past its 15-min budget."""

from __future__ import annotations

import asyncio
import collections.abc

import pytest

from bench.soak import SoakResult
from bench.soak_multi import run_multi
from tests.soak.test_soak import FAULTS, OPTIONS


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> collections.abc.Iterator[SoakResult]:
    run_dir = tmp_path_factory.mktemp("soak-multi")
    yield asyncio.run(run_multi(OPTIONS, run_dir, 3, progress=False))


@pytest.mark.slow
@pytest.mark.soak_multi
@pytest.mark.timeout(600)
def test_three_vms_archive_every_conversation_exactly_once_through_leader_failovers(
    multi: SoakResult,
) -> None:
    r = multi.report
    evidence = f"run dir {multi.run_dir}"
    assert set(r.faults) == FAULTS | {"lost_lease_renewal"}, (r.faults, evidence)
    assert not r.fault_errors, r.fault_errors
    assert r.worker_kills == 2, evidence
    assert r.missing == [] and r.archived_twice == [] and r.dead == [], evidence
    assert r.unexpected == [] and r.invalid == []
    assert r.pii_leaks == [] and r.personal_data_leaks == []
    assert r.writebacks_bad == [] and r.writebacks_ok == 200 and r.archived == 200
    assert r.queue_states.get("done") == 200 and sum(r.queue_states.values()) == 200, r.queue_states
    # two SIGKILLed leaders and one lost renewal, each followed by a leader listening again
    assert len(multi.failovers) == 3, multi.failovers
    # every VM did work; a completion whose log line a SIGKILL cut off (at most the items in flight on the
    # two killed VMs) is counted by no VM, so the shares may sum to a little under 200
    assert all(n > 0 for n in multi.shares), multi.shares
    assert 200 - 2 * OPTIONS.processors <= sum(multi.shares) <= 200 + 2 * OPTIONS.processors, multi.shares
    assert multi.scan() == []
