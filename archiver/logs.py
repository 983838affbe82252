"""Structured one-line logging: `event key=value ...` as text, or one JSON object per line.

Call sites log a stable event name with %-style args (`log.info("archived id=%s bytes=%d", cid, n)`);
never log message text, tokens or secrets — the redaction filter below is a last line of defence only.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

# Last-line defence: bearer tokens / Basic credentials / storage keys that slip into a formatted message.
_SECRET_PATTERNS = re.compile(
    r"(?i)(bearer\s+|basic\s+|accountkey=|sig=|client_secret=|access_token[\"'=:\s]+)[^\s;&\"',]+"
)


def scrub(text: str) -> str:
    """Mask credential-looking substrings."""
    return _SECRET_PATTERNS.sub(lambda m: m.group(1) + "***", text)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        msg = scrub(record.getMessage())
        line = f"{ts}.{int(record.msecs):03d}Z {record.levelname:<7} {record.name} {msg}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line += f" exc={type(exc).__name__}: {scrub(str(exc))}"
        return line


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            doc["exc"] = f"{type(exc).__name__}: {scrub(str(exc))}"
        return json.dumps(doc, ensure_ascii=False)


def setup(level: str = "INFO", fmt: str = "text", stream: object = None) -> None:
    """Configure the root logger once for a process (tracebacks are one line: no multi-line records)."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(_JsonFormatter() if fmt == "json" else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log request URLs/headers at INFO (azure-core's HTTP policy logs SAS queries).
    for noisy in ("azure", "azure.core.pipeline.policies.http_logging_policy", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
