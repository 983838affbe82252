"""`archiver run`: the worker — listener, reconciler, processors and metrics in one process.

With nothing configured at all (no config file, no Genesys or Azure setting) it starts the built-in simulator
with live traffic and archives to the local directory (./archive/), and says so loudly; with anything
configured, missing Genesys credentials stop it with a config error (archiver/embedded.py). The worker
itself is built in `archiver.app`.
"""

from __future__ import annotations

import argparse

from archiver import logs
from archiver.app import serve
from archiver.config import load_config
from archiver.loop import run as run_loop


def parser(prog: str = "archiver run") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    return p


def main(argv: list[str]) -> int:
    """Run the worker until SIGTERM/SIGINT."""
    args = parser().parse_args(argv)
    config = load_config(args.config)
    logs.setup(config.logging.level, config.logging.format)
    return run_loop(serve(config))
