"""The five shape types' candidates: digit runs and groups, `+` and `(` numbers, IBANs, e-mails.

`Numbers.confirm` decides whether one RE2 candidate of the first five types (card, SSN, e-mail, phone,
IBAN) is PII and where it ends: the whole candidate, or its longest window of separated groups that is
(`4111 1111 1111 1111 2027`: a card, then a year). The walk over the candidates is `candidates.Finder`.
"""

from __future__ import annotations

import re

from archiver.redact.emails import unicode_email
from archiver.redact.ids import itin_ok
from archiver.redact.touch import FREE, GLUED
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
    tracking_number,
)

CARD, SSN, EMAIL, PHONE, IBAN = BASE_TYPES
Span = tuple[int, int, str]  # (start, end, type)

DIGIT_SEPS = b" .-"
_SEPS_TO_SPACE = bytes.maketrans(b".-", b"  ")
_VERSION = re.compile(rb"(?i)\b(?:version|build|release|firmware|ver\.?|v)[ :#]*$")  # `cvv …` is none
# a product code in the SSN's 3-2-4 shape (`SKU 283-73-1172`, `part no. 123-45-6789`, `model # …`, `Art.-Nr.
# …`): the word right before it, a `no.`/`number` and a connector between
_PRODUCT_BEFORE = re.compile(
    rb"(?i)\b(?:sku|part|model|item|serial|serie|s\xc3\xa9rie|seriennummer|article|art|artikel|artikelnummer|art\xc3\xadculo|articulo"
    rb"|r\xc3\xa9f\xc3\xa9rence|modelo|mod\xc3\xa8le|modell|product|produit|producto|produkt|catalog|catalogue)"
    rb"\.?(?:[ \t:#=\-]{0,3}(?:no|nr|number|num|code|id)\b\.?)?"
    rb"(?:[ \t:#=\-]{0,3}(?:is|was|es|est|ist)\b)?[ \t:#=\-]{0,3}$"
)
_SEP_SPLIT = re.compile(rb"([ .\-])")
_SPACE_SPLIT = re.compile(rb"( )")
_PII_DIGIT_COUNTS = frozenset((9, 10, 11, *range(13, 20)))
# A bare digit run right after these words is an identifier, not a phone number.
_ID_CONTEXT = re.compile(
    rb"(?i)(?:order|ticket|case|ref|reference|invoice|tracking|confirmation|transaction|booking|id|sku|#"
    rb"|reservation|claim|policy|member|membership|customer|serial"
    # `build 2026932995`, `model 4155550132`: a product's or a release's number
    rb"|build|version|versi\xc3\xb3n|versionsnummer|release|firmware|model|part|item|article|artikel|art\.?-?nr"
    rb"|serie|s\xc3\xa9rie|seriennummer"
    rb"|commande|facture|pedido|factura|bestellung|bestellnummer|auftrag|rechnung|ordine|fattura|bestelling)"
    rb"(?:[ \t:#.=\-]{0,3}(?:no\.?|number|num|#)?[ \t:#.=\-]{0,3}"  # `order no.: …`, not `# | …`
    # `your reference number is …` (only after the word `number`: `my phone # is …` is a phone)
    rb"|[ \t]+(?:no\.?|number|num|#)[ \t]+(?:is|was|es|est|ist)[ \t:]{1,3})$"
)


