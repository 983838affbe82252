"""`archiver check` against the simulator: every permission the configuration needs, each one denied in turn
(the simulator answers Genesys's real 403 `missing.permissions` ErrorBody)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from archiver.commands.check import run_checks
from archiver.config import Config, load_config
from archiver.errors import EXIT_AUTH, EXIT_PERMISSION
from archiver.preflight.report import Report
from archiver.sim import SimConfig, Simulator


@pytest.fixture
async def sim() -> Any:
    s = Simulator(SimConfig(seed=11))
    await s.start(host="127.0.0.1", port=0)
    yield s
    await s.stop()


def config_for(sim: Simulator, tmp_path: Any, **env: str) -> Config:
    base = {
        "GENESYS_CLIENT_ID": sim.config.client_id,
        "GENESYS_CLIENT_SECRET": sim.config.client_secret,
        "ARCHIVER_GENESYS__BASE_URL": sim.base_url,
        "ARCHIVER_SINK__LOCAL__DIR": str(tmp_path),
        "ARCHIVER_SINK__KIND": "local",
    }
    return load_config(env={**base, **env})


async def check(cfg: Config) -> tuple[Report, dict[str, str]]:
    report = Report(io.StringIO())
    await run_checks(cfg, report, canary=False)
    return report, {r.name: r.status for r in report.results}


async def test_everything_granted_passes(sim: Simulator, tmp_path: Any) -> None:
    report, status = await check(config_for(sim, tmp_path))
    assert report.exit_code() == 0, report.out.getvalue()  # type: ignore[attr-defined]
    for name in (
        "token",
        "queue list",
        "analytics details query",
        "notification channel",
        "transcript read",
        "write-back (analytics-properties)",  # the default mode, then its fallback chain
        "write-back fallback (participant-attributes)",
        "write-back fallback (external-tag)",
    ):
        assert status[name] == "ok", report.out.getvalue()  # type: ignore[attr-defined]
    assert not sim.store.by_id  # the probes address conversations that do not exist: nothing created
    assert not [c for c in sim.notifications.channels.values() if c.topics]  # subscriptions removed


DENIALS = [
    ("routing:queue:view", "/api/v2/routing/queues", "queue list", {}),
    ("analytics:conversationDetail:view", "/api/v2/analytics/", "analytics details query", {}),
    ("conversation:webmessaging:view", "/api/v2/conversations/messages/", "transcript read", {}),
    ("notification:channel:create", "/api/v2/notifications/", "notification channel", {}),
    (
        "analytics:conversationProperties:index",
        "/api/v2/analytics/conversations/*/details/properties",
        "write-back (analytics-properties)",
        {},
    ),
    (
        "conversation:externalTag:edit",
        "/api/v2/conversations/*/tags",
        "write-back (external-tag)",
        {"ARCHIVER_WRITEBACK__MODE": "external-tag"},
    ),
    (
        "recording:recording:view",
        "/api/v2/conversations/*/recordings",
        "recordings fallback",
        {"ARCHIVER_GENESYS__RECORDINGS_FALLBACK": "true"},
    ),
]


@pytest.mark.parametrize(("permission", "prefix", "name", "env"), DENIALS, ids=[d[2] for d in DENIALS])
async def test_each_denied_permission_fails_naming_it(
    sim: Simulator, tmp_path: Any, permission: str, prefix: str, name: str, env: dict[str, str]
) -> None:
    sim.faults.deny_permission(permission, prefix)
    report, status = await check(config_for(sim, tmp_path, **env))
    out = report.out.getvalue()  # type: ignore[attr-defined]
    assert status[name] == "fail", out
    assert report.exit_code() == EXIT_PERMISSION
    line = next(r for r in report.results if r.name == name)
    assert permission in line.detail and "OAuth client's role" in line.fix
    assert f"✘ {name}: " in out and "fix: add" in out


async def test_denied_queue_listing_only_warns_when_queue_ids_are_configured(
    sim: Simulator, tmp_path: Any
) -> None:
    queue_id = sim.org.queues[0][0]
    sim.faults.deny_permission("routing:queue:view", "/api/v2/routing/queues")
    report, status = await check(config_for(sim, tmp_path, GENESYS_QUEUE_IDS=queue_id))
    assert status["queue list"] == "warn" and report.exit_code() == 0
    assert status["notification channel"] == "ok"  # subscribed to the configured queue's topic


async def test_missing_external_tag_permission_warns_for_the_attribute_fallback(
    sim: Simulator, tmp_path: Any
) -> None:
    sim.faults.deny_permission("conversation:externalTag:edit", "/api/v2/conversations/*/tags")
    report, status = await check(config_for(sim, tmp_path, ARCHIVER_WRITEBACK__MODE="participant-attributes"))
    assert status["write-back (participant-attributes)"] == "ok"
    assert status["write-back fallback (external-tag)"] == "warn" and report.exit_code() == 0


async def test_rejected_credentials_exit_with_the_auth_code(sim: Simulator, tmp_path: Any) -> None:
    report, status = await check(config_for(sim, tmp_path, GENESYS_CLIENT_SECRET="wrong-secret-value"))
    assert status["token"] == "fail" and report.exit_code() == EXIT_AUTH
    assert "wrong-secret-value" not in report.out.getvalue()  # type: ignore[attr-defined]


async def test_unreachable_host_fails_before_any_call(tmp_path: Any) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = load_config(
        env={
            "GENESYS_CLIENT_ID": "x",
            "GENESYS_CLIENT_SECRET": "y",
            "ARCHIVER_GENESYS__BASE_URL": f"http://127.0.0.1:{port}",
            "ARCHIVER_SINK__KIND": "local",
            "ARCHIVER_SINK__LOCAL__DIR": str(tmp_path),
        }
    )
    _, status = await check(cfg)
    assert status[f"Genesys host 127.0.0.1:{port}"] == "fail" and "token" not in status


async def test_a_configured_queue_the_org_lacks_fails(sim: Simulator, tmp_path: Any) -> None:
    report, status = await check(config_for(sim, tmp_path, GENESYS_QUEUE_IDS="no-such-queue"))
    assert status["queue list"] == "fail" and report.exit_code() != 0
    assert "no-such-queue" in next(r.detail for r in report.results if r.name == "queue list")
