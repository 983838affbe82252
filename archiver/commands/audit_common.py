"""Shared plumbing of the auditor commands (find, verify, export, hold): dates, store, Genesys client."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from archiver.assemble import build_sink
from archiver.config import Config, require_genesys
from archiver.errors import ConfigError
from archiver.genesys import GenesysClient, GenesysSettings
from archiver.sinks import AzureSink, LocalSink
from archiver.sinks.audit_base import AuditStore, Period


def parse_when(text: str) -> datetime:
    """`2026-05-14`, `2026-05-14T10:00[:00]`, or ISO-8601 with an offset; no offset means UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use 2026-05-14 or 2026-05-14T10:00, UTC unless an offset is given)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_period_args(p: argparse.ArgumentParser) -> None:
    """--from/--to (conversation end, UTC, [from, to)) and --config."""
    p.add_argument("--from", dest="start", type=parse_when, required=True, help="ended at or after (UTC)")
    p.add_argument("--to", dest="end", type=parse_when, required=True, help="ended before (UTC, exclusive)")
    p.add_argument("--config", metavar="PATH", help="TOML config file (default: $ARCHIVER_CONFIG)")


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """--queue/--division: the conversations of one routing queue or division (ids, as the index tags)."""
    p.add_argument("--queue", metavar="ID", help="only conversations routed to this queue id")
    p.add_argument("--division", metavar="ID", help="only conversations of this division id")


def period_of(p: argparse.ArgumentParser, args: argparse.Namespace) -> Period:
    """The period from parsed --from/--to (a usage error when empty)."""
    if args.end <= args.start:
        p.error("--to must be after --from")
    return Period(args.start.astimezone(UTC), args.end.astimezone(UTC))


@contextlib.asynccontextmanager
async def open_store(config: Config) -> AsyncIterator[AuditStore]:
    """The configured archive store, started, as an `AuditStore`; closed on exit."""
    sink = build_sink(config)
    await sink.start()
    store: AuditStore
    if isinstance(sink, AzureSink):
        from archiver.sinks.azure_audit import AzureAuditStore

        store = AzureAuditStore(sink)
    else:
        from archiver.sinks.local_audit import LocalAuditStore

        assert isinstance(sink, LocalSink)
        store = LocalAuditStore(sink)
    try:
        yield store
    finally:
        await store.close()
        await sink.close()


def require_org(config: Config, command: str) -> None:
    """Commands that ask Genesys (verify) need a configured org, never the embedded simulator."""
    if config.embedded:
        raise ConfigError(
            "genesys.client_id",
            f"{command} asks a Genesys org which conversations ended (no credentials are configured)",
            "set GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION or GENESYS_BASE_URL",
        )
    require_genesys(config, command)


def genesys_client(config: Config) -> GenesysClient:
    """An unstarted GenesysClient for the configured org (use as `async with`)."""
    return GenesysClient(GenesysSettings.from_config(config.genesys))
