"""Archive names: deterministic, dated by conversation end in UTC, and safe as a path component."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archiver.errors import SinkPermanentError
from archiver.sinks import blob_name
from archiver.sinks.naming import conversation_id_of, validate_conversation_id

CID = "5f0f4c1e-2b7a-4c55-9a43-0d7b2a6d9e11"


def test_layout_and_padding() -> None:
    assert blob_name(CID, datetime(2026, 1, 5, 3, 4, tzinfo=UTC)) == f"conversations/2026/01/05/{CID}.json.gz"


def test_date_is_utc_day_of_the_end_not_local_day() -> None:
    # 2026-03-01 01:30 at UTC+05:00 is still 2026-02-28 in UTC; 23:30 at UTC-08:00 is the next UTC day.
    east = datetime(2026, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=5)))
    west = datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-8)))
    assert blob_name(CID, east).startswith("conversations/2026/02/28/")
    assert blob_name(CID, west).startswith("conversations/2027/01/01/")


def test_naive_end_time_is_refused() -> None:
    with pytest.raises(SinkPermanentError, match="timezone"):
        blob_name(CID, datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../etc",
        "a/b",
        "a\\b",
        ".hidden",
        "..",
        "a..b",
        "x\x00y",
        "ü-id",
        "a b",
        "id?x",
        "id#x",
        "%2e%2e",
        "x" * 129,
    ],
)
def test_unsafe_ids_are_refused(bad: str) -> None:
    with pytest.raises(SinkPermanentError, match="invalid conversation id"):
        blob_name(bad, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("good", [CID, "abc", "A_b-c.d", "0" * 128])
def test_safe_ids_round_trip(good: str) -> None:
    assert validate_conversation_id(good) == good
    assert conversation_id_of(blob_name(good, datetime(2026, 1, 1, tzinfo=UTC))) == good


def test_conversation_id_of_rejects_foreign_names() -> None:
    assert conversation_id_of("other/2026/01/01/x.json.gz") is None
    assert conversation_id_of("conversations/2026/01/01/x.json") is None
    assert conversation_id_of("conversations/2026/01/x.json.gz") is None
