"""National-format phone numbers, redacted only when the text says they are one (`mobile 07700 900123`).

A number written without `+` and country code (`020 7946 0958`, `06 12 34 56 78`, `030 1234567`) has no
shape of its own: it looks like an order number, a date or a price. So it is a candidate only behind a
phone context word (phone, call, mobile, Tel., Handy, móvil, 电话, هاتف …) at most a few words before it,
and then it must still look like a dialled number and nothing else: 7-12 digits in at most six groups, no
date, IP address, year range, ZIP+4 or thousands grouping, no identifier word (order, ticket, account …)
between or before. North American shapes keep their own rules: a 3-3-4 number whose area or exchange is
not dialable stays unredacted here too.

The RE2 alternative (`SOURCE`) matches the context word, the gap and the first digit; `national` then
finds and checks the number. The general walk still looks at the number itself, and its own finding (a
card, an SSN, a NANP or `+` number) wins; this only adds what the walk rejected.
"""

from __future__ import annotations

import re

from archiver.redact.touch import touch_after, touch_before
from archiver.redact.validators import nanp_ok

# Lower-case; the pattern also accepts the capitalised and upper-case forms of each word. A bare "number"
# (`card number`, `order number`, カード番号) says nothing about phones and precedes far more digits than
# phones do, so it counts only when it is someone's number: `my number is`, `mon numéro`, `meine Nummer`.
_WORDS = (
    # English
    "phone", "phones", "telephone", "tel", "tele", "tlf", "ph", "mob", "mobile", "cell", "cellphone",
    "cellular", "ring", "call", "calls", "calling", "dial", "contact", "reach", "my number", "your number",
    "our number", "his number", "her number", "number is", "number was", "best number", "contact number",
    "whatsapp", "viber", "sms", "text", "txt", "fax", "landline", "hotline", "gsm",
    # French, German, Spanish, Italian, Portuguese, Dutch, Polish, Turkish
    "téléphone", "telephone", "tél", "appel", "appelez", "appelle", "appeler", "appelez-moi",
    "portable", "joindre", "fixe", "mon numéro", "mon numero",
    "telefon", "telefonnummer", "handy", "handynummer", "mobil", "mobilnummer", "rufnummer", "meine nummer",
    "anrufen", "erreichbar", "festnetz",
    "teléfono", "telefono", "tfno", "telf", "móvil", "movil", "celular", "mi número", "mi numero", "llamar",
    "llámame", "llamame", "cellulare", "chiamami", "chiamare", "il mio numero",
    "telefone", "telemóvel", "telemovel", "ligar", "ligue", "meu número", "meu numero",
    "telefoon", "telefoonnummer", "mobiel", "bel", "bellen", "mijn nummer",
    "komórka", "komorka", "mój numer", "cep", "numaram",
    # Cyrillic, Greek, Hebrew, Arabic, Devanagari
    "телефон", "тел", "мой номер", "мобильный", "моб", "звоните", "позвоните",
    "τηλέφωνο", "τηλ", "κινητό", "טלפון", "נייד",
    "هاتف", "الهاتف", "جوال", "الجوال", "موبايل", "تلفون", "اتصل", "رقمي", "फ़ोन", "फोन", "मोबाइल", "मेरा नंबर",
    # CJK, Korean, Thai, Vietnamese
    "電話", "电话", "手机", "手機", "携帯", "我的号码", "私の番号",
    "연락처", "전화", "핸드폰", "휴대폰", "내 번호", "โทร", "เบอร์", "มือถือ", "điện thoại", "sđt",
)  # fmt: skip


def word_source(word: str) -> bytes:
    """RE2 (Latin-1 mode) source: ASCII letters in either case, other bytes literal, \\b at ASCII ends."""
    out = []
    for byte in word.encode("utf-8"):
        ch = chr(byte)
        if byte < 0x80 and ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}]".encode("ascii"))
        else:
            out.append(re.escape(bytes((byte,))))
    core = b"".join(out)
    if word[0].isascii() and word[0].isalnum():
        core = rb"\b" + core
    if word[-1].isascii() and word[-1].isalnum():
        core += rb"\b"
    return core


def word_forms(word: str) -> set[str]:
    # `Телефон`, `ТЕЛ`: (?i) would fold Latin-1 bytes, not UTF-8 letters, so the other cases are listed
    # where a non-ASCII letter changes (ASCII letters match either case already; each form costs DFA
    # time, so long words get no all-caps form)
    forms = {word}
    if not word[0].isascii():
        forms.add(word.capitalize())
    if len(word) <= 4:
        forms.add(word.upper())
    return {f for f in forms if not f.isascii() or f == word}


