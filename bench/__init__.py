"""Benchmarks: runnable modules (`python -m bench.x`) with seeded data, best-of-N timing and `vs.` tables."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version


def best_of(n: int, fn: Callable[[], object]) -> float:
    """The fastest of `n` wall-clock runs of `fn`, in seconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform's guess elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment(packages: Sequence[str]) -> list[str]:
    """Lines describing where the numbers came from: Python, CPU, core count, package versions."""
    versions = []
    for name in packages:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return [
        f"python {platform.python_version()} ({platform.python_implementation()}) on {platform.system()}",
        f"cpu {cpu_model()}, {os.cpu_count()} logical cores, load average {load} (other load skews timings)",
        ", ".join(versions),
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table; the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for k, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(parts))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def print_measures(
    title: str,
    rows: Sequence[tuple[str, str, str]],
    failures: Sequence[str],
    packages: Sequence[str],
    notes: Sequence[str] = (),
) -> int:
    """A whole-system benchmark's report on stdout: title, where it ran (`environment`, then `notes`), one
    (measure, value, note) row each, and a `FAIL:` line per missed target. The exit status: 1 on a miss."""
    print(title)
    for line in [*environment(packages), *notes]:
        print(line)
    width = max((len(r[0]) for r in rows), default=len("measure")) + 2
    value_width = max((len(r[1]) for r in rows), default=len("value")) + 2
    print(f"{'measure':<{width}}{'value':<{value_width}}note")
    for name, value, note in rows:
        print(f"{name:<{width}}{value:<{value_width}}{note}".rstrip())
    for f in failures:
        print(f"FAIL: {f}")
    return 1 if failures else 0
