"""TLS guard: certificate verification cannot be turned off, and plain http is refused for non-loopback hosts.

Three layers, each tested against the real code path: the Genesys URL checks (base URL and the WebSocket
`connectUri` a server hands back), the Azure sink's endpoint check (account URL and connection strings), and
verification itself — a loopback HTTPS server with a self-signed certificate is refused by the Genesys client,
the notification socket and the Azure SDK before a single HTTP request (so no credential) reaches it. There is
no setting that disables verification: such keys are unknown keys (see test_config.py).
"""

from __future__ import annotations

import asyncio
import collections.abc
import datetime as dt
import ipaddress
import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from archiver.config import AzureSinkConfig, load_config
from archiver.errors import ArchiverError, ConfigError, SinkPermanentError
from archiver.genesys import GenesysClient, GenesysSettings, NotificationListener
from archiver.genesys.regions import check_transport
from archiver.secret import Secret
from archiver.sim import Simulator
from archiver.sinks import AzureClientOptions, AzureSink

from .conftest import FAST, settings_for

REFUSED = [
    "http://api.mypurecloud.com",
    "HTTP://API.MYPURECLOUD.COM",
    "http://10.0.0.5:8080",
    "http://192.168.1.10",
    "http://0.0.0.0:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.evil.example",
    "http://evil.localhost",
    "http://host.docker.internal:10000",
    "http://[::ffff:10.0.0.1]",
    "http://[fe80::1]",
    "http://user@127.0.0.1@evil.example",
    "ftp://127.0.0.1",
    "https://",
    "api.mypurecloud.com",
]
ALLOWED_PLAIN = ["http://127.0.0.1:8080", "http://127.5.6.7", "http://localhost:1234", "http://[::1]:9000"]