_SORTED = sorted({f for w in _WORDS for f in word_forms(w)}, key=lambda w: (-len(w.encode()), w))
# the word, up to 16 bytes of gap on the same line (no digit, `@` or `+`: those start other values), then
# the number's start
# What may follow the gap: `(` or `0` (a trunk prefix: most national formats), or a shape that starts with
# 1-9 and that cards, NANP numbers and SSNs never have (a last group of two, 5-5, 3-4-4, 3-4, 3-3-3, 2-7 …).
# So a context word before `415-555-0132` or a card number is no candidate at all: the walk finds those alone.
# (`_END`: a shape ends at a word boundary, or where an extension is glued on: `69581 91785ext.12`)
_END = rb"(?:\b|[xXeE])"
_NUMBER_START = (
    rb"(?:\(|0|[1-9]\d{0,4}(?:[ .\-/]\d{1,4}){1,3}[ .\-/]\d{2}"
    + _END
    + rb"|[1-9]\d{4} \d{5}"
    + _END
    # (3-3-3: Spanish numbers, `teléfono 912 345 678`, `móvil 612 345 678`)
    + rb"|[1-9]\d{2}[ .\-](?:\d{4}(?:[ .\-]\d{4})?|\d{3}[ .\-]\d{3})"
    + _END
    + rb"|[1-9]\d{1,4}[ .\-/]\d{5,8}"
    + _END
    + rb"|[1-9]\d{0,2} ?\(|1\d{10}"
    + _END
    + rb"|[1-9]\d{6,7}"
    + _END
    + rb")"
)
# (a `#` only as the word's own sign: `cell# 06 48 …`, `phone # 07700 …`; elsewhere, and glued to the digits
# (`电话 #55544144`), it marks an identifier)
SOURCE = (
    b"(?:"
    + b"|".join(map(word_source, _SORTED))
    + rb")(?:#|[ \t]#[ \t:])?[^0-9\n\r\x00@+?!;#]{0,16}"
    + _NUMBER_START
)

# words that make the digits after them an identifier, not a phone number (between or just before)
_ID = (
    rb"order|orders|ticket|case|ref|reference|invoice|tracking|confirmation|transaction|booking|reservation"
    rb"|id|sku|account|acct|customer|member|membership|policy|serial|imei|pin|code|otp|zip|postal|postcode"
    rb"|room|flight|model|part|item|claim|contract|card|iban|ssn|social|license|licence|passport|vat|tax"
    rb"|parcel|shipment|package|routing|sort|batch|lot|seat|table|version|build|employee|student|patient"
    rb"|record|file|box|po|registration|apartment|apt|flat|suite|unit|floor|street|house|building"
    rb"|receipt|voucher|coupon|promo|pedido|commande|facture|factura"
    rb"|bestellung|rechnung|auftrag|ordine|fattura|cliente|client|kunde|kunden|vertrag|konto|compte|cuenta"
)
# in the gap only: quantities (`number of items 1234567`) and `Tel Aviv 6100000` (a postcode)
_QUANTITY = rb"|of|size|qty|quantity|times|year|years|days|hours|minutes|page|chapter|aviv"
# (plain sets of words: a regex alternation searched at every offset cost ~10x more per candidate)
_ID_WORDS = frozenset(_ID.split(b"|"))
_GAP_WORDS = _ID_WORDS | frozenset(_QUANTITY.split(b"|")[1:])
_LETTER_RUNS = re.compile(rb"[A-Za-z]+")
# a phrase that only says "number": an identifier word right before it makes it `order number is …`
_GENERIC = frozenset(("number",))
_ID_BEFORE = re.compile(rb"([A-Za-z]+)[ _\-]?$")  # `order number`, `card-number`: the word before
# a question or exclamation, an id sign, markup, a table cell
_BREAK = re.compile(rb"[!?;#\"<>|=\[\]{}]")
# a full stop ends the sentence, unless it abbreviates the context word (`Tel. 030 …`) or `no.`/`nr.`
_STOP = re.compile(rb"(?i)(?<!\bno)(?<!\bnr)\.\s")
_NUMBER_SIGN = re.compile(rb"#|[ \t]#(?=[ \t:])")  # `cell# …`: the sign of the context word's number
_ABBREVIATED = frozenset(("tel", "tél", "ph", "mob", "tlf", "telf", "tfno", "тел", "моб", "τηλ"))
_MAX_WORDS = 4  # `call me tomorrow at …`, `mobile (work): …`; further away the number is another matter
_RUN = re.compile(rb"\(?[0-9][0-9 ()./\-]{0,40}")
_WORD = re.compile(rb"[0-9A-Za-z\x80-\xff]*")  # a word: ASCII letters and digits, any non-ASCII letter
_TOKENS = re.compile(rb"[0-9]+|[^0-9]+")
_SEPS = frozenset((b" ", b"-", b".", b"/", b" - ", b" / "))
_OPEN, _CLOSE = frozenset((b" (", b"(")), frozenset((b")", b") "))


