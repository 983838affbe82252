"""Settings of the Genesys client and notification listener (built by config.py; secrets never in repr)."""

from __future__ import annotations

from typing import Any

import msgspec

from archiver.errors import ConfigError
from archiver.genesys.regions import Hosts, resolve_hosts
from archiver.secret import masked_repr

# What to check when the org's hosts do not answer (logged with the first failure, see archiver/health.py).
GENESYS_FIX = (
    "check GENESYS_REGION or GENESYS_BASE_URL (genesys.region / genesys.base_url), DNS, and the firewall or "
    "HTTPS proxy between this host and Genesys Cloud"
)
MAX_TOPICS_PER_CHANNEL = 1000  # docs/genesys.md#notifications: more than 1,000 topics on one channel → 400


class GenesysSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How to reach and pace a Genesys Cloud org. `client_secret` is masked in repr."""

    client_id: str
    client_secret: str
    region: str | None = None  # SDK key or domain, e.g. "eu_west_1" / "mypurecloud.ie"
    base_url: str | None = None  # explicit API base (wins over region); plain http only for loopback
    # REST pacing and retries
    rate_limit_per_min: int = 300  # documented default per client-credentials token
    rate_window_s: float = 60.0  # the window the limit applies to (tests shrink it)
    token_refresh_buffer_s: float = 300.0
    max_retries: int = 8
    # Honour a 429's Retry-After up to this long; a longer one releases the work for later (see transport)
    max_retry_after_s: float = 300.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    request_timeout_s: float = 30.0
    # notification listener
    queue_ids: tuple[str, ...] = ()  # empty = every queue of the org
    queue_refresh_s: float = 600.0
    heartbeat_timeout_s: float = 75.0  # no frame at all for this long → the socket is dead
    ping_idle_s: float | None = None  # ping after this much silence (default: timeout / 2)
    reconnect_backoff_max_s: float = 30.0
    channel_renew_margin_s: float | None = None  # renew before `expires` (default: 10 % of lifetime, ≤ 1 h)
    topics_per_channel: int = MAX_TOPICS_PER_CHANNEL
    dedupe_size: int = 100_000  # recently emitted conversation ids remembered

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ConfigError("genesys.client_id", "client id and secret are required", "set both")
        self.hosts()  # validates region/base_url early, at config time
        if not 1 <= self.topics_per_channel <= MAX_TOPICS_PER_CHANNEL:
            raise ConfigError("genesys.topics_per_channel", "must be 1..1000", "lower it")

    def hosts(self) -> Hosts:
        """The API and login base URLs."""
        return resolve_hosts(self.region, self.base_url)

    @property
    def effective_ping_idle_s(self) -> float:
        """Idle time after which the listener pings."""
        return self.ping_idle_s if self.ping_idle_s is not None else self.heartbeat_timeout_s / 2

    def __repr__(self) -> str:
        return masked_repr(self, ("client_secret",))

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [(n, "***" if n == "client_secret" else getattr(self, n)) for n in self.__struct_fields__]
