"""The redactor: one RE2 pass over UTF-8 bytes finds candidates, validators confirm, typed tokens replace.

Hot path: encode once, let RE2 find the candidates of the combined pattern, run Python only per candidate,
splice the output from byte slices. `redact_many` joins messages with NUL (which no pattern can match), so
RE2 is entered once per batch rather than once per message, and rebuilds only the messages that held PII.
Non-ASCII text costs one more DFA pass to look for characters that hide digits (foreign digits, full-width
forms, invisible and combining marks); when there are some, candidates are found in the normalized `View`
and the matching ORIGINAL bytes are replaced.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from itertools import compress
from operator import sub
from typing import NamedTuple

import msgspec

from archiver.errors import ConfigError
from archiver.redact.candidates import Finder, Hit
from archiver.redact.custom import CustomPattern
from archiver.redact.custom import check as check_custom
from archiver.redact.custom import source as custom_source
from archiver.redact.extra import Alt, Extra, builtin_alts, re2_source
from archiver.redact.known import DEFAULT_ATTRIBUTES, KnownValue, known_values, redact_known
from archiver.redact.normalize import view_of
from archiver.redact.numbers import CARD
from archiver.redact.split import card_pieces
from archiver.redact.validators import PII_TYPES

REDACTOR_VERSION = "archiver-redact/1"
_SLICE = 16384  # texts per joined batch in redact_many


class RedactConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which PII types to redact and how the replacement reads."""

    enabled_types: tuple[str, ...] = PII_TYPES
    token_format: str = "[REDACTED:{type}]"  # noqa: S105 - a template, not a password
    mask_cards_last4: bool = False  # PCI-style `**** **** **** 1111` instead of the card token
    custom: tuple[CustomPattern, ...] = ()  # operator patterns, `[[redaction.custom]]` (custom.py)
    known_value_attributes: tuple[str, ...] = DEFAULT_ATTRIBUTES  # customer attributes to redact (known.py)
    agent_names: bool = False  # also redact the agents' own names where they appear


class Redaction(NamedTuple):
    """The redacted text and how many values of each type were replaced."""

    text: str
    counts: dict[str, int]


def _check(config: RedactConfig) -> dict[str, bytes]:
    """Validate `config`; return the replacement token of each type."""
    check_custom(config.custom)
    for name in config.enabled_types:
        if name not in PII_TYPES:
            raise ConfigError(
                "redaction.enabled_types", f"unknown PII type {name!r}", f"use any of {', '.join(PII_TYPES)}"
            )
    fmt = config.token_format
    try:
        tokens = {t: fmt.format(type=t) for t in (*PII_TYPES, *(c.name for c in config.custom))}
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ConfigError(
            "redaction.token_format", f"cannot format {fmt!r} ({exc!r})", "use only the {type} placeholder"
        ) from exc
    if "{type}" not in fmt or any(c in fmt for c in "\n\r\x00"):
        raise ConfigError(
            "redaction.token_format",
            f"{fmt!r} lacks {{type}} or holds a line break or NUL",
            'use a one-line format containing {type}, e.g. "[REDACTED:{type}]"',
        )
    return {t: tok.encode("utf-8", "surrogatepass") for t, tok in tokens.items()}


