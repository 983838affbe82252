"""A worker with Storage Blob Data Contributor only (no tags/read, filter/action, runAsSuperUser) and a Locked
container default policy: the pipeline archives, recovers an archive left by a run that lost its queue state
(that lookup used to stop the worker on the tags 403), and `archiver get` reports the inherited policy.

Real simulator, spawn pool, SQLite queue, the real SDK → WORM proxy (RBAC per container) → Azurite.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from archiver.assemble import Components
from archiver.sim import Simulator
from archiver.testing import rbac
from tests.e2e.conftest import make_config
from tests.e2e.test_commands import archiver, clean_env
from tests.e2e.test_pipeline import drain

pytestmark = pytest.mark.timeout(120)


@pytest.mark.slow
async def test_contributor_and_container_default_archive_recover_and_get(
    sim: Simulator, tmp_path: Path, cpu_pool: Any, worm_proxy: Any, azure_container: str
) -> None:
    worm_proxy.set_default_policy(azure_container, 3, locked=True)
    worm_proxy.set_rights(azure_container, rbac.CONTRIBUTOR)
    azure = {
        "ARCHIVER_SINK__KIND": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": worm_proxy.connection_string,
        "AZURE_CONTAINER_NAME": azure_container,
        "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "2",
        "ARCHIVER_SINK__AZURE__POLICY_SOURCE": "container",
        "ARCHIVER_SINK__AZURE__POLICY_MODE": "Locked",
        "ARCHIVER_WRITEBACK__MODE": "participant-attributes",  # the write-back compared below
    }
    ids = await sim.generate(2)
    async with Components(make_config(sim, tmp_path, **azure), pool=cpu_pool) as c:
        await c.queue.enqueue_many(ids, source="test")
        assert await drain(c, c.pipeline()) == ["archived"] * 2
    first = {cid: sim.attributes(cid)[sim.truth(cid).customer_participant_id] for cid in ids}
    await asyncio.sleep(1.1)  # a later run: a different archivedAt, so the rebuilt record differs
    # A fresh state file (make_config picks one), as after a rebuilt VM: the stored archives are found through
    # Get Blob (the tags read is refused with 403 and skipped), not dead-lettered, and the worker keeps going.
    async with Components(make_config(sim, tmp_path, **azure), pool=cpu_pool) as c:
        await c.queue.enqueue_many(ids, source="reconcile")
        assert await drain(c, c.pipeline()) == ["already_archived"] * 2
        text = c.metrics.render().decode()
    assert 'archiver_sink_permission_fallbacks_total{right="tags/read"} 2.0' in text
    assert "archiver_sink_worm_policy_unlocked 1.0" not in text
    for cid in ids:
        assert sim.attributes(cid)[sim.truth(cid).customer_participant_id] == first[cid]
    assert "denied_put_blob" not in worm_proxy.calls  # no policy header was ever sent

    # An auditor needs read rights only (Storage Blob Data Reader): `get` writes nothing.
    worm_proxy.set_rights(azure_container, rbac.READER)
    env = clean_env(**azure)
    ok = await asyncio.to_thread(archiver, "get", ids[0], "--require-locked", env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "mode Locked" in ok.stderr and "enforced by store: True" in ok.stderr
    assert "filter/action" in ok.stderr and "tags/read" in ok.stderr  # warned once each, then listed
    assert f'"conversationId": "{ids[0]}"' in ok.stdout
