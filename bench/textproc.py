"""Pool entry point for plain text: redact, gzip, hash — one picklable call per document.

The sha256 is of the UNCOMPRESSED redacted bytes: that is what archive metadata carries and what an auditor
re-computes after `gunzip`, independent of the gzip level or library.
"""

from __future__ import annotations

import hashlib

from archiver.archive.compress import DEFAULT_LEVEL, gzip_bytes


def redact_and_compress(raw: bytes, level: int = DEFAULT_LEVEL) -> tuple[bytes, str, dict[str, int]]:
    """UTF-8 text in; (gzip of the redacted text, sha256 hex of the redacted text, per-type counts) out."""
    from archiver.pool import worker_redactor  # the per-process redactor (built once per worker)

    redacted, counts = worker_redactor().redact_utf8(raw)
    return gzip_bytes(redacted, level), hashlib.sha256(redacted).hexdigest(), counts
