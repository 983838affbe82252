"""Valid synthetic PII values in every format the redactor supports, plus the obfuscations people use.

Every value is generated, never real: cards are Luhn-valid numbers under real brand prefixes, SSNs obey the
SSA area/group/serial rules, IBANs carry correct mod-97 check digits. The redactor's accuracy test is only as
good as this variety, so each generator picks a format at random from the full list it documents.
"""

from __future__ import annotations

import random
import string

from archiver.redact.validators import BASE_TYPES as PII_TYPES

__all__ = ["PII_TYPES", "common_value", "obfuscate"]

# --- credit cards -------------------------------------------------------------------------------------

# brand -> (prefixes, allowed lengths)
_CARD_BRANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "visa": (("4",), (16, 16, 16, 13, 19)),
    "mastercard": (("51", "52", "53", "54", "55", "2221", "2300", "2500", "2720", "2600"), (16,)),
    "amex": (("34", "37"), (15,)),
    "discover": (("6011", "65", "644", "645", "646", "647", "648", "649"), (16, 16, 19)),
    "jcb": (("3528", "3530", "3566", "3589"), (16, 16, 19)),
    "diners": (("300", "301", "305", "36", "38", "39"), (14,)),
}


def luhn_check_digit(payload: str) -> str:
    """The Luhn check digit that makes `payload + digit` valid."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn checksum."""
    return len(digits) > 1 and luhn_check_digit(digits[:-1]) == digits[-1]


def card_digits(rng: random.Random, brand: str | None = None) -> str:
    """A Luhn-valid card number (digits only) of the given or a random brand."""
    brand = brand or rng.choice(tuple(_CARD_BRANDS))
    prefixes, lengths = _CARD_BRANDS[brand]
    prefix = rng.choice(prefixes)
    if brand == "mastercard" and len(prefix) == 4:
        prefix = str(rng.randint(2221, 2720))
    length = rng.choice(lengths)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn_check_digit(body)


