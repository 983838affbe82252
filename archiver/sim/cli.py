"""`archiver sim`: serve the Genesys Cloud simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from archiver import logs
from archiver.loop import run
from archiver.sim.app import Simulator
from archiver.sim.config import SimConfig


def _parser() -> argparse.ArgumentParser:
    d = SimConfig()
    p = argparse.ArgumentParser(
        prog="archiver sim", description="Serve a simulated Genesys Cloud org on loopback."
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 = any free port (default 8765)")
    p.add_argument("--seed", type=int, default=d.seed)
    # The defaults stay out of --help (help pages get pasted into tickets and wikis); they are printed when
    # the simulator starts, next to the URL they belong to.
    p.add_argument(
        "--client-id",
        default=d.client_id,
        help="OAuth client the simulator accepts (default: its demo client)",
    )
    p.add_argument(
        "--client-secret",
        default=d.client_secret,
        help="that client's secret (default: the demo client's, printed at start)",
    )
    p.add_argument("--rate", type=float, default=6.0, help="background conversations per minute (0 = none)")
    p.add_argument("--backlog", type=int, default=0, help="ended conversations to create at start")
    p.add_argument("--queues", type=int, default=d.queues)
    p.add_argument("--rate-limit", type=int, default=d.rate_limit_per_min, help="requests/min per token")
    p.add_argument("--token-ttl", type=int, default=d.token_ttl_s, help="token lifetime in seconds")
    p.add_argument("--heartbeat", type=float, default=d.heartbeat_s, help="WebSocket heartbeat interval (s)")
    p.add_argument("--analytics-lag", type=float, default=d.analytics_lag_s)
    p.add_argument(
        "--no-writeback-after-end",
        action="store_true",
        help="refuse participant-attribute PATCHes once the conversation ended",
    )
    p.add_argument("--no-ratelimit-headers", action="store_true")
    p.add_argument("--log-level", default="INFO")
    return p


def main(argv: list[str]) -> int:
    """Parse options, start the simulator, print where it listens, serve until interrupted."""
    a = _parser().parse_args(argv)
    logs.setup(a.log_level)
    cfg = SimConfig(
        seed=a.seed,
        client_id=a.client_id,
        client_secret=a.client_secret,
        conversations_per_min=a.rate,
        queues=a.queues,
        rate_limit_per_min=a.rate_limit,
        token_ttl_s=a.token_ttl,
        heartbeat_s=a.heartbeat,
        analytics_lag_s=a.analytics_lag,
        writeback_after_end=not a.no_writeback_after_end,
        ratelimit_headers=not a.no_ratelimit_headers,
    )
    return run(_serve(cfg, a.host, a.port, a.backlog))


async def _serve(cfg: SimConfig, host: str, port: int, backlog: int) -> int:
    sim = Simulator(cfg)
    await sim.start(host=host, port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if backlog:
        await sim.generate(backlog, end=True)
    # The credentials are the simulator's own demo values, not a real org's secrets: printing them helps.
    print(f"Genesys Cloud simulator listening on {sim.base_url}", flush=True)
    print(f"  client id:     {cfg.client_id}", flush=True)
    print(f"  client secret: {cfg.client_secret}", flush=True)
    print(
        f"  queues:        {len(sim.queue_ids)}; traffic {cfg.conversations_per_min:g}/min;"
        f" admin {sim.base_url}/_sim/info",
        flush=True,
    )
    print("Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()
    return 0
