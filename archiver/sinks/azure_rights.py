"""What each Azure sink operation needs (RBAC data action / SAS letter), and the fallbacks when a right is
missing: Storage Blob Data Contributor, the usual least-privilege role, cannot read index tags
(`tags/read`) or search them (`filter/action`). Those two only speed up or decorate a lookup, so a 403 there
falls back to blob metadata / a listing, is logged once per sink, and is counted
(`archiver_sink_permission_fallbacks`). Rights the archive itself depends on (write, read, the policy) are
never worked around. See docs/azure.md "RBAC: what each role allows".
"""

from __future__ import annotations

import collections
import logging
import threading

log = logging.getLogger(__name__)

_DATA = "Microsoft.Storage/storageAccounts/blobServices/containers"
# What a 403 on each operation means, in the operator's terms (role data action + SAS letter).
NEEDS_CONTAINER_READ = (
    f"{_DATA}/read (in Storage Blob Data Contributor; with a SAS: an account SAS with srt=co and sp=r, "
    "because a container SAS cannot read container properties)"
)
NEEDS_WRITE = f"{_DATA}/blobs/write (in Storage Blob Data Contributor; SAS letter w)"
NEEDS_READ = (
    f"{_DATA}/blobs/read (in Storage Blob Data Contributor; SAS letter r, and l to look an archive up by "
    "conversation id alone)"
)
NEEDS_SUPER_USER = (
    f"{_DATA}/blobs/write (SAS letter w) or {_DATA}/blobs/immutableStorage/runAsSuperUser/action, "
    "needed to send a per-blob immutability policy or legal hold (not in Storage Blob Data Contributor: "
    "grant it through a custom role or Storage Blob Data Owner; SAS letter i), or use "
    'sink.azure.policy_source = "container" with a Locked container default policy, which needs no such right'
)
TAGS_READ = "tags/read"
FILTER = "filter/action"


class PermissionFallbacks:
    """Counts lookups that fell back because a right was missing; warns once per right."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def missing(self, right: str, fallback: str) -> None:
        """Record one fallback for `right` (e.g. "tags/read"); the first one is logged as a warning."""
        with self._lock:
            first = right not in self.counts
            self.counts[right] += 1
        if first:
            log.warning(
                "sink permission missing right=%s/blobs/%s fallback=%s (logged once; counted in "
                "archiver_sink_permission_fallbacks; Storage Blob Data Contributor lacks it, the archive "
                "itself is unaffected)",
                _DATA,
                right,
                fallback,
            )
