"""Genesys Cloud regions → API and login base URLs (docs/genesys.md#oauth), and the plain-HTTP guard."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from archiver.endpoints import is_allowed_endpoint
from archiver.errors import ConfigError

# SDK region key -> environment domain (PY purecloud_region_hosts.py, JS PureCloudRegionHosts.js).
REGIONS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}
_DOMAINS = frozenset(REGIONS.values())


class Hosts(NamedTuple):
    """Where to send REST calls and where to ask for tokens (no trailing slash)."""

    api: str
    login: str


def check_transport(url: str, key: str) -> str:
    """Return `url` if it uses https/wss, or http/ws to a loopback host; raise ConfigError otherwise."""
    if is_allowed_endpoint(url):
        return url
    raise ConfigError(
        key,
        f"{url!r} is not an https URL (plain http is allowed only for 127.0.0.0/8, ::1 and localhost)",
        "use https://api.<region domain> or set the Genesys region instead of a base URL",
    )


def region_domain(region: str) -> str:
    """Accept an SDK key (`eu_west_1`), a domain (`mypurecloud.ie`) or an API host (`api.mypurecloud.ie`)."""
    name = region.strip().lower()
    if name in REGIONS:
        return REGIONS[name]
    name = name.removeprefix("https://").removeprefix("api.").removeprefix("login.").rstrip("/")
    if name in _DOMAINS:
        return name
    raise ConfigError(
        "genesys.region",
        f"unknown Genesys Cloud region {region!r}",
        "use one of " + ", ".join(sorted(_DOMAINS)) + " (or an SDK key such as us_east_1), or set base_url",
    )


def resolve_hosts(region: str | None, base_url: str | None) -> Hosts:
    """API and login bases from a base URL (wins) or a region; login follows the SDKs' `//api.` rule."""
    if base_url:
        api = check_transport(base_url.rstrip("/"), "genesys.base_url")
        parts = urlsplit(api)
        if parts.path not in {"", "/"} or parts.query or parts.fragment:
            raise ConfigError(
                "genesys.base_url", f"{base_url!r} has a path or query", "give scheme://host[:port]"
            )
        host = parts.netloc
        login_host = "login." + host[4:] if host.lower().startswith("api.") else host
        return Hosts(api, urlunsplit((parts.scheme, login_host, "", "", "")))
    if region:
        domain = region_domain(region)
        return Hosts(f"https://api.{domain}", f"https://login.{domain}")
    raise ConfigError(
        "genesys.region", "neither a region nor a base URL is set", "set genesys.region (e.g. mypurecloud.ie)"
    )
