"""Cheap confirmations for RE2 candidates: Luhn + brand, SSA, NANP, E.164 country codes, IBAN mod-97.

Every function takes ASCII digit (or IBAN alphanumeric) bytes already stripped of separators. They run only
on candidates, never per character of the text, so plain Python is fast enough here.
"""

from __future__ import annotations

import re

# The entity types, in the order the redactor reports them: the five with a shape of their own first, then
# the cue-word and shape types of cues.py/shapes.py (docs/redaction.md describes each).
BASE_TYPES: tuple[str, ...] = ("CREDIT_CARD", "US_SSN", "EMAIL", "PHONE", "IBAN")
PII_TYPES: tuple[str, ...] = (
    *BASE_TYPES,
    "CARD_CVV",
    "CARD_EXPIRY",
    "PIN",
    "PASSWORD",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
    "UK_NINO",
    "CA_SIN",
    "US_ITIN",
    "AU_TFN",
    "BANK_ROUTING",
    "BANK_ACCOUNT",
    "UK_SORT_CODE",
    "POSTAL_CODE",
    "PASSPORT",
    "DRIVER_ID",
    "PERSON_NAME",
    "STREET_ADDRESS",
)

# Luhn: the doubled digit's digit sum, as a bytes.translate table (ASCII digit -> ASCII digit)
_DOUBLE = bytes.maketrans(b"0123456789", b"0246813579")


def luhn_ok(digits: bytes) -> bool:
    """True when the ASCII digit string passes the Luhn checksum."""
    # sum() over bytes and translate() run in C: no Python loop per digit
    odd = digits[-1::-2]
    even = digits[-2::-2].translate(_DOUBLE)
    return (sum(odd) + sum(even) - 48 * len(digits)) % 10 == 0


def card_brand_ok(digits: bytes) -> bool:
    """True when the number's prefix belongs to a card brand that issues numbers of this length."""
    n = len(digits)
    first = digits[0]
    if first == 0x34:  # 4: Visa
        return n in (13, 16, 19)
    p2 = int(digits[:2])
    p4 = int(digits[:4])
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p4 == 6011 or p2 == 65 or 644 <= int(digits[:3]) <= 649:  # Discover
        return 16 <= n <= 19
    if p2 == 62 or p2 == 81:  # UnionPay
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589:  # JCB
        return 16 <= n <= 19
    if 300 <= int(digits[:3]) <= 305 or p4 == 3095 or p2 in (36, 38, 39):  # Diners Club
        return 14 <= n <= 19
    if 2200 <= p4 <= 2204:  # Mir
        return 16 <= n <= 19
    if p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763):  # Maestro
        return 13 <= n <= 19
    return False


_BRANDS: dict[bytes, bool] = {}


def card_brand_ok_cached(digits: bytes) -> bool:
    """`card_brand_ok`, remembered per first four digits and length (at most 70,000 entries)."""
    key = digits[:4] + bytes((len(digits),))
    ok = _BRANDS.get(key)
    if ok is None:
        ok = _BRANDS[key] = card_brand_ok(digits)
    return ok


def card_grouping_ok(sizes: list[int]) -> bool:
    """Contiguous, the groupings cards are printed in: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners), or 8-8."""
    k = len(sizes)
    if k == 1:
        return True
    if sizes in ([4, 6, 5], [4, 6, 4], [8, 8]):
        return True
    return k >= 3 and sizes[:-1].count(4) == k - 1 and 1 <= sizes[-1] <= 4


_TRIPLE = bytes.maketrans(b"0123456789", bytes(48 + (3 * d) % 10 for d in range(10)))


def usps_tracking_ok(digits: bytes) -> bool:
    """A USPS tracking number (IMpb): 20-22 digits starting with 9, mod-10 check digit weighted 3,1,3,… ."""
    if not 20 <= len(digits) <= 22 or digits[0] != 0x39:
        return False
    body = digits[:-1]
    # weights 3,1,3,… from the right of the body; (3*d) % 10 per digit is enough for a mod-10 sum
    total = sum(body[-1::-2].translate(_TRIPLE)) + sum(body[-2::-2]) - 48 * len(body)
    return (10 - total % 10) % 10 == digits[-1] - 48


# USPS prints its 22-digit tracking numbers (IMpb) as five groups of four and one of two
# (`9400 1000 0000 0000 0000 00`); no card or other PII is written that way, so the layout alone says it
_TRACKING_LAYOUT = re.compile(rb"\d{4}([ .\-])\d{4}(?:\1\d{4}){3}\1\d{2}")


