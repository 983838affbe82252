"""Version-level WORM rules (docs/azure.md#worm) as pure state + decisions, for the WORM proxy.

One `BlobWorm` per blob (Azurite has no versioning, so "the blob" is its current version). Decisions return
an `Refusal(status, code, message)` or None; the proxy turns refusals into Azure-style XML errors.
Codes used: 409 BlobImmutableDueToPolicy / BlobImmutableDueToLegalHold (documented), 400 InvalidHeaderValue,
404 BlobNotFound. Azure documents no code for "set a policy on a container without version-level WORM" or for
shortening a Locked policy (docs/azure.md#error-codes "unknown"); the proxy answers 409
ImmutableStorageWithVersioningNotEnabled and 409 BlobImmutableDueToPolicy respectively — clients should
branch on the status, not on those two codes. Also here: request classification and listing annotation.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

POLICY = "BlobImmutableDueToPolicy"
LEGAL_HOLD = "BlobImmutableDueToLegalHold"
NOT_VLW = "ImmutableStorageWithVersioningNotEnabled"

H_UNTIL = "x-ms-immutability-policy-until-date"
H_MODE = "x-ms-immutability-policy-mode"
H_HOLD = "x-ms-legal-hold"
H_VLW = "x-ms-immutable-storage-with-versioning-enabled"
H_HAS_POLICY = "x-ms-has-immutability-policy"
_WRITE_COMPS = {None, "blocklist", "page", "appendblock"}


@dataclass(frozen=True)
class Refusal:
    """An error answer: HTTP status, `x-ms-error-code`, message."""

    status: int
    code: str
    message: str


@dataclass
class DefaultPolicy:
    """A container's default time-based policy (ARM immutabilityPolicies/default); new versions inherit it."""

    days: int
    state: str = "Unlocked"  # "Unlocked" | "Locked"
    etag: str = ""
    allow_protected_append_writes: bool = False

    def inherited(self, now: datetime) -> tuple[datetime, str]:
        """(until, mode) of a blob version created at `now` without a policy of its own."""
        return (now + timedelta(days=self.days)).replace(microsecond=0), self.state


@dataclass
class BlobWorm:
    """Protection of one blob: time-based policy (until + mode) and legal hold."""

    until: datetime | None = None
    mode: str | None = None  # "Unlocked" | "Locked"
    legal_hold: bool = False
    had_policy: bool = False  # metadata stays frozen after a policy expires (immutable-storage-overview)

    def protection(self, now: datetime) -> Refusal | None:
        """Why a delete/overwrite of this blob is refused now, or None if it is allowed."""
        if self.legal_hold:
            return Refusal(409, LEGAL_HOLD, "This operation is not permitted as the blob has a legal hold.")
        if self.mode and self.until and self.until > now:
            return Refusal(
                409, POLICY, "This operation is not permitted as the blob is immutable due to a policy."
            )
        return None

    def headers(self) -> dict[str, str]:
        """Properties headers as Get Blob / Get Blob Properties return them (mode in lowercase)."""
        out: dict[str, str] = {}
        if self.mode and self.until:
            out[H_UNTIL] = http_date(self.until)
            out[H_MODE] = self.mode.lower()
        if self.legal_hold:
            out[H_HOLD] = "true"
        return out


