"""`archiver check`: preflight the configured Genesys org and Azure store before starting the worker.

One line per check — ✔ passed, ✘ failed (with the fix), ! works but degraded or unproven — then a summary.
Exit 0 only when nothing failed; otherwise the code of the first failure (3 config, 4 credentials, 5 Genesys
permission, 6 store, 1 other). Read-only by default: every permission is proven by a call that changes
nothing (archiver/preflight/*.py explain each probe). `--write-canary` writes one small blob without personal
data under `_archiver/canary/` to prove write and policy rights end to end. docs/operations.md "Preflight".
"""

from __future__ import annotations

import argparse
import sys

from archiver.assemble import sink_kind
from archiver.config import Config, load_config
from archiver.errors import EXIT_CONFIG, ConfigError
from archiver.genesys import GenesysSettings
from archiver.loop import run as run_loop
from archiver.preflight.report import Report, fail, ok, warn


def parser(prog: str = "archiver check") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")
    p.add_argument(
        "--write-canary",
        action="store_true",
        help="write one small blob (no personal data) under _archiver/canary/ with the shortest retention",
    )
    return p


async def run_checks(cfg: Config, report: Report, *, canary: bool) -> None:
    """Genesys, then the archive store, then the shared queue; each part reports its own failures."""
    from archiver.preflight.genesys import check_genesys

    try:
        settings = GenesysSettings.from_config(cfg.genesys)
    except ConfigError as exc:
        report.add(fail("Genesys settings", exc.problem, f"{exc.key}: {exc.fix}", EXIT_CONFIG))
    else:
        await check_genesys(cfg, settings, report)
    if sink_kind(cfg) == "azure":
        from archiver.preflight.azure import check_azure

        try:
            await check_azure(cfg.sink.azure, report, canary=canary)
        except ConfigError as exc:
            report.add(fail("Azure settings", exc.problem, f"{exc.key}: {exc.fix}", EXIT_CONFIG))
    else:
        report.add(
            warn(
                "archive store",
                f"local directory {cfg.sink.local.dir}: not WORM (development only)",
                "configure sink.azure for production",
            )
        )
    if cfg.queue.kind == "azure":
        from archiver.preflight.queue import check_queue

        await check_queue(cfg, report)


def main(argv: list[str]) -> int:
    """Run every check, print one line each and a summary; exit 0 only when none failed."""
    args = parser().parse_args(argv)
    report = Report(sys.stdout)
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        report.add(fail("config", exc.problem, f"{exc.key}: {exc.fix}", EXIT_CONFIG))
        print(report.summary())
        return EXIT_CONFIG
    if cfg.embedded:
        report.add(
            fail(
                "config",
                "nothing production-like is configured (this would run the simulator)",
                "set the Genesys and Azure settings (README, Configuration)",
                EXIT_CONFIG,
            )
        )
        print(report.summary())
        return EXIT_CONFIG
    report.add(ok("config", f"valid ({cfg.source_file or 'environment only'})"))
    run_loop(run_checks(cfg, report, canary=args.write_canary))
    print(report.summary())
    return report.exit_code()
