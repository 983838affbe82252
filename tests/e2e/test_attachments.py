"""attachments.mode = "archive" end to end: a real simulator serving attachment bytes at expiring (optionally
token-protected) URLs, the spawn pool, the SQLite queue, and the local sink or the real SDK → WORM proxy →
Azurite. What a compliance user relies on: the bytes are kept beside the record with their digest, every
skipped attachment says why, an expired URL is final (never retried forever), a transient failure is retried,
the record never names a missing attachment, a retry does not download again, and `archiver get
--attachments` gives back exactly the bytes the record vouches for.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from azure.storage.blob.aio import ContainerClient

from archiver.assemble import Components
from archiver.attachments import AttachmentRef
from archiver.attachments.fetch import AttachmentTransient, Downloader
from archiver.config import load_config
from archiver.errors import ConfigError, IntegrityError, SinkPermanentError
from archiver.genesys import GenesysSettings
from archiver.genesys.client import GenesysClient
from archiver.pipeline import Pipeline
from archiver.sim import Simulator
from archiver.sim.media import MEDIA_PATH, media_bytes
from tests.e2e.conftest import make_config
from tests.e2e.test_commands import archiver, clean_env
from tests.e2e.test_pipeline import drain, read_record
from tests.support import fast_sim_config

pytestmark = pytest.mark.timeout(120)

ARCHIVE = {"ARCHIVER_ATTACHMENTS__MODE": "archive", "ARCHIVER_ATTACHMENTS__MAX_BYTES": "100000"}
DOWNLOADS = f"GET {MEDIA_PATH}{{attachmentId}}"


@contextlib.asynccontextmanager
async def simulator(**overrides: Any) -> collections.abc.AsyncIterator[Simulator]:
    async with Simulator(fast_sim_config(**overrides)) as s:
        yield s


@contextlib.asynccontextmanager
async def stack(
    sim: Simulator, tmp_path: Path, pool: Any, **env: str
) -> collections.abc.AsyncIterator[tuple[Components, Pipeline]]:
    async with Components(make_config(sim, tmp_path, **(ARCHIVE | env)), pool=pool) as c:
        yield c, c.pipeline()


def attachments_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for m in doc["messages"] for a in m["attachments"]}


async def one_conversation(sim: Simulator, open_for_s: float = 0.0) -> str:
    [cid] = await sim.generate(1, messages=6, open_for_s=open_for_s)
    for m in sim.store.by_id[cid].messages:  # only the attachments each test adds
        m.attachments = ()
    return cid


async def test_archives_attachments_with_digests_and_records_every_skip(
    tmp_path: Path, cpu_pool: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with simulator() as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        png = sim.attach(cid, mime="image/png", size=5000)
        pdf = sim.attach(cid, mime="application/pdf", size=70000, media_type="File")
        big = sim.attach(cid, mime="image/jpeg", size=150_000)  # above max_bytes
        exe = sim.attach(cid, mime="application/x-msdownload", size=100, media_type="File")
        link = sim.attach(cid, mime="text/html", size=10, media_type="Link")
        await c.queue.enqueue_many([cid], source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"]
        metrics = c.metrics.render().decode()
    root = tmp_path / "archive"
    doc = read_record(root, cid)
    got = attachments_of(doc)
    for att in (png, pdf):
        entry = got[att.id]["archive"]
        data = media_bytes(att.id, att.size)
        assert entry["outcome"] == "archived"
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["sizeBytes"] == att.size
        day = doc["endTime"][:10].replace("-", "/")
        ext = ".png" if att is png else ".pdf"
        assert entry["name"] == f"conversations/{day}/{cid}/attachments/{att.id}{ext}"
        stored = root / entry["name"]
        assert stored.read_bytes() == data
        assert stored.stat().st_mode & 0o222 == 0  # published read-only, like the record
    assert got[big.id]["archive"] == {"outcome": "too_large"}
    assert got[exe.id]["archive"] == {"outcome": "mime_not_allowed"}
    assert got[link.id]["archive"] == {"outcome": "link"}
    assert sim.call_counts().get(DOWNLOADS) == 2  # the skipped ones were never fetched
    assert 'archiver_attachments_total{outcome="archived"} 2.0' in metrics
    # URLs are capabilities: not in the record, not in any log line.
    raw = json.dumps(doc)
    assert MEDIA_PATH not in raw and sim.base_url not in raw and "sim.genesys.invalid" not in raw
    assert MEDIA_PATH not in caplog.text and "sim.genesys.invalid" not in caplog.text
    assert len(list(root.rglob("*.tmp"))) == 0


@pytest.mark.parametrize("status", [404, 410])
async def test_expired_url_is_recorded_once_and_never_retried(
    tmp_path: Path, cpu_pool: Any, status: int
) -> None:
    # Genesys drops media 30 days after upload; here 2 days, by the simulator's clock, on a thread opened 3
    # days ago whose first message carried the attachment.
    async with (
        simulator(media_url_ttl_s=2 * 86400.0, media_expired_status=status) as sim,
        stack(sim, tmp_path, cpu_pool) as (c, pipeline),
    ):
        cid = await one_conversation(sim, open_for_s=3 * 86400.0)
        old = sim.attach(cid, mime="image/png", size=1000)
        await c.queue.enqueue_many([cid], source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"]
        assert (await c.queue.counts())["done"] == 1
    assert sim.call_counts().get(DOWNLOADS) == 1
    entry = attachments_of(read_record(tmp_path / "archive", cid))[old.id]["archive"]
    assert entry == {"outcome": "expired", "status": status}


async def test_token_protected_urls_get_the_bearer_token(tmp_path: Path, cpu_pool: Any) -> None:
    async with simulator(media_requires_token=True) as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="image/gif", size=3000)
        async with aiohttp.ClientSession() as http, http.get(f"{sim.base_url}{MEDIA_PATH}{att.id}") as r:
            assert r.status == 401  # the URL really needs the token
        await c.queue.enqueue_many([cid], source="test")
        assert await drain(c, pipeline) == ["archived"]
    entry = attachments_of(read_record(tmp_path / "archive", cid))[att.id]["archive"]
    assert entry["outcome"] == "archived"
    assert entry["sha256"] == hashlib.sha256(media_bytes(att.id, att.size)).hexdigest()


async def test_transient_failure_is_retried_then_archived_and_fails_only_on_the_last_attempt(
    tmp_path: Path, cpu_pool: Any
) -> None:
    async with simulator() as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        ok = sim.attach(cid, mime="image/png", size=2000)
        flaky = sim.attach(cid, mime="image/png", size=2500)
        await c.queue.enqueue_many([cid], source="test")
        sim.faults.fail_next(1, 503, path_prefix=f"{MEDIA_PATH}{flaky.id}")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["retry"]
        outcomes: list[str] = []
        async with asyncio.timeout(30):
            while not outcomes:  # due again after the queue's backoff (0.2-1 s here)
                outcomes = await drain(c, pipeline)
                await asyncio.sleep(0 if outcomes else 0.05)
        assert outcomes == ["archived"]
    # The attachment stored by the first attempt was not downloaded again.
    assert sim.call_counts().get(DOWNLOADS) == 3
    got = attachments_of(read_record(tmp_path / "archive", cid))
    assert got[ok.id]["archive"]["outcome"] == got[flaky.id]["archive"]["outcome"] == "archived"

    async with simulator() as sim, stack(sim, tmp_path, cpu_pool, ARCHIVER_QUEUE__MAX_ATTEMPTS="1") as (c, p):
        cid = await one_conversation(sim)
        down = sim.attach(cid, mime="image/png", size=2000)
        sim.faults.fail_next(50, 503, path_prefix=MEDIA_PATH)
        await c.queue.enqueue_many([cid], source="test")
        assert await drain(c, p) == ["archived"]  # the transcript is kept; the attachment says why not
    assert attachments_of(read_record(tmp_path / "archive", cid))[down.id]["archive"] == {"outcome": "failed"}


async def test_redelivery_after_a_crash_between_attachment_and_record(tmp_path: Path, cpu_pool: Any) -> None:
    async with simulator() as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="image/png", size=4000)
        end = sim.store.by_id[cid].end_time()
        assert end is not None
        await c.queue.enqueue_many([cid], source="test")
        # The record's name is taken by a directory: its upload fails (as a crash would stop it) after the
        # attachment is stored. The worker stops on that sink error; the lease goes back to the queue.
        root = tmp_path / "archive"
        sim.reset_call_counts()
        [lease] = await c.queue.lease("test", 60.0, 1)
        from datetime import UTC, datetime

        from archiver.sinks.naming import blob_name

        blocker = root / blob_name(cid, datetime.fromtimestamp(end, UTC))
        blocker.mkdir(parents=True)
        with pytest.raises(SinkPermanentError):
            await pipeline.process(lease)
        [stored] = list(root.rglob(f"attachments/{att.id}.png"))
        assert not list(root.glob(f"conversations/*/*/*/{cid}.json.gz.meta.json"))  # no record yet
        blocker.rmdir()
        assert await drain(c, pipeline) == ["archived"]
    assert sim.call_counts().get(DOWNLOADS) == 1  # the redelivery found it stored
    entry = attachments_of(read_record(root, cid))[att.id]["archive"]
    assert (root / entry["name"]) == stored and entry["sha256"] == hashlib.sha256(
        stored.read_bytes()
    ).hexdigest()


async def test_get_attachments_verifies_and_detects_tampering(tmp_path: Path, cpu_pool: Any) -> None:
    async with simulator() as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="application/pdf", size=9000, media_type="File")
        await c.queue.enqueue_many([cid], source="test")
        assert await drain(c, pipeline) == ["archived"]
    env = clean_env(ARCHIVER_SINK__KIND="local", ARCHIVER_SINK__LOCAL__DIR=str(tmp_path / "archive"))
    out = tmp_path / "out"
    ok = await asyncio.to_thread(archiver, "get", cid, "--attachments", str(out), env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (out / f"{att.id}.pdf").read_bytes() == media_bytes(att.id, att.size)
    assert f"attachment   {att.id}: sha256" in ok.stderr and "(verified)" in ok.stderr

    [stored] = list((tmp_path / "archive").rglob(f"attachments/{att.id}.pdf"))
    stored.chmod(0o644)
    stored.write_bytes(b"%PDF- altered")  # the local sink is not WORM: tampering is possible, and seen
    shutil.rmtree(out)
    bad = await asyncio.to_thread(archiver, "get", cid, "--attachments", str(out), env=env, cwd=tmp_path)
    assert bad.returncode == 7, bad.stderr
    assert f"FAILED       attachment {att.id}" in bad.stderr
    assert not (out / f"{att.id}.pdf").exists()  # nothing unverified is written


@pytest.mark.slow
@pytest.mark.parametrize("policy_source", ["blob", "container"])
async def test_azure_worm_attachments_follow_the_records_policy(
    tmp_path: Path, cpu_pool: Any, worm_proxy: Any, azure_container: str, policy_source: str
) -> None:
    if policy_source == "container":
        worm_proxy.set_default_policy(azure_container, 3, locked=True)
    azure = {
        "ARCHIVER_SINK__KIND": "azure",
        "AZURE_STORAGE_CONNECTION_STRING": worm_proxy.connection_string,
        "AZURE_CONTAINER_NAME": azure_container,
        "ARCHIVER_SINK__AZURE__RETENTION_DAYS": "2",
        "ARCHIVER_SINK__AZURE__POLICY_SOURCE": policy_source,
    }
    async with simulator(media_requires_token=True) as sim:
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="image/jpeg", size=6000)
        async with stack(sim, tmp_path, cpu_pool, **azure) as (c, pipeline):
            await c.queue.enqueue_many([cid], source="test")
            assert await drain(c, pipeline) == ["archived"]
            assert c.attachments is not None
            store = c.attachments._store
            [name] = [n for n in await _names(worm_proxy, azure_container) if "/attachments/" in n]
            data = media_bytes(att.id, att.size)
            # Put-if-absent: the same bytes again are a success (409 + equal digest), others an alert.
            digest = hashlib.sha256(data).hexdigest()
            kw = {"mime": "image/jpeg", "conversation_id": cid, "attachment_id": att.id}
            assert await store.put(name, data, sha256=digest, **kw) is False
            with pytest.raises(IntegrityError):
                await store.put(name, b"other", sha256=hashlib.sha256(b"other").hexdigest(), **kw)
    record_name = next(n for n in await _names(worm_proxy, azure_container) if n.endswith(".json.gz"))
    for blob in (name, record_name):
        worm = worm_proxy.protection(azure_container, blob)
        assert worm is not None and worm.until is not None, blob  # under a policy, like the record
        if policy_source == "container":
            assert worm.mode == "Locked"
    assert "denied_put_blob" not in worm_proxy.calls
    env = clean_env(**azure)
    out = tmp_path / "got"
    ok = await asyncio.to_thread(archiver, "get", cid, "--attachments", str(out), env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (out / f"{att.id}.jpg").read_bytes() == data
    worm_proxy.serve_altered(azure_container, name, b"\xff\xd8 not the uploaded photo")
    bad = await asyncio.to_thread(archiver, "get", cid, "--attachments", str(out), env=env, cwd=tmp_path)
    assert bad.returncode == 7, bad.stderr
    assert f"FAILED       attachment {att.id}" in bad.stderr


async def _names(worm_proxy: Any, container: str) -> list[str]:
    async with ContainerClient.from_connection_string(worm_proxy.connection_string, container) as cc:
        return [b.name async for b in cc.list_blobs()]


async def test_token_goes_to_the_genesys_host_only_and_urls_stay_out_of_errors(tmp_path: Path) -> None:
    async with simulator(media_requires_token=True) as sim:
        client = GenesysClient(GenesysSettings.from_config(make_config(sim, tmp_path).genesys))
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="image/png", size=100)
        url = f"{sim.base_url}{MEDIA_PATH}{att.id}"
        ref = AttachmentRef(id=att.id, media_type="Image", mime="image/png", size=100, url=url)
        sent: list[str] = []

        async def token() -> str:
            sent.append("token")
            return await client.bearer_token()

        # The URL's host is not the configured Genesys API host: no token is sent, so the download is
        # refused — retried while attempts remain, recorded as denied on the last one.
        other = Downloader(
            api_origin="https://api.mypurecloud.com", token=token, max_bytes=1000, timeout_s=10
        )
        try:
            with pytest.raises(AttachmentTransient) as caught:
                await other.fetch(ref, last_attempt=False)
            assert (await other.fetch(ref, last_attempt=True)).outcome == "denied"
        finally:
            await other.close()
        assert sent == []
        assert str(caught.value) == f"cannot download attachment {att.id}: HTTP 401"
        assert MEDIA_PATH not in repr(ref) and sim.base_url not in repr(ref)
        sim.faults.fail_next(1, "timeout", path_prefix=MEDIA_PATH)
        fast = Downloader(api_origin=sim.base_url, token=token, max_bytes=1000, timeout_s=0.5)
        try:
            with pytest.raises(AttachmentTransient) as timed_out:
                await fast.fetch(ref, last_attempt=False)
            assert sim.base_url not in str(timed_out.value) and timed_out.value.__cause__ is None
            got = await fast.fetch(ref, last_attempt=False)
        finally:
            await fast.close()
            await client.close()
        assert got.outcome == "ok" and got.data == media_bytes(att.id, 100) and sent == ["token", "token"]


def test_config_defaults_to_metadata_and_names_a_bad_mime_type(tmp_path: Path) -> None:
    assert load_config(None, env={}).attachments.mode == "metadata"
    toml = tmp_path / "archiver.toml"
    toml.write_text('[attachments]\nmode = "archive"\nmime_types = ["image/png", "Images"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(toml, env={})
    assert caught.value.exit_code == 3 and "attachments.mime_types" in str(caught.value)
    toml.write_text('[attachments]\nmode = "Archive"\nmime_types = ["image/*"]\nmax_bytes = 1000\n')
    cfg = load_config(toml, env={})
    assert (cfg.attachments.mode, cfg.attachments.mime_types, cfg.attachments.max_bytes) == (
        "archive",
        ("image/*",),
        1000,
    )


async def test_a_declared_size_that_lies_is_capped_while_downloading(tmp_path: Path, cpu_pool: Any) -> None:
    async with simulator() as sim, stack(sim, tmp_path, cpu_pool) as (c, pipeline):
        cid = await one_conversation(sim)
        att = sim.attach(cid, mime="image/png", size=150_000)  # above max_bytes (100,000)
        # The transcript claims 1,000 bytes: only the cap applied while reading keeps the download bounded.
        sim.faults.rewrite_next(5, '"contentSizeBytes":150000', '"contentSizeBytes":1000')
        await c.queue.enqueue_many([cid], source="test")
        sim.reset_call_counts()
        assert await drain(c, pipeline) == ["archived"]
    assert sim.call_counts().get(DOWNLOADS) == 1
    doc = read_record(tmp_path / "archive", cid)
    assert attachments_of(doc)[att.id]["contentSizeBytes"] == 1000  # the rewrite reached the worker
    assert attachments_of(doc)[att.id]["archive"] == {"outcome": "too_large", "status": 200}
    assert not list((tmp_path / "archive").rglob("attachments"))
