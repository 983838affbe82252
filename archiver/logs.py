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


# One %-placeholder (or the `%%` escape, which takes no argument), as the logging module formats them.
_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_KEY_VALUE = re.compile(r"([A-Za-z_][\w.-]*)=(.*)", re.DOTALL)
# Reserved keys of the JSON line: a call-site key of the same name is prefixed so it cannot shadow them.
_RESERVED = frozenset({"time", "level", "logger", "event", "msg", "exc"})


def _scrub_field(key: str, text: str) -> str:
    # Scrubbed as `key=value`, exactly as the text line would be (`client_secret=…` is caught by its key).
    return scrub(f"{key}={text}")[len(key) + 1 :]


def _typed(key: str, value: object, spec: str) -> object:
    """A JSON-native value for one argument: numbers stay numbers, everything else is its (scrubbed) text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and spec[-1] in "sdifgGeE":
        if spec[-1] in "di":
            return int(value)
        return float(spec % value) if "." in spec else value
    return _scrub_field(key, spec % (value,))


def event_fields(template: str, args: tuple[object, ...]) -> tuple[str, dict[str, object], bool]:
    """Split a `event k=%s k2=v …` call into (event, {k: value, …}, has_free_text).

    Works on the template, never on the formatted line, so a value with spaces, quotes or `=` stays one
    field. Tokens that are not key=value (prose such as "(the lease will expire)") set has_free_text.
    """
    tokens = template.split()
    event = tokens[0] if tokens and "%" not in tokens[0] and "=" not in tokens[0] else ""
    fields: dict[str, object] = {}
    free = False
    i = 0
    for token in tokens[1:] if event else tokens:
        specs = [m.group(0) for m in _PLACEHOLDER.finditer(token)]
        used = [s for s in specs if s != "%%"]
        mine, i = args[i : i + len(used)], i + len(used)
        kv = _KEY_VALUE.fullmatch(token)
        if kv is None or len(mine) != len(used):
            free = True
            continue
        key, rest = kv.group(1), kv.group(2)
        if key in _RESERVED:
            key = f"field_{key}"
        bare = rest.rstrip(":,;")
        if len(used) == 1 and bare == used[0]:
            fields[key] = _typed(key, mine[0], used[0])
            free = free or bare != rest  # "error=%s: %s" — the text after the colon is prose
        else:
            fields[key] = _scrub_field(key, rest % mine if used else rest.replace("%%", "%"))
    if i != len(args):
        raise TypeError("not all arguments converted during string formatting")
    return event, fields, free


class _JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, then every key=value as its own field."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        args = record.args if isinstance(record.args, tuple) else None
        template = record.msg if isinstance(record.msg, str) else None
        try:
            parsed = event_fields(template, args or ()) if template is not None else None
        except (TypeError, ValueError):  # a call whose args do not fit its template: keep the line
            parsed = None
        if parsed is None or (record.args and args is None):
            words = scrub(record.getMessage()).split(" ", 1)
            doc["event"] = words[0]
            doc["msg"] = scrub(record.getMessage())
        else:
            event, fields, free = parsed
            doc["event"] = event
            doc.update(fields)
            if free or not event:
                doc["msg"] = scrub(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            doc["exc"] = f"{type(exc).__name__}: {scrub(str(exc))}"
        return json.dumps(doc, ensure_ascii=False, default=str)


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


def setup_for_command(level: str, fmt: str) -> None:
    """Logging for a foreground command whose own output is the report (demo, backfill, verify): the default
    level INFO becomes WARNING so the progress and report stay readable; a level chosen on purpose is kept."""
    setup("WARNING" if level == "INFO" else level, fmt)