class Redactor:
    """Finds and replaces PII; build one per process and reuse it (it holds no per-call state)."""

    def __init__(self, config: RedactConfig = RedactConfig()) -> None:  # noqa: B008 - frozen, immutable
        self.config = config
        self._tokens = _check(config)
        self._str_tokens = {t: tok.decode("utf-8", "surrogatepass") for t, tok in self._tokens.items()}
        self._mask = config.mask_cards_last4
        enabled = frozenset(config.enabled_types)
        alts = builtin_alts(enabled) + [
            Alt(c.name, custom_source(c), c.cues, c.validator) for c in config.custom
        ]
        enabled |= {c.name for c in config.custom}
        self._card_pieces = CARD in enabled  # a card sent in pieces over several messages (split.py)
        self._finder = Finder(enabled, Extra(alts, enabled) if alts else None, re2_source(alts))

    def redact(self, text: str) -> Redaction:
        """Replace every PII value in `text` by its token; all other characters are kept as they are."""
        counts: dict[str, int] = {}
        data = text.encode("utf-8", "surrogatepass")  # lone surrogates survive the round trip
        out = self._redact(data, counts, text.isascii())
        return Redaction(out.decode("utf-8", "surrogatepass") if out is not data else text, counts)

    def redact_many(
        self, texts: Iterable[str], known: tuple[KnownValue, ...] = ()
    ) -> tuple[list[str], dict[str, int]]:
        """Redact each text; return the texts in order and the counts summed over all of them.

        `known`: (type, value) pairs the conversation says are the customer's (`known_values_of`); every
        occurrence is replaced too (known.py).
        """
        items = texts if isinstance(texts, list) else list(texts)
        out, counts = self._redact_many(items)
        if self._card_pieces:
            for run in card_pieces(items):
                if any(out[i] is not items[i] for i in run):
                    continue  # a piece was a value of its own already
                for i in run:
                    out[i] = self._str_tokens[CARD]
                counts[CARD] = counts.get(CARD, 0) + 1
        if known:
            out = redact_known(out, known, self._str_tokens, counts)
        return out, counts

    def known_values_of(self, raws: list[bytes]) -> tuple[KnownValue, ...]:
        """The known values in raw conversation JSON payloads, per this redactor's configuration."""
        return known_values(raws, self.config.known_value_attributes, self.config.agent_names)

    def _redact_many(self, items: list[str]) -> tuple[list[str], dict[str, int]]:
        if len(items) > _SLICE:  # slices keep the joined batch in cache: ~30% faster on 20 MB
            out: list[str] = []
            counts: dict[str, int] = {}
            for i in range(0, len(items), _SLICE):
                part, part_counts = self._redact_many(items[i : i + _SLICE])
                out += part
                for kind, n in part_counts.items():
                    counts[kind] = counts.get(kind, 0) + n
            return out, counts
        out = list(items)
        counts = {}
        # ASCII and non-ASCII texts go in separate batches: joining them would widen every ASCII text to
        # the widest str kind, and only the non-ASCII batch needs the look-alike scan. map/compress keep
        # the per-text work in C; only texts that hold PII are rebuilt.
        flags = list(map(str.isascii, items))
        if all(flags):
            self._batch(items, _Identity(), out, counts, True)
            return out, counts
        if not any(flags):  # a conversation in another script: one batch, nothing to split
            self._batch(items, _Identity(), out, counts, False)
            return out, counts
        others = _falses(flags)  # usually the few
        self._batch(list(compress(items, flags)), _Skipping(others), out, counts, True)
        self._batch([items[i] for i in others], others, out, counts, False)
        return out, counts

    def _batch(
        self,
        items: list[str],
        where: _Identity | _Skipping | list[int],
        out: list[str],
        counts: dict[str, int],
        is_ascii: bool,
    ) -> None:
        """Redact `items` (all ASCII or none) as one NUL-joined text; write changed ones to out[where[k]]."""
        if not items:
            return
        data = "\x00".join(items).encode("utf-8", "surrogatepass")
        view = None if is_ascii else view_of(data)
        scanned = data if view is None else view.data
        hits = self._finder.hits(scanned)
        if not hits:
            return
        # NUL never occurs inside a hit, so each hit lies in one text: the k-th, k = NULs before it
        tokens = self._tokens
        if self._mask:
            reps = [_mask_card(scanned[s:e]) if kind == CARD else tokens[kind] for s, e, kind in hits]
        else:
            reps = [tokens[kind] for _, _, kind in hits]
        spans = hits if view is None else view.original_spans(hits)
        changed: list[tuple[int, bytes]] = []
        count, rfind, find, size = data.count, data.rfind, data.find, len(data)
        k = pos = i = 0
        n = len(spans)
        while i < n:
            start, end = spans[i][:2]
            k += count(b"\x00", pos, start)
            pos = start
            last = rfind(b"\x00", 0, start) + 1
            stop = find(b"\x00", end)
            if stop < 0:
                stop = size
            i += 1
            if i == n or spans[i][0] >= stop:  # the usual case: one value in the text
                changed.append((k, data[last:start] + reps[i - 1] + data[end:stop]))
                continue
            pieces = [data[last:start], reps[i - 1]]
            while i < n and spans[i][0] < stop:
                pieces += (data[end : spans[i][0]], reps[i])
                end = spans[i][1]
                i += 1
            pieces.append(data[end:stop])
            changed.append((k, b"".join(pieces)))
        if k + data.count(b"\x00", pos) != len(items) - 1:  # a text holds NUL itself: redo one by one
            for k, text in enumerate(items):
                i = where[k]
                one = self.redact(text)
                out[i] = one.text
                for kind, seen in one.counts.items():
                    counts[kind] = counts.get(kind, 0) + seen
            return
        for k, redacted in changed:
            out[where[k]] = redacted.decode("utf-8", "surrogatepass")
        for kind, total in Counter([hit[2] for hit in hits]).items():
            counts[kind] = counts.get(kind, 0) + total

    def redact_utf8(self, data: bytes) -> tuple[bytes, dict[str, int]]:
        """Redact UTF-8 bytes; bytes that are not valid UTF-8 pass through unchanged unless inside PII."""
        counts: dict[str, int] = {}
        return self._redact(data, counts, data.isascii()), counts

    def find(self, text: str) -> list[Hit]:
        """The PII spans `redact` would replace, as str offsets into `text` (for audits and tests)."""
        data = text.encode("utf-8", "surrogatepass")
        spans = self._spans(data, text.isascii())
        if text.isascii():
            return spans
        chars = _CharOffsets(data)
        return [Hit(chars(start), chars(end), kind) for start, end, kind in spans]

    # --- internals ---------------------------------------------------------------------------------

    def _spans(self, data: bytes, is_ascii: bool) -> list[Hit]:
        view = None if is_ascii else view_of(data)
        if view is None:
            return [Hit(*span) for span in self._finder.hits(data)]
        return [
            Hit(*view.original_span(start, end), kind) for start, end, kind in self._finder.hits(view.data)
        ]

    def _redact(self, data: bytes, counts: dict[str, int], is_ascii: bool) -> bytes:
        view = None if is_ascii else view_of(data)
        scanned = data if view is None else view.data
        hits = self._finder.hits(scanned)
        if not hits:
            return data
        out: list[bytes] = []
        last = 0
        tokens = self._tokens
        mask = self._mask
        for vstart, vend, kind in hits:
            start, end = (vstart, vend) if view is None else view.original_span(vstart, vend)
            out.append(data[last:start])
            if mask and kind == CARD:
                out.append(_mask_card(scanned[vstart:vend]))
            else:
                out.append(tokens[kind])
            counts[kind] = counts.get(kind, 0) + 1
            last = end
        out.append(data[last:])
        return b"".join(out)


