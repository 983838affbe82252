"""The auditor commands and archived attachments (attachments.mode = "archive"), end to end against the local
sink and Azurite behind the WORM proxy: `hold` puts every archived attachment under the record's hold and
lifts it only with the record's last case, `export` bundles each attachment only after checking it against
the record (and links it from the transcript), `verify` fails on a missing or different attachment.
"""

from __future__ import annotations

import collections.abc
import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from archiver.commands.export import run as export_run
from archiver.commands.hold import hold
from archiver.commands.verify import run as verify_run
from archiver.config import load_config
from archiver.sim import Simulator
from archiver.sim.media import media_bytes
from tests.audit.conftest import Org, archive_all, store_env, verify_args
from tests.audit.test_export import export_args
from tests.support import sim_worker_env

pytestmark = pytest.mark.timeout(120)

ARCHIVE = {"ARCHIVER_ATTACHMENTS__MODE": "archive", "ARCHIVER_ATTACHMENTS__MAX_BYTES": "100000"}


@pytest.fixture(params=["azure", "local"])
async def att_org(
    request: pytest.FixtureRequest, sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> collections.abc.AsyncIterator[Org]:
    """One archived conversation with two archived attachments (PNG, PDF) and one too large to keep."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) - timedelta(hours=6)
    env, container, proxy = await store_env(request, sim_worker_env(sim, tmp_path, **ARCHIVE))
    config = load_config(None, env=env)
    [cid] = await sim.generate(1, messages=6)
    for m in sim.store.by_id[cid].messages:  # only the attachments added here
        m.attachments = ()
    png = sim.attach(cid, mime="image/png", size=5000)
    pdf = sim.attach(cid, mime="application/pdf", size=7000, media_type="File")
    big = sim.attach(cid, mime="image/jpeg", size=150_000)
    await archive_all(config, [cid], cpu_pool)
    org = Org(sim, config, env, [cid], start, container, proxy)
    org.extra = {"png": png, "pdf": pdf, "big": big}
    if request.param == "azure":
        org.extra["azurite"] = request.getfixturevalue("azurite_worm")[0]
    yield org


async def stored_names(org: Org) -> dict[str, str]:
    """Attachment id → stored name, from the archived record."""
    from archiver.archive.compress import gunzip_bytes
    from archiver.commands.audit_common import open_store

    async with open_store(org.config) as store:
        entry = await store.locate(org.archived[0])
        doc = json.loads(gunzip_bytes(await store.read(entry)))
    return {
        a["id"]: a["archive"]["name"]
        for m in doc["messages"]
        for a in m["attachments"]
        if a.get("archive", {}).get("outcome") == "archived"
    }


def held(org: Org, name: str) -> Any:
    """The attachment's hold: Azure's legal hold flag, or the local hold sidecar's case list."""
    if org.container is not None:
        worm = org.proxy.protection(org.container, name)
        return worm is not None and worm.legal_hold
    side = Path(org.config.sink.local.dir) / f"{name}.hold.json"
    return json.loads(side.read_bytes())["legalHolds"] if side.exists() else []


async def test_hold_covers_every_archived_attachment_until_the_last_case(
    att_org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    org, cid = att_org, att_org.archived[0]
    names = await stored_names(org)
    assert len(names) == 2
    on: Any = True if org.container else ["CASE-1", "CASE-2"]
    off: Any = False if org.container else []
    assert all(held(org, n) == off for n in names.values())
    assert await hold(org.config, True, [cid], "CASE-1") == 0
    assert await hold(org.config, True, [cid], "CASE-2") == 0
    assert "attachments 2" in capsys.readouterr().out
    assert all(held(org, n) == on for n in names.values())
    assert await hold(org.config, False, [cid], "CASE-1") == 0
    assert all(held(org, n) == (True if org.container else ["CASE-2"]) for n in names.values())
    assert "legal hold ON" in capsys.readouterr().out
    assert await hold(org.config, False, [cid], "CASE-2") == 0
    assert "legal hold OFF" in capsys.readouterr().out
    assert all(held(org, n) == off for n in names.values())


async def test_hold_on_an_attachment_without_the_right_fails_and_names_it(
    att_org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    org = att_org
    if org.container is None:
        pytest.skip("rights exist only in Azure")
    org.proxy.fail(
        on="set_legal_hold",
        status=403,
        code="AuthorizationPermissionMismatch",
        times=None,
        blob_contains="/attachments/",
    )
    status = await hold(org.config, True, [org.archived[0]], "CASE-9")
    err = capsys.readouterr().err
    assert status == 6 and "403" in err and "runAsSuperUser" in err and "attachment" in err
    # Running the same command again once the right is granted completes it.
    org.proxy.clear_faults()
    assert await hold(org.config, True, [org.archived[0]], "CASE-9") == 0
    assert all(held(org, n) for n in (await stored_names(org)).values())


async def test_export_bundles_verified_attachments_and_flags_a_different_one(
    att_org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org, cid = att_org, att_org.archived[0]
    png, pdf, big = (org.extra[k] for k in ("png", "pdf", "big"))
    names = await stored_names(org)
    out = tmp_path / "bundle"
    assert await export_run(org.config, org.period(), export_args(out)) == 0, capsys.readouterr().err
    with (out / "manifest.csv").open(newline="") as fh:
        [row] = list(csv.DictReader(fh))
    files = row["attachment_files"].split()
    assert files == [f"attachments/{cid}/{names[a.id].rsplit('/', 1)[-1]}" for a in (png, pdf)]
    for f, digest, att in zip(files, row["attachment_files_sha256"].split(), (png, pdf), strict=True):
        data = (out / f).read_bytes()
        assert data == media_bytes(att.id, att.size) and hashlib.sha256(data).hexdigest() == digest
    assert row["attachment_problems"] == ""
    page = (out / row["transcript_file"]).read_text()
    assert f"href='../{files[0]}'" in page and f"href='../{files[1]}'" in page
    assert "not archived (too_large)" in page and big.id not in row["attachment_files"]
    assert "<script" not in page and "src=" not in page and "<link" not in page

    # Tampered bytes in the store: flagged, exit 7, nothing unverified written.
    png_name = names[png.id]
    if org.container is not None:
        org.proxy.serve_altered(org.container, png_name, b"x" * png.size)
    else:
        path = Path(org.config.sink.local.dir) / png_name
        path.chmod(0o644)
        path.write_bytes(b"x" * png.size)
    out2 = tmp_path / "bundle2"
    assert await export_run(org.config, org.period(), export_args(out2)) == 7
    err = capsys.readouterr().err
    assert f"FAILED {cid}" in err and png.id in err and "the record says" in err
    assert not (out2 / f"attachments/{cid}/{png_name.rsplit('/', 1)[-1]}").exists()
    with (out2 / "manifest.csv").open(newline="") as fh:
        [row2] = list(csv.DictReader(fh))
    assert png.id in row2["attachment_problems"] and row2["attachment_files"] == files[1]
    page2 = (out2 / row2["transcript_file"]).read_text()
    assert "NOT EXPORTED" in page2 and f"href='../{files[1]}'" in page2
    assert "ATTACHMENT NOT VERIFIED" in (out2 / "index.html").read_text()


async def test_verify_fails_on_a_missing_or_different_attachment(
    att_org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    org, cid = att_org, att_org.archived[0]
    png, pdf = org.extra["png"], org.extra["pdf"]
    names = await stored_names(org)
    status = await verify_run(org.config, org.period(), verify_args())
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["ok"] is True and report["attachmentProblems"] == [], report
    assert report["counts"]["verified"] == 1
    if org.container is not None:
        # Deleted behind the WORM proxy's back (straight in Azurite): what a lost blob looks like.
        from azure.storage.blob.aio import ContainerClient

        async with ContainerClient.from_connection_string(
            org.extra["azurite"].connection_string, org.container
        ) as direct:
            await direct.delete_blob(names[png.id])
    else:
        root = Path(org.config.sink.local.dir)
        (root / names[png.id]).unlink()
        (root / names[pdf.id]).chmod(0o644)
        (root / names[pdf.id]).write_bytes(b"not the pdf")
    status = await verify_run(org.config, org.period(), verify_args())
    report = json.loads(capsys.readouterr().out)
    assert status == 7 and report["ok"] is False
    problems = {f["archive"]: f["detail"] for f in report["attachmentProblems"]}
    assert "missing" in problems[names[png.id]] and all(
        f["conversationId"] == cid for f in report["attachmentProblems"]
    )
    if org.container is None:
        assert "the record says" in problems[names[pdf.id]]
    assert report["counts"]["attachmentProblems"] == len(problems)
    assert report["counts"]["verified"] == 0 and report["digestMismatch"] == []
