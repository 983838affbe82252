"""ArchiveMeta <-> Azure blob metadata and index tags, and retention from blob properties.

Everything is written at upload time because a version under an immutability policy refuses later metadata
writes (docs/azure.md#metadata). Metadata: lowercase C#-identifier keys, ASCII header-safe values, ≤8 KB in
total (Azurite does not enforce the limit; Azure does). Tags: ≤10, values ≤256 chars of `a-zA-Z0-9 +-.:=_/`;
they power `find_blobs_by_tags` lookups by conversation id, end date, queue and division (`archiver find`).
"""

from __future__ import annotations

import json
import logging
import re
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from archiver.errors import IntegrityError
from archiver.sinks.base import ArchiveMeta, Retention
from archiver.sinks.naming import as_utc

log = logging.getLogger(__name__)

METADATA_LIMIT = 8 * 1024
TAG_CONVERSATION = "conversationId"
TAG_END_DATE = "endDate"
TAG_QUEUE = "queueId"
TAG_DIVISION = "divisionId"
# Printable ASCII except '%' (our escape) and characters a header value cannot start/end with.
_SAFE = "".join(c for c in string.punctuation if c != "%") + " "
_TAG_BAD = re.compile(r"[^a-zA-Z0-9 +\-.:=_/]")


def _q(value: str) -> str:
    return quote(value, safe=_SAFE).strip() or "-"


def to_metadata(meta: ArchiveMeta) -> dict[str, str]:
    """Blob metadata for an archive (what `get` and digest comparison read back)."""
    doc = {
        "sha256": meta.sha256,
        "schema": _q(meta.schema),
        "conversationid": meta.conversation_id,
        "endtime": as_utc(meta.end_time).isoformat().replace("+00:00", "Z"),
        "redactorversion": _q(meta.redactor_version),
        "archiverversion": _q(meta.archiver_version),
        "messagecount": str(meta.message_count),
        "redactioncounts": _q(json.dumps(meta.redaction_counts, sort_keys=True, separators=(",", ":"))),
    }
    if sum(len(k) + len(v) for k, v in doc.items()) > METADATA_LIMIT:
        # Only a pathological redaction-type set can get here; the counts also live inside the record.
        log.warning("sink metadata too large, dropping redactioncounts conversation=%s", meta.conversation_id)
        doc["redactioncounts"] = "{}"
    doc.update(_routing(meta, "queueid", "divisionid"))
    return doc


def to_tags(meta: ArchiveMeta) -> dict[str, str]:
    """Blob index tags (≤10): lookup by conversation id / end date without listing."""
    # Never personal data here: tags sit in a separately indexed, account-searchable store that anyone with
    # tags/write can change (they are not WORM evidence), so only ids, dates, digests and versions go in.
    # Setting them at upload needs only blobs/write, which Storage Blob Data Contributor has.
    return {
        TAG_CONVERSATION: meta.conversation_id,
        TAG_END_DATE: f"{as_utc(meta.end_time):%Y-%m-%d}",
        "schema": _tag(meta.schema),
        "sha256": meta.sha256,
        "archiverVersion": _tag(meta.archiver_version),
        "redactorVersion": _tag(meta.redactor_version),
        **_routing(meta, TAG_QUEUE, TAG_DIVISION),
    }


def _routing(meta: ArchiveMeta, queue_key: str, division_key: str) -> dict[str, str]:
    """Queue and division ids (when known) under the given keys, tag-safe; ids are never personal data."""
    out = {queue_key: meta.queue_id, division_key: meta.division_id}
    return {k: _tag(v) for k, v in out.items() if v}


def _tag(value: str) -> str:
    return _TAG_BAD.sub("_", value)[:256]


def from_metadata(name: str, metadata: Mapping[str, str]) -> ArchiveMeta:
    """Rebuild ArchiveMeta from blob metadata; IntegrityError when it is not one of our archives."""
    md = {k.lower(): v for k, v in metadata.items()}
    try:
        counts: Any = json.loads(unquote(md.get("redactioncounts", "{}")))
        return ArchiveMeta(
            conversation_id=md["conversationid"],
            end_time=datetime.fromisoformat(md["endtime"]).astimezone(UTC),
            sha256=md["sha256"],
            schema=unquote(md["schema"]),
            redactor_version=unquote(md.get("redactorversion", "")),
            archiver_version=unquote(md.get("archiverversion", "")),
            message_count=int(md.get("messagecount", "0")),
            redaction_counts={str(k): int(v) for k, v in dict(counts).items()},
            queue_id=md.get("queueid") or None,
            division_id=md.get("divisionid") or None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        problem = f"cannot read archive {name}: metadata incomplete or malformed ({exc!r})"
        raise IntegrityError(problem) from exc


def retention_from(props: Any, *, container_worm: bool) -> Retention:
    """Retention from `BlobProperties` (the service returns the mode in lowercase; normalise it)."""
    policy = getattr(props, "immutability_policy", None)
    until = getattr(policy, "expiry_time", None)
    raw_mode = getattr(policy, "policy_mode", None)
    mode = str(getattr(raw_mode, "value", raw_mode) or "").capitalize() or None
    if mode not in {"Unlocked", "Locked"}:
        mode = None  # "Mutable" or absent: no policy on this version
    hold = bool(getattr(props, "has_legal_hold", False))
    if isinstance(until, datetime) and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return Retention(
        until=until if mode else None,
        mode=mode,
        legal_hold=hold,
        enforced=container_worm and (mode is not None or hold),
    )