def http_date(moment: datetime) -> str:
    """RFC 1123 date as the service writes it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_policy(headers: dict[str, str], now: datetime) -> tuple[datetime, str] | Refusal | None:
    """(until, mode) from request headers, None when absent, Refusal when invalid."""
    raw_until, raw_mode = headers.get(H_UNTIL), headers.get(H_MODE)
    if raw_until is None and raw_mode is None:
        return None
    if raw_until is None:
        return Refusal(400, "MissingRequiredHeader", f"{H_UNTIL} is required with {H_MODE}.")
    try:
        until = parsedate_to_datetime(raw_until)
    except (TypeError, ValueError):
        return Refusal(400, "InvalidHeaderValue", f"{H_UNTIL} is not an RFC 1123 date.")
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    mode = (raw_mode or "Unlocked").capitalize()
    if mode not in {"Unlocked", "Locked"}:
        return Refusal(400, "InvalidHeaderValue", f"{H_MODE} must be Unlocked or Locked.")
    if until <= now:
        return Refusal(400, "InvalidHeaderValue", f"{H_UNTIL} must be in the future.")
    return until.replace(microsecond=0), mode


def parse_hold(headers: dict[str, str]) -> bool | Refusal | None:
    """The x-ms-legal-hold request header as a bool, None when absent."""
    raw = headers.get(H_HOLD)
    if raw is None:
        return None
    if raw.lower() not in {"true", "false"}:
        return Refusal(400, "InvalidHeaderValue", f"{H_HOLD} must be true or false.")
    return raw.lower() == "true"


class WormState:
    """Thread-safe protection table keyed by (account, container, blob), plus per-container VLW flags."""

    def __init__(self, *, vlw_default: bool = True) -> None:
        self.vlw_default = vlw_default
        self._vlw: dict[tuple[str, str], bool] = {}
        self._blobs: dict[tuple[str, str, str], BlobWorm] = {}
        self._defaults: dict[tuple[str, str], DefaultPolicy] = {}
        self._clock_offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The proxy's clock (real time plus any `advance_clock` offset)."""
        return datetime.now(UTC) + self._clock_offset

    def advance_clock(self, delta: timedelta) -> None:
        """Move the proxy's clock forward, to test expiry without waiting."""
        with self._lock:
            self._clock_offset += delta

    def reset_clock(self) -> None:
        """Back to real time."""
        with self._lock:
            self._clock_offset = timedelta()

    def set_vlw(self, account: str, container: str, enabled: bool | None) -> None:
        """Per-container version-level WORM switch (None: back to the default)."""
        with self._lock:
            if enabled is None:
                self._vlw.pop((account, container), None)
            else:
                self._vlw[(account, container)] = enabled

    def vlw(self, account: str, container: str) -> bool:
        """Whether the container reports version-level immutability."""
        return self._vlw.get((account, container), self.vlw_default)

    def default_policy(self, account: str, container: str) -> DefaultPolicy | None:
        """The container's default policy, if an administrator set one."""
        with self._lock:
            return self._defaults.get((account, container))

    def put_default(self, account: str, container: str, policy: DefaultPolicy | None) -> None:
        """Store (or with None remove) a container's default policy; the ARM rules live in wormadmin."""
        with self._lock:
            if policy is None:
                self._defaults.pop((account, container), None)
            else:
                self._defaults[(account, container)] = policy

    def get(self, key: tuple[str, str, str]) -> BlobWorm | None:
        """Protection of one blob (None: not seen through the proxy)."""
        with self._lock:
            return self._blobs.get(key)

    def put(self, key: tuple[str, str, str], worm: BlobWorm) -> None:
        """Record a new current version."""
        with self._lock:
            self._blobs[key] = worm

    def drop(self, key: tuple[str, str, str]) -> None:
        """Forget a deleted blob."""
        with self._lock:
            self._blobs.pop(key, None)

    def drop_container(self, account: str, container: str) -> None:
        """Forget every blob of a deleted container."""
        with self._lock:
            for k in [k for k in self._blobs if k[:2] == (account, container)]:
                del self._blobs[k]

    def protected_in(self, account: str, container: str) -> Refusal | None:
        """First refusal among a container's blobs (a container holding protected blobs cannot be deleted)."""
        now = self.now()
        with self._lock:
            items = [w for k, w in self._blobs.items() if k[:2] == (account, container)]
        for w in items:
            refusal = w.protection(now)
            if refusal is not None:
                return refusal
        return None

    def set_policy(self, key: tuple[str, str, str], until: datetime, mode: str) -> Refusal | None:
        """Set Blob Immutability Policy: a Locked policy can only be extended and stays Locked."""
        with self._lock:
            cur = self._blobs.get(key)
            if cur is None:
                return Refusal(404, "BlobNotFound", "The specified blob does not exist.")
            if cur.mode == "Locked":
                if mode != "Locked":
                    return Refusal(409, POLICY, "A Locked immutability policy cannot be changed to Unlocked.")
                if cur.until is not None and until < cur.until:
                    return Refusal(409, POLICY, "A Locked immutability policy can only be extended.")
            cur.until, cur.mode, cur.had_policy = until, mode, True
            return None

    def delete_policy(self, key: tuple[str, str, str]) -> Refusal | None:
        """Delete Blob Immutability Policy: only while Unlocked."""
        with self._lock:
            cur = self._blobs.get(key)
            if cur is None:
                return Refusal(404, "BlobNotFound", "The specified blob does not exist.")
            if cur.mode == "Locked":
                return Refusal(409, POLICY, "A Locked immutability policy cannot be deleted.")
            cur.until, cur.mode = None, None
            return None

    def set_hold(self, key: tuple[str, str, str], hold: bool) -> Refusal | None:
        """Set Blob Legal Hold."""
        with self._lock:
            cur = self._blobs.get(key)
            if cur is None:
                return Refusal(404, "BlobNotFound", "The specified blob does not exist.")
            cur.legal_hold = hold
            return None


