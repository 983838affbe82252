"""A normalized view of UTF-8 text: finds PII written in foreign digits or split by invisible characters.

Customers (and attackers) write `４１１１ １１１１…`, Arabic-Indic or Devanagari digits, or put U+200B inside
a number. The RE2 pattern only knows ASCII, so text holding such characters is scanned through a *view*:
every Unicode digit folded to ASCII, compatibility forms (full-width, mathematical, small forms) folded to
their ASCII letter or sign, exotic spaces and dashes folded to ` ` and `-`, and format, combining and
variation-selector characters removed. The view keeps a map back to the original bytes, and the redactor
replaces the ORIGINAL span, so not even the zero-width-split pieces of a number survive.

Everything works on UTF-8 bytes: the characters that need folding are found by one RE2 scan (a class
compiled to UTF-8 byte sequences), so text with none — the usual case, emoji and CJK included — costs one
DFA pass, and the view costs Python work only per folded character. Lone surrogates (from JSON `\\ud800`
or `surrogateescape`) are carried as their `surrogatepass` bytes, which RE2 treats as opaque.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache
from itertools import accumulate
from operator import methodcaller
from typing import Any

import re2

from archiver.redact.patterns import UNI_LETTER

_KEEP_ASCII = frozenset('@.+-()_%:/#"[]')  # `＂…＂＠…`, `＠［…］`: quoted and literal addresses
# Dots that customers use as the `.` of a phone number or domain (`415·555·2671`, `jo@ex。com`): middle
# dot, hyphenation point, katakana middle dot, ideographic full stop (the full-width stop folds by NFKC).
_DOTS = frozenset((0x00B7, 0x2027, 0x30FB, 0x3002, 0xFF0E))
# Hangul fillers render as blank space but are letters (Lo), so NFKC and the category rules keep them;
# they can hide the digits of a card like a zero-width character does.
_FILLERS = frozenset((0x115F, 0x1160, 0x3164, 0xFFA0))
_ORDINALS = frozenset((0x00AA, 0x00BA))  # ª º


def _fold(cp: int) -> str | None:
    """The view's replacement for one non-ASCII code point ("" deletes it), or None to keep it."""
    if cp in _DOTS:
        return "."
    if cp in _FILLERS:
        return ""
    if cp in _ORDINALS:  # `nº4111…`: NFKC would make it `no4111…`, one token with the number
        return " "
    ch = chr(cp)
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me") or 0xFE00 <= cp <= 0xFE0F:
        return ""
    if category == "Zs":
        return " "
    if category == "Pd" or cp == 0x2212:  # dashes and the minus sign
        return "-"
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii() and (folded.isalnum() or folded in _KEEP_ASCII):
        return folded
    return None


def _utf8_ranges(lo: int, hi: int) -> list[list[tuple[int, int]]]:
    """Byte-range sequences matching exactly the UTF-8 encodings of code points lo..hi (no surrogates)."""
    for boundary in (0x7F, 0x7FF, 0xFFFF):
        if lo <= boundary < hi:
            return _utf8_ranges(lo, boundary) + _utf8_ranges(boundary + 1, hi)
    for i in (1, 2, 3):
        mask = (1 << (6 * i)) - 1
        if lo & ~mask != hi & ~mask:
            if lo & mask:
                return _utf8_ranges(lo, lo | mask) + _utf8_ranges((lo | mask) + 1, hi)
            if hi & mask != mask:
                return _utf8_ranges(lo, (hi & ~mask) - 1) + _utf8_ranges(hi & ~mask, hi)
    a, b = chr(lo).encode(), chr(hi).encode()
    return [list(zip(a, b, strict=True))]


def _byte_class(lo: int, hi: int) -> str:
    return f"\\x{lo:02x}" if lo == hi else f"[\\x{lo:02x}-\\x{hi:02x}]"


def _alternation(codes: list[int]) -> str:
    """An RE2 (Latin-1 mode) alternation matching the UTF-8 encoding of any of `codes`."""
    alternatives: list[str] = []
    start = prev = codes[0]
    for cp in [*codes[1:], -1]:
        if cp != prev + 1:
            for seq in _utf8_ranges(start, prev):
                alternatives.append("".join(_byte_class(a, b) for a, b in seq))
            start = cp
        prev = cp
    return "(?:" + "|".join(alternatives) + ")"


