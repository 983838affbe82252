"""Less common but legitimate PII formats: the ones an independent audit of the redactor probed.

`pii_value` draws from here now and then, so the accuracy test keeps measuring them: cards of the
rarer brands and lengths, addresses in any script (an e-mail is PII whatever its alphabet: `用户@例子.广告`,
`иван@пример.рф`, punycode), phone numbers dialled with `00`/`011` instead of `+` or with `+1-`/`+1.`,
IBANs grouped with dashes or with a mixed-case country code, and the separators customers paste from
other software (no-break and thin spaces, Unicode hyphens and minus) or that hide in copied text
(soft hyphens, bidi marks).

Every choice made here draws from a side RNG seeded by the value being varied, never from the caller's
RNG: a seeded caller (the simulator, the benchmarks) advances its generator exactly as before these
formats existed, so its timelines and corpora keep their shape.
"""

from __future__ import annotations

import random
import string

from archiver.synth import values as v

__all__ = ["SSN_LEADS", "maybe_variant", "odd_separators", "side_rng", "variant_value"]


def side_rng(value: str) -> random.Random:
    """A generator seeded by `value` (sha512 of the str: the same in every run and process)."""
    return random.Random(value)


# How else people introduce a bare SSN (each holds a context word the redactor knows)
SSN_LEADS = ("soc sec # ", "S.S.N. ", "social-security no. ", "SSN#", "Social Security No: ")

# --- cards ------------------------------------------------------------------------------------------


def _card(rng: random.Random) -> str:
    prefix, length, sizes = rng.choice(
        (
            ("62", 16, (4, 4, 4, 4)),  # UnionPay
            ("62", 19, (4, 4, 4, 4, 3)),
            ("4", 19, (4, 4, 4, 4, 3)),  # Visa 19
            ("4", 13, (4, 4, 4, 1)),  # Visa 13
            ("6011", 19, (4, 4, 4, 4, 3)),  # Discover 19
            ("3589", 19, (4, 4, 4, 4, 3)),  # JCB 19
            ("36", 14, (4, 6, 4)),  # Diners 14
            ("37", 15, (4, 6, 5)),  # Amex
            (str(rng.randint(2221, 2720)), 16, (4, 4, 4, 4)),  # Mastercard 2-series
            (str(rng.randint(644, 649)), 16, (4, 4, 4, 4)),  # Discover 644-649
        )
    )
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    digits = body + v.luhn_check_digit(body)
    if rng.random() < 0.3:
        return digits
    sep = rng.choice((" ", "-", " ", "-", "."))  # dots: some forms print `4111.1111.1111.1111`
    out, pos = [], 0
    for size in sizes:
        out.append(digits[pos : pos + size])
        pos += size
    return sep.join(out)


# --- e-mail in any script ---------------------------------------------------------------------------

_IDN_LOCAL = (
    "иван", "мария.петрова", "用户", "张伟", "μαρία", "أحمد", "राम", "たなか", "김철수", "josé", "müller",
    "françois.dupont", "søren", "łukasz", "çağla", "nguyễn.văn", "ivan", "info", "kontakt", "anna.k",
)  # fmt: skip
_IDN_DOMAIN = (
    "пример.рф", "почта.рус", "例子.广告", "公司.中国", "παράδειγμα.ελ", "مثال.مصر", "उदाहरण.भारत",
    "例え.jp", "예시.한국", "correo.es", "bücher.de", "exemple.fr", "xn--fsqu00a.xn--0zwm56d",
    "xn--mller-kva.de", "mail.xn--p1ai", "ví-dụ.vn", "örnek.com.tr", "example.com",
)  # fmt: skip


def _email(rng: random.Random) -> str:
    local = rng.choice(_IDN_LOCAL)
    domain = rng.choice(_IDN_DOMAIN)
    shape = rng.random()
    if shape < 0.1:  # RFC 5321 address literal
        ip = (
            f"192.0.2.{rng.randint(1, 254)}"
            if rng.random() < 0.6
            else f"IPv6:2001:db8::{rng.randint(1, 999)}"
        )
        return f"{local}@[{ip}]"
    if shape < 0.2:  # quoted local part
        return f'"{local} {rng.choice(_IDN_LOCAL)}"@{domain}'
    if local.isascii() and domain.isascii():
        domain = rng.choice(_IDN_DOMAIN[:10])
    if rng.random() < 0.2 and not (domain.isascii() and local[-1] >= "\u3000"):
        # (`用户16@例子.fr` is ambiguous in running CJK text: `电话16@…` keeps the words before the digits)
        local += str(rng.randint(1, 99))
    return f"{local}@{domain}"


