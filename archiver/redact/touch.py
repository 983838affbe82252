"""How a candidate touches its neighbours: free, joined to a word by a separator, or glued into a token."""

from __future__ import annotations

import re

from archiver.redact.emails import no_space_script

_WORD_ASCII = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_JOINERS = frozenset(b"-./_")  # `ORD-4155550132`, `4155550132.00`: a separator glued to a word continues it
# `415-555-0132 x12`, `…0132ext.45`: an extension glued to a number does not make it part of a word
_EXTENSION = re.compile(rb"(?i)(?:x|ext\.?)\d{1,6}\b")


# the ordinal indicators of `nº 4111…`, `Nª`: letters to Unicode, but they end an abbreviation
_ORDINALS = frozenset("ºª")
# abbreviations a dot ends before a number (`No.123-45-6789`, `ph.415-555-0132`, `Tel.+41…`): the dot
# separates them from the number rather than joining a token like `ORD-4155550132` or `v.2`
_ABBREVIATIONS = frozenset(
    b"no nos nr nro num nbr ph tel tlf telf mob cel cell fax ssn acct acc n tfno telef".split()
)
_ABBREVIATION_BEFORE = re.compile(rb"(?<![A-Za-z])([A-Za-z]{1,5})\.$")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() and not no_space_script(ch) and ch not in _ORDINALS


def _char_before(data: bytes, pos: int) -> str:
    start = pos - 1
    while start > 0 and pos - start < 4 and 0x80 <= data[start] < 0xC0:
        start -= 1
    return data[start:pos].decode("utf-8", "replace")[-1:]


def _char_after(data: bytes, pos: int) -> str:
    return data[pos : pos + 4].decode("utf-8", "replace")[:1]


# How a candidate touches its neighbours: FREE, JOINED (`ORD-4111…`, `4155550132.00`: a separator glued to
# a word) or GLUED (`x4111…`, `é4111…`, `…39%`: directly part of a longer token).
FREE, JOINED, GLUED = 0, 1, 2


def touch_before(data: bytes, pos: int) -> int:
    if pos == 0:
        return FREE
    b = data[pos - 1]
    if b < 0x80:
        if b in _WORD_ASCII:
            return GLUED
        if b not in _JOINERS or pos < 2 or data[pos - 2] not in _WORD_ASCII:
            return FREE
        if b == 0x2E:  # `No.123-45-6789`: an abbreviation's dot
            m = _ABBREVIATION_BEFORE.search(data, max(0, pos - 7), pos)
            if m is not None and m.group(1).lower() in _ABBREVIATIONS:
                return FREE
        return JOINED
    return GLUED if _is_word_char(_char_before(data, pos)) else FREE


def touch_after(data: bytes, pos: int) -> int:
    if pos >= len(data):
        return FREE
    b = data[pos]
    if b < 0x80:
        if b in _WORD_ASCII or b == 0x25:  # `… 39%` is a percentage, not the end of a number
            # an extension, only after a full last group: `…0132x12`, not `… 97 1x4` (a size)
            ext = b in b"xXeE" and data[pos - 2 : pos].isdigit() and _EXTENSION.match(data, pos)
            return FREE if ext else GLUED
        if pos + 1 < len(data) and (b in _JOINERS or b == 0x3A):  # `… 01:54`: the hour of a time
            return JOINED if data[pos + 1] in _WORD_ASCII else FREE
        return FREE
    return GLUED if _is_word_char(_char_after(data, pos)) else FREE


def glued_after(data: bytes, pos: int) -> bool:
    return touch_after(data, pos) != FREE


def accept(kind: str | None, before: int, after: int) -> bool:
    """Glued tokens are never PII; joined ones only when self-validating (a Luhn-valid card)."""
    if kind is None or before == GLUED or after == GLUED:
        return False
    return kind == "CREDIT_CARD" or (before == FREE and after == FREE)


# Markdown, Slack and WhatsApp emphasis: `_4111 1111 1111 1111_`, `_jane@example.com_`. An underscore that
# opens a token (after a space or an opening sign, before a letter or digit) or closes one (after a letter
# or digit, before a space, punctuation or the end) is formatting: `\b` and the touch rules would otherwise
# read it as part of the value's token. `john_doe@…`, `order_4155550132` keep theirs.
_SPACES = frozenset(b" \t\r\n\x00")
_OPEN_BEFORE = _SPACES | frozenset(b"([\"'*~>")
_OPEN_AFTER = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz(+")
_CLOSE_BEFORE = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz).")
_CLOSE_AFTER = _SPACES | frozenset(b".,;:!?)]\"'*~")


def unemphasize(data: bytes) -> bytes:
    """`data` with its emphasis underscores as spaces: the same length, so every offset stays valid."""
    pos = data.find(b"_")
    if pos < 0:
        return data
    out: bytearray | None = None
    size = len(data)
    while pos >= 0:
        end = pos + 1
        while end < size and data[end] == 0x5F:
            end += 1
        before = data[pos - 1] if pos else 0x20
        after = data[end] if end < size else 0x20
        if (before in _OPEN_BEFORE and after in _OPEN_AFTER) or (
            before in _CLOSE_BEFORE and after in _CLOSE_AFTER
        ):
            if out is None:
                out = bytearray(data)
            out[pos:end] = b" " * (end - pos)
        pos = data.find(b"_", end)
    return data if out is None else bytes(out)
