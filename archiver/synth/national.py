"""Phone numbers in national format behind the words that say they are one, and the traps around them.

`020 7946 0958` alone is just digits; `mobile 07700 900123` is a phone number. The redactor redacts the
national formats only behind a phone context word, so the generator writes each one with such a lead
(English and the languages the redactor knows), and scatters the look-alikes a context word also meets in
real chats: dates, times, order and ticket numbers, codes, amounts. All draws come from the caller's side
RNG (see `variants.side_rng`).
"""

from __future__ import annotations

import random
import string

__all__ = ["context_negative", "national_phone"]


def _d(rng: random.Random, n: int, first: str = "123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _exchange(rng: random.Random) -> str:
    """Three digits a North American exchange could be (2-9, not N11): the shape keeps the NANP rules."""
    while (digits := _d(rng, 3, "23456789"))[1:] == "11":
        pass
    return digits


def _pairs(rng: random.Random, n: int) -> str:
    return " ".join(f"{rng.randint(0, 99):02d}" for _ in range(n))


def _numbers(rng: random.Random) -> tuple[str, ...]:
    r = rng
    return (
        f"020 {_d(r, 4, '378')} {_d(r, 4)}",  # UK London
        f"07{_d(r, 3)} {_d(r, 6)}",  # UK mobile
        f"0{r.randint(1, 9)} {_pairs(r, 4)}",  # France
        f"0{r.randint(6, 7)}.{_pairs(r, 4).replace(' ', '.')}",
        f"030 {_d(r, 7)}",  # Germany
        f"0{r.randint(151, 179)} {_d(r, 7)}",
        f"(0{_d(r, 2)}) {_d(r, 6)}",
        f"0{_d(r, 2)}/{_d(r, 7)}",
        f"6{_d(r, 2, '0123456789')} {_pairs(r, 3)}",  # Spain
        f"9{r.randint(1, 8)} {_d(r, 3)} {_pairs(r, 2)}",
        f"06 {_d(r, 4)} {_d(r, 4)}",  # Italy
        # Italian mobiles 320-399 (310-319 are not mobile prefixes, and `311 …` is a NANP service code the
        # redactor leaves alone in this shape: the generator planted one a 5,000-message test then found)
        f"3{_d(r, 1, '23456789')}{_d(r, 1, '0123456789')} {_exchange(r)} {_d(r, 4)}",
        f"020-{_d(r, 3)} {_d(r, 4)}",  # Netherlands
        f"0{r.randint(2, 8)} {_d(r, 4)} {_d(r, 4)}",  # Australia
        f"04{_d(r, 2, '0123456789')} {_d(r, 3)} {_d(r, 3)}",
        f"090-{_d(r, 4)}-{_d(r, 4)}",  # Japan
        f"010-{_d(r, 4)}-{_d(r, 4)}",  # Korea
        f"13{_d(r, 1)} {_d(r, 4)} {_d(r, 4)}",  # China mobile
        f"8 ({_d(r, 3, '3489')}) {_d(r, 3)}-{_d(r, 2)}-{_d(r, 2)}",  # Russia
        f"0{r.randint(6, 9)}{_d(r, 8)}",  # Thailand, contiguous
        f"{r.choice('6789')}{_d(r, 4, string.digits)} {_d(r, 5)}",  # India
        f"05{_d(r, 8, string.digits)}",  # Gulf mobile
    )


_LEADS = (
    "ring me on ", "mobile: ", "my mobile is ", "call me at ", "my number is ", "phone: ", "tel. ",
    "Tel.: ", "fax ", "whatsapp ", "text me on ", "cell ", "appel ", "mon portable ", "téléphone : ",
    "Handy ", "Telefon: ", "Telefonnummer ", "móvil ", "teléfono: ", "celular ", "cellulare ",
    "telefono ", "telefoon ", "telefone ", "телефон ", "電話番号は", "电话：", "手机", "هاتف ", "โทร",
    "휴대폰 ", "मोबाइल ",
)  # fmt: skip


def national_phone(rng: random.Random) -> tuple[str, str]:
    """(lead holding a phone context word, a national-format number)."""
    return rng.choice(_LEADS), rng.choice(_numbers(rng))


def context_negative(rng: random.Random) -> str:
    """A phone context word followed by digits that are not a phone number (never redacted)."""
    y, mo, da = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
    choices = (
        f"call me on {da:02d}.{mo:02d}.{y}",
        f"call me back on {mo:02d}/{da:02d}/{y} at {rng.randint(1, 12)}:{rng.randint(0, 59):02d}",
        f"ring me at {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        f"phone me {y}-{mo:02d}-{da:02d}",
        f"my order number is {_d(rng, 8)}",
        f"the ticket number is {_d(rng, 4)} {_d(rng, 4)}",
        f"text me the code {_d(rng, 6)}",
        f"call about order {_d(rng, 10)}",
        f"number of items: {rng.randint(2, 40)}",
        f"my phone cost {rng.randint(1, 9)} {_d(rng, 3, string.digits)} {_d(rng, 3, string.digits)} won",
        f"phone model {y}-{y + 1}",
        f"call ref {_d(rng, 10)}",
        f"mobile plan v{rng.randint(1, 9)}.{rng.randint(0, 9)}.{_d(rng, 5)}",
        f"Bestellnummer {_d(rng, 9)}",
        f"numéro de commande {_d(rng, 10)}",
    )
    return rng.choice(choices)
