"""TLS policy shared by every outbound endpoint: plain http/ws is allowed only to a loopback host.

One rule for the Genesys API and login hosts, the notification socket, the blob store and the work queue:
https (wss) to any host, or plain http (ws) only to the simulator or Azurite on this machine. Callers raise
their own error (a ConfigError at load, a sink or queue error at start) when `is_allowed_endpoint` says no.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

SECURE_SCHEMES = frozenset({"https", "wss"})
PLAIN_SCHEMES = frozenset({"http", "ws"})


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and 127.0.0.0/8 or ::1 literals: the simulator or Azurite, not a real service."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name, not an IP literal
        return False


def is_allowed_endpoint(url: str) -> bool:
    """https/wss with a host, or plain http/ws to a loopback host only."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in SECURE_SCHEMES:
        return bool(parts.hostname)
    return scheme in PLAIN_SCHEMES and is_loopback_host(parts.hostname)
