"""Candidate confirmation: which RE2 matches are PII, of which type, and exactly where they end.

Works on bytes (UTF-8, or the normalized view of it). Python runs once per candidate — a digit run of
nine or more, an e-mail, a `+` number, an IBAN-shaped token or a URL — never per character.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from archiver.redact import patterns
from archiver.redact.context import Nationals
from archiver.redact.emails import unicode_email
from archiver.redact.extra import Extra
from archiver.redact.ids import itin_ok
from archiver.redact.runs import fours_card, fours_run, uniform_fours
from archiver.redact.tails import card_tail_types, card_tails
from archiver.redact.touch import FREE, GLUED, unemphasize
from archiver.redact.touch import accept as _accept
from archiver.redact.touch import glued_after as _glued_after
from archiver.redact.touch import touch_after as _touch_after
from archiver.redact.touch import touch_before as _touch_before
from archiver.redact.validators import (
    BASE_TYPES,
    IBAN_LENGTHS,
    card_brand_ok_cached,
    card_grouping_ok,
    iban_ok,
    intl_phone_ok,
    luhn_ok,
    nanp_ok,
    paren_nanp_ok,
    ssn_context,
    ssn_ok,
    usps_tracking_ok,
)

CARD, SSN, EMAIL, PHONE, IBAN = BASE_TYPES

_DIGIT_SEPS = b" .-"
_SEPS_TO_SPACE = bytes.maketrans(b".-", b"  ")
_VERSION = re.compile(rb"(?i)\b(?:version|build|release|firmware|ver\.?|v)[ :#]*$")  # `cvv …` is none
_SEP_SPLIT = re.compile(rb"([ .\-])")
_SPACE_SPLIT = re.compile(rb"( )")
_FOURS_LENGTHS = frozenset((14, 19, 24, 29))  # three to six 4-digit groups with their separators
_PII_DIGIT_COUNTS = frozenset((9, 10, 11, *range(13, 20)))
# A bare digit run right after these words is an identifier, not a phone number.
_ID_CONTEXT = re.compile(
    rb"(?i)(?:order|ticket|case|ref|reference|invoice|tracking|confirmation|transaction|booking|id|sku|#"
    rb"|commande|facture|pedido|factura|bestellung|bestellnummer|auftrag|rechnung|ordine|fattura|bestelling)"
    rb"[ \t:#.=\-]{0,3}(?:no\.?|number|num|#)?[ \t:#.=\-]{0,3}$"  # `order no.: …`, not `# | …`
)


class Hit(NamedTuple):
    """One confirmed PII value: [start, end) in the scanned text, and its type."""

    start: int
    end: int
    type: str


Span = tuple[int, int, str]  # (start, end, type): plain tuples on the hot path, Hit for callers


class Finder:
    """Finds the PII of the enabled types in UTF-8 bytes; `extra` confirms the cue and shape candidates."""

    def __init__(
        self, enabled: frozenset[str], extra: Extra | None = None, extra_source: bytes = b""
    ) -> None:
        self._extra = extra
        self._outer = patterns.outer_with(extra_source)
        self._itin = "US_ITIN" in enabled
        self._card_tail = card_tail_types(enabled)
        self._email = EMAIL in enabled
        self._iban_on = IBAN in enabled
        self._card = CARD in enabled
        self._ssn = SSN in enabled
        self._phone = PHONE in enabled

    def hits(self, data: bytes) -> list[Span]:
        """Confirmed PII in `data`, in order, as byte spans (the candidates never overlap).

        The walk: RE2 finds the next candidate from a position, `_step` decides on it and says where the
        search goes on — past the candidate, past the value found inside it, or from a later character of a
        rejected one, so that whatever else is inside it is still found.
        """
        data = unemphasize(data)  # (`_4111 1111 1111 1111_`: the same offsets, underscores as spaces)
        walk = _Walk(data)
        nationals = walk.nationals
        search = self._outer.search
        step = self._step
        m = search(data)
        while m is not None:
            start = m.start()
            if start >= nationals.horizon:
                nationals.settle(start)
            m = search(data, step(walk, start, m.end(), m.group()))
        nationals.finish()
        hits = walk.hits
        if self._card_tail and any(h[2] == CARD for h in hits):
            hits = card_tails(data, hits, self._card_tail)
        return hits

    def _step(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Decide on candidate `tok` == data[start:end]; return where the search goes on."""
        first = tok[0]
        if first in b"hHwW" and tok[:4].lower() in (b"http", b"www."):
            self._url_hits(walk.data, start, end, walk.hits)
            return end
        extra = self._extra
        if extra is not None and (first > 0x39 or extra.any_digit_first or _maybe_shape(tok)):
            found = extra.match(tok)
            if found is not None:  # a cue word and its value, or a shape (IP, address, …): see shapes.py
                hit = extra.confirm(walk.data, start, found)
                if hit is None:  # look again from the next character
                    return start + _char_len(first)
                if hit[2] == "PASSWORD":
                    return self._password(walk, hit, end)
                walk.hits.append(hit)
                return end
        if tok.isdigit():  # the commonest shape: one digit run
            hit = self._digit_run(walk.data, start, end, tok, False)
        elif 0x40 in tok and self._email and tok.isascii():  # an ASCII e-mail is what the pattern matched
            hit = (start, end, EMAIL)
        elif first > 0x40 and 0x40 not in tok:
            return self._letters(walk, start, end, tok)
        elif len(tok) in _FOURS_LENGTHS and tok[:2] != b"00" and uniform_fours(tok):
            return self._fours(walk, start, end, tok)
        else:
            return self._grouped(walk, start, end, tok)
        if hit is not None:
            walk.hits.append(hit)
        return end

    def _password(self, walk: _Walk, hit: Span, end: int) -> int:
        """A password is one token; when a longer value starts with it, that value wins.

        `login: Jane Doe`, `password: 42 Elm Street, …`, `pwd: date of birth 12/03/1985`: the token alone
        would leave the rest of the value behind. Passwords are rare, so the extra look costs nothing.
        """
        start = hit[0]
        m = self._outer.search(walk.data, start)
        if m is not None and m.start() == start:
            mark = len(walk.hits)
            after = self._step(walk, start, m.end(), m.group())
            found = walk.hits[mark:]
            if found and found[-1][1] >= hit[1]:  # (a cue's value ends past the token: `date of birth …`)
                return after
            del walk.hits[mark:]
        walk.hits.append(hit)
        return end

    def _letters(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Letters first: an IBAN (`DE89 3704 …`), or a phone context word and the gap after it."""
        if not (tok[2:4].isdigit() and tok[:2].isalpha()):
            # maybe a national number follows (`mobile 07700 900123`). The walk goes on right after the
            # word's first character, so it still sees everything in the gap and the number itself; what
            # it finds there wins over the national reading.
            if self._phone:
                walk.nationals.word(start, end)
            return start + _char_len(tok[0])
        if self._iban_on and _touch_before(walk.data, start) != GLUED:
            hit = self._iban(walk.data, start, tok)
            if hit is not None:
                walk.hits.append(hit)
                return hit[1]  # `…4471 account 1496…`: the candidate ran on into the next words
        # not an IBAN: the shape runs on over up to ten groups (`bb64-428c-b26a-5705… ITIN 902771421`, a
        # UUID's tail), so look again from the next character, or what it covers would never be looked at
        return start + 1

    def _fours(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Groups of four digits (`1234 5678 …`): a card, a tracking number, or a table of them."""
        hit = fours_card(walk.data, start, end, tok, walk.seen) if self._card else None
        if hit is not None:
            walk.hits.append(hit)
            return hit[1]
        if len(tok) == 24 and usps_tracking_ok(tok.translate(None, _DIGIT_SEPS)):
            return end
        walk.seen = end  # look again from its second group, as in `_grouped`
        if len(tok) == 29:  # maybe a long table of digit groups
            run = fours_run(walk.data, start, tok[4], self._card)
            if run is not None:
                spans, after, walk.seen = run
                walk.hits += [(s, e, CARD) for s, e in spans]
                return after
        return start + 5

    def _grouped(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Any other candidate: digit groups, a `+` or `(` number, a non-ASCII e-mail (`_confirm`)."""
        hit = self._confirm(walk.data, start, end, tok, False, walk.seen)
        if hit is not None:
            walk.hits.append(hit)
            return hit[1]  # a prefix was PII: what follows it may be the next value
        digit_first = 0x30 <= tok[0] <= 0x39
        if digit_first and not tok.isdigit() and not usps_tracking_ok(tok.translate(None, _DIGIT_SEPS)):
            # `100.200 4155550132`: a rejected grouped candidate may overlap the start of a real value; look
            # again from its second group (`4155550132x12` has none)
            cut = min((i for i in (tok.find(b" "), tok.find(b"-"), tok.find(b".")) if i > 0), default=0)
            if cut:
                walk.seen = end
                return start + cut + 1
        elif tok[0] in b"+(":  # `+1 (555) 192.168.10.24`: a rejected number may cover another value
            return start + 1
        return end

    def _digit_run(self, data: bytes, start: int, end: int, tok: bytes, in_url: bool) -> Span | None:
        """One contiguous digit run: a card, a bare SSN near its word, a NANP number — unless glued."""
        before = _touch_before(data, start)
        if before == GLUED:
            return None
        after = _touch_after(data, end)
        if after == GLUED:
            return None
        kind = self._digits(data, start, tok, tok, None, in_url)
        return (start, end, kind) if kind is not None and _accept(kind, before, after) else None

    def _url_hits(self, data: bytes, start: int, end: int, hits: list[Span]) -> None:
        # Inside a URL, numeric ids look like phone numbers; only self-validating PII is redacted there.
        search = patterns.INNER.search
        m = search(data, start, end)
        while m is not None:
            s, e = m.span()
            tok = m.group()
            if 10 <= len(tok) <= 12 and tok.isdigit():  # `…/orders/4155550132`: no PII has that shape here
                m = search(data, e, end)
                continue
            hit = self._confirm(data, s, e, tok, True)
            if hit is not None:
                hits.append(hit)
                e = hit[1]
            m = search(data, e, end)

    def _confirm(
        self, data: bytes, start: int, end: int, tok: bytes, in_url: bool, seen: int = -1
    ) -> Span | None:
        """Decide whether candidate `tok` == data[start:end] is PII; the hit may be a prefix of it."""
        first = tok[0]
        # `4155550132x12`, `…ext.12`: the number without its extension
        if 0x30 <= first <= 0x39 and (tok[10:11].isalpha() or tok[11:12].isalpha()) and 0x40 not in tok:
            cut = len(tok) - len(tok.lstrip(b"0123456789"))
            tok, end = tok[:cut], start + cut
        if 0x30 <= first <= 0x39 and tok.isdigit():  # the commonest shape: one digit run
            return self._digit_run(data, start, end, tok, in_url)
        if 0x40 in tok:  # '@'
            if not self._email:
                return None
            return (start, end, EMAIL) if tok.isascii() else unicode_email(data, start, tok)
        before = _touch_before(data, start)
        if before == GLUED:
            return None
        if first == 0x2B or tok[:2] == b"(+":  # +44 …, (+44) …, `tel.+41 …` (the `+` marks it a number)
            if not self._phone or in_url:
                return None
            return self._longest(data, start, end, tok, True, in_url, FREE, seen)
        if tok[:2] == b"00" or (tok[:3] == b"011" and tok[3:4] in (b" ", b".", b"-")):  # 0044 20 …
            hit = None
            if self._phone and not in_url and before == FREE:
                hit = self._longest(data, start, end, tok, True, in_url, before, seen)
            if hit is not None or not tok[2:3].isdigit():
                return hit  # else maybe an SSN `001-23-4567`: go on
        if 0x28 in tok:  # '('
            ok = self._phone and not in_url and paren_nanp_ok(tok)  # `…0132/(415) 555-0133` too
            return (start, end, PHONE) if ok and not _glued_after(data, end) else None
        if first > 0x39:  # a letter: IBAN
            return self._iban(data, start, tok) if self._iban_on else None
        return self._longest(data, start, end, tok, False, in_url, before, seen)

    def _longest(
        self, data: bytes, start: int, end: int, tok: bytes, intl: bool, in_url: bool, before: int, seen: int
    ) -> Span | None:
        """The whole candidate, else its longest (then leftmost) window of separated groups that is PII.

        `4111 1111 1111 1111 2027` (a card, then a year) or `ref 1000 4111 1111 1111 1111`: the pattern
        grabs neighbouring groups too. A `+` number must keep its start. Windows ending at or before `seen`
        were already tried as part of an overlapping candidate and are skipped.
        """
        after = _touch_after(data, end)
        if end > seen:
            kind = self._intl(tok) if intl else self._grouped_kind(data, start, tok, in_url)
            if kind is not None and _accept(kind, before, after):
                return (start, end, kind)
        if tok.isdigit() or usps_tracking_ok(tok.translate(None, _DIGIT_SEPS)):
            return None  # a grouped tracking number holds card-shaped windows that are not cards
        parts = (_SPACE_SPLIT if intl else _SEP_SPLIT).split(tok)
        groups, seps = parts[0::2], parts[1::2]
        offsets = [0]  # byte offset where each group starts
        for g, sep in zip(groups, seps, strict=False):
            offsets.append(offsets[-1] + len(g) + len(sep))
        count = len(groups)
        ends = [offsets[b] + len(groups[b]) for b in range(count)]
        first_new = next(b for b in range(count) if start + ends[b] > seen or b == count - 1)
        windows = [
            (offsets[a] - ends[b], offsets[a], a, b)
            for a in range(1 if intl else count)
            for b in range(max(a, first_new), count)
        ]
        windows.sort()
        for _, _, a, b in windows:
            lo, hi = offsets[a], ends[b]
            if (lo == 0 and hi == len(tok)) or start + hi <= seen:
                continue
            part = tok[lo:hi]
            if intl:
                kind = self._intl(part)
            else:
                digits = b"".join(groups[a : b + 1])
                if len(digits) not in _PII_DIGIT_COUNTS:
                    continue
                shape = ([len(g) for g in groups[a : b + 1]], {sep[0] for sep in seps[a:b]})
                kind = self._digits(data, start + lo, part, digits, shape if b > a else None, in_url)
            if kind is not None and _accept(
                kind, before if lo == 0 else FREE, after if hi == len(tok) else FREE
            ):
                return (start + lo, start + hi, kind)
        return None

    @staticmethod
    def _intl(tok: bytes) -> str | None:
        digits = tok.replace(b"(0)", b"").translate(None, b" .-()+")
        if tok[0] == 0x30:  # the call prefix instead of `+`: 00 (most countries) or 011 (NANP)
            digits = digits[2:] if tok[1] == 0x30 else digits[3:]
        return PHONE if intl_phone_ok(digits) else None

    def _iban(self, data: bytes, start: int, tok: bytes) -> Span | None:
        # groups separated by spaces or by dashes, one kind per IBAN: cut before the first of the other kind
        dash, space = tok.find(b"-"), tok.find(b" ")
        sep = b"-" if dash >= 0 and (space < 0 or dash < space) else b" "
        other = space if sep == b"-" else dash
        if other >= 0:
            tok = tok[:other]
        compact = tok.replace(sep, b"").upper()
        length = IBAN_LENGTHS.get(compact[:2])
        if length is None or len(compact) < length:
            return None
        # cut the candidate after `length` alphanumerics; the cut must fall between groups
        if len(compact) == len(tok):
            cut = length
        else:
            cut = taken = 0
            for group in tok.split(sep):
                taken += len(group)
                cut += len(group)
                if taken >= length:
                    break
                cut += 1
            if taken != length:
                return None
        if (cut < len(tok) and tok[cut] != sep[0]) or _glued_after(data, start + cut):
            return None
        return (start, start + cut, IBAN) if iban_ok(compact[:length]) else None

    def _grouped_kind(self, data: bytes, start: int, tok: bytes, in_url: bool) -> str | None:
        """Classify a digit run with separators (`4111 1111 …`, `123-45-6789`, `415.555.0132`)."""
        digits = tok.translate(None, _DIGIT_SEPS)
        seps = set(tok.translate(None, b"0123456789"))
        sizes = list(map(len, tok.translate(_SEPS_TO_SPACE).split(b" ")))
        return self._digits(data, start, tok, digits, (sizes, seps), in_url)

    def _digits(
        self,
        data: bytes,
        start: int,
        tok: bytes,
        digits: bytes,
        groups: tuple[list[int], set[int]] | None,
        in_url: bool,
    ) -> str | None:
        """The PII type of `digits` (grouped as `groups`, or contiguous when None), if any."""
        n = len(digits)
        if n >= 13:
            if n > 19 or not self._card:
                return None
            if groups is not None:
                sizes, seps = groups
                if len(seps) != 1 or not card_grouping_ok(sizes):
                    return None
            return CARD if luhn_ok(digits) and card_brand_ok_cached(digits) else None
        if n == 9:
            if not ssn_ok(digits):
                # 9XX-7X-XXXX: an ITIN, in the SSN's printed shape (bare nine digits need the ITIN cue)
                ok = self._itin and groups is not None and groups[0] == [3, 2, 4] and len(groups[1]) == 1
                return "US_ITIN" if ok and itin_ok(digits) else None
            if not self._ssn:
                return None
            if groups is None:  # bare nine digits: only with a context word nearby
                return SSN if ssn_context(data, start, start + len(tok)) else None
            sizes, seps = groups
            if sizes != [3, 2, 4] or len(seps) != 1:
                return None
            # `123.45.6789`: dates are 2-2-4 or 4-2-2, so this shape is an SSN, unless it is a version
            return None if 0x2E in seps and _VERSION.search(data, max(0, start - 16), start) else SSN
        if n not in (10, 11) or not self._phone or in_url:
            return None
        if groups is not None and groups[0] not in ([3, 3, 4], [1, 3, 3, 4]):
            return None
        if n == 11:
            if digits[0] != 0x31:
                return None
            digits = digits[1:]
        if not nanp_ok(digits):
            return None
        lo = max(0, start - 24)
        lo = data.rfind(b"\x00", lo, start) + 1 or lo  # context from this message only (redact_many)
        if groups is None and _ID_CONTEXT.search(data, lo, start):
            return None  # `order 4155550132`: an identifier, not a phone number
        return PHONE


def _maybe_shape(tok: bytes) -> bool:
    """A digit-first candidate that may be an IP or address: digit groups alone are the walk's (fast)."""
    rest = tok.translate(None, b"0123456789 -")
    return bool(rest) and rest not in (b".", b"..")


def _char_len(first: int) -> int:
    """Bytes in the UTF-8 character whose first byte is `first`."""
    return 1 if first < 0x80 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4


class _Walk:
    """One walk's state: the hits so far, where rejected grouped candidates ended, the context words."""

    __slots__ = ("data", "hits", "nationals", "seen")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.hits: list[Span] = []
        self.seen = -1  # end of the last rejected grouped candidate: its windows need no second look
        self.nationals = Nationals(data, self.hits)
