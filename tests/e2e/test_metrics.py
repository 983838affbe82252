"""The metrics server: Prometheus text on /metrics, /healthz, pulled sources, no shared global registry."""

from __future__ import annotations

import aiohttp

from archiver.metrics import Metrics, MetricsServer


async def test_metrics_and_healthz_served_on_loopback() -> None:
    metrics = Metrics()
    metrics.archived.inc(3)
    metrics.retries.labels("writeback").inc()
    metrics.record_redactions({"EMAIL": 2, "CREDIT_CARD": 0})
    metrics.stage_seconds.labels("upload").observe(0.02)
    metrics.add_source(lambda: {"genesys_429": {"": 4}, "genesys_retries": {"timeout": 2}})
    metrics.add_source(lambda: {"genesys_429": {"": 1}, "socket_reconnects": {"": 2}})

    def broken() -> dict[str, dict[str, float]]:
        raise RuntimeError("source down")

    metrics.add_source(broken)
    healthy = [True]
    refreshed: list[int] = []

    async def refresh() -> None:
        refreshed.append(1)
        metrics.queue_depth = {"pending": 7.0, "done": 3.0}

    server = MetricsServer(
        metrics, port=0, refresh=refresh, health=lambda: (healthy[0], "ok" if healthy[0] else "stopping")
    )
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/metrics") as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/plain")
                text = await r.text()
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200
            healthy[0] = False
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 503
                assert (await r.json())["detail"] == "stopping"
    finally:
        await server.close()
    assert refreshed
    for line in (
        "archiver_archived_total 3.0",
        'archiver_retries_total{cause="writeback"} 1.0',
        'archiver_redactions_total{type="EMAIL"} 2.0',
        "archiver_genesys_429_total 5.0",
        'archiver_genesys_retries_total{cause="timeout"} 2.0',
        "archiver_socket_reconnects_total 2.0",
        'archiver_queue_depth{state="pending"} 7.0',
        'archiver_stage_seconds_count{stage="upload"} 1.0',
    ):
        assert line in text, line
    assert 'type="CREDIT_CARD"' not in text
    # Two registries never collide (tests, several workers in one process).
    assert b"archiver_archived_total 0.0" in Metrics().render()


async def test_busy_metrics_port_stops_worker_with_config_error(tmp_path: object) -> None:
    import socket

    import pytest

    from archiver.errors import ConfigError
    from archiver.queue import SqliteQueue
    from archiver.worker import Worker

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        queue = SqliteQueue(f"{tmp_path}/q.sqlite3")
        server = MetricsServer(Metrics(), port=port)
        worker = Worker(
            queue=queue, pipeline=None, metrics=Metrics(), processors=1, lease_s=5, metrics_server=server
        )  # type: ignore[arg-type]
        with pytest.raises(ConfigError) as info:
            await worker.run()
        await queue.close()
    assert info.value.key == "metrics.port" and "metrics.enabled" in str(info.value)