def _group(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    if pos < len(digits):
        out.append(digits[pos:])
    return sep.join(out)


def format_card(rng: random.Random, digits: str) -> str:
    """Contiguous, or grouped the way the brand prints it, with one consistent separator."""
    style = rng.random()
    if style < 0.25:
        return digits
    sep = rng.choice((" ", " ", "-"))
    n = len(digits)
    if n == 15:
        return _group(digits, (4, 6, 5), sep)
    if n == 14:
        return _group(digits, (4, 6, 4), sep)
    return _group(digits, (4,) * (n // 4), sep)


# --- US SSN ------------------------------------------------------------------------------------------


def ssn_digits(rng: random.Random) -> str:
    """Nine digits obeying SSA rules: area 001-899 except 666, group 01-99, serial 0001-9999."""
    area = rng.randint(1, 899)
    while area == 666:
        area = rng.randint(1, 899)
    return f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def format_ssn(rng: random.Random, digits: str, *, bare: bool = False) -> str:
    """`AAA-GG-SSSS` or `AAA GG SSSS`; bare nine digits only when the caller adds a context word."""
    if bare:
        return digits
    sep = rng.choice(("-", "-", " "))
    return f"{digits[:3]}{sep}{digits[3:5]}{sep}{digits[5:]}"


# --- email -------------------------------------------------------------------------------------------

_FIRST = (
    "john",
    "maria",
    "wei",
    "aisha",
    "oliver",
    "sofia",
    "liam",
    "fatima",
    "noah",
    "yuki",
    "carlos",
    "emma",
    "raj",
    "chloe",
    "mateo",
    "zoe",
    "ahmed",
    "lena",
    "ivan",
    "grace",
    "o'neil",
    "jean-luc",
)
_LAST = (
    "smith",
    "garcia",
    "chen",
    "okafor",
    "müller",
    "nguyen",
    "kowalski",
    "rossi",
    "haddad",
    "tanaka",
    "silva",
    "johnson",
    "dubois",
    "patel",
    "murphy",
    "andersen",
    "lopez",
    "kim",
    "schmidt",
    "brown",
)
_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "example.com",
    "mail.example.org",
    "proton.me",
    "icloud.com",
    "corp.example.co.uk",
    "students.uni-example.edu",
    "web.de",
    "orange.fr",
    "example.com.au",
    "mx.example.net",
    "sub.dept.example.io",
)


def email_value(rng: random.Random) -> str:
    """An address with a random mix of dots, digits, plus-tags, subdomains, hyphens and upper case."""
    first = rng.choice(_FIRST).replace("'", "").replace("ü", "u")
    last = rng.choice(_LAST).replace("ü", "ue")
    shape = rng.randrange(7)
    local = [
        f"{first}.{last}",
        f"{first}{last[0]}",
        f"{first[0]}{last}{rng.randint(1, 99)}",
        f"{first}_{last}",
        f"{first}.{last}+{rng.choice(('orders', 'news', 'x1', 'shop'))}",
        f"{first}-{last}.{rng.randint(1970, 2005)}",
        f"{first}",
    ][shape]
    domain = rng.choice(_DOMAINS)
    value = f"{local}@{domain}"
    case = rng.random()
    if case < 0.1:
        value = value.upper()
    elif case < 0.25:
        value = value[0].upper() + value[1:]
    return value


# --- phone -------------------------------------------------------------------------------------------


def nanp_digits(rng: random.Random) -> str:
    """Ten NANP digits: area and exchange start 2-9 and are not N11 service codes."""

    def nxx() -> str:
        while True:
            code = f"{rng.randint(2, 9)}{rng.randint(0, 9)}{rng.randint(0, 9)}"
            if code[1:] != "11":
                return code

    area = nxx()
    while area[1] == "9":  # N9X area codes are reserved for expansion
        area = nxx()
    line = rng.choice((f"{rng.randint(0, 9999):04d}", f"01{rng.randint(0, 99):02d}"))
    exchange = rng.choice((nxx(), "555"))
    return area + exchange + line


def format_nanp(rng: random.Random, d: str) -> str:
    """`(415) 555-0132`, `415-555-0132`, `415.555.0132`, `415 555 0132`, `4155550132`, with +1/1 prefixes."""
    a, e, n = d[:3], d[3:6], d[6:]
    style = rng.randrange(6)
    if style == 0:
        return rng.choice(("", "", "+1 ", "1 ")) + rng.choice((f"({a}) {e}-{n}", f"({a}){e}-{n}"))
    if style == 5:
        return rng.choice(("", "", "+1", "1")) + a + e + n
    sep = ("-", ".", " ", "-", "-")[style - 1]
    prefix = rng.choice(("", "", "+1 ", f"+1{sep}", f"1{sep}"))
    return f"{prefix}{a}{sep}{e}{sep}{n}"


def _digits(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def intl_phone(rng: random.Random) -> str:
    """An international number written with `+` and country code in that country's usual grouping."""
    r = rng
    choices = (
        lambda: f"+44 20 {_digits(r, 4, '378')} {_digits(r, 4, '0123456789')}",
        lambda: f"+44 7{_digits(r, 3)} {_digits(r, 6)}",
        lambda: f"+44 (0)20 {_digits(r, 4, '378')} {_digits(r, 4)}",
        lambda: f"+44{_digits(r, 10, '127')}",
        lambda: f"+49 30 {_digits(r, 8)}",
        lambda: f"+49 15{r.randint(1, 9)} {_digits(r, 4)} {_digits(r, 4)}",
        lambda: f"+49 (0)89 {_digits(r, 3)} {_digits(r, 4)}",
        lambda: "+33 " + " ".join([str(r.randint(1, 7))] + [f"{r.randint(0, 99):02d}" for _ in range(4)]),
        lambda: "+33" + str(r.randint(6, 7)) + "".join(f"{r.randint(0, 99):02d}" for _ in range(4)),
        lambda: f"+61 2 {_digits(r, 4)} {_digits(r, 4)}",
        lambda: f"+61 4{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 3)}",
        lambda: f"+353 1 {_digits(r, 3)} {_digits(r, 4)}",
        lambda: f"+34 6{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 3)}",
        lambda: f"+39 06 {_digits(r, 4)} {_digits(r, 4)}",
        lambda: f"+31 20 {_digits(r, 3)} {_digits(r, 4)}",
        lambda: f"+91 9{_digits(r, 4)} {_digits(r, 5)}",
        lambda: f"+81 3-{_digits(r, 4)}-{_digits(r, 4)}",
        lambda: f"+55 11 9{_digits(r, 4)}-{_digits(r, 4)}",
        lambda: f"+52 55 {_digits(r, 4)} {_digits(r, 4)}",
        lambda: f"+65 {_digits(r, 4, '689')} {_digits(r, 4)}",
        lambda: f"+27 {_digits(r, 2, '1678')} {_digits(r, 3)} {_digits(r, 4)}",
        lambda: f"+46 8 {_digits(r, 3)} {_digits(r, 2)} {_digits(r, 2)}",
        lambda: f"+41 44 {_digits(r, 3)} {_digits(r, 2)} {_digits(r, 2)}",
        lambda: "+1 " + (lambda d: f"{d[:3]} {d[3:6]} {d[6:]}")(nanp_digits(r)),
    )
    return rng.choice(choices)()


def phone_value(rng: random.Random) -> str:
    """A NANP number in any listed format (70%) or an international one (30%)."""
    if rng.random() < 0.7:
        return format_nanp(rng, nanp_digits(rng))
    return intl_phone(rng)


# --- IBAN --------------------------------------------------------------------------------------------

# country -> BBAN layout as (count, kind) with kind n=digit, a=upper letter, c=alphanumeric (SWIFT registry).
# fmt: off
_IBAN_LAYOUTS: dict[str, tuple[tuple[int, str], ...]] = {
    "DE": ((18, "n"),),
    "GB": ((4, "a"), (14, "n")),
    "FR": ((10, "n"), (11, "c"), (2, "n")),
    "ES": ((20, "n"),),
    "IT": ((1, "a"), (10, "n"), (12, "c")),
    "NL": ((4, "a"), (10, "n")),
    "BE": ((12, "n"),),
    "CH": ((5, "n"), (12, "c")),
    "AT": ((16, "n"),),
    "IE": ((4, "a"), (14, "n")),
    "PL": ((24, "n"),),
    "PT": ((21, "n"),),
    "SE": ((20, "n"),),
    "DK": ((14, "n"),),
    "NO": ((11, "n"),),
    "FI": ((14, "n"),),
    "LU": ((3, "n"), (13, "c")),
    "SA": ((2, "n"), (18, "c")),
    "AE": ((19, "n"),),
    "BR": ((23, "n"), (1, "a"), (1, "c")),
    "GR": ((7, "n"), (16, "c")),
    "RO": ((4, "a"), (16, "c")),
    "CZ": ((20, "n"),),
    "HU": ((24, "n"),),
    "MT": ((4, "a"), (5, "n"), (18, "c")),
    "IS": ((22, "n"),),
    "LT": ((16, "n"),),
    "TR": ((5, "n"), (1, "n"), (16, "c")),
    "IL": ((19, "n"),),
    "QA": ((4, "a"), (21, "c")),
}
# fmt: on


def iban_check(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for `country` + `bban`."""
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def iban_value(rng: random.Random) -> str:
    """A mod-97-valid IBAN of a random country, in groups of four or contiguous (rarely lower case)."""
    country = rng.choice(tuple(_IBAN_LAYOUTS))
    alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}
    bban = "".join(rng.choice(alphabet[kind]) for count, kind in _IBAN_LAYOUTS[country] for _ in range(count))
    iban = country + iban_check(country, bban) + bban
    if rng.random() < 0.6:
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    if rng.random() < 0.05:
        iban = iban.lower()
    return iban


# --- dispatch ----------------------------------------------------------------------------------------


def common_value(rng: random.Random, type: str) -> str:
    """One valid value of `type` in a common format (`variants.pii_value` adds the rarer ones)."""
    if type == "CREDIT_CARD":
        return format_card(rng, card_digits(rng))
    if type == "US_SSN":
        return format_ssn(rng, ssn_digits(rng))
    if type == "EMAIL":
        return email_value(rng)
    if type == "PHONE":
        return phone_value(rng)
    if type == "IBAN":
        return iban_value(rng)
    raise ValueError(f"cannot generate PII: unknown type {type!r} (known: {', '.join(PII_TYPES)})")


# --- obfuscation -------------------------------------------------------------------------------------

# Zero-width and invisible format characters people paste (or attackers insert) inside numbers.
ZERO_WIDTH: tuple[str, ...] = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
# Zero code points of decimal-digit blocks: full-width, Arabic-Indic, Extended Arabic-Indic, Devanagari,
# Bengali, Thai, and mathematical bold.
DIGIT_ZEROS: tuple[int, ...] = (0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1D7CE)


def obfuscate(rng: random.Random, value: str) -> str:
    """Rewrite `value` the way evasive customers do: foreign digits, full-width forms, zero-width splits."""
    mode = rng.randrange(3)
    out = value
    if mode in (0, 2) and any(ch.isdigit() for ch in value):
        zero = rng.choice(DIGIT_ZEROS)
        out = "".join(chr(zero + int(ch)) if "0" <= ch <= "9" else ch for ch in out)
    elif mode == 0:  # no digits (an email): use full-width ASCII instead
        out = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in out)
    if mode in (1, 2):
        chars = list(out)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(1, len(chars) - 1)
            chars.insert(pos, rng.choice(ZERO_WIDTH))
        out = "".join(chars)
    return out
