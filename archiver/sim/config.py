"""Simulator configuration: one frozen struct; every unverified Genesys behaviour is a switch."""

from __future__ import annotations

import msgspec


class SimConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How the simulated org behaves. The credentials are the simulator's own, not a real org's secrets."""

    seed: int = 1
    client_id: str = "sim-client"
    client_secret: str = "sim-secret"  # noqa: S105 - the simulator's own demo credential
    org_id: str = "6a1b0000-0000-4000-8000-00000000a11c"
    token_ttl_s: int = 86400
    bad_credentials_status: int = 401  # 400 vs 401 is unverified (docs/genesys.md#oauth)
    rate_limit_per_min: int = 300  # per token, fixed 60 s window
    rate_limit_window_s: float = 60.0  # shorter windows keep rate-limit tests fast
    ratelimit_headers: bool = True  # inin-ratelimit-allowed/-count/-reset on every API response
    too_many_requests_code: str = "too.many.requests"
    heartbeat_s: float = 30.0
    channel_ttl_s: float = 86400.0  # resubscribing (PUT/POST) extends a channel by this much
    max_channels: int = 20  # per OAuth client; the 21st replaces the oldest idle one
    max_topics: int = 1000  # per channel; more → 400
    socket_closing_grace_s: float = 2.0  # time between v2.system.socket_closing and the close
    analytics_lag_s: float = 0.0  # conversationEnd appears in analytics this long after the end
    analytics_max_page_size: int = 200
    job_delay_s: float = 0.2  # async details job: QUEUED → FULFILLED after this long
    data_availability_lag_s: float = 0.0  # jobs see conversations ended before now − this
    conversations_per_min: float = 0.0  # background traffic; 0 = none
    traffic_hold_s: tuple[float, float] = (1.0, 6.0)  # how long a live conversation stays open
    traffic_mix: tuple[tuple[str, float], ...] = (
        ("webmessaging", 0.8),
        ("open", 0.06),
        ("sms", 0.06),
        ("bot", 0.08),
    )
    # a share of the traffic are long-lived threads, opened up to `long_lived_max_s` before they end
    long_lived_fraction: float = 0.02
    long_lived_max_s: float = 30 * 86400.0
    queues: int = 4
    agents: int = 12
    writeback_after_end: bool = True  # PATCH participant attributes accepted after the end
    transcript_processing_s: float = 1.0  # recordings answer 202 until end + this
    fault_timeout_s: float = 15.0  # a "timeout" fault holds the request this long, then 504
    min_turns: int = 4
    max_turns: int = 24
    pii_rate: float = 0.35
    topic_message_cap: int = 200  # messages per participant carried in a queue-topic event
    # Attachment bytes (sim/media.py): messaging media URLs stop working 30 days after upload; then they
    # answer `media_expired_status` (404 or 410). Whether they need the bearer token is unverified: both.
    media_url_ttl_s: float = 30 * 86400.0
    media_expired_status: int = 404
    media_requires_token: bool = False
