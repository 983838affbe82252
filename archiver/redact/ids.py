"""Checks for the cue-word and shape types: national ids, bank numbers, dates, IP addresses.

Like `validators.py`, each takes the candidate's bytes (digits already stripped of separators where the
name says so) and runs once per candidate, never per character. See docs/redaction.md for the types.
"""

from __future__ import annotations

import re

from archiver.redact.validators import luhn_ok
from archiver.redact.wordlists import CODE_WORDS, OTHER_THING


def aba_ok(digits: bytes) -> bool:
    """ABA routing number: 9 digits, weights 3-7-1 sum to a multiple of 10, known Fed district prefix."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    d = [c - 48 for c in digits]
    prefix = d[0] * 10 + d[1]
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]
    return total % 10 == 0 and digits != b"000000000"


def sin_ok(digits: bytes) -> bool:
    """Canadian SIN: 9 digits passing Luhn (0xx is the sample/fictitious range: still redacted)."""
    return len(digits) == 9 and digits.isdigit() and luhn_ok(digits)


def itin_ok(digits: bytes) -> bool:
    """US ITIN: 9XX-GG-SSSS with the group in 50-65, 70-88, 90-92 or 94-99."""
    if len(digits) != 9 or not digits.isdigit() or digits[0] != 0x39:
        return False
    group = int(digits[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


_TFN_WEIGHTS = (1, 4, 3, 7, 5, 8, 6, 9, 10)
_TFN8_WEIGHTS = (10, 7, 8, 4, 6, 3, 5, 1)


def tfn_ok(digits: bytes) -> bool:
    """Australian Tax File Number: 8 or 9 digits, weighted sum divisible by 11."""
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    weights = _TFN_WEIGHTS if len(digits) == 9 else _TFN8_WEIGHTS
    return sum(w * (c - 48) for w, c in zip(weights, digits, strict=True)) % 11 == 0


# HMRC: first letter not D F I Q U V, second not D F I O Q U V; BG GB KN NK NT TN ZZ never issued
_NINO_BAD_PAIRS = frozenset((b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"))


def nino_ok(compact: bytes, strict: bool) -> bool:
    """UK National Insurance number `AB123456C` (no spaces, any case); `strict` applies the prefix rules."""
    if (
        len(compact) != 9
        or not compact[2:8].isdigit()
        or compact[8:9].upper() not in (b"A", b"B", b"C", b"D")
    ):
        return False
    prefix = compact[:2].upper()
    if not prefix.isalpha():
        return False
    if not strict:
        return True
    return prefix[0] not in b"DFIQUV" and prefix[1] not in b"DFIOQUV" and prefix not in _NINO_BAD_PAIRS


def ipv4_ok(tok: bytes) -> bool:
    """Four decimal octets 0-255 without leading zeros (`010.1.1.1` is a version-like code)."""
    parts = tok.split(b".")
    return len(parts) == 4 and all(
        p.isdigit() and len(p) <= 3 and int(p) <= 255 and (p == b"0" or p[0] != 0x30) for p in parts
    )


_HEX = frozenset(b"0123456789abcdefABCDEF")


def ipv6_ok(tok: bytes) -> bool:
    """An IPv6 address: eight groups, or fewer with exactly one `::`; a group holds a digit somewhere."""
    if tok.count(b"::") > 1 or b":::" in tok:
        return False
    if b"." in tok:  # `::ffff:192.0.2.128`: the last 32 bits written as IPv4
        head, _, v4 = tok.rpartition(b":")
        return ipv4_ok(v4) and ipv6_ok(head + b":0:0")
    groups = [g for g in tok.split(b":") if g]
    if any(len(g) > 4 or not set(g) <= _HEX for g in groups):
        return False
    if not any(c in b"0123456789" for c in tok):
        return False  # `dead::beef`, `cafe::face`: words, not an address
    if b"::" in tok:
        # (`::1`, the loopback, identifies nobody, but `127.0.0.1` is redacted too: one rule for both)
        return 2 <= len(groups) <= 7 or (
            tok.startswith(b"::") and len(groups) >= 1 and (len(tok) > 3 or tok == b"::1")
        )
    return len(groups) == 8


# (the Spanish, French and German abbreviations too: `7-abr-1985`, `3 avr. 1990`, `12. Mär 1980`)
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene janvier janv januar jänner jaenner",
        "february feb febrero février fevrier févr fevr februar",
        "march mar marzo mars märz maerz mär",
        "april apr abril abr avril avr",
        "may mayo mai",
        "june jun junio juin juni",
        "july jul julio juillet juil juli",
        "august aug agosto ago août aout",
        "september sep sept septiembre setiembre septembre",
        "october oct octubre octobre oktober okt",
        "november nov noviembre novembre",
        "december dec diciembre dic décembre decembre déc dezember dez",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

# a month's name for Python `re` (tails.py: `… expiring april 2027`), longest first
MONTH_WORD = (
    rb"(?i:(?:"
    + b"|".join(re.escape(m.encode()) for m in sorted(MONTHS, key=lambda m: (-len(m.encode()), m)))
    + rb"))\b"
)
_NUMBERS = re.compile(rb"\d+")
_WORDS = re.compile(r"[^\W\d_]+")


def birth_date_ok(value: bytes) -> bool:
    """A plausible date of birth in any written form: day 1-31, month 1-12 (or a name), year 1900-2029."""
    text = value.decode("utf-8", "replace").lower()
    digits = _NUMBERS.findall(value)
    numbers = [int(n) for n in digits]
    month_names = [MONTHS[w.rstrip(".")] for w in _WORDS.findall(text) if w.rstrip(".") in MONTHS]
    if month_names:
        if len(numbers) == 1:  # `March 12th`: a birthday without its year
            return 1 <= numbers[0] <= 31
        if len(numbers) != 2:
            return False
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
        return 1 <= day <= 31 and _year_ok(year, year > 99)  # (`12 Mar 85`: two digits are a year too)
    if len(digits) == 1 and len(digits[0]) == 8:  # `03121985`, `12031985`, `19850312`
        d = digits[0]
        return birth_date_ok(d[:4] + b"-" + d[4:6] + b"-" + d[6:]) or birth_date_ok(
            d[:2] + b"/" + d[2:4] + b"/" + d[4:]
        )
    if len(numbers) == 2 and not month_names:  # `03/12`, `13.05`: a birthday without its year
        a, b = numbers
        two = all(len(d) == 2 for d in digits)
        return (two or b"/" in value) and ((1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12))
    if len(numbers) != 3:
        return False
    a, b, c = numbers
    if len(digits[0]) == 4:  # ISO 1985-03-12
        return _year_ok(a, False) and 1 <= b <= 12 and 1 <= c <= 31
    if not _year_ok(c, len(digits[2]) == 4):
        return False
    # 12/03/1985 or 03/12/1985: either order is a date of birth
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)


def _year_ok(year: int, four: bool) -> bool:
    return 1900 <= year <= 2029 if four or year > 99 else True


def expiry_ok(value: bytes) -> bool:
    """A card expiry: MM/YY, MM/YYYY, M/YY, MM-YY or MMYY with a month 1-12 (and a 20xx year if long), or
    a month's name and its year (`April 2027`, `Apr/27`)."""
    named = _MONTH_YEAR.fullmatch(value.decode("utf-8", "replace"))
    if named is not None:
        year = named.group(2)
        return named.group(1).lower() in MONTHS and (len(year) == 2 or year[:2] == "20")
    digits = value.translate(None, b" /-.")
    if not digits.isdigit() or len(digits) not in (3, 4, 5, 6):
        return False
    sep = len(value) != len(digits)
    if not sep and len(digits) != 4:
        return False
    if sep:
        month = int(re.split(rb"[ /\-.]+", value)[0])
        year = re.split(rb"[ /\-.]+", value)[-1]
    else:
        month, year = int(digits[:2]), digits[2:]
    return 1 <= month <= 12 and (len(year) == 2 or year[:2] == b"20")


