"""Alert rules (promtool), the Grafana dashboard, and the worker's registry they both read."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from archiver.sim import Simulator
from tests.deploy.promql import alert_exprs, dashboard_exprs, problems, refs, registry_schema
from tests.deploy.tools import REPO, tool
from tests.e2e.conftest import make_config
from tests.support import run_worker

RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = REPO / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "archiver.json"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("promtool"), *args], capture_output=True, text=True, timeout=120, check=False, cwd=RULES.parent
    )


def test_promtool_check_rules() -> None:
    res = promtool("check", "rules", RULES.name)
    assert res.returncode == 0, res.stdout + res.stderr


def test_promtool_test_rules() -> None:
    res = promtool("test", "rules", RULE_TESTS.name)
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stdout + res.stderr


def test_every_alert_has_a_unit_test_where_it_fires_and_one_where_it_does_not() -> None:
    text = RULE_TESTS.read_text()
    # Split the test file into (alertname, expected-alerts block) pairs.
    cases = re.findall(r"alertname: (\w+)\n\s+exp_alerts:( \[\]|\n\s+- exp_labels)", text)
    fires = {name for name, exp in cases if exp != " []"}
    quiet = {name for name, exp in cases if exp == " []"}
    alerts = set(alert_exprs(RULES))
    assert len(alerts) >= 10
    assert alerts - fires == set(), "alerts never tested firing"
    assert alerts - quiet == set(), "alerts never tested staying quiet"


def test_alert_rules_use_only_metrics_and_labels_the_worker_exposes() -> None:
    schema = registry_schema()
    found = {name: problems(expr, schema) for name, expr in alert_exprs(RULES).items()}
    assert {k: v for k, v in found.items() if v} == {}


def test_dashboard_uses_only_metrics_and_labels_the_worker_exposes() -> None:
    schema = registry_schema()
    found = [
        (title, p)
        for title, expr, legend in dashboard_exprs(DASHBOARD)
        for p in problems(expr, schema, legend)
    ]
    assert found == []


def test_dashboard_covers_what_operators_watch() -> None:
    used: set[str] = set()
    for _title, expr, _legend in dashboard_exprs(DASHBOARD):
        used |= refs(expr)[0]
    wanted = {
        "archiver_archived_total",  # archives/s
        "archiver_queue_depth",  # backlog by state
        "archiver_queue_oldest_age_seconds",  # and its age
        "archiver_end_to_archive_seconds_bucket",  # end → archive quantiles
        "archiver_genesys_requests_total",  # requests …
        "archiver_genesys_budget_per_minute",  # … vs budget
        "archiver_genesys_429_total",
        "archiver_reconcile_runs_total",  # sweeps
        "archiver_enqueued_total",  # and finds (source="reconcile")
        "archiver_socket_reconnects_total",
        "archiver_redactions_total",
        "archiver_dead_total",
        "archiver_leader",  # leader per VM
    }
    assert wanted - used == set()
    doc = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids)) and doc["uid"] == "archiver"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("rate(archiver_archived_total[5m])", []),
        ("archiver_archvied_total", ["unknown metric archiver_archvied_total"]),
        ('sum by (cause) (archiver_redactions_total{type="EMAIL"})', ["label cause not on"]),
        ("archiver_end_to_archive_seconds", ["unknown metric archiver_end_to_archive_seconds"]),
        ("sum by (le) (rate(archiver_end_to_archive_seconds_bucket[5m]))", []),
        ("sum by (le) (rate(archiver_end_to_archive_seconds_count[5m]))", ["label le not on"]),
        ("archiver_dead_total", []),
        ("archiver_dead_created", ["unknown metric archiver_dead_created"]),
    ],
)
def test_the_reference_check_can_fail(expr: str, expected: list[str]) -> None:
    found = problems(expr, registry_schema())
    assert len(found) == len(expected) and all(f.startswith(e) for f, e in zip(found, expected, strict=True))


async def test_a_running_worker_exposes_the_new_gauges_and_no_created_series(
    sim: Simulator, tmp_path: Path, cpu_pool: Any
) -> None:
    await sim.generate(5)
    config = make_config(sim, tmp_path)
    seen = await run_worker(config, cpu_pool, until=lambda c: c.get("done", 0) >= 5, timeout_s=90)
    assert seen["counts"]["done"] == 5
    text: str = seen["metrics"]
    assert "_created" not in text
    values = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert values["archiver_leader"] == 1.0  # a single-VM (SQLite) queue: this worker leads
    assert "archiver_listener_connected" in values
    assert values["archiver_sink_worm"] == 0.0  # a local directory is not WORM
    assert values["archiver_genesys_budget_per_minute"] == float(config.genesys.rate_limit_per_min)
    for state in ("pending", "leased", "retry"):
        assert values[f'archiver_queue_oldest_age_seconds{{state="{state}"}}'] >= 0.0
    # Everything the worker serves is in the schema the alert and dashboard checks read.
    schema = registry_schema()
    served = {re.split(r"[{ ]", key, maxsplit=1)[0] for key in values}
    assert served - set(schema) == set()
