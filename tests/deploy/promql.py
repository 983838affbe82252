"""What PromQL in the alert rules and the dashboard refers to, and what the worker's registry exposes.

Not a PromQL parser: enough to pull out metric names (`archiver_*`, `up`), label names in selectors,
`by/without/on/ignoring (…)` lists and legend templates, from the expressions this repository writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from archiver.metrics import Metrics

# Labels Prometheus adds to every scraped series, and the histogram bucket bound.
TARGET_LABELS = frozenset({"job", "instance"})


def registry_schema() -> dict[str, frozenset[str]]:
    """Every series name the worker exposes → its label names (histogram suffixes map to the histogram)."""
    m = Metrics()
    labels: dict[str, set[str]] = {}
    for value in vars(m).values():
        if isinstance(value, MetricWrapperBase):
            labels.setdefault(value._name, set()).update(value._labelnames)
    out: dict[str, frozenset[str]] = {}
    for family in m.registry.collect():
        names = set(labels.get(family.name, ())) | set(getattr(family, "_labelnames", ()))
        for sample in family.samples:
            names.update(k for k in sample.labels if k != "le")
        if family.type == "counter":
            out[f"{family.name}_total"] = frozenset(names)
        elif family.type == "histogram":
            out[f"{family.name}_bucket"] = frozenset(names | {"le"})
            out[f"{family.name}_sum"] = out[f"{family.name}_count"] = frozenset(names)
        else:
            out[family.name] = frozenset(names)
    return out


def refs(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression uses."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # label values and strings say nothing about names
    text = re.sub(r"\[[^\]]*\]", "", text)  # range and subquery durations
    metrics = set(re.findall(r"\b(archiver_[A-Za-z0-9_]+|up)\b", text))
    labels: set[str] = set()
    for selector in re.findall(r"\{([^}]*)\}", text):
        labels.update(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", selector))
    for group in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", text):
        labels.update(x.strip() for x in group.split(",") if x.strip())
    m = re.match(r"label_values\(\s*([A-Za-z_:]\w*)\s*,\s*(\w+)\s*\)", expr.strip())
    if m:
        metrics.add(m.group(1))
        labels.add(m.group(2))
    return metrics, labels


def problems(expr: str, schema: dict[str, frozenset[str]], legend: str = "") -> list[str]:
    """Metric and label names in `expr` (and its legend) that the registry does not have."""
    metrics, labels = refs(expr)
    labels |= set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend))
    out = [f"unknown metric {name}" for name in sorted(metrics) if name != "up" and name not in schema]
    known = set(TARGET_LABELS)
    for name in metrics:
        known |= schema.get(name, frozenset())
    out += [f"label {label} not on {sorted(metrics)}" for label in sorted(labels - known)]
    return out


def alert_exprs(path: Path) -> dict[str, str]:
    """Alert name → expression, from a rules file written as deploy/prometheus/alerts.yml is."""
    out: dict[str, str] = {}
    name, lines, in_expr = "", [], False
    for line in path.read_text().splitlines():
        m = re.match(r"\s*- alert: (\w+)", line)
        if m:
            name, in_expr = m.group(1), False
            continue
        m = re.match(r"\s*expr:\s*(.*)$", line)
        if m:
            in_expr = True
            lines = [] if m.group(1).strip() == "|" else [m.group(1)]
            out[name] = " ".join(lines)
            continue
        if in_expr and re.match(r"\s+(for|labels|annotations):", line):
            in_expr = False
        if in_expr:
            lines.append(line.strip())
            out[name] = " ".join(lines)
    return out


def dashboard_exprs(path: Path) -> list[tuple[str, str, str]]:
    """(panel title, expression, legend) of every target and templating query in a Grafana dashboard."""
    doc = json.loads(path.read_text())
    out: list[tuple[str, str, str]] = []
    for panel in doc["panels"]:
        for target in panel.get("targets", []):
            out.append((panel["title"], target["expr"], target.get("legendFormat", "")))
    for var in doc.get("templating", {}).get("list", []):
        query = var.get("query")
        if isinstance(query, dict):
            out.append((f"variable {var['name']}", query["query"], ""))
    return out
