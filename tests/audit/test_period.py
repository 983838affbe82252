"""Periods select by conversation end, half-open, and map to the day prefixes archives are named by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archiver.auditor.verify import Counts, Finding, Report, check_seal, seal
from archiver.sinks.audit_base import Period


def test_day_prefixes_are_half_open_and_utc() -> None:
    may1 = datetime(2026, 5, 1, tzinfo=UTC)
    assert list(Period(may1, may1 + timedelta(days=1)).day_prefixes()) == ["conversations/2026/05/01/"]
    assert list(Period(may1 - timedelta(seconds=1), may1 + timedelta(seconds=1)).day_prefixes()) == [
        "conversations/2026/04/30/",
        "conversations/2026/05/01/",
    ]
    paris = timezone(timedelta(hours=2))
    local_day = Period(datetime(2026, 5, 2, tzinfo=paris), datetime(2026, 5, 3, tzinfo=paris))
    assert list(local_day.day_prefixes()) == ["conversations/2026/05/01/", "conversations/2026/05/02/"]
    p = Period(may1, may1 + timedelta(hours=1))
    assert p.contains(may1) and not p.contains(may1 + timedelta(hours=1))
    with pytest.raises(ValueError):
        Period(may1, may1)


def test_seal_detects_any_change() -> None:
    report = Report(
        period={"from": "a", "to": "b"},
        generated_at="t",
        tool={"name": "archiver", "version": "1"},
        store={},
        source={"complete": True},
        require_locked=False,
        counts=Counts(expected=1),
        missing=[Finding("c-1")],
        digest_mismatch=[],
        attachment_problems=[],
        unprotected=[],
        duplicates=[],
        extra=[],
        ok=False,
    )
    data = seal(report)
    assert check_seal(data) and report.report_sha256 in data.decode()
    assert not check_seal(data.replace(b'"c-1"', b'"c-2"'))
