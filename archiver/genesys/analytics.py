"""Analytics query helpers: interval strings and the web-messaging filters (docs/genesys.md#analytics)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any


def format_interval(start: datetime, end: datetime) -> str:
    """ISO-8601 `start/end` in UTC with milliseconds, as the analytics API expects."""

    def iso(d: datetime) -> str:
        d = d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"

    return f"{iso(start)}/{iso(end)}"


def webmessaging_filters(ended_only: bool = True) -> dict[str, Any]:
    """conversationEnd exists + mediaType=message + messageType=webmessaging (docs/genesys.md#analytics)."""
    filters: dict[str, Any] = {
        "segmentFilters": [
            {
                "type": "and",
                "predicates": [
                    {
                        "type": "dimension",
                        "dimension": "mediaType",
                        "operator": "matches",
                        "value": "message",
                    },
                    {
                        "type": "dimension",
                        "dimension": "messageType",
                        "operator": "matches",
                        "value": "webmessaging",
                    },
                ],
            }
        ]
    }
    if ended_only:
        filters["conversationFilters"] = [
            {
                "type": "and",
                "predicates": [{"type": "dimension", "dimension": "conversationEnd", "operator": "exists"}],
            }
        ]
    return filters


def as_utc(d: datetime) -> datetime:
    """Naive datetimes from a server are UTC."""
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def descending(values: list[datetime]) -> bool:
    """True when the values never increase."""
    return all(as_utc(a) >= as_utc(b) for a, b in itertools.pairwise(values))
