"""A WORM-enforcing reverse proxy in front of Azurite (which ignores immutability entirely,
docs/azure.md#azurite).

Implements version-level WORM per docs/azure.md#worm so the real azure-storage-blob code path can be tested:
policy and legal-hold headers on upload, Set/Delete Immutability Policy (`comp=immutabilityPolicies`), Set
Legal Hold (`comp=legalhold`), those properties on Get/Head Blob and List Blobs, 409
BlobImmutableDueToPolicy / BlobImmutableDueToLegalHold on overwrite, delete or metadata write of a protected
blob, Locked policies that can only be extended, and the container's
`x-ms-immutable-storage-with-versioning-enabled` header (switchable per container to exercise compliance-mode
refusal), a container **default** policy set through an ARM-shaped admin path (`wormadmin`) that every new
blob version without a policy of its own inherits (`x-ms-has-immutability-policy` on the container), and
per-container RBAC (`set_rights`): a request needing a data action outside the granted set gets the
service's 403 AuthorizationPermissionMismatch (`rbac`). Everything else is forwarded to Azurite
byte-for-byte, so Azurite still checks Shared Key/SAS signatures; the policy APIs are forwarded too and
implemented only when Azurite answers 501 (i.e. after it authenticated the request).

Differences from Azure: no versioning, so an overwrite of a protected blob is refused instead of creating a
new version — either way the archived bytes cannot be replaced. Only path-style URLs (Azurite's) are parsed.
Test controls (thread-safe): `fail(on=...)`, `serve_altered()`, `set_unreachable()`, `delay()`,
`set_container_worm()`, `set_default_policy()`, `set_rights()`, `advance_clock()`, `calls` (request counts
per operation).

Why one module of ~440 lines: a test fixture that emulates one service (Azure's WORM, default-policy and
RBAC rules in front of Azurite); the rules themselves live in wormrules.py, what stays here is the proxy
and its test controls, which share the per-container state.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import hashlib
import io
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from archiver.testing import rbac, wormadmin
from archiver.testing import wormrules as R
from archiver.testing.azurite import ACCOUNT, Azurite, connection_string
from archiver.testing.wormrules import classify

_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length"}  # fmt: skip


@dataclass
class _Fault:
    on: str
    status: int
    code: str
    remaining: int | None
    blob_contains: str | None = None


def _error(refusal: R.Refusal) -> web.Response:
    request_id = str(uuid.uuid4())
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{refusal.code}</Code><Message>{refusal.message}\nRequestId:{request_id}</Message></Error>"
    )
    return web.Response(
        status=refusal.status,
        body=body.encode(),
        headers={"x-ms-error-code": refusal.code, "x-ms-request-id": request_id, "x-ms-version": "2026-06-06",
                 "Content-Type": "application/xml"},
    )  # fmt: skip


class WormProxy:
    """aiohttp reverse proxy adding version-level WORM to Azurite. `start()` on a running loop, or
    `serve_in_thread()` for sync tests."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0, worm_default: bool = True):
        parts = urlsplit(upstream)
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.host, self.port = host, port
        self.state = R.WormState(vlw_default=worm_default)
        self.calls: collections.Counter[str] = collections.Counter()
        self._faults: list[_Fault] = []
        self._unreachable = False
        self._delay: dict[str, float] = {}
        self._rights: dict[tuple[str, str], frozenset[str]] = {}
        self._altered: dict[tuple[str, str, str], bytes] = {}
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # ---- test controls ---------------------------------------------------------------------------------

    def fail(
        self,
        on: str = "*",
        *,
        status: int = 503,
        code: str = "ServerBusy",
        times: int | None = 1,
        blob_contains: str | None = None,
    ) -> None:
        """Answer the next `times` requests of operation `on` ("*" = any) with an error (None = forever);
        with `blob_contains`, only requests for a blob whose name contains it."""
        with self._lock:
            self._faults.append(_Fault(on, status, code, times, blob_contains))

    def clear_faults(self) -> None:
        """Remove every fault, delay and the unreachable switch."""
        with self._lock:
            self._faults.clear()
            self._delay.clear()
            self._altered.clear()
            self._unreachable = False

    def reset(self) -> None:
        """Undo every test control (faults, delays, unreachable, clock, counters, rights); keeps stored
        protection and default policies."""
        self.clear_faults()
        with self._lock:
            self._rights.clear()
        self.state.reset_clock()
        self.calls.clear()

    def set_unreachable(self, unreachable: bool = True) -> None:
        """Drop every connection without an answer (the SDK sees a network error)."""
        self._unreachable = unreachable

    def delay(self, seconds: float, on: str = "*") -> None:
        """Delay answers of operation `on` (to provoke client timeouts)."""
        with self._lock:
            self._delay[on] = seconds

    def set_container_worm(self, container: str, enabled: bool | None, account: str = ACCOUNT) -> None:
        """Switch a container's version-level WORM support (None: the proxy default)."""
        self.state.set_vlw(account, container, enabled)

    def set_rights(self, container: str, actions: Iterable[str] | None, account: str = ACCOUNT) -> None:
        """Grant only these RBAC data actions on a container (e.g. `rbac.CONTRIBUTOR`); None: everything."""
        with self._lock:
            if actions is None:
                self._rights.pop((account, container), None)
            else:
                self._rights[(account, container)] = frozenset(actions)

    def set_default_policy(
        self, container: str, days: int | None, *, locked: bool = False, account: str = ACCOUNT
    ) -> R.DefaultPolicy | None:
        """What an administrator does through ARM: set (and optionally lock) or with None delete the
        container's default policy; ARM's rules apply (a Locked policy refuses all but extension)."""
        return wormadmin.administer(self.state, account, container, days, locked=locked)

    def advance_clock(self, delta: timedelta) -> None:
        """Move the proxy clock forward so policies expire without waiting."""
        self.state.advance_clock(delta)

    def serve_altered(self, container: str, blob: str, data: bytes | None, account: str = ACCOUNT) -> None:
        """Answer downloads of one blob with `data` instead of its stored bytes (None: stop) — silent
        corruption or tampering that transport checksums cannot see (Content-MD5 is recomputed)."""
        with self._lock:
            if data is None:
                self._altered.pop((account, container, blob), None)
            else:
                self._altered[(account, container, blob)] = data

    def protection(self, container: str, blob: str, account: str = ACCOUNT) -> R.BlobWorm | None:
        """Inspect a blob's recorded protection."""
        return self.state.get((account, container, blob))

    # ---- lifecycle ----------------------------------------------------------------------------------

    def arm_url(self, container: str, account: str = ACCOUNT) -> str:
        """The ARM-shaped URL of a container's default immutability policy on this proxy."""
        return (
            f"{self.url}/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
            f"Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers/{container}/"
            "immutabilityPolicies/default"
        )

    @property
    def url(self) -> str:
        """Proxy origin, e.g. `http://127.0.0.1:40000`."""
        return f"http://{self.host}:{self.port}"

    @property
    def blob_url(self) -> str:
        """Blob endpoint through the proxy, with the dev account path."""
        return f"{self.url}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        """Dev-account connection string whose blob endpoint is this proxy."""
        return connection_string(self.blob_url)

    async def start(self) -> WormProxy:
        """Bind (port 0 → OS-chosen) and serve on the running loop."""
        self._session = aiohttp.ClientSession(
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=120),
            skip_auto_headers={"Content-Type"},
        )
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if self.port == 0 and server is not None:
            self.port = int(server.sockets[0].getsockname()[1])
        return self

    async def close(self) -> None:
        """Stop serving and close the upstream session (idempotent)."""
        runner, self._runner = self._runner, None
        session, self._session = self._session, None
        if runner is not None:
            await runner.cleanup()
        if session is not None:
            await session.close()

    async def __aenter__(self) -> WormProxy:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @contextlib.contextmanager
    def serve_in_thread(self) -> Iterator[WormProxy]:
        """Run the proxy on its own event loop in a daemon thread (usable from any test, any loop)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(target=self._thread_main, args=(loop, ready), daemon=True, name="wormproxy")
        thread.start()
        ready.wait(30)
        if self._runner is None:
            raise RuntimeError("cannot start WORM proxy: server did not come up")
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(30)

    def _thread_main(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.start())
        finally:
            ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # ---- request handling -----------------------------------------------------------------------------

    def _take_fault(self, op: str, blob: str | None) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.on in {"*", op} and (
                    fault.blob_contains is None or fault.blob_contains in (blob or "")
                ):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._unreachable:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp drops the connection without writing a response
        if request.path.startswith(wormadmin.ARM_PREFIX):
            self.calls["arm_immutability_policy"] += 1
            return await wormadmin.handle(self.state, request)
        query = {k: v for k, v in request.query.items()}
        op, account, container, blob = classify(request.method, request.path, query)
        self.calls[op] += 1
        pause = self._delay.get(op, self._delay.get("*", 0.0))
        if pause:
            await asyncio.sleep(pause)
        fault = self._take_fault(op, blob)
        if fault is not None:
            return _error(R.Refusal(fault.status, fault.code, f"Injected fault on {op}."))
        headers = {k.lower(): v for k, v in request.headers.items()}
        granted, needed = self._rights.get((account, container)), rbac.required(op, request.method, headers)
        if (granted is not None and any(a not in granted for a in needed)) or rbac.sas_lacks(query, needed):
            self.calls[f"denied_{op}"] += 1
            return _error(rbac.refusal())
        key = (account, container, blob)
        now = self.state.now()
        if op in {"put_blob", "put_blocklist", "put_page", "put_appendblock"}:
            return await self._write(request, headers, key, op)
        if op == "delete_blob" or op == "set_metadata":
            cur = self.state.get(key)
            refusal = cur.protection(now) if cur else None
            if op == "set_metadata" and cur is not None and refusal is None and cur.had_policy:
                refusal = R.Refusal(409, R.POLICY, "Metadata of a blob version with a policy cannot change.")
            if refusal is not None:
                return _error(refusal)
            resp, body = await self._forward(request)
            if op == "delete_blob" and resp.status == 202:
                self.state.drop(key)
            return self._reply(resp, body)
        if op == "delete_container":
            refusal = self.state.protected_in(account, container)
            if refusal is not None:
                return _error(refusal)
            resp, body = await self._forward(request)
            if resp.status == 202:
                self.state.drop_container(account, container)
            return self._reply(resp, body)
        if op in {"set_policy", "delete_policy", "set_legal_hold"}:
            return await self._policy_op(request, headers, key, op)
        resp, body = await self._forward(request)
        extra: dict[str, str] = {}
        if op == "container_properties" and resp.status == 200:
            extra[R.H_VLW] = "true" if self.state.vlw(account, container) else "false"
            has_default = self.state.default_policy(account, container) is not None
            extra[R.H_HAS_POLICY] = "true" if has_default else "false"
        elif op in {"get_blob", "get_properties"} and resp.status in {200, 206}:
            cur = self.state.get(key)
            extra.update(cur.headers() if cur else {})
            altered = self._altered.get(key)
            if altered is not None and op == "get_blob":
                body = altered
                extra.update(_altered_headers(resp, altered))
        elif op in {"list_blobs", "list_containers"} and resp.status == 200:
            body = R.annotate_listing(self.state, op, account, container, query, body)
        return self._reply(resp, body, extra)

    async def _write(
        self, request: web.Request, headers: dict[str, str], key: tuple[str, str, str], op: str
    ) -> web.StreamResponse:
        account, container, _ = key
        now = self.state.now()
        policy = R.parse_policy(headers, now)
        hold = R.parse_hold(headers)
        for parsed in (policy, hold):
            if isinstance(parsed, R.Refusal):
                return _error(parsed)
        if (policy or hold) and not self.state.vlw(account, container):
            return _error(
                R.Refusal(409, R.NOT_VLW, "The container does not have version-level immutability.")
            )
        cur = self.state.get(key)
        # If-None-Match: * is answered by Azurite (409 BlobAlreadyExists) — the put-if-absent contract.
        if cur is not None and headers.get("if-none-match") != "*":
            refusal = cur.protection(now)
            if refusal is not None:
                return _error(refusal)
        default = self.state.default_policy(account, container)
        if policy is None and default is not None:
            policy = default.inherited(now)  # a version without a policy of its own inherits the default
        resp, body = await self._forward(request)
        if resp.status == 201 and op != "put_page" and op != "put_appendblock":
            until, mode = policy if isinstance(policy, tuple) else (None, None)
            self.state.put(
                key, R.BlobWorm(until=until, mode=mode, legal_hold=hold is True, had_policy=bool(mode))
            )
        return self._reply(resp, body)

    async def _policy_op(
        self, request: web.Request, headers: dict[str, str], key: tuple[str, str, str], op: str
    ) -> web.StreamResponse:
        resp, body = await self._forward(request)  # Azurite authenticates, then answers 501 for these
        if resp.status != 501:
            return self._reply(resp, body)
        account, container, _ = key
        if not self.state.vlw(account, container):
            return _error(
                R.Refusal(409, R.NOT_VLW, "The container does not have version-level immutability.")
            )
        out: dict[str, str] = {}
        if op == "set_policy":
            parsed = R.parse_policy(headers, self.state.now())
            if parsed is None:
                parsed = R.Refusal(400, "MissingRequiredHeader", f"{R.H_UNTIL} is required.")
            if isinstance(parsed, R.Refusal):
                return _error(parsed)
            refusal = self.state.set_policy(key, *parsed)
            out = {R.H_UNTIL: R.http_date(parsed[0]), R.H_MODE: parsed[1].lower()}
        elif op == "delete_policy":
            refusal = self.state.delete_policy(key)
        else:
            hold = R.parse_hold(headers)
            if hold is None:
                hold = R.Refusal(400, "MissingRequiredHeader", f"{R.H_HOLD} is required.")
            if isinstance(hold, R.Refusal):
                return _error(hold)
            refusal = self.state.set_hold(key, hold)
            out = {R.H_HOLD: "true" if hold else "false"}
        if refusal is not None:
            return _error(refusal)
        out.update({"x-ms-request-id": str(uuid.uuid4()), "x-ms-version": "2026-06-06"})
        return web.Response(status=200, headers=out)

    async def _forward(self, request: web.Request) -> tuple[aiohttp.ClientResponse, bytes]:
        assert self._session is not None
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP]
        data = await request.read()
        url = self.upstream + request.raw_path  # raw: the signature covers the path exactly as sent
        async with self._session.request(
            request.method,
            url,
            headers=headers,
            data=io.BytesIO(data) if data else None,
            allow_redirects=False,
        ) as resp:
            return resp, await resp.read()

    def _reply(
        self, resp: aiohttp.ClientResponse, body: bytes, extra: dict[str, str] | None = None
    ) -> web.StreamResponse:
        out = web.Response(status=resp.status, body=body if resp.method != "HEAD" else None)
        for k, v in resp.headers.items():
            if k.lower() not in _HOP and k.lower() not in {"date", "server"}:
                out.headers.add(k, v)
        if resp.method == "HEAD" and "Content-Length" in resp.headers:
            out.headers["Content-Length"] = resp.headers["Content-Length"]
        for k, v in (extra or {}).items():
            out.headers[k] = v
        return out


def _altered_headers(resp: aiohttp.ClientResponse, body: bytes) -> dict[str, str]:
    """Headers that make a substituted download body self-consistent (length, range, transport MD5)."""
    out: dict[str, str] = {}
    if "Content-Range" in resp.headers:
        out["Content-Range"] = f"bytes 0-{len(body) - 1}/{len(body)}"
    if "Content-MD5" in resp.headers:
        out["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - wire format
    return out


@contextlib.contextmanager
def worm_stack(*, queue: bool = False, worm_default: bool = True) -> Iterator[tuple[Azurite, WormProxy]]:
    """Azurite + a WORM proxy in a background thread; blob clients should use `proxy.connection_string`."""
    with (
        Azurite(queue=queue) as azurite,
        WormProxy(azurite.urls["Blob"], worm_default=worm_default).serve_in_thread() as proxy,
    ):
        yield azurite, proxy