def tracking_number(tok: bytes, after: bytes = b"") -> bool:
    """A grouped candidate that is a USPS tracking number: by its check digit, or by its printed layout when
    no digit group follows (`after`: the two bytes after it; in `1000 1000 1000 1000 0044 20 7946 0958` the
    last two groups start a phone number)."""
    if usps_tracking_ok(tok.translate(None, b" .-")):
        return True
    ends = not after[:1].isdigit() and not (after[:1] in (b" ", b".", b"-") and after[1:2].isdigit())
    return ends and _TRACKING_LAYOUT.fullmatch(tok) is not None


# a carrier or tracking word right before, with nothing but a number word and `is` between (`USPS tracking #
# is …`, `FedEx no. …`, `número de seguimiento: …`): `my card for the ups store is 4111 …` is a card
_CARRIER_BEFORE = re.compile(
    rb"(?i)\b(?:(?:usps|ups|fedex|dhl)(?:[ \t]+track(?:ing)?)?|track(?:ing)?|seguimiento|rastreo|suivi"
    rb"|sendungsnummer|sendungsverfolgung|trackingnummer)"
    rb"(?:[ \t]+(?:number|num|no|nr|id|code|n\xc3\xbamero|numero|num\xc3\xa9ro))?[ \t]*[:#.]?[ \t]*"
    rb"(?:(?:is|es|est|ist|lautet)[ \t]*[:#]?[ \t]*)?$"
)


def carrier_before(data: bytes, start: int) -> bool:
    """Whether a carrier or tracking word comes right before the digits at `start` (five groups of four
    after it are a tracking number, not a card and an expiry)."""
    return _CARRIER_BEFORE.search(data, max(0, start - 48), start) is not None


def ssn_ok(digits: bytes) -> bool:
    """SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999."""
    area = digits[:3]
    return (
        area != b"000"
        and area != b"666"
        and digits[0] != 0x39  # 9xx areas are ITINs, not SSNs
        and digits[3:5] != b"00"
        and digits[5:] != b"0000"
    )


def nanp_ok(ten: bytes) -> bool:
    """NANP: area and exchange start 2-9; neither is an N11 service code."""
    return ten[0] >= 0x32 and ten[3] >= 0x32 and ten[1:3] != b"11" and ten[4:6] != b"11"


# E.164 country codes: one digit (1, 7), two digits, and the two-digit prefixes of three-digit codes.
_CC2 = frozenset(
    b"20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 "
    b"81 82 84 86 90 91 92 93 94 95 98".split()
)
_CC3_PREFIX = frozenset(b"21 22 23 24 25 26 29 35 37 38 42 50 59 67 68 69 80 85 87 88 96 97 99".split())
# the assigned three-digit codes under those prefixes (ITU-T E.164 list): `+999 …` or `+384 …` is no number
# fmt: off
_CC3 = frozenset(
    str(cc).encode()
    for cc in (
        211, 212, 213, 216, 218, *range(220, 259), *range(260, 270), 290, 291, 297, 298, 299,
        *range(350, 360), *range(370, 380), 380, 381, 382, 383, 385, 386, 387, 389, 420, 421, 423,
        *range(500, 510), *range(590, 600), 670, *range(672, 684), *range(685, 693), 800, 808,
        850, 852, 853, 855, 856, 870, 878, 880, 881, 882, 883, 886, 888, *range(960, 969),
        *range(970, 978), 992, 993, 994, 995, 996, 998,
    )
)
# fmt: on


def intl_phone_ok(digits: bytes) -> bool:
    """A `+`-prefixed number: a real country code and 8-15 digits in all (E.164), NANP rules for +1."""
    n = len(digits)
    if not 8 <= n <= 15:
        return False
    first = digits[0]
    if first == 0x31:  # +1: the rest is a NANP number
        return n == 11 and nanp_ok(digits[1:])
    if first == 0x37:  # +7 Russia/Kazakhstan
        return n == 11
    return digits[:2] in _CC2 or digits[:3] in _CC3