# ASCII bytes that can sit inside or next to PII: an invisible character matters only between two of them.
_ALNUM_AT = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@")
_NEAR_PII = _ALNUM_AT | frozenset(b'.+-_ ()[]":')  # `[]"` and `:`: literal and quoted addresses
_DIGIT_OR_AT = re.compile(rb"[0-9@]")
_LETTERS = "(?:" + UNI_LETTER.decode("ascii") + ")"  # letters of other scripts, by UTF-8 shape


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], Any]:
    """The fold table (code point -> replacement) and the RE2 bytes pattern finding runs to fold."""
    table: dict[int, str] = {}
    for cp in (*range(0x80, 0xD800), *range(0xE000, 0x20000), *range(0xE0000, 0xE1000)):
        folded = "" if cp >= 0xE0000 else _fold(cp)  # tags and variation selectors supplement: invisible
        if folded is not None:
            table[cp] = folded
    # Visible folds (digits, letters, @ …) always matter. Space/dash folds matter only right after an
    # ASCII letter or digit (`415–555–0132`), deletions also right after PII-ish punctuation or a space
    # (`4111 \u200b1111`) — so prose dashes, emoji ZWJ sequences and VS16 hearts never cost a view.
    visible = _alternation(sorted(cp for cp, f in table.items() if f not in ("", " ", "-")))
    spacing = _alternation(sorted(cp for cp, f in table.items() if f in (" ", "-")))
    deleted = _alternation(sorted(cp for cp, f in table.items() if f == ""))
    # invisible format characters (ZWSP, ZWNJ, WJ, bidi marks…), not combining marks: after a letter of
    # another script they may split an e-mail (`张伟\u2060@…`), while Hindi or Thai marks never do
    hidden = _alternation(
        sorted(cp for cp, f in table.items() if f == "" and unicodedata.category(chr(cp)) == "Cf")
    )
    any_fold = f"(?:{visible}|{spacing}|{deleted})"
    source = (
        f'{any_fold}*{visible}{any_fold}*|[0-9A-Za-z@)](?:{spacing}|{deleted})+|[.+_ (\\[\\-":/]{deleted}+'
        f"|{_LETTERS}{hidden}+"
    )
    return table, re2.compile(source.encode("ascii"), max_mem=64 << 20)


def warm_tables() -> None:
    """Build the fold table and pattern now (~0.1 s) rather than on the first non-ASCII text."""
    _tables()


_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")