_MONTH_YEAR = re.compile(r"([^\W\d_]+)\.?(?:[ \t]+de)?[ \t]*[/\-']?[ \t]*(\d{2}|\d{4})")
_TRAILING = b".,!?;:)]}\"'"
_HEX_ID = re.compile(rb"[0-9a-fA-F]{4,}(?:-[0-9a-fA-F]{4,})+|[0-9a-fA-F]{16,}")  # (`abc-De1` is none)
_CODE_TOKEN = re.compile(rb"([A-Za-z]+)[#_\-:.]?\d[\d\-.]*[^A-Za-z0-9]*")
_CODE_WORDS = CODE_WORDS | OTHER_THING  # (`ref#3566`, `order12345`: a code word and its number)
_ASCII_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def password_chosen(value: bytes) -> bool:
    """A token that looks like a chosen secret: three letters or more, one in lower case, and a digit or a
    sign inside it (`hunter2`, `Katze#2020`, `mango*Tree9`; not `please!`, `v14.27.1`, `INV550123`, nor a
    code word and its number: `ref#3566`, `order12345`, `card_4111`, nor a hexadecimal id)."""
    core = value.rstrip(_TRAILING)
    if sum(c in _ASCII_LETTERS for c in core) < 3 or not any(0x61 <= c <= 0x7A for c in core):
        return False
    if all(c in _ASCII_LETTERS or c == 0x2D for c in core):  # (`re-enter`, `e-mail`: words, hyphens)
        return False
    if _HEX_ID.fullmatch(core):  # `fb080258-c2a1-…`, a hash: an id in a run-on message
        return False
    code = _CODE_TOKEN.fullmatch(core)
    return code is None or code.group(1).lower() not in _CODE_WORDS