# ISO 13616 IBAN lengths per country (SWIFT IBAN registry).
# fmt: off
IBAN_LENGTHS: dict[bytes, int] = {
    b"AD": 24,
    b"AE": 23,
    b"AL": 28,
    b"AT": 20,
    b"AZ": 28,
    b"BA": 20,
    b"BE": 16,
    b"BG": 22,
    b"BH": 22,
    b"BI": 27,
    b"BR": 29,
    b"BY": 28,
    b"CH": 21,
    b"CR": 22,
    b"CY": 28,
    b"CZ": 24,
    b"DE": 22,
    b"DJ": 27,
    b"DK": 18,
    b"DO": 28,
    b"EE": 20,
    b"EG": 29,
    b"ES": 24,
    b"FI": 18,
    b"FK": 18,
    b"FO": 18,
    b"FR": 27,
    b"GB": 22,
    b"GE": 22,
    b"GI": 23,
    b"GL": 18,
    b"GR": 27,
    b"GT": 28,
    b"HN": 28,
    b"HR": 21,
    b"HU": 28,
    b"IE": 22,
    b"IL": 23,
    b"IQ": 23,
    b"IS": 26,
    b"IT": 27,
    b"JO": 30,
    b"KW": 30,
    b"KZ": 20,
    b"LB": 28,
    b"LC": 32,
    b"LI": 21,
    b"LT": 20,
    b"LU": 20,
    b"LV": 21,
    b"LY": 25,
    b"MC": 27,
    b"MD": 24,
    b"ME": 22,
    b"MK": 19,
    b"MN": 20,
    b"MR": 27,
    b"MT": 31,
    b"MU": 30,
    b"NI": 28,
    b"NL": 18,
    b"NO": 15,
    b"OM": 23,
    b"PK": 24,
    b"PL": 28,
    b"PS": 29,
    b"PT": 25,
    b"QA": 29,
    b"RO": 24,
    b"RS": 22,
    b"RU": 33,
    b"SA": 24,
    b"SC": 31,
    b"SD": 18,
    b"SE": 24,
    b"SI": 19,
    b"SK": 24,
    b"SM": 27,
    b"SO": 23,
    b"ST": 25,
    b"SV": 28,
    b"TL": 23,
    b"TN": 24,
    b"TR": 26,
    b"UA": 29,
    b"VA": 22,
    b"VG": 24,
    b"XK": 20,
    b"YE": 30,
}
# fmt: on


# ISO 7064 letter substitution: each byte of an upper-case IBAN as its decimal string (A=10 … Z=35).
_IBAN_DIGITS = {c: str(int(chr(c), 36)) for c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def iban_ok(compact: bytes) -> bool:
    """Upper-case alphanumeric IBAN without separators: registry length and mod-97 == 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit() or not compact.isalnum():
        return False
    bban = compact[4:]
    if bban.isdigit():  # most countries: only the country code needs the letter substitution
        head = _IBAN_DIGITS[compact[0]] + _IBAN_DIGITS[compact[1]] + compact[2:4].decode()
        return int(bban.decode() + head) % 97 == 1
    rearranged = bban + compact[:4]
    return int("".join(map(_IBAN_DIGITS.__getitem__, rearranged))) % 97 == 1


def paren_nanp_ok(tok: bytes) -> bool:
    digits = tok.translate(None, b" .-()")
    if len(digits) == 11:
        if digits[0] != 0x31:
            return False
        digits = digits[1:]
    return len(digits) == 10 and nanp_ok(digits)


SSN_CONTEXT = re.compile(
    # (`my ss number`, `Sozialversicherungsnummer (USA)`: the German word names the US number as well)
    # (`socail security`: the misspellings of `social` phones produce, as the cue words have in typos.py)
    rb"(?i)(?:\b(?:ssn|ss ?#|ss ?no|ss ?num|social|socail|scoial|soical|soc\.? ?sec|ssa number"
    rb"|tax ?payer id"
    rb"|sozialversicherungs(?:nummer|-nr|nr))"
    rb"|\bs\. ?s\. ?n\b|security\W{0,3}(?:number|no\b|num|#))"
)


def ssn_context(data: bytes, start: int, end: int) -> bool:
    """A context word ("SSN", "social security", …) within the same message, close to the number."""
    lo = max(0, start - 48)
    nul = data.rfind(b"\x00", lo, start)
    if nul >= 0:
        lo = nul + 1
    hi = min(len(data), end + 32)
    nul = data.find(b"\x00", end, hi)
    if nul >= 0:
        hi = nul
    return SSN_CONTEXT.search(data, lo, hi) is not None
