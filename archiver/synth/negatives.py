"""Hard negatives: strings full of digits, dots and dashes that look like PII but are not.

The redactor must leave every one of these untouched; the generator scatters them through chats so the
accuracy test measures precision against realistic traps, not only recall.
"""

from __future__ import annotations

import random
import string
import uuid

from archiver.synth.values import luhn_check_digit


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_invalid_16(rng: random.Random) -> str:
    body = rng.choice("4569") + _d(rng, 14)
    good = luhn_check_digit(body)
    bad = rng.choice([c for c in string.digits if c != good])
    return body + bad


def _usps(rng: random.Random) -> str:
    """An IMpb tracking number with a valid check digit, grouped in fours or not."""
    body = rng.choice(("9400", "9205", "9407", "9303", "9270")) + _d(rng, rng.choice((15, 16, 17)))
    total = sum((3 if i % 2 == 0 else 1) * int(ch) for i, ch in enumerate(reversed(body)))
    digits = body + str((10 - total % 10) % 10)
    if rng.random() < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits


def _ups(rng: random.Random) -> str:
    alnum = string.ascii_uppercase + string.digits
    return "1Z" + "".join(rng.choice(alnum) for _ in range(6)) + _d(rng, 10)


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def hard_negative(rng: random.Random) -> str:
    """One look-alike that must never be redacted (a UUID, timestamp, tracking number, price, …)."""
    y, mo, da = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    kinds = (
        lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        lambda: f"{y}-{mo:02d}-{da:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z",
        lambda: f"{y}-{mo:02d}-{da:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999):03d}+02:00",
        lambda: f"{y}-{mo:02d}-{da:02d} {hh:02d}:{mm:02d}:{ss:02d}",
        lambda: f"{mo:02d}/{da:02d}/{y}",
        lambda: f"{da:02d}.{mo:02d}.{y}",
        lambda: f"{_MONTHS[mo - 1]} {da}, {y}",
        lambda: f"{hh:02d}:{mm:02d}",
        lambda: f"{rng.randint(1, 12)}:{mm:02d} {rng.choice(('AM', 'PM', 'pm'))}",
        lambda: f"${rng.randint(1, 9999):,}.{rng.randint(0, 99):02d}",
        lambda: f"€{rng.randint(1, 999)},{rng.randint(0, 99):02d}",
        lambda: f"USD {rng.randint(1000, 999999):,}",
        lambda: f"{rng.randint(10000, 99999)}",
        lambda: f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
        lambda: f"ORD-{y}-{_d(rng, 6)}",
        lambda: f"#{_d(rng, 8)}",
        lambda: f"order {rng.choice('ABCDEFGH')}{_d(rng, 7)}",
        lambda: f"TCK-{_d(rng, 5)}",
        lambda: f"INC{_d(rng, 7)}",
        lambda: f"case {_d(rng, 8)}",
        lambda: f"SKU-{_d(rng, 4)}-{rng.choice(('BLK', 'WHT', 'RED'))}-{rng.choice(('S', 'M', 'XL'))}",
        lambda: f"v{rng.randint(1, 20)}.{rng.randint(0, 30)}.{rng.randint(0, 200)}",
        lambda: f"10.0.{_d(rng, 5)}.{_d(rng, 4)}",
        lambda: f"https://shop.example.com/orders/{_d(rng, 10)}?ref=chat&utm_source={_d(rng, 6)}",
        lambda: f"https://help.example.com/articles/{_d(rng, 12)}-how-to-reset",
        lambda: f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%",
        lambda: f"{rng.randint(1, 100)}%",
        lambda: _ups(rng),
        lambda: _usps(rng),
        lambda: _luhn_invalid_16(rng),
        lambda: f"INV{_d(rng, 16)}",
        lambda: f"{_d(rng, 24)}",
        lambda: f"ref{_d(rng, 10)}x",
        lambda: f"{rng.randint(192, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        lambda: f"{rng.randint(1, 9)}x{rng.randint(1, 9)}",
        lambda: f"{_d(rng, 3)}-{_d(rng, 3)}",
        lambda: f"{_d(rng, 4)} {_d(rng, 4)}",
    )
    return rng.choice(kinds)()