def national(data: bytes, word: int, digit: int) -> tuple[int, int] | None:
    """The span of the national number whose first digit is at `digit`, behind the context word at `word`.

    None when it is not a phone number.
    """
    start = digit - 1 if data[digit - 1] == 0x28 else digit
    m = _RUN.match(data, start)
    run = b"" if m is None else m.group()
    if len(run) - len(run.translate(None, b"0123456789")) < 7:  # the usual case: too short for a number
        return None
    lo = max(0, word - 32)
    lo = data.rfind(b"\x00", lo, word) + 1 or lo  # only this message counts (redact_many joins with NUL)
    gap = data[word:start]
    after_word = _word_end(gap)
    name = gap[:after_word].decode("utf-8", "replace").lower()
    sign = _NUMBER_SIGN.match(gap, after_word)
    if sign is not None:
        after_word = sign.end()
    if (
        _BREAK.search(gap, after_word)
        or _STOP.search(gap, after_word + (name in _ABBREVIATED))
        or not _GAP_WORDS.isdisjoint(w.lower() for w in _LETTER_RUNS.findall(gap, after_word))
        or len(gap[after_word:].split()) > _MAX_WORDS
    ):
        return None
    if name in _GENERIC:
        before = _ID_BEFORE.search(data[lo:word])
        if before is not None and before.group(1).lower() in _ID_WORDS:
            return None
    return number_at(data, start, run)


def number_at(data: bytes, start: int, run: bytes | None = None) -> tuple[int, int] | None:
    """The span of the dialled number starting at `start` (its `(` or first digit), or None."""
    if run is None:
        m = _RUN.match(data, start)
        run = b"" if m is None else m.group()
    if touch_before(data, start):
        return None
    run = _first_number(run).rstrip(b" ()./-")
    if run.count(b"(") != run.count(b")"):
        run = run[: run.rfind(b"(")].rstrip(b" ()./-") if run.count(b"(") > run.count(b")") else b""
    if not run:
        return None
    end = start + len(run)
    if _number_ok(run) and touch_after(data, end) == 0:
        return start, end
    # `call 0171 1234567 2pm`: a last group glued to a word belongs to it; try once without it
    cut = run.rfind(b" ")
    if cut <= 0 or not run[cut + 1 :].isdigit() or touch_after(data, end) == 0:
        return None
    run = run[:cut].rstrip(b" ()./-")
    end = start + len(run)
    return (start, end) if run and _number_ok(run) and touch_after(data, end) == 0 else None


def _first_number(run: bytes) -> bytes:
    """`run` up to the first separator no phone number uses: `134 1727 2322.. 33914` → `134 1727 2322`."""
    pos = 0
    for tok in _TOKENS.findall(run):
        if not (tok.isdigit() or tok in _SEPS or tok in _OPEN or tok in _CLOSE):
            break
        pos += len(tok)
    return run[:pos]


def _word_end(gap: bytes) -> int:
    """Offset just past the context word at the start of `gap` (the gap proper starts there)."""
    m = _WORD.match(gap)
    return 0 if m is None else m.end()


def _number_ok(run: bytes) -> bool:
    """A dialled number: 7-12 digits, ≤ 6 groups, separators a phone uses, not a date/IP/price/range."""
    tokens = _TOKENS.findall(run)
    paren_first = tokens[0] == b"("
    if paren_first:
        tokens = tokens[1:]
    groups, seps = tokens[0::2], tokens[1::2]
    digits = b"".join(groups)
    if not 7 <= len(digits) <= 12 or len(groups) > 6 or (len(groups) > 1 and max(map(len, groups)) > 8):
        return False
    if paren_first and (not seps or seps[0] not in _CLOSE or len(groups[0]) > 5):
        return False
    for i, sep in enumerate(seps):
        if sep in _SEPS or (paren_first and i == 0):
            continue
        # one parenthesised area part after the first group: `8 (495) 123-45-67`
        if sep in _OPEN and i + 1 < len(seps) and seps[i + 1] in _CLOSE and not paren_first:
            continue
        if sep in _CLOSE and i > 0 and seps[i - 1] in _OPEN:
            continue
        return False
    sizes = [len(g) for g in groups]
    if 1 in sizes[1:]:
        return False  # a lone digit after the first group: a version (10.0.19045.3803) or a list
    plain = {s.strip() or b" " for s in seps}
    dated = len(groups) == 3 or (len(groups) > 3 and seps[2] == b" ")  # `06.12.34.56.78` is a number
    if dated and len({seps[0], seps[1]}) == 1 and seps[0] in (b".", b"-", b"/"):
        a, b, c = sizes[:3]
        if (a <= 2 and b <= 2 and c in (2, 4)) or (a == 4 and b <= 2 and c <= 2):
            return False  # 12.05.2024, 2024-05-12 (and a time after it)
    if plain == {b"."} and len(groups) == 4 and all(len(g) <= 3 and int(g) <= 255 for g in groups):
        return False  # 192.168.1.1
    lead = 3 if plain == {b"."} else 2
    if len(plain) == 1 and groups[0][0] != 0x30 and sizes[0] <= lead and all(s == 3 for s in sizes[1:]):
        return False  # 1.234.567, 1 234 567: an amount (there are always two groups or more here)
    if sizes == [4, 4] and all(g[:2] in (b"19", b"20") for g in groups):
        return False  # 2023-2024
    if sizes == [5, 4] and seps == [b"-"]:
        return False  # ZIP+4
    if (
        len(groups) == 1
        and len(digits) == 8
        and (_date(digits[:4], digits[4:6], digits[6:]) or _date(digits[4:], digits[2:4], digits[:2]))
    ):
        return False  # 20240512, 12052024
    # (123) 555-0132 and 911-555-0132 stay what the NANP rules say they are
    nanp_shape = sizes == [3, 3, 4] or (len(groups) == 1 and len(digits) == 10)
    return not nanp_shape or digits[0] == 0x30 or nanp_ok(digits)