@pytest.mark.parametrize("url", REFUSED)
def test_genesys_base_url_without_tls_is_refused(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        GenesysSettings(client_id="id", client_secret=Secret("secret"), base_url=url)
    assert info.value.key == "genesys.base_url"


@pytest.mark.parametrize("url", ALLOWED_PLAIN)
def test_plain_http_is_allowed_only_for_loopback(url: str) -> None:
    settings = GenesysSettings(client_id="id", client_secret=Secret("secret"), base_url=url)
    assert settings.hosts().api == url


@pytest.mark.parametrize("url", [u.replace("http", "ws", 1) for u in REFUSED if u.startswith("http")])
def test_websocket_uri_without_tls_is_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        check_transport(url + "/channels/abc", "genesys.connectUri")


@pytest.mark.parametrize("url", REFUSED[:12])
def test_config_refuses_plain_http_storage_url(url: str) -> None:
    env = {
        "GENESYS_CLIENT_ID": "id",
        "GENESYS_CLIENT_SECRET": "secret",
        "GENESYS_REGION": "mypurecloud.ie",
        "AZURE_STORAGE_URL": url,
        "AZURE_CONTAINER_NAME": "archive",
    }
    with pytest.raises(ConfigError) as info:
        load_config(None, env=env)
    assert info.value.key == "sink.azure.url"


KEY = "QUNDT1VOVEtFWWJhc2U2NA=="


@pytest.mark.parametrize(
    "settings",
    [
        {"url": "http://acct.blob.core.windows.net", "sas_token": "sv=2024&sig=abc"},
        {"url": "http://host.docker.internal:10000/devstoreaccount1", "sas_token": "sv=2024&sig=abc"},
        {"url": "http://evil.localhost:10000/devstoreaccount1", "sas_token": "sv=2024&sig=abc"},
        {
            "connection_string": (
                f"DefaultEndpointsProtocol=http;AccountName=acct;AccountKey={KEY};EndpointSuffix=core.windows.net"
            )
        },
        {"connection_string": f"BlobEndpoint=http://10.1.2.3:10000/acct;AccountName=acct;AccountKey={KEY}"},
    ],
    ids=["account-url", "docker-host", "dot-localhost", "conn-protocol", "conn-endpoint"],
)
async def test_azure_sink_refuses_plain_http_to_non_loopback(settings: dict[str, Any]) -> None:
    secrets = {k: Secret(v) if k in {"connection_string", "sas_token"} else v for k, v in settings.items()}
    sink = AzureSink(
        AzureSinkConfig(container="archive", **secrets), options=AzureClientOptions(sdk_retry_total=0)
    )
    with pytest.raises(SinkPermanentError) as info:
        await asyncio.wait_for(sink.start(), 10)
    assert "https" in str(info.value)
    assert KEY not in str(info.value) and "sig=abc" not in str(info.value)
    await sink.close()


# ---- verification is on: a self-signed loopback HTTPS server is refused before any request ---------------


def _self_signed(tmp: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return ctx


class Impostor:
    """An HTTPS server on loopback with an untrusted certificate that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        return web.json_response({"access_token": "stolen", "expires_in": 86400})


@pytest.fixture
async def impostor(tmp_path: Path) -> collections.abc.AsyncIterator[Impostor]:
    imp = Impostor()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", imp.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=_self_signed(tmp_path))
    await site.start()
    imp.url = f"https://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield imp
    finally:
        await runner.cleanup()


async def test_genesys_client_verifies_certificates(impostor: Impostor) -> None:
    settings = GenesysSettings(
        client_id="id",
        client_secret=Secret("the-real-secret"),
        base_url=impostor.url,
        **{**FAST, "max_retries": 1},
    )
    async with GenesysClient(settings) as client:
        with pytest.raises(ArchiverError) as info:
            await asyncio.wait_for(client.list_queues(), 20)
    assert impostor.requests == []  # the TLS handshake failed: the client secret never left the process
    assert "the-real-secret" not in str(info.value)


async def test_azure_sink_verifies_certificates(impostor: Impostor) -> None:
    sink = AzureSink(
        AzureSinkConfig(
            container="archive",
            url=impostor.url + "/devstoreaccount1",
            sas_token=Secret("sv=2024&sig=the-real-sas"),
        ),
        options=AzureClientOptions(sdk_retry_total=0, connection_timeout_s=5, read_timeout_s=5),
    )
    with pytest.raises(ArchiverError) as info:
        await asyncio.wait_for(sink.start(), 30)
    await sink.close()
    assert impostor.requests == []
    assert "the-real-sas" not in str(info.value)


async def test_notification_socket_verifies_certificates(sim: Simulator, impostor: Impostor) -> None:
    """A channel whose connectUri is wss:// to an untrusted server: no upgrade request ever reaches it."""
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    channel = {
        "id": "streaming-0-impostor",
        "connectUri": impostor.url.replace("https", "wss") + "/channels/x",
    }
    sim.faults.answer_next(
        50, json.dumps({**channel, "expires": expires}), path_prefix="/api/v2/notifications/channels"
    )
    ended: list[Any] = []

    async def on_ended(ev: Any) -> None:
        ended.append(ev)

    async def on_gap(gap: Any) -> None:
        pass

    async with GenesysClient(settings_for(sim)) as client:
        listener = NotificationListener(client, settings_for(sim), on_ended, on_gap)
        task = asyncio.create_task(listener.run())
        await asyncio.sleep(2.0)  # several connect attempts with the fast backoff
        assert not task.done(), "a TLS failure is a transient connect failure, not fatal"
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert impostor.requests == []
    assert not listener.is_connected() and ended == []


async def test_plain_ws_connect_uri_to_a_remote_host_is_refused(sim: Simulator) -> None:
    """A server handing back `ws://remote/...`: the listener refuses it rather than connect in clear text."""
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    body = {"id": "streaming-0-x", "connectUri": "ws://streaming.evil.example/channels/x", "expires": expires}
    sim.faults.answer_next(5, json.dumps(body), path_prefix="/api/v2/notifications/channels")

    async def ignore(_: Any) -> None:
        pass

    async with GenesysClient(settings_for(sim)) as client:
        listener = NotificationListener(client, settings_for(sim), ignore, ignore)
        with pytest.raises(ConfigError) as info:
            await asyncio.wait_for(listener.run(), 10)
    assert info.value.key == "genesys.connectUri"