class View:
    """The normalized bytes of `data` plus the map from view offsets back to original offsets.

    Segments alternate: copied bytes (offsets shift linearly) and folded runs. A run is folded with one
    `str.translate`; the per-character offset map inside a run is built only if a hit boundary falls in it.
    """

    __slots__ = ("_maps", "_ostart", "_runs", "_vstart", "data")

    def __init__(self, data: bytes, runs: list[tuple[int, int]]) -> None:
        table = _tables()[0]
        self._vstart: list[int] = [0]
        self._ostart: list[int] = [0]
        self._runs: list[str | None] = [None]  # None: a copied segment; else the run's original text
        self._maps: dict[int, tuple[list[int], list[int]]] = {}
        parts: list[bytes] = []
        vpos = opos = 0
        for rstart, rend in runs:
            parts.append(data[opos:rstart])
            vpos += rstart - opos
            text = data[rstart:rend].decode("utf-8", "surrogatepass")
            folded = text.translate(table).encode("utf-8", "surrogatepass")
            self._vstart += (vpos, vpos + len(folded))
            self._ostart += (rstart, rend)
            self._runs += (text, None)
            parts.append(folded)
            vpos += len(folded)
            opos = rend
        parts.append(data[opos:])
        self.data = b"".join(parts)

    def _locate(self, pos: int, end: bool) -> int:
        """Original offset of view byte `pos`: where its character starts, or (end=True) where it ends."""
        k = bisect.bisect_right(self._vstart, pos) - 1
        text = self._runs[k]
        if text is None:
            return self._ostart[k] + pos - self._vstart[k] + (1 if end else 0)
        if k not in self._maps:
            table = _tables()[0]
            orig = list(accumulate(map(len, map(_ENCODE, text)), initial=0))
            view = list(accumulate(map(len, map(_ENCODE, map(table.get, map(ord, text), text))), initial=0))
            self._maps[k] = (orig, view)
        orig, view = self._maps[k]
        i = bisect.bisect_right(view, pos - self._vstart[k]) - 1  # deleted chars share a view offset
        return self._ostart[k] + orig[i + 1 if end else i]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty view span [start, end) to the original byte span covering the same characters."""
        return self._locate(start, False), self._locate(end - 1, True)

    def original_spans(self, spans: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        """`original_span` of each of `spans` (sorted, non-overlapping), walking the segments once."""
        vstart, ostart, runs = self._vstart, self._ostart, self._runs
        last = len(vstart) - 1
        out: list[tuple[int, int]] = []
        k = 0
        for start, end, _ in spans:
            while k < last and vstart[k + 1] <= start:
                k += 1
            if runs[k] is None and (k == last or end - 1 < vstart[k + 1]):  # inside one copied segment
                shift = ostart[k] - vstart[k]
                out.append((start + shift, end + shift))
            else:
                out.append(self.original_span(start, end))
        return out


def view_of(data: bytes) -> View | None:
    """The normalized view of UTF-8 `data`, or None when no character in it needs folding."""
    pattern = _tables()[1]
    first = pattern.search(data)
    if first is None:
        return None
    found = [m.span() for m in pattern.finditer(data, first.start())]
    table = _tables()[0]
    # a run starting with a non-ASCII byte either holds a folded digit/letter, or is a letter of another
    # script followed by invisible characters (`张伟\u2060@…`), which is treated like an ASCII letter's
    letter = {
        span for span in found if data[span[0]] >= 0x80 and ord(_first_char(data, span[0])) not in table
    }
    visible = [span for span in found if data[span[0]] >= 0x80 and span not in letter]
    runs: list[tuple[int, int]] = []
    size = len(data)
    for start, end in found:
        first = data[start]
        if letter and (start, end) in letter:
            after = data[end] if end < size else 0x20
            if (after < 0x80 and after not in _NEAR_PII) or not _near_value(data, start, end, visible):
                continue
        elif first < 0x80:
            # an invisible run after ASCII can only split a value if PII-ish ASCII follows it too
            after = data[end] if end < size else 0x20
            if after < 0x80 and (after not in _NEAR_PII or (first == after == 0x20)):
                continue
            if (
                first > 0x40
                and not _near_value(data, start, end, visible)
                and not _word_space(data, start, end)
            ):
                continue  # after a letter it matters only near an e-mail, IBAN or number (`jo\u200bhn@…`)
        if runs and start - runs[-1][1] <= 2:  # `４１１１ １１１１`: one run, not one per digit group
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return View(data, runs) if runs else None


def _first_char(data: bytes, pos: int) -> str:
    """The character whose UTF-8 (surrogatepass) encoding starts at `pos`."""
    lead = data[pos]
    size = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    # Decode exactly one character: a wider slice could end inside the next one (a lone surrogate is 3 bytes).
    try:
        return data[pos : pos + size].decode("utf-8", "surrogatepass")[:1] or "\x00"
    except UnicodeDecodeError:
        return "\x00"


def _word_space(data: bytes, start: int, end: int) -> bool:
    """A no-break or other exotic space between two ASCII words (`my\u00a0name\u00a0is Jane\u00a0Doe`).

    Names, passwords and cue words hold no digit, so these must fold wherever they stand: phone keyboards
    and pasted text put U+00A0 between words, and `Jane\u00a0Doberman` left the surname behind.
    """
    if end >= len(data) or not (0x41 <= data[end] <= 0x5A or 0x61 <= data[end] <= 0x7A):
        return False
    return any(unicodedata.category(c) == "Zs" for c in data[start + 1 : end].decode("utf-8", "replace"))


def _near_value(data: bytes, start: int, end: int, visible: list[tuple[int, int]]) -> bool:
    """True when an ASCII digit, an `@` or a folded digit/letter lies within 64 bytes of [start, end)."""
    lo, hi = max(0, start - 64), end + 64
    if _DIGIT_OR_AT.search(data, lo, hi) is not None:
        return True
    k = bisect.bisect_left(visible, (hi,)) - 1  # the last visible run starting before `hi`
    return k >= 0 and visible[k][1] > lo