def _date(year: bytes, month: bytes, day: bytes) -> bool:
    return year[:2] in (b"19", b"20") and 1 <= int(month) <= 12 and 1 <= int(day) <= 31


Span = tuple[int, int, str]


_NEVER = 1 << 62
_DIGIT = re.compile(rb"[0-9]")


class Nationals:
    """The national numbers behind the phone context words of one walk over `data`.

    A context word's number (its first digit, `len(hits)` then, the word's offset) is looked at only once
    the walk has passed that digit without a hit there; the national span it yields waits until the walk is
    past its end, so that whatever the walk finds inside it wins. `horizon`: the walk calls `settle` once a
    candidate starts at or past it.
    """

    __slots__ = ("_data", "_hits", "_pending", "_waiting", "horizon")

    def __init__(self, data: bytes, hits: list[Span]) -> None:
        self._data, self._hits = data, hits
        self._waiting: tuple[int, int, int] | None = None  # (first digit, mark, word offset)
        self._pending: tuple[int, int, int] | None = None  # (start, end, mark) of a national number
        self.horizon = _NEVER

    def word(self, start: int, end: int) -> None:
        """A phone context word's candidate [start, end): a gap, then the number's first digit."""
        if self._pending is not None:
            return
        # `电话. Handy 93 779 80 04`: the word closest to the number is the one that counts
        mark = len(self._hits) if self._waiting is None else self._waiting[1]
        digit = _DIGIT.search(self._data, start, end + 4)  # (`… (` may end it)
        if digit is not None:  # (the match holds one: the gap has none, the number does)
            self._waiting = (digit.start(), mark, start)
            self.horizon = digit.start() + 1

    def settle(self, start: int) -> None:
        """The walk reached `start` (at or past the horizon): look at the number, add it once past it."""
        waiting = self._waiting
        if waiting is not None and start > waiting[0]:
            self._pending, self._waiting = self._after(waiting), None
        pending = self._pending
        if pending is not None and start >= pending[1]:
            self._add(pending)
            self._pending = None
        waiting, pending = self._waiting, self._pending
        self.horizon = waiting[0] + 1 if waiting else pending[1] if pending else _NEVER

    def finish(self) -> None:
        """The walk is over: whatever still waits is decided now."""
        if self._waiting is not None:
            self._pending, self._waiting = self._after(self._waiting), None
        if self._pending is not None:
            self._add(self._pending)
            self._pending = None

    def _after(self, waiting: tuple[int, int, int]) -> tuple[int, int, int] | None:
        """(start, end, mark) of the national number behind a word, unless the walk found PII there."""
        digit, mark, word = waiting
        if any(s <= digit < e for s, e, _ in self._hits[mark:]):
            return None  # `call me at 415-555-0132`: the usual case, a value of its own
        span = national(self._data, word, digit)
        return None if span is None else (*span, mark)

    def _add(self, pending: tuple[int, int, int]) -> None:
        """Insert the national number [start, end) unless a hit the walk found since `mark` overlaps it."""
        start, end, mark = pending
        hits = self._hits
        if any(s < end and e > start for s, e, _ in hits[mark:]):
            return
        k = len(hits)
        while k > mark and hits[k - 1][0] >= end:
            k -= 1
        hits.insert(k, (start, end, "PHONE"))
