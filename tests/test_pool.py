"""The spawn pool: real worker processes, results equal to in-process, per-worker redactor config."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from collections.abc import Iterator

import pytest

from archiver.archive.compress import gunzip_bytes
from archiver.errors import ConfigError, TransientError
from archiver.pool import CpuPool, worker_redactor
from archiver.redact import RedactConfig, Redactor
from archiver.synth import generate_transcript
from bench.textproc import redact_and_compress


def _pid() -> int:
    return os.getpid()


def _start_method() -> str:
    import multiprocessing

    return multiprocessing.get_start_method()


def _worker_config() -> RedactConfig:
    return worker_redactor().config


def _die() -> None:
    os._exit(9)


@pytest.fixture(scope="module")
def pool() -> Iterator[CpuPool]:
    with CpuPool(2) as p:
        p.warm()
        yield p


def _docs(n: int) -> list[bytes]:
    rng = random.Random(5)
    return ["\n".join(t.text for t in generate_transcript(rng).turns).encode() for _ in range(n)]


async def test_runs_in_spawned_worker_processes(pool: CpuPool) -> None:
    pids = set(await asyncio.gather(*(pool.run(_pid) for _ in range(8))))
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    assert await pool.run(_start_method) == "spawn"


async def test_results_equal_in_process(pool: CpuPool) -> None:
    docs = _docs(40)
    results = await asyncio.gather(*(pool.run(redact_and_compress, d) for d in docs))
    local = Redactor()
    for doc, (gz, sha, counts) in zip(docs, results, strict=True):
        expected, expected_counts = local.redact_utf8(doc)
        assert gunzip_bytes(gz) == expected
        assert sha == hashlib.sha256(expected).hexdigest()  # of the uncompressed redacted bytes
        assert counts == expected_counts
    assert sum(sum(c.values()) for _, _, c in results) > 0


async def test_initializer_config_reaches_workers() -> None:
    config = RedactConfig(enabled_types=("EMAIL",), token_format="<{type}>")
    with CpuPool(1, config) as p:
        assert await p.run(_worker_config) == config
        gz, _, counts = await p.run(redact_and_compress, b"a@b.co 4111111111111111")
        assert gunzip_bytes(gz) == b"<EMAIL> 4111111111111111" and counts == {"EMAIL": 1}


def test_bad_config_fails_in_the_parent() -> None:
    with pytest.raises(ConfigError):
        CpuPool(1, RedactConfig(enabled_types=("NOPE",)))


async def test_dead_worker_gives_transient_error_then_pool_recovers() -> None:
    with CpuPool(1) as p:
        with pytest.raises(TransientError):
            await p.run(_die)
        assert await p.run(_pid) != os.getpid()


def test_redact_and_compress_in_process_without_initializer() -> None:
    gz, sha, counts = redact_and_compress(b"ssn 123-45-6789\n")
    assert gunzip_bytes(gz) == b"ssn [REDACTED:US_SSN]\n"
    assert counts == {"US_SSN": 1}
    assert sha == hashlib.sha256(b"ssn [REDACTED:US_SSN]\n").hexdigest()