# --- phones -----------------------------------------------------------------------------------------


def _d(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _phone(rng: random.Random) -> str:
    r = rng
    nanp = v.nanp_digits(rng)
    a, e, n = nanp[:3], nanp[3:6], nanp[6:]
    choices = (
        lambda: f"+1-{a}-{e}-{n}",
        lambda: f"+1.{a}.{e}.{n}",
        lambda: f"1 ({a}) {e}-{n}",
        lambda: f"+1 ({a}) {e}-{n}",
        lambda: f"0044 20 {_d(r, 4, '378')} {_d(r, 4)}",
        lambda: f"0033 {r.randint(6, 7)} " + " ".join(f"{r.randint(0, 99):02d}" for _ in range(4)),
        lambda: f"0049 30 {_d(r, 7)}",
        lambda: f"011 44 20 {_d(r, 4, '378')} {_d(r, 4)}",
        lambda: f"+33 (0)6 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
        lambda: f"+86 13{_d(r, 1)} {_d(r, 4)} {_d(r, 4)}",
        lambda: f"+7 9{_d(r, 2)} {_d(r, 3)}-{_d(r, 2)}-{_d(r, 2)}",
        lambda: f"+971 50 {_d(r, 3)} {_d(r, 4)}",
        lambda: f"+82 10-{_d(r, 4)}-{_d(r, 4)}",
        lambda: f"+90 5{_d(r, 2)} {_d(r, 3)} {_d(r, 2)} {_d(r, 2)}",
        lambda: f"+48 {_d(r, 3, '5678')} {_d(r, 3)} {_d(r, 3)}",
        lambda: f"+353 87 {_d(r, 3)} {_d(r, 4)}",
        lambda: f"+49 (0) 30 {_d(r, 7)}",
        lambda: f"+61 (0)4{_d(r, 2)} {_d(r, 3)} {_d(r, 3)}",
    )
    return rng.choice(choices)()


# --- IBAN -------------------------------------------------------------------------------------------


def _iban(rng: random.Random) -> str:
    value = v.iban_value(rng).replace(" ", "")
    style = rng.randrange(3)
    if style == 0:
        return "-".join(value[i : i + 4] for i in range(0, len(value), 4))
    if style == 1:  # `De89 3704 …`: autocorrect capitalises only the first letter
        value = value[0] + value[1].lower() + value[2:]
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def pii_value(rng: random.Random, type: str) -> str:
    """One valid value of `type` in a random supported format that needs no context word.

    (A bare nine-digit SSN is only PII next to a word like "SSN"; `generate_transcript` writes those
    with their context, so this function never returns one.)
    """
    value = v.common_value(rng, type)
    # Now and then a rarer format (other scripts, `00` dialling, dashed IBANs …), drawn from a side RNG
    # seeded by the value, so `rng` advances exactly as it always did and seeded callers (the simulator)
    # keep their timelines.
    return maybe_variant(value, type)


def maybe_variant(value: str, type: str) -> str:
    """`value`, or (15%, decided by the value itself) a value of `type` in one of the rarer formats."""
    side = side_rng(value)
    return variant_value(side, type) if type != "US_SSN" and side.random() < 0.15 else value


def variant_value(rng: random.Random, type: str) -> str:
    """One valid value of `type` in one of the rarer formats above (bare SSNs excepted)."""
    if type == "CREDIT_CARD":
        return _card(rng)
    if type == "EMAIL":
        return _email(rng)
    if type == "PHONE":
        return _phone(rng)
    if type == "IBAN":
        return _iban(rng)
    return v.format_ssn(rng, v.ssn_digits(rng))


# --- separators pasted from other software ----------------------------------------------------------

_SPACES = ("\u00a0", "\u202f", "\u2009", "\u2007", "\u3000")  # NBSP, narrow NBSP, thin, figure, ideographic
_DASHES = ("\u2010", "\u2011", "\u2013", "\u2212", "\uff0d")  # hyphen, non-breaking hyphen, en dash, minus
_HIDDEN = ("\u00ad", "\u2060", "\u200e", "\u200f", "\u202e", "\u034f")  # soft hyphen, WJ, bidi, CGJ


def odd_separators(rng: random.Random, value: str) -> str:
    """Swap the value's ASCII space/dash separators for Unicode look-alikes, or hide a mark inside it."""
    if rng.random() < 0.5 and (" " in value or "-" in value):
        space, dash = rng.choice(_SPACES), rng.choice(_DASHES)
        return value.replace(" ", space).replace("-", dash)
    pos = rng.randint(1, len(value) - 1)
    return value[:pos] + rng.choice(_HIDDEN) + value[pos:]
