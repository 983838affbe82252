"""ISA-L gzip: valid for any gzip reader, deterministic, level validated."""

from __future__ import annotations

import gzip
import os

import pytest

from archiver.archive.compress import DEFAULT_LEVEL, gunzip_bytes, gzip_bytes
from archiver.errors import ConfigError


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("data", [b"", b"a", b"hello world " * 10_000, os.urandom(100_000)])
def test_round_trip_with_stdlib_and_isal(level: int, data: bytes) -> None:
    gz = gzip_bytes(data, level)
    assert gz[:2] == b"\x1f\x8b"
    assert gzip.decompress(gz) == data
    assert gunzip_bytes(gz) == data


def test_deterministic_output_and_default_level() -> None:
    data = b'{"schema": "archiver.conversation/v1"}' * 1000
    assert gzip_bytes(data) == gzip_bytes(data) == gzip_bytes(data, DEFAULT_LEVEL)
    assert gz_mtime(gzip_bytes(data)) == 0
    assert len(gzip_bytes(data)) < len(data) / 20


def gz_mtime(gz: bytes) -> int:
    return int.from_bytes(gz[4:8], "little")


@pytest.mark.parametrize("level", [-1, 4, 9, True, 2.0, "2"])
def test_bad_level_is_a_config_error(level: object) -> None:
    with pytest.raises(ConfigError) as info:
        gzip_bytes(b"x", level)  # type: ignore[arg-type]
    assert info.value.key == "archive.gzip_level"


def test_corrupt_input_raises() -> None:
    with pytest.raises((gzip.BadGzipFile, EOFError, OSError)):
        gunzip_bytes(b"\x1f\x8b\x08\x00garbage")
