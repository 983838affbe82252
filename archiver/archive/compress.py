"""gzip with ISA-L (`isal.igzip`): several times faster than zlib at comparable ratios.

Output is deterministic (`mtime=0`), so the same record always yields the same gzip bytes — a re-archive
after a crash uploads identical content. Any gzip reader (stdlib `gzip`, `zcat`) decodes it.
"""

from __future__ import annotations

from isal import igzip

from archiver.errors import ConfigError

MIN_LEVEL, MAX_LEVEL = 0, 3  # ISA-L's range; 3 compresses ~3% better than 2 at a third of the speed
DEFAULT_LEVEL = 2  # ISA-L's own default: ~1 GB/s on one core, ratio close to zlib level 6


def check_level(level: int) -> int:
    """`level` if it is a valid ISA-L level, else ConfigError naming `archive.gzip_level`."""
    if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise ConfigError(
            "archive.gzip_level",
            f"{level!r} is not an ISA-L level",
            f"use an integer {MIN_LEVEL}-{MAX_LEVEL}",
        )
    return level


def gzip_bytes(data: bytes, level: int = DEFAULT_LEVEL) -> bytes:
    """Compress `data` into one gzip member (mtime 0, so equal input gives equal output)."""
    return bytes(igzip.compress(data, check_level(level), mtime=0))


def gunzip_bytes(data: bytes) -> bytes:
    """Decompress gzip `data` (all members); raises `gzip.BadGzipFile`/`EOFError` on corrupt input."""
    return bytes(igzip.decompress(data))  # type: ignore[no-untyped-call]  # isal ships no stub for it
