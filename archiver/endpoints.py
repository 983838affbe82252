"""TLS policy shared by every outbound endpoint: plain http/ws is allowed only to a loopback host."""

from __future__ import annotations

import ipaddress


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
