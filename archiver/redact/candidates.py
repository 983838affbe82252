"""The walk over the RE2 candidates: which are PII, of which type, and where the search goes on.

Works on bytes (UTF-8, or the normalized view of it). Python runs once per candidate — a digit run of
nine or more, an e-mail, a `+` number, an IBAN-shaped token, a URL, a cue word and its value, a shape —
never per character. The five shape types' checks are `numbers.Numbers`, the cue and shape types'
`extra.Extra`, the phone context words' `context.Nationals`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from archiver.redact import patterns
from archiver.redact.context import Nationals
from archiver.redact.extra import Extra
from archiver.redact.numbers import CARD, DIGIT_SEPS, EMAIL, Numbers, Span
from archiver.redact.runs import fours_card, fours_run, uniform_fours
from archiver.redact.shapes import url_ips
from archiver.redact.spelled import spelled_candidate, spelled_email_ok
from archiver.redact.tails import tail_sources, tails
from archiver.redact.touch import GLUED, unemphasize
from archiver.redact.touch import touch_before as _touch_before
from archiver.redact.validators import carrier_before, tracking_number, usps_tracking_ok

# after a cue's value, a sign that may continue it into a longer value (`jane.doe@…`, `(415) 555-…`)
_RUNS_ON = re.compile(rb"@|[._+\-][0-9A-Za-z]|\)[ .\-]?[0-9]")


_AT_WORD = re.compile(rb"(?i)[ \t\[\(\{<]at[ \t\]\)\}>]")  # a spelled `@`
_FOURS_LENGTHS = frozenset((14, 19, 24, 29))  # three to six 4-digit groups with their separators


class Hit(NamedTuple):
    """One confirmed PII value: [start, end) in the scanned text, and its type (plain `Span` tuples on the
    hot path, a Hit for callers)."""

    start: int
    end: int
    type: str


class Finder:
    """Finds the PII of the enabled types in UTF-8 bytes; `extra` confirms the cue and shape candidates."""

    def __init__(
        self, enabled: frozenset[str], extra: Extra | None = None, extra_source: bytes = b""
    ) -> None:
        self._extra = extra
        self._outer = patterns.outer_with(extra_source)
        self._tail_sources = tail_sources(enabled)
        self._enabled = enabled
        self._numbers = Numbers(enabled)
        self._ip = "IP_ADDRESS" in enabled

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
        sources = self._tail_sources
        if sources and any(h[2] in sources for h in hits):
            hits = tails(data, hits, self._enabled)
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
                if not walk.nested and (
                    hit[2] == "PASSWORD"
                    or (hit[2] == "PERSON_NAME" and not _capitalised(walk.data, hit[0]))  # `name: cvv 123`
                    or _runs_on(walk.data, hit[1])
                ):
                    return self._longer(walk, hit)
                walk.hits.append(hit)
                return max(hit[1], start + 1)  # (a shape trimmed at another type's cue: go on from there)
        if tok.isdigit():  # the commonest shape: one digit run
            hit = self._numbers.digit_run(walk.data, start, end, tok, False)
        elif 0x40 in tok and self._numbers.email and tok.isascii():
            hit = (start, end, EMAIL)  # an ASCII e-mail is what the pattern matched
        elif self._numbers.email and _AT_WORD.search(tok) is not None and spelled_candidate(tok):
            if not spelled_email_ok(tok):  # `meet at 5.30`: look again from the next character
                return start + _char_len(first)
            hit = (start, end, EMAIL)  # `jane dot doe at gmail dot com` (spelled.py)
        elif first > 0x40 and 0x40 not in tok:
            return self._letters(walk, start, end, tok)
        elif len(tok) in _FOURS_LENGTHS and tok[:2] != b"00" and uniform_fours(tok):
            return self._fours(walk, start, end, tok)
        else:
            return self._grouped(walk, start, end, tok)
        if hit is not None:
            walk.hits.append(hit)
        return end

    def _longer(self, walk: _Walk, hit: Span) -> int:
        """A cue's value that starts a longer value yields to it.

        A password is one token (`password: 42 Elm Street, …`, `pwd: date of birth 12/03/1985`), and a name
        or code may run on into another value (`name: jane.doe@example.com`, `cvv (415) 555-0132`): the token
        alone would leave the rest of that value behind, or mistype it. Such hits are rare, so the second
        look costs nothing.
        """
        data, start = walk.data, hit[0]
        if data[start - 1 : start] == b"(":
            start -= 1
        m = self._outer.search(data, start)
        if m is not None and m.start() == start:
            mark = len(walk.hits)
            walk.nested = True  # (one level: the value found there is taken as it is)
            after = self._step(walk, start, m.end(), m.group())
            walk.nested = False
            found = walk.hits[mark:]
            if found and found[-1][1] >= hit[1]:  # (a cue's value ends past the token: `date of birth …`)
                return after
            del walk.hits[mark:]
        walk.hits.append(hit)
        return max(hit[1], hit[0] + 1)  # (a name may end before its candidate: `Extra._before_cue`)

    def _letters(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Letters first: an IBAN (`DE89 3704 …`), or a phone context word and the gap after it."""
        if not (tok[2:4].isdigit() and tok[:2].isalpha()):
            # maybe a national number follows (`mobile 07700 900123`). The walk goes on right after the
            # word's first character, so it still sees everything in the gap and the number itself; what
            # it finds there wins over the national reading.
            if self._numbers.phone:
                walk.nationals.word(start, end)
            return start + _char_len(tok[0])
        if self._numbers.iban_on and _touch_before(walk.data, start) != GLUED:
            hit = self._numbers.iban(walk.data, start, tok)
            if hit is not None:
                walk.hits.append(hit)
                return hit[1]  # `…4471 account 1496…`: the candidate ran on into the next words
        # not an IBAN: the shape runs on over up to ten groups (`bb64-428c-b26a-5705… ITIN 902771421`, a
        # UUID's tail), so look again from the next character, or what it covers would never be looked at
        return start + 1

    def _fours(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Groups of four digits (`1234 5678 …`): a card, a tracking number, or a table of them."""
        hit = fours_card(walk.data, start, end, tok, walk.seen) if self._numbers.card else None
        if hit is not None:
            walk.hits.append(hit)
            return hit[1]
        if len(tok) == 24 and (
            usps_tracking_ok(tok.translate(None, DIGIT_SEPS)) or carrier_before(walk.data, start)
        ):
            return end  # a tracking number: no card among its groups, none from its second group either
        walk.seen = end  # look again from its second group, as in `_grouped`
        if len(tok) == 29:  # maybe a long table of digit groups
            run = fours_run(walk.data, start, tok[4], self._numbers.card)
            if run is not None:
                spans, after, walk.seen = run
                walk.hits += [(s, e, CARD) for s, e in spans]
                return after
        return start + 5

    def _grouped(self, walk: _Walk, start: int, end: int, tok: bytes) -> int:
        """Any other candidate: digit groups, a `+` or `(` number, a non-ASCII e-mail (`Numbers.confirm`)."""
        hit = self._numbers.confirm(walk.data, start, end, tok, False, walk.seen)
        if hit is not None:
            walk.hits.append(hit)
            return hit[1]  # a prefix was PII: what follows it may be the next value
        digit_first = 0x30 <= tok[0] <= 0x39
        if digit_first and not tok.isdigit() and not tracking_number(tok, walk.data[end : end + 2]):
            # `100.200 4155550132`: a rejected grouped candidate may overlap the start of a real value; look
            # again from its second group (`4155550132x12` has none)
            cut = min((i for i in (tok.find(b" "), tok.find(b"-"), tok.find(b".")) if i > 0), default=0)
            if cut:
                walk.seen = end
                return start + cut + 1
        elif tok[0] in b"+(":  # `+1 (555) 192.168.10.24`: a rejected number may cover another value
            return start + 1
        return end

    def _url_hits(self, data: bytes, start: int, end: int, hits: list[Span]) -> None:
        # Inside a URL, numeric ids look like phone numbers; only self-validating PII is redacted there, and
        # an IP address that is the URL's host or a parameter's value (`http://192.168.1.10/login`,
        # `…?ip=203.0.113.5`): it says where a customer is.
        mark = len(hits)
        search = patterns.INNER.search
        m = search(data, start, end)
        while m is not None:
            s, e = m.span()
            tok = m.group()
            if 10 <= len(tok) <= 12 and tok.isdigit():  # `…/orders/4155550132`: no PII has that shape here
                m = search(data, e, end)
                continue
            hit = self._numbers.confirm(data, s, e, tok, True)
            if hit is not None:
                hits.append(hit)
                e = hit[1]
            m = search(data, e, end)
        ips = url_ips(data, start, end) if self._ip else ()
        if ips:  # (rare: merged in order with what the search found, which they never overlap)
            found = hits[mark:]
            found += [(s, e, "IP_ADDRESS") for s, e in ips if not any(a < e and s < b for a, b, _ in found)]
            hits[mark:] = sorted(found)


def _capitalised(data: bytes, pos: int) -> bool:
    """`Jane`: an upper-case letter, then a lower-case one (`jane`, `PIN`, `DOB` may be a cue instead)."""
    return 0x41 <= data[pos] <= 0x5A and data[pos + 1 : pos + 2].islower()


def _runs_on(data: bytes, end: int) -> bool:
    """Whether the value ending at `end` runs on into more (not a sentence's full stop: `account 2468….`)."""
    return _RUNS_ON.match(data, end) is not None


def _maybe_shape(tok: bytes) -> bool:
    """A digit-first candidate that may be an IP or address: digit groups alone are the walk's (fast)."""
    rest = tok.translate(None, b"0123456789 -")
    return bool(rest) and rest not in (b".", b"..")


def _char_len(first: int) -> int:
    """Bytes in the UTF-8 character whose first byte is `first`."""
    return 1 if first < 0x80 else 2 if first < 0xE0 else 3 if first < 0xF0 else 4


class _Walk:
    """One walk's state: the hits so far, where rejected grouped candidates ended, the context words."""

    __slots__ = ("data", "hits", "nationals", "nested", "seen")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.hits: list[Span] = []
        self.seen = -1  # end of the last rejected grouped candidate: its windows need no second look
        self.nationals = Nationals(data, self.hits)
        self.nested = False  # inside `Finder._longer`'s second look