def classify(method: str, path: str, query: dict[str, str]) -> tuple[str, str, str, str]:
    """(operation, account, container, blob) for a path-style request; operation names are stable API."""
    parts = path.lstrip("/").split("/", 2)
    account = parts[0] if parts else ""
    container = parts[1] if len(parts) > 1 else ""
    blob = parts[2] if len(parts) > 2 else ""
    comp, restype = query.get("comp"), query.get("restype")
    if not blob:
        if not container:
            return (
                ("list_containers" if comp == "list" else f"service_{comp or method.lower()}"),
                account,
                "",
                "",
            )
        if restype == "container" and comp is None:
            op = {"GET": "container_properties", "HEAD": "container_properties", "PUT": "create_container",
                  "DELETE": "delete_container"}.get(method, "container_other")  # fmt: skip
            return op, account, container, ""
        if comp == "list":
            return "list_blobs", account, container, ""
        if comp == "blobs":
            return "find_blobs", account, container, ""
        return f"container_{comp or method.lower()}", account, container, ""
    if comp == "immutabilityPolicies":
        return ("delete_policy" if method == "DELETE" else "set_policy"), account, container, blob
    if comp == "legalhold":
        return "set_legal_hold", account, container, blob
    if method == "PUT" and comp in _WRITE_COMPS:
        return ("put_blob" if comp is None else f"put_{comp}"), account, container, blob
    if method == "PUT" and comp == "metadata":
        return "set_metadata", account, container, blob
    if method == "DELETE" and comp is None:
        return "delete_blob", account, container, blob
    if method in {"GET", "HEAD"} and comp is None:
        return ("get_blob" if method == "GET" else "get_properties"), account, container, blob
    return f"blob_{comp or method.lower()}", account, container, blob


def annotate_listing(
    state: WormState, op: str, account: str, container: str, query: dict[str, str], body: bytes
) -> bytes:
    """Add WORM properties to List Containers / List Blobs XML, as Azure returns them."""
    include = set(query.get("include", "").lower().split(","))
    try:
        root = ET.fromstring(body)  # noqa: S314 - our own Azurite's answer
    except ET.ParseError:
        return body
    if op == "list_containers":
        for item in root.iter("Container"):
            name, props = item.findtext("Name") or "", item.find("Properties")
            if props is not None:
                flag = "true" if state.vlw(account, name) else "false"
                ET.SubElement(props, "ImmutableStorageWithVersioningEnabled").text = flag
                has = props.find("HasImmutabilityPolicy")
                if has is None:
                    has = ET.SubElement(props, "HasImmutabilityPolicy")
                has.text = "true" if state.default_policy(account, name) is not None else "false"
    elif include & {"immutabilitypolicy", "legalhold"}:
        for item in root.iter("Blob"):
            cur = state.get((account, container, item.findtext("Name") or ""))
            props = item.find("Properties")
            if cur is None or props is None:
                continue
            if "immutabilitypolicy" in include and cur.mode and cur.until:
                ET.SubElement(props, "ImmutabilityPolicyUntilDate").text = http_date(cur.until)
                ET.SubElement(props, "ImmutabilityPolicyMode").text = cur.mode.lower()
            if "legalhold" in include:
                ET.SubElement(props, "LegalHold").text = "true" if cur.legal_hold else "false"
    else:
        return body
    xml = bytes(ET.tostring(root, encoding="utf-8", xml_declaration=False))
    return b'<?xml version="1.0" encoding="utf-8"?>' + xml
