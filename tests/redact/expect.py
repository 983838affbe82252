"""What a text reads once its listed values are redacted: the tables' expected output."""

from __future__ import annotations


def redacted(text: str, values: list[tuple[str, str]]) -> str:
    """`text` with each (value, type), found in order from left to right, replaced by its type's token."""
    out, pos = [], 0
    for value, kind in values:
        at = text.index(value, pos)
        out += [text[pos:at], f"[REDACTED:{kind}]"]
        pos = at + len(value)
    return "".join(out) + text[pos:]
