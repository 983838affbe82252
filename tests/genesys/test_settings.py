"""Region-aware hosts, the plain-HTTP guard, secrets kept out of repr, 403 permission parsing."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from archiver.errors import ConfigError, GenesysNotFound, GenesysPermissionError
from archiver.genesys import GenesysSettings, resolve_hosts
from archiver.genesys.models import ErrorBody
from archiver.genesys.transport import error_for, missing_permissions
from archiver.secret import Secret


@pytest.mark.parametrize(
    ("region", "api", "login"),
    [
        ("mypurecloud.com", "https://api.mypurecloud.com", "https://login.mypurecloud.com"),
        ("eu_west_1", "https://api.mypurecloud.ie", "https://login.mypurecloud.ie"),
        ("mypurecloud.de", "https://api.mypurecloud.de", "https://login.mypurecloud.de"),
        ("ap_northeast_1", "https://api.mypurecloud.jp", "https://login.mypurecloud.jp"),
        ("mypurecloud.com.au", "https://api.mypurecloud.com.au", "https://login.mypurecloud.com.au"),
        ("usw2.pure.cloud", "https://api.usw2.pure.cloud", "https://login.usw2.pure.cloud"),
        ("ca_central_1", "https://api.cac1.pure.cloud", "https://login.cac1.pure.cloud"),
        ("api.euw2.pure.cloud", "https://api.euw2.pure.cloud", "https://login.euw2.pure.cloud"),
        ("APS1.PURE.CLOUD", "https://api.aps1.pure.cloud", "https://login.aps1.pure.cloud"),
        ("apne2.pure.cloud", "https://api.apne2.pure.cloud", "https://login.apne2.pure.cloud"),
        ("sa_east_1", "https://api.sae1.pure.cloud", "https://login.sae1.pure.cloud"),
    ],
)
def test_region_hosts(region: str, api: str, login: str) -> None:
    hosts = resolve_hosts(region, None)
    assert (hosts.api, hosts.login) == (api, login)


def test_base_url_wins_and_derives_login_like_the_sdks() -> None:
    assert resolve_hosts("mypurecloud.ie", "https://api.mypurecloud.de/") == (
        "https://api.mypurecloud.de",
        "https://login.mypurecloud.de",
    )
    assert resolve_hosts(None, "http://127.0.0.1:8765") == ("http://127.0.0.1:8765", "http://127.0.0.1:8765")
    assert resolve_hosts(None, "http://localhost:1")[0] == "http://localhost:1"
    assert resolve_hosts(None, "http://[::1]:80")[0] == "http://[::1]:80"
    assert resolve_hosts(None, "http://127.8.9.10:80")[0] == "http://127.8.9.10:80"


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "http://10.0.0.1:80", "ftp://127.0.0.1", "https://", "http://127.0.0.1.evil.com"],
)
def test_plain_http_refused_off_loopback(url: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        resolve_hosts(None, url)


def test_unknown_or_missing_region() -> None:
    with pytest.raises(ConfigError, match="unknown Genesys Cloud region"):
        resolve_hosts("mars_north_1", None)
    with pytest.raises(ConfigError):
        resolve_hosts(None, None)


def secret_hook(typ: type, value: Any) -> Any:
    if typ is Secret and isinstance(value, str):
        return Secret(value)
    raise NotImplementedError


def test_settings_hide_the_secret() -> None:
    s = GenesysSettings(client_id="cid", client_secret=Secret("s3cr3t-value"), region="mypurecloud.ie")
    for text in (repr(s), str(s), f"{s}", repr([s]), repr(msgspec.structs.asdict(s))):
        assert "s3cr3t-value" not in text
    assert "cid" in repr(s)


def test_settings_validate_at_construction_and_forbid_unknown_fields() -> None:
    with pytest.raises(ConfigError):
        GenesysSettings(client_id="a", client_secret=Secret("b"), base_url="http://example.com")
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(
            {"client_id": "a", "client_secret": "b", "region": "eu_west_1", "typo": 1},
            GenesysSettings,
            dec_hook=secret_hook,
        )
    s = msgspec.convert(
        {"client_id": "a", "client_secret": "b", "region": "eu_west_1"}, GenesysSettings, dec_hook=secret_hook
    )
    assert s.hosts().api == "https://api.mypurecloud.ie"


def test_permission_error_names_the_missing_permission() -> None:
    body = msgspec.json.encode(
        {
            "message": "Unable to perform the requested action. You are missing the following permission(s): "
            "[conversation:webmessaging:view]",
            "code": "missing.permissions",
            "status": 403,
            "messageParams": {"permissions": "conversation:webmessaging:view"},
            "contextId": "ctx-1",
        }
    )
    err = error_for("get message conversation", 403, body)
    assert isinstance(err, GenesysPermissionError)
    assert "conversation:webmessaging:view" in str(err)
    assert (err.code, err.context_id, err.status) == ("missing.permissions", "ctx-1", 403)
    # Only the message carries it (no messageParams): still found.
    body2 = ErrorBody(
        message="You are missing the following permission(s): analytics:conversationDetail:view"
    )
    assert missing_permissions(body2) == ["analytics:conversationDetail:view"]
    assert isinstance(error_for("x", 404, b"not json"), GenesysNotFound)
