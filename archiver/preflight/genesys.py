"""Genesys Cloud checks: the host over TLS, the token, and each permission the configuration needs.

Probes (all harmless): the queue listing (`routing:queue:view`); a one-minute analytics details query
(`analytics:conversationDetail:view`); a notification channel subscribed to one queue topic, whose
subscriptions are then removed (Genesys offers no channel delete: an unused channel expires by itself, and
counts towards the 20 channels per OAuth client until then); the transcript and write-back permissions by a
call on a conversation id that cannot exist (probe.py: 403 without the permission, 404 with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from archiver.config import Config
from archiver.errors import EXIT_AUTH, EXIT_FAILURE, GenesysAuthError, GenesysError
from archiver.genesys import GenesysClient, GenesysSettings
from archiver.genesys.analytics import format_interval
from archiver.preflight import probe
from archiver.preflight.report import Report, Result, fail, ok, warn
from archiver.preflight.writeback import check_writeback

TOPIC = "v2.routing.queues.{}.conversations.messages"


async def reach(url: str, timeout_s: float) -> Result:
    """Open a TCP (+ verified TLS for https) connection to the API host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    name = f"Genesys host {host}:{port}"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ssl.create_default_context() if tls else None), timeout_s
        )
    except ssl.SSLError as exc:
        return fail(
            name,
            f"TLS handshake failed ({exc.reason or type(exc).__name__})",
            "check the region and any TLS-intercepting proxy (its CA must be trusted)",
        )
    except (OSError, TimeoutError) as exc:
        return fail(
            name,
            f"unreachable ({type(exc).__name__}: {exc})",
            "check genesys.region, DNS and outbound HTTPS (443) from this VM",
        )
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return ok(name, "reachable over TLS" if tls else "reachable (plain http: loopback simulator only)")


async def check_genesys(cfg: Config, settings: GenesysSettings, report: Report) -> None:
    """Every Genesys check, appended to `report` as it completes."""
    api = settings.hosts().api
    r = report.add(await reach(api, settings.request_timeout_s))
    if r.status == "fail":
        return
    async with GenesysClient(settings) as client:
        try:
            await client.tokens.token()
        except GenesysAuthError as exc:
            report.add(
                fail(
                    "token",
                    str(exc),
                    "check GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET and that the "
                    "OAuth client uses the client-credentials grant",
                    EXIT_AUTH,
                )
            )
            return
        except GenesysError as exc:
            report.add(fail("token", str(exc), "check network access to the login host", EXIT_FAILURE))
            return
        report.add(ok("token", "client-credentials token issued"))
        queue_id = await _queues(cfg, client, report)
        minute_end = datetime.now(UTC).replace(second=0, microsecond=0)
        interval = format_interval(minute_end - timedelta(minutes=1), minute_end)
        report.add(
            (
                await probe.permission(
                    "analytics details query",
                    client.analytics_query(interval, page_size=1),
                    "analytics:conversationDetail:view",
                    absent_ok=False,
                )
            )[0]
        )
        report.add(await _notifications(client, queue_id))
        cid = str(uuid.uuid4())
        report.add(
            (
                await probe.permission(
                    "transcript read",
                    client.get_message_conversation_raw(cid),
                    "conversation:webmessaging:view",
                )
            )[0]
        )
        if cfg.genesys.recordings_fallback:
            report.add(
                (
                    await probe.permission(
                        "recordings fallback",
                        client.get_recordings_raw(cid, max_wait_ms=0),
                        "recording:recording:view",
                    )
                )[0]
            )
        report.extend(await check_writeback(client, cfg.writeback))


async def _queues(cfg: Config, client: GenesysClient, report: Report) -> str | None:
    """List queues; the configured ids must exist. Returns a queue id for the notification probe."""
    configured = list(cfg.genesys.queue_ids)
    optional = "queue discovery is off because genesys.queue_ids is set" if configured else ""
    result, value = await probe.permission(
        "queue list", client.list_queues(), "routing:queue:view", absent_ok=False, optional=optional
    )
    if result.status != "ok" or not isinstance(value, list):
        report.add(result)
        return configured[0] if configured else None
    ids = {q.id for q in value}
    unknown = [q for q in configured if q not in ids]
    if unknown:
        report.add(
            fail(
                "queue list",
                f"genesys.queue_ids names queues this org does not have: {', '.join(unknown)}",
                "correct genesys.queue_ids (Admin > Queues shows the ids)",
                EXIT_FAILURE,
            )
        )
    else:
        watched = len(configured) if configured else len(ids)
        report.add(ok("queue list", f"routing:queue:view granted; {watched} queue(s) to watch"))
    return configured[0] if configured else next(iter(sorted(ids)), None)


async def _notifications(client: GenesysClient, queue_id: str | None) -> Result:
    """A channel with one queue topic; the topic must be Permitted. Subscriptions are removed afterwards."""
    name = "notification channel"
    if queue_id is None:
        return warn(
            name,
            "no queue to subscribe to (none listed or configured): topic permission unproven",
            "grant routing:queue:view or set genesys.queue_ids",
        )
    result, channel = await probe.permission(
        name, client.create_channel(), "notification channel create", absent_ok=False
    )
    if result.status != "ok" or channel is None:
        return result
    channel_id = str(getattr(channel, "id", ""))
    try:
        result, topics = await probe.permission(
            name,
            client.put_subscriptions(channel_id, [TOPIC.format(queue_id)]),
            "topic subscription",
            absent_ok=False,
        )
    finally:
        # The channel expires anyway; a leftover subscription receives nothing once it has.
        with contextlib.suppress(GenesysError):
            path = f"/api/v2/notifications/channels/{channel_id}/subscriptions"
            await client.transport.call(
                "DELETE", path, "remove the preflight subscriptions", ok=(200, 202, 204)
            )
    if result.status != "ok" or not isinstance(topics, list):
        return result
    rejected = [t for t in topics if t.state == "Rejected"]
    topic = TOPIC.format(queue_id)
    if rejected and not rejected[0].missing_permissions:
        return fail(
            name,
            f"topic {topic} Rejected ({rejected[0].rejection_reason})",
            "check genesys.queue_ids against Admin > Queues",
            EXIT_FAILURE,
        )
    if rejected:
        missing = ", ".join(rejected[0].missing_permissions or [])
        return warn(
            name,
            f"topic {topic} Rejected (missing {missing}): ended conversations are found "
            "only by the reconciler, minutes later",
            f"add {missing} to the OAuth client's role",
        )
    return ok(
        name,
        f"channel created, topic for queue {queue_id} Permitted (subscriptions removed; the "
        "channel expires unused)",
    )