def _falses(flags: list[bool]) -> list[int]:
    """The indices of the False entries; list.index finds each in C (~2× a comprehension over all)."""
    found: list[int] = []
    index = flags.index
    i = -1
    try:
        while True:
            i = index(False, i + 1)
            found.append(i)
    except ValueError:
        return found


def _mask_card(value: bytes) -> bytes:
    """PCI DSS display masking: every digit but the last four becomes `*`; separators stay."""
    keep = sum(1 for b in value if 0x30 <= b <= 0x39) - 4
    masked = bytearray()
    for b in value:
        if 0x30 <= b <= 0x39:
            masked.append(0x2A if keep > 0 else b)
            keep -= 1
        else:
            masked.append(b)
    return bytes(masked)


class _Identity:
    """k -> k: the batch is the whole input."""

    def __getitem__(self, k: int) -> int:
        return k


class _Skipping:
    """k -> index of the k-th item NOT in `skipped` (sorted), without listing all of them."""

    def __init__(self, skipped: list[int]) -> None:
        # skipped[j] - j: how many kept items precede the j-th skipped one (non-decreasing)
        self._kept_before = list(map(sub, skipped, range(len(skipped))))

    def __getitem__(self, k: int) -> int:
        return k + bisect_right(self._kept_before, k)


class _CharOffsets:
    """Maps increasing byte offsets of UTF-8 `data` to str offsets, decoding each byte once."""

    __slots__ = ("_byte", "_char", "_data")

    def __init__(self, data: bytes) -> None:
        self._data, self._byte, self._char = data, 0, 0

    def __call__(self, pos: int) -> int:
        if pos < self._byte:  # callers go forward; restart if one ever does not
            self._byte = self._char = 0
        self._char += len(self._data[self._byte : pos].decode("utf-8", "surrogatepass"))
        self._byte = pos
        return self._char
