"""Structured logs: with format = "json" every line is one JSON object whose key=value pairs are fields."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from archiver import logs

AWKWARD = [
    "quote \" and 'single'",
    "spaces and key=value inside",
    "back\\slash, comma; colon: x",
    "new\nline\ttab",
    "ünïcødé ✓",
    "",
]


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    logs.setup("DEBUG", "json", buf)
    try:
        yield logging.getLogger("archiver.test"), buf
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def lines(buf: io.StringIO) -> list[dict[str, object]]:
    out = buf.getvalue().splitlines()
    return [json.loads(line) for line in out]  # every line is one JSON object, nothing else


def test_each_key_value_is_its_own_typed_field(capture: tuple[logging.Logger, io.StringIO]) -> None:
    log, buf = capture
    log.info("archived id=%s created=%s messages=%d bytes=%d ratio=%.2f", "c-1", True, 3, 400, 0.126)
    (doc,) = lines(buf)
    assert doc["level"] == "info" and doc["logger"] == "archiver.test" and doc["event"] == "archived"
    assert str(doc["time"]).endswith("Z")
    assert {k: doc[k] for k in ("id", "created", "messages", "bytes", "ratio")} == {
        "id": "c-1",
        "created": True,
        "messages": 3,
        "bytes": 400,
        "ratio": 0.13,
    }
    assert "msg" not in doc  # the whole line is fields: no duplicate free-text copy


@pytest.mark.parametrize("value", AWKWARD)
def test_awkward_values_round_trip(capture: tuple[logging.Logger, io.StringIO], value: str) -> None:
    log, buf = capture
    log.warning("retry id=%s cause=%s attempt=%d", value, value + "=x", 2)
    (doc,) = lines(buf)
    assert doc["event"] == "retry"
    assert doc["id"] == value and doc["cause"] == value + "=x" and doc["attempt"] == 2


def test_literal_values_composite_values_and_prose(capture: tuple[logging.Logger, io.StringIO]) -> None:
    log, buf = capture
    log.info("writeback_skipped id=%s reason=no_customer_participant", "c-2")
    log.info("metrics_listening url=http://%s:%d/metrics", "127.0.0.1", 9464)
    log.warning("release_failed id=%s (the lease will expire)", "c-3")
    skipped, listening, release = lines(buf)
    assert skipped["reason"] == "no_customer_participant" and "msg" not in skipped
    assert listening["url"] == "http://127.0.0.1:9464/metrics"
    # Prose that is not key=value is kept whole in `msg`, next to the fields.
    assert release["id"] == "c-3" and release["msg"] == "release_failed id=c-3 (the lease will expire)"


def test_reserved_keys_cannot_be_shadowed(capture: tuple[logging.Logger, io.StringIO]) -> None:
    log, buf = capture
    log.info("odd level=%s event=%s time=%s", "x", "y", "z")
    (doc,) = lines(buf)
    assert doc["level"] == "info" and doc["event"] == "odd"
    assert (doc["field_level"], doc["field_event"], doc["field_time"]) == ("x", "y", "z")


def test_secrets_never_reach_a_field(capture: tuple[logging.Logger, io.StringIO]) -> None:
    log, buf = capture
    log.info(
        "auth client_secret=%s header=%s url=%s",
        "s3cr3t-value",
        "Bearer eyJhbGciOi.secret",
        "https://acct.blob.core.windows.net/c?sv=1&sig=SIGNATURE",
    )
    log.error("fatal task=%s error=%s: %s", "listener", "GenesysAuthError", "Basic dXNlcjpwYXNz")
    text = buf.getvalue()
    for secret in ("s3cr3t-value", "eyJhbGciOi", "SIGNATURE", "dXNlcjpwYXNz"):
        assert secret not in text
    auth, fatal = lines(buf)
    assert auth["client_secret"] == "***" and auth["header"] == "Bearer ***"
    assert fatal["task"] == "listener" and fatal["error"] == "GenesysAuthError"


def test_exceptions_are_one_field_on_the_same_line(capture: tuple[logging.Logger, io.StringIO]) -> None:
    log, buf = capture
    try:
        raise ValueError("cannot do thing: token=abc")
    except ValueError:
        log.exception("crashed task=%s", "listener")
    (doc,) = lines(buf)
    assert doc["task"] == "listener" and str(doc["exc"]).startswith("ValueError: cannot do thing")


def test_text_format_is_unchanged() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    logs.setup("INFO", "text", buf)
    try:
        logging.getLogger("archiver.test").info("archived id=%s note=%s", "c-1", "two words")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    line = buf.getvalue().rstrip("\n")
    assert line.endswith("Z INFO    archiver.test archived id=c-1 note=two words")
    assert line[:4].isdigit() and line.count("\n") == 0
