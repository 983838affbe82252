"""The soak's verdict: compare what the store holds with the simulator's ground truth, and print one table.

Archives are read the way an auditor reads them — downloaded through the WORM proxy with the real SDK
(MD5-validated, digest checked against the metadata), decompressed, validated against the schema — by
`archiver.audit.audit`, which also searches each archive for every PII value planted in that conversation and
compares the write-back on the conversation with the archive's URI and sha256.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from archiver.audit import audit, list_azure_names
from archiver.config import AzureSinkConfig
from archiver.secret import Secret
from archiver.sim import ConversationTruth
from archiver.sinks import AzureSink, StoredArchive
from archiver.sinks.naming import conversation_id_of

ARCHIVABLE = ("webmessaging", "bot")  # bot-only conversations are web messaging found by the reconciler


class SoakReport(msgspec.Struct, kw_only=True):
    """Every figure of the table; `ok` is the exit status."""

    conversations: int
    decoys: int
    ended: int
    archived: int = 0
    archived_twice: list[str] = msgspec.field(default_factory=list)
    missing: list[str] = msgspec.field(default_factory=list)
    unexpected: list[str] = msgspec.field(default_factory=list)
    dead: list[str] = msgspec.field(default_factory=list)  # "cid: last error"
    invalid: list[str] = msgspec.field(default_factory=list)
    pii_leaks: list[str] = msgspec.field(default_factory=list)
    personal_data_leaks: list[str] = msgspec.field(default_factory=list)
    planted_pii_checked: int = 0
    writebacks_ok: int = 0
    writebacks_bad: list[str] = msgspec.field(default_factory=list)
    latency_p50_s: float = 0.0
    latency_p99_s: float = 0.0
    latency_max_s: float = 0.0
    queue_states: dict[str, int] = msgspec.field(default_factory=dict)
    peak_rss_mb: float = 0.0
    peak_rss_with_pool_mb: float = 0.0
    worker_starts: int = 0
    worker_kills: int = 0
    final_exit: int | None = None
    faults: dict[str, int] = msgspec.field(default_factory=dict)
    fault_errors: list[str] = msgspec.field(default_factory=list)
    client_429s: float = 0.0
    client_retries: float = 0.0
    socket_reconnects: float = 0.0
    wall_s: float = 0.0
    drain_s: float = 0.0
    throughput_per_s: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not (
                self.missing
                or self.archived_twice
                or self.unexpected
                or self.dead
                or self.invalid
                or self.pii_leaks
                or self.personal_data_leaks
                or self.writebacks_bad
                or self.fault_errors
            )
            and self.archived == self.conversations
            and self.final_exit == 0
        )


class _ByName:
    """`sink.get` by the listed name's date: no tag lookup per archive (Azurite's tag index is slow)."""

    def __init__(self, sink: AzureSink, names: list[str]) -> None:
        self._sink = sink
        self._names: dict[str, str] = {}
        for name in names:
            cid = conversation_id_of(name)
            if cid is not None:
                self._names.setdefault(cid, name)

    async def get(self, conversation_id: str, end_time: Any = None) -> StoredArchive:
        name = self._names[conversation_id]
        y, m, d = (int(x) for x in name.split("/")[1:4])
        return await self._sink.get(conversation_id, datetime(y, m, d, tzinfo=UTC))


def dead_letters(db: Path) -> tuple[dict[str, int], list[str]]:
    """Queue states and the dead-lettered ids with their last error (read-only)."""
    if not db.exists():
        return {}, []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        states = dict(conn.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall())
        dead = [
            f"{cid}: {err}"
            for cid, err in conn.execute("SELECT conversation_id, last_error FROM items WHERE state='dead'")
        ]
    finally:
        conn.close()
    return {str(k): int(v) for k, v in states.items()}, dead


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (0 for no values)."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]


def _parse_time(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def audit_soak(
    *,
    truths: list[ConversationTruth],
    attributes: Any,
    connection_string: str,
    container: str,
    created: Mapping[str, list[float]],
    queue_db: Path,
) -> SoakReport:
    """Everything except the run's own figures (RSS, faults, timings), which the driver fills in."""
    expected = [t for t in truths if t.kind in ARCHIVABLE]
    decoys = [t for t in truths if t.kind not in ARCHIVABLE]
    report = SoakReport(
        conversations=len(expected), decoys=len(decoys), ended=sum(1 for t in expected if t.ended)
    )
    names = await list_azure_names(connection_string, container)
    creations: Counter[str] = Counter()
    first_created: dict[str, float] = {}
    for name, times in created.items():
        cid = conversation_id_of(name)
        if cid is None:
            continue
        creations[cid] += len(times)
        first_created[cid] = min([first_created.get(cid, float("inf")), *times])
    per_id = Counter(c for c in (conversation_id_of(n) for n in names) if c is not None)
    report.archived_twice = sorted(
        {c for c, n in creations.items() if n > 1} | {c for c, n in per_id.items() if n > 1}
    )

    sink = AzureSink(
        AzureSinkConfig(container=container, connection_string=Secret(connection_string), compliance=True)
    )
    await sink.start()
    try:
        found = await audit(
            _ByName(sink, names),
            names,
            expected,
            excluded_truths=decoys,
            attributes=attributes,
        )
    finally:
        await sink.close()
    report.archived = found.archived
    report.missing = found.missing
    report.unexpected = found.unexpected
    report.invalid = found.invalid
    report.pii_leaks = found.pii_leaks
    report.personal_data_leaks = found.personal_data_leaks
    report.planted_pii_checked = found.planted_pii_checked
    report.writebacks_ok = found.writebacks_ok
    report.writebacks_bad = found.writebacks_missing
    report.queue_states, report.dead = dead_letters(queue_db)

    latencies = [
        first_created[t.id] - _parse_time(t.end_time)
        for t in expected
        if t.end_time is not None and t.id in first_created
    ]
    report.latency_p50_s = quantile(latencies, 0.50)
    report.latency_p99_s = quantile(latencies, 0.99)
    report.latency_max_s = max(latencies, default=0.0)
    return report