class Numbers:
    """The checks of the five shape types, for the enabled ones."""

    def __init__(self, enabled: frozenset[str]) -> None:
        self.card = CARD in enabled
        self.ssn = SSN in enabled
        self.email = EMAIL in enabled
        self.phone = PHONE in enabled
        self.iban_on = IBAN in enabled
        self.itin = "US_ITIN" in enabled

    def digit_run(self, data: bytes, start: int, end: int, tok: bytes, in_url: bool) -> Span | None:
        """One contiguous digit run: a card, a bare SSN near its word, a NANP number — unless glued."""
        before = _touch_before(data, start)
        if before == GLUED:
            return None
        after = _touch_after(data, end)
        if after == GLUED:
            return None
        kind = self._digits(data, start, tok, tok, None, in_url)
        return (start, end, kind) if kind is not None and _accept(kind, before, after) else None

    def confirm(
        self, data: bytes, start: int, end: int, tok: bytes, in_url: bool, seen: int = -1
    ) -> Span | None:
        """Decide whether candidate `tok` == data[start:end] is PII; the hit may be a prefix of it."""
        first = tok[0]
        # `4155550132x12`, `…ext.12`: the number without its extension
        if 0x30 <= first <= 0x39 and (tok[10:11].isalpha() or tok[11:12].isalpha()) and 0x40 not in tok:
            cut = len(tok) - len(tok.lstrip(b"0123456789"))
            tok, end = tok[:cut], start + cut
        if 0x30 <= first <= 0x39 and tok.isdigit():  # the commonest shape: one digit run
            return self.digit_run(data, start, end, tok, in_url)
        if 0x40 in tok:  # '@'
            if not self.email:
                return None
            return (start, end, EMAIL) if tok.isascii() else unicode_email(data, start, tok)
        before = _touch_before(data, start)
        if before == GLUED:
            return None
        if first == 0x2B or tok[:2] == b"(+":  # +44 …, (+44) …, `tel.+41 …` (the `+` marks it a number)
            if not self.phone or in_url:
                return None
            return self._longest(data, start, end, tok, True, in_url, FREE, seen)
        if tok[:2] == b"00" or (tok[:3] == b"011" and tok[3:4] in (b" ", b".", b"-")):  # 0044 20 …
            hit = None
            if self.phone and not in_url and before == FREE:
                hit = self._longest(data, start, end, tok, True, in_url, before, seen)
            if hit is not None or not tok[2:3].isdigit():
                return hit  # else maybe an SSN `001-23-4567`: go on
        if 0x28 in tok:  # '('
            ok = self.phone and not in_url and paren_nanp_ok(tok)  # `…0132/(415) 555-0133` too
            return (start, end, PHONE) if ok and not _glued_after(data, end) else None
        if first > 0x39:  # a letter: IBAN
            return self.iban(data, start, tok) if self.iban_on else None
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
        if tok.isdigit() or tracking_number(tok, data[end : end + 2]):
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

    def iban(self, data: bytes, start: int, tok: bytes) -> Span | None:
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
        digits = tok.translate(None, DIGIT_SEPS)
        seps = set(tok.translate(None, b"0123456789"))
        sizes = list(map(len, tok.translate(_SEPS_TO_SPACE).split()))  # (doubled spaces: one separator)
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
            if n > 19 or not self.card:
                return None
            if groups is not None:
                sizes, seps = groups
                if len(seps) != 1 or not card_grouping_ok(sizes):
                    return None
            return CARD if luhn_ok(digits) and card_brand_ok_cached(digits) else None
        if n == 9:
            if not ssn_ok(digits):
                # 9XX-7X-XXXX: an ITIN, in the SSN's printed shape (bare nine digits need the ITIN cue)
                ok = self.itin and groups is not None and groups[0] == [3, 2, 4] and len(groups[1]) == 1
                ok = ok and not _PRODUCT_BEFORE.search(data, max(0, start - 24), start)  # (`SKU 998-81-4788`)
                return "US_ITIN" if ok and itin_ok(digits) else None
            if not self.ssn:
                return None
            if groups is None:  # bare nine digits: only with a context word nearby
                return SSN if ssn_context(data, start, start + len(tok)) else None
            sizes, seps = groups
            if sizes != [3, 2, 4] or len(seps) != 1:
                return None
            if _PRODUCT_BEFORE.search(data, max(0, start - 24), start):
                return None  # `SKU 283-73-1172`, `part no. 123-45-6789`: a product code in the SSN's shape
            # `123.45.6789`: dates are 2-2-4 or 4-2-2, so this shape is an SSN, unless it is a version
            return None if 0x2E in seps and _VERSION.search(data, max(0, start - 16), start) else SSN
        if n not in (10, 11) or not self.phone or in_url:
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
