"""What the Genesys client and notification listener run with: the `[genesys]` section plus runtime tuning.

`GenesysSettings` extends the config section `GenesysConfig` (archiver/config_model.py) instead of copying
it, so every `[genesys]` key is defined, bounded and defaulted once and reaches the client by name. It adds
what is not a config key: the pacing and reconnect knobs tests shrink to milliseconds, and it requires the
credentials (embedded mode fills them with the simulator's own, and its address as `base_url`). The client
secret stays a `Secret` (masked in every repr) until the token request reveals it (auth.py).
"""

from __future__ import annotations

import msgspec

from archiver.config_model import GenesysConfig
from archiver.errors import ConfigError
from archiver.genesys.regions import Hosts, resolve_hosts
from archiver.secret import Secret

# What to check when the org's hosts do not answer (logged with the first failure, see archiver/health.py).
GENESYS_FIX = (
    "check GENESYS_REGION or GENESYS_BASE_URL (genesys.region / genesys.base_url), DNS, and the firewall or "
    "HTTPS proxy between this host and Genesys Cloud"
)
MAX_TOPICS_PER_CHANNEL = 1000  # docs/genesys.md#notifications: more than 1,000 topics on one channel → 400


class GenesysSettings(GenesysConfig, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """How to reach and pace a Genesys Cloud org: every `[genesys]` key, credentials required, plus tuning."""

    client_id: str  # required here; optional in the section (no credentials: embedded mode)
    client_secret: Secret
    # REST pacing and retries (rate_limit_per_min, max_retries, … come from the section)
    rate_window_s: float = 60.0  # the window the limit applies to (tests shrink it)
    token_refresh_buffer_s: float = 300.0
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    # notification listener (queue_ids, heartbeat_timeout_s, queue_refresh_s come from the section)
    ping_idle_s: float | None = None  # ping after this much silence (default: timeout / 2)
    reconnect_backoff_max_s: float = 30.0
    channel_renew_margin_s: float | None = None  # renew before `expires` (default: 10 % of lifetime, ≤ 1 h)
    topics_per_channel: int = MAX_TOPICS_PER_CHANNEL
    dedupe_size: int = 100_000  # recently emitted conversation ids remembered

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret.reveal():
            raise ConfigError(
                "genesys.client_id",
                "client id and secret are required",
                "set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET",
            )
        self.hosts()  # validates region/base_url early, at config time
        if not 1 <= self.topics_per_channel <= MAX_TOPICS_PER_CHANNEL:
            raise ConfigError("genesys.topics_per_channel", "must be 1..1000", "lower it")

    @classmethod
    def from_config(
        cls, section: GenesysConfig, *, base_url: str | None = None, creds: tuple[str, Secret] | None = None
    ) -> GenesysSettings:
        """The settings of the configured org; `base_url` and `creds` point them at the embedded simulator
        instead (the section's region is then ignored)."""
        fields = msgspec.structs.asdict(section)
        if base_url:
            fields.update(region=None, base_url=base_url)
        if creds is not None:
            fields.update(client_id=creds[0], client_secret=creds[1])
        if fields["client_id"] is None or fields["client_secret"] is None:
            raise ConfigError(
                "genesys.client_id",
                "client id and secret are required",
                "set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET",
            )
        return cls(**fields)

    def hosts(self) -> Hosts:
        """The API and login base URLs."""
        return resolve_hosts(self.region, self.base_url)

    @property
    def effective_ping_idle_s(self) -> float:
        """Idle time after which the listener pings."""
        return self.ping_idle_s if self.ping_idle_s is not None else self.heartbeat_timeout_s / 2