def _first(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (" …" if len(items) > n else "")


def table(r: SoakReport, *, title: str, rss_limit_mb: float | None = None) -> str:
    """The one table the soak prints (figure, value, target, verdict)."""
    rss_target = f"< {rss_limit_mb:.0f} MB" if rss_limit_mb else ""
    rss_ok = (r.peak_rss_mb < rss_limit_mb) if rss_limit_mb else None
    wb_ok = not r.writebacks_bad and r.writebacks_ok == r.conversations
    n = f"{r.conversations}"
    states = ", ".join(f"{k}={v}" for k, v in sorted(r.queue_states.items()))
    rows: list[tuple[str, str, str, bool | None]] = [
        ("conversations generated (web messaging + bot-only)", f"{r.conversations}", "", None),
        ("decoys generated (open, sms: never archived)", f"{r.decoys}", "", None),
        ("conversations ended", f"{r.ended}", f"{r.conversations}", r.ended == r.conversations),
        ("archived (valid archive, digest checked)", f"{r.archived}", n, r.archived == r.conversations),
        ("archived twice", f"{len(r.archived_twice)}", "0", not r.archived_twice),
        ("missing", f"{len(r.missing)}", "0", not r.missing),
        ("dead-lettered", f"{len(r.dead)}", "0", not r.dead),
        ("decoys archived", f"{len(r.unexpected)}", "0", not r.unexpected),
        ("invalid archives (digest, gzip, schema)", f"{len(r.invalid)}", "0", not r.invalid),
        ("archives containing planted PII", f"{len(r.pii_leaks)}", "0", not r.pii_leaks),
        ("planted PII values checked", f"{r.planted_pii_checked}", "", None),
        (
            "archives with customer name/address",
            f"{len(r.personal_data_leaks)}",
            "0",
            not r.personal_data_leaks,
        ),
        ("write-backs present and matching", f"{r.writebacks_ok}", n, wb_ok),
        ("write-backs missing or wrong", f"{len(r.writebacks_bad)}", "0", not r.writebacks_bad),
        ("latency end → archive p50", f"{r.latency_p50_s:.2f} s", "", None),
        ("latency end → archive p99 (max)", f"{r.latency_p99_s:.2f} s ({r.latency_max_s:.1f} s)", "", None),
        ("peak RSS worker (VmHWM)", f"{r.peak_rss_mb:.0f} MB", rss_target, rss_ok),
        ("peak RSS worker + pool", f"{r.peak_rss_with_pool_mb:.0f} MB", "", None),
        ("worker starts / SIGKILLs", f"{r.worker_starts} / {r.worker_kills}", "", None),
        ("final graceful shutdown exit status", f"{r.final_exit}", "0", r.final_exit == 0),
        ("client 429s / retries (last scrapes)", f"{r.client_429s:.0f} / {r.client_retries:.0f}", "", None),
        ("socket reconnects (last scrapes)", f"{r.socket_reconnects:.0f}", "", None),
        ("faults applied", ", ".join(f"{k}×{v}" for k, v in sorted(r.faults.items())) or "none", "", None),
        ("fault errors", f"{len(r.fault_errors)}", "0", not r.fault_errors),
        ("wall time / drain after traffic", f"{r.wall_s:.0f} s / {r.drain_s:.0f} s", "", None),
        ("throughput", f"{r.throughput_per_s:.1f} conversations/s", "", None),
        ("queue states at the end", states, "", None),
    ]
    w0 = max(len(a) for a, *_ in rows)
    w1 = max(len(b) for _, b, *_ in rows if len(b) <= 24)  # longer values (fault list) just run on
    lines = [title, "=" * len(title)]
    for name, value, target, good in rows:
        mark = "" if good is None else ("ok" if good else "FAIL")
        tgt = f"(target {target})" if target else ""
        lines.append(f"{name:<{w0}}  {value:>{w1}}  {tgt:<22} {mark}".rstrip())
    lines.append(f"RESULT: {'PASS' if r.ok else 'FAIL'}")
    for label, items in (
        ("missing", r.missing),
        ("archived twice", r.archived_twice),
        ("dead", r.dead),
        ("invalid", r.invalid),
        ("PII leaks", r.pii_leaks),
        ("write-backs bad", r.writebacks_bad),
        ("fault errors", r.fault_errors),
    ):
        if items:
            lines.append(f"  {label}: {_first(items)}")
    return "\n".join(lines)
