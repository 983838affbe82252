"""`archiver redact` as a subprocess: one line out per line in, stats, options, byte-exactness."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.redact import Redactor
from archiver.redact.cli import redact_stream

ARCHIVER = Path(sys.executable).parent / "archiver"


def run(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [str(ARCHIVER)] if ARCHIVER.exists() else [sys.executable, "-m", "archiver"]
    return subprocess.run([*cmd, "redact", *args], input=stdin, capture_output=True, timeout=60, check=False)


def test_done_when_example() -> None:
    proc = run(b"card 4111 1111 1111 1111\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"card [REDACTED:CREDIT_CARD]\n"


def test_lines_stats_and_invalid_utf8_pass_through() -> None:
    data = b"ssn 123-45-6789\n\nlatin1 caf\xe9 4155550132\r\nno newline at end a@b.co"
    proc = run(data, "--stats")
    assert proc.returncode == 0
    assert proc.stdout == (
        b"ssn [REDACTED:US_SSN]\n\nlatin1 caf\xe9 [REDACTED:PHONE]\r\nno newline at end [REDACTED:EMAIL]"
    )
    stats = dict(line.split("\t") for line in proc.stderr.decode().splitlines())
    five = {k: stats.pop(k) for k in ("CREDIT_CARD", "US_SSN", "EMAIL", "PHONE", "IBAN", "TOTAL")}
    assert five == {"CREDIT_CARD": "0", "US_SSN": "1", "EMAIL": "1", "PHONE": "1", "IBAN": "0", "TOTAL": "3"}
    assert set(stats.values()) == {"0"} and len(stats) == 18  # every other type, none found


def test_options_types_token_and_masking() -> None:
    data = b"4111-1111-1111-1111 a@b.co 123-45-6789\n"
    proc = run(data, "--types", "credit_card,EMAIL", "--token", "<{type}>", "--mask-cards")
    assert proc.stdout == b"****-****-****-1111 <EMAIL> 123-45-6789\n"


@pytest.mark.parametrize("args", [["--types", "NOPE"], ["--token", "no placeholder"], ["--token", "{other}"]])
def test_bad_options_exit_with_config_code_and_name_the_key(args: list[str]) -> None:
    proc = run(b"x\n", *args)
    assert proc.returncode == 3
    assert b"redaction." in proc.stderr and b"fix:" in proc.stderr
    assert proc.stdout == b""


def test_streaming_many_lines_exactly_one_output_line_each(tmp_path: Path) -> None:
    lines = [
        f"line {i} card 4111 1111 1111 1111 phone 415-555-{i % 10000:04d} ok".encode() for i in range(30000)
    ]
    data = b"\n".join(lines) + b"\n"
    proc = run(data)
    out = proc.stdout.split(b"\n")
    assert len(out) == len(lines) + 1 and out[-1] == b""
    assert all(b"4111 1111" not in line and b"[REDACTED:CREDIT_CARD]" in line for line in out[:-1])


def test_overlong_line_is_cut_at_a_safe_space() -> None:
    import io

    filler = b"word " * 400_000  # 2 MB without a newline
    data = filler + b"card 4111 1111 1111 1111 " + filler + b"end\n"
    dst = io.BytesIO()
    counts = redact_stream(Redactor(), io.BytesIO(data), dst, block=64 * 1024)
    assert counts == {"CREDIT_CARD": 1}
    assert dst.getvalue() == filler + b"card [REDACTED:CREDIT_CARD] " + filler + b"end\n"


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "archiver", "redact"],
        input=b"mail John.Doe@Example.COM\n",
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ},
    )
    assert proc.stdout == b"mail [REDACTED:EMAIL]\n"


def test_list_types_prints_every_type_with_an_example_that_is_redacted() -> None:
    from archiver.redact import PII_TYPES
    from archiver.redact.cli import EXAMPLES

    proc = run(b"", "--list-types")
    assert proc.returncode == 0
    listed = [line.split(None, 1) for line in proc.stdout.decode().splitlines()]
    assert [kind for kind, _ in listed] == list(PII_TYPES)
    r = Redactor()
    for kind, example in listed:
        assert example == EXAMPLES[kind]
        assert f"[REDACTED:{kind}]" in r.redact(example).text, example


def test_types_and_config_custom_patterns(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[redaction.custom]]\nname = "TICKET"\npattern = "TCK-[0-9]{5}"\n')
    proc = run(b"TCK-12345 cvv 123 a@b.co\n", "--config", str(cfg), "--stats")
    assert proc.stdout == b"[REDACTED:TICKET] cvv [REDACTED:CARD_CVV] [REDACTED:EMAIL]\n"
    assert b"TICKET\t1" in proc.stderr
    proc = run(b"TCK-12345 cvv 123 a@b.co\n", "--config", str(cfg), "--types", "EMAIL")
    assert proc.stdout == b"TCK-12345 cvv 123 [REDACTED:EMAIL]\n"
