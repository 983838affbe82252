"""`archiver export` end to end (local sink and Azurite behind the WORM proxy), and the HTML it writes."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from isal import igzip

from archiver.auditor import html
from archiver.commands.export import run as export_run
from archiver.sinks.naming import blob_name
from tests.audit.conftest import Org

pytestmark = pytest.mark.timeout(120)


def export_args(out: Path, **kw: object) -> argparse.Namespace:
    base: dict[str, object] = {"queue": None, "division": None, "zone": "Europe/Paris", "out": out}
    return argparse.Namespace(**(base | kw))


def files_outside(root: Path, out: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and out not in p.parents and "state-" not in str(p)
    }


async def test_export_bundle_is_complete_verifiable_and_resumable(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bundle"
    before = files_outside(tmp_path, out)
    period = org.period()
    assert await export_run(org.config, period, export_args(out)) == 0
    assert "exported 4" in capsys.readouterr().err
    assert files_outside(tmp_path, out) == before  # nothing written outside --out
    with (out / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["conversation_id"] for r in rows) == sorted(org.archived)
    for r in rows:
        data = (out / r["archive_file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["archive_file_sha256"]
        assert (
            hashlib.sha256(igzip.decompress(data)).hexdigest()
            == r["sha256_recorded"]
            == r["sha256_recomputed"]
        )
        page = (out / r["transcript_file"]).read_text()
        assert hashlib.sha256(page.encode()).hexdigest() == r["transcript_file_sha256"]
        assert "<script" not in page and "src=" not in page and "<link" not in page
        assert "UTC (" in page and "Europe/Paris" in page and "Customer" in page
        assert r["archived_at"] and r["legal_hold"] == "false"
        if org.container:
            assert r["policy_mode"] == "Unlocked" and r["retention_until"]
    index = (out / "index.html").read_text()
    assert all(cid in index for cid in org.archived) and "verified" in index

    # Resume: a damaged transcript is rewritten, intact conversations are not read again.
    victim = rows[0]
    (out / victim["transcript_file"]).write_text("half a file")
    if org.proxy is not None:
        org.proxy.calls.clear()
    assert await export_run(org.config, period, export_args(out)) == 0
    page = (out / victim["transcript_file"]).read_bytes()
    assert hashlib.sha256(page).hexdigest() == victim["transcript_file_sha256"]
    if org.proxy is not None:
        assert org.proxy.calls["get_blob"] == 1
    # Other parameters into the same directory are refused rather than mixed.
    with pytest.raises(Exception, match="other parameters"):
        await export_run(org.config, period, export_args(out, zone="UTC"))


async def test_export_flags_an_archive_that_fails_its_digest(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if org.proxy is None:
        pytest.skip("served-altered bytes come from the WORM proxy")
    cid = org.archived[0]
    from datetime import datetime

    end = org.sim.store.by_id[cid].end_time()
    assert end is not None
    name = blob_name(cid, datetime.fromtimestamp(end, UTC))
    doc = {"schema": "archiver.conversation/v1", "conversationId": cid, "messages": []}
    org.proxy.serve_altered(org.container, name, igzip.compress(json.dumps(doc).encode()))
    out = tmp_path / "bundle"
    assert await export_run(org.config, org.period(), export_args(out)) == 7
    assert f"FAILED {cid}" in capsys.readouterr().err
    page = (out / "transcripts" / f"{cid}.html").read_text()
    assert "WARNING" in page and "MISMATCH" in (out / "index.html").read_text()


def test_transcript_escapes_everything_and_marks_redactions() -> None:
    hostile = '<script>alert(1)</script><img src=x onerror=alert(1)> "quoted" & more'
    record = {
        "conversationId": "c-1",
        "endTime": "2026-05-14T10:00:00Z",
        "participants": [
            {"id": "p1", "purpose": "customer"},
            {"id": "p2", "purpose": "agent", "userId": "u-7"},
            {"id": "p3", "purpose": "workflow"},
        ],
        "messages": [
            {
                "participantId": "p1",
                "timestamp": "2026-05-14T10:00:00Z",
                "text": f"card [REDACTED:CREDIT_CARD] {hostile}",
                "attachments": [
                    {"mediaType": "Image", "mime": "image/png", "contentSizeBytes": 12, "sha256": "ab"}
                ],
            },
            {"participantId": "p2", "timestamp": "2026-05-14T10:01:00Z", "text": "hi"},
            {
                "participantId": "p3",
                "originatingEntity": "Bot",
                "timestamp": "2026-05-14T10:02:00Z",
                "text": "bot",
            },
        ],
    }
    page = html.transcript(record, {"Archive": hostile}, ZoneInfo("Europe/Paris"), "Europe/Paris")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<mark class="redacted">[REDACTED:CREDIT_CARD]</mark>' in page
    assert "2026-05-14 10:00:00 UTC (2026-05-14 12:00:00 Europe/Paris)" in page
    assert "Agent u-7" in page and ">Bot<" in page and ">Customer<" in page
    assert "image/png" in page and "not archived" in page
    assert "@media print" in page
