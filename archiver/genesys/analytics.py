"""Analytics query helpers: interval strings, the web-messaging filters, and a sweep's page record."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Web messaging threads stay open for days and rarely past 30: a query for conversations that ENDED in a
# window must reach this far back, because its interval selects by START (docs/genesys.md, "Long-lived
# conversations and the reconciler window").
DEFAULT_MAX_AGE_DAYS = 31.0


@dataclass
class PageWalk:
    """What one walk over the details query's pages did: the cost, and whether it saw its whole window."""

    pages: int = 0
    complete: bool = False  # reached below the window's start (or the last page): nothing was skipped
    capped: bool = False  # stopped at the page cap: conversations that ended before `oldest_end` unseen
    oldest_end: datetime | None = None  # the lowest conversationEnd on the pages read


def format_interval(start: datetime, end: datetime) -> str:
    """ISO-8601 `start/end` in UTC with milliseconds, as the analytics API expects."""

    def iso(d: datetime) -> str:
        d = d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"

    return f"{iso(start)}/{iso(end)}"


def webmessaging_filters(ended_only: bool = True) -> dict[str, Any]:
    """conversationEnd exists + mediaType=message + messageType=webmessaging."""
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
