"""Labelled carriers and look-alikes for the cue-word and shape types (CVV, expiry, PIN, password, date
of birth, IPs, national ids, bank details, postcodes, passports, driver ids, names, street addresses).

Each carrier is the phrase a customer types — in English, Spanish, French or German — with the value
labelled; each look-alike is a phrase that must come back byte-identical (room and flight numbers next to
CVV-sized digits, order and delivery dates, version numbers, "pin this message", "I forgot my password",
"my name is on the account", "we're on floor 42", order numbers). All values pass their type's checks.
"""

from __future__ import annotations

import random

from archiver.synth.values import luhn_valid

NEW_TYPES: tuple[str, ...] = (
    "CARD_CVV", "CARD_EXPIRY", "PIN", "PASSWORD", "DATE_OF_BIRTH", "IP_ADDRESS", "UK_NINO", "CA_SIN",
    "US_ITIN", "AU_TFN", "BANK_ROUTING", "BANK_ACCOUNT", "UK_SORT_CODE", "POSTAL_CODE", "PASSPORT",
    "DRIVER_ID", "PERSON_NAME", "STREET_ADDRESS",
)  # fmt: skip
Piece = tuple[str, str | None]  # (text, type or None)

_FIRST = ("Jane", "Carlos", "Élodie", "Jürgen", "Priya", "Tom", "María José", "Anna", "Liam", "Zoë", "Kenji")
_LAST = (
    "Doberman",
    "Pérez",
    "Dubois",
    "Müller",
    "O'Neil",
    "García",
    "Smith-Jones",
    "van der Berg",
    "Nakamura",
)
_STREETS = ("Elm", "Oak", "Maple", "Baker", "High", "Church", "Pennsylvania", "Main", "Cedar Hill", "Station")
_SUFFIXES = ("Street", "St", "Avenue", "Ave", "Road", "Rd", "Lane", "Drive", "Boulevard", "Court", "Close")
_CITIES = ("Springfield", "London", "Leeds", "Austin", "Portland", "Denver", "Bristol")
_STATES = ("IL", "TX", "OR", "CA", "NY", "WA")
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
}  # fmt: skip


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _aba(rng: random.Random) -> str:
    while True:
        head = f"{rng.choice((0, 1, 2, 3)):d}{rng.randrange(10)}" + _digits(rng, 6)
        if not (int(head[:2]) <= 12 or 21 <= int(head[:2]) <= 32):
            continue
        d = [int(c) for c in head]
        partial = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5]
        return head + str((10 - partial % 10) % 10)


def _tfn(rng: random.Random) -> str:
    weights = (1, 4, 3, 7, 5, 8, 6, 9, 10)
    while True:
        d = _digits(rng, 9)
        if sum(w * int(c) for w, c in zip(weights, d, strict=True)) % 11 == 0:
            return d


def _sin(rng: random.Random) -> str:
    while True:
        d = str(rng.randint(1, 7)) + _digits(rng, 8)
        if luhn_valid(d):
            return d


def _itin(rng: random.Random) -> str:
    group = rng.choice((*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)))
    return f"9{_digits(rng, 2)}{group:02d}{_digits(rng, 4)}"


def _nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNOPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
        first, second = "A", "B"
    return first + second + _digits(rng, 6) + rng.choice("ABCD")


def _three(d: str, sep: str) -> str:
    return sep.join((d[:3], d[3:6], d[6:]))


def _name(rng: random.Random, full: bool) -> str:
    first = rng.choice(_FIRST)
    return f"{first} {rng.choice(_LAST)}" if full else first


def _dob(rng: random.Random, lang: str) -> str:
    y, m, d = rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)
    month = _MONTHS[lang][m - 1]
    forms = {
        "en": (f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{month} {d}, {y}", f"{d} {month} {y}"),
        "es": (f"{d:02d}/{m:02d}/{y}", f"{d} de {month} de {y}"),
        "fr": (f"{d:02d}.{m:02d}.{y}", f"{d} {month} {y}"),
        "de": (f"{d:02d}.{m:02d}.{y}", f"{d}. {month} {y}"),
    }
    return rng.choice(forms[lang])


def _password(rng: random.Random) -> str:
    word = rng.choice(("Hunter", "sunshine", "Perro_", "Soleil", "Sommer", "dragon", "P@ss", "correcthorse"))
    return word + _digits(rng, rng.randint(0, 4)) + rng.choice(("", "!", "#", "?!", "$"))


def _address(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        base = f"{rng.randint(1, 9999)} {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}"
        tail = rng.choice(
            (
                "",
                f", {rng.choice(_CITIES)}",
                f", {rng.choice(_CITIES)} {rng.choice(_STATES)} {_digits(rng, 5)}",
            )
        )
        return base + tail
    if kind < 0.75:
        street = rng.choice(("Paix", "Gare", "République"))
        return f"{rng.randint(1, 200)} rue de la {street}, {_digits(rng, 5)} Paris"
    if kind < 0.9:
        street = rng.choice(("Mayor", "Alcalá", "Serrano"))
        return f"Calle {street} {rng.randint(1, 200)}, 280{_digits(rng, 2)} Madrid"
    return (
        f"{rng.choice(('Haupt', 'Bahnhof', 'Linden'))}straße {rng.randint(1, 200)}, {_digits(rng, 5)} Berlin"
    )


def new_pii(rng: random.Random) -> list[Piece]:
    """One carrier phrase of a random new type, its value labelled."""
    kind = rng.choice(NEW_TYPES)
    lang = rng.choice(("en", "en", "es", "fr", "de"))
    v: str
    if kind == "CARD_CVV":
        v = _digits(rng, 3)
        lead = rng.choice(
            {
                "en": ("cvv ", "CVC: ", "the security code on the back is ", "the 3 digits on the back are "),
                "es": ("código de seguridad ",),
                "fr": ("cryptogramme ",),
                "de": ("Prüfnummer ",),
            }[lang]
        )
    elif kind == "CARD_EXPIRY":
        m, y = rng.randint(1, 12), rng.randint(26, 33)
        v = rng.choice((f"{m:02d}/{y}", f"{m}/20{y}", f"{m:02d}-{y}", f"{m:02d}{y}"))
        lead = rng.choice(
            {
                "en": ("exp ", "expires ", "expiry date: ", "valid thru "),
                "es": ("vence ", "vencimiento "),
                "fr": ("date d'expiration ",),
                "de": ("gültig bis ",),
            }[lang]
        )
        if rng.random() < 0.3:  # pasted together with the card: `4111 … 04/27 123`
            card = _card(rng)
            cvv = _digits(rng, 3)
            return [
                ("card ", None),
                (card, "CREDIT_CARD"),
                (" ", None),
                (f"{m:02d}/{y}", kind),
                (" ", None),
                (cvv, "CARD_CVV"),
            ]
    elif kind == "PIN":
        v = _digits(rng, rng.choice((4, 4, 6)))
        lead = rng.choice(
            {
                "en": ("PIN ", "my pin number is ", "passcode: "),
                "es": ("mi PIN es ",),
                "fr": ("code PIN ",),
                "de": ("Geheimzahl ",),
            }[lang]
        )
    elif kind == "PASSWORD":
        v = _password(rng)
        lead = rng.choice(
            {
                "en": ("my password is ", "password: ", "pwd = "),
                "es": ("mi contraseña es ",),
                "fr": ("mon mot de passe est ",),
                "de": ("mein Passwort ist ",),
            }[lang]
        )
    elif kind == "DATE_OF_BIRTH":
        v = _dob(rng, lang)
        lead = rng.choice(
            {
                "en": ("my date of birth is ", "DOB: ", "born on ", "birthday "),
                "es": ("fecha de nacimiento ",),
                "fr": ("date de naissance ",),
                "de": ("geboren am ",),
            }[lang]
        )
    elif kind == "IP_ADDRESS":
        v = rng.choice(
            (
                ".".join(str(rng.randint(1, 254)) for _ in range(4)),
                f"fe80::{rng.randrange(1 << 16):x}:{rng.randrange(1 << 16):x}:{rng.randint(1, 9)}a",
                f"2001:db8:{rng.randrange(1 << 16):x}::{rng.randint(1, 99)}",
            )
        )
        lead = rng.choice(("my ip is ", "from ", "IP address: ", "mi IP es ", "meine IP ist "))
    elif kind == "UK_NINO":
        n = _nino(rng)
        v = rng.choice((n, f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:8]} {n[8]}"))
        lead = rng.choice(("my NI number is ", "NINO ", "national insurance number "))
    elif kind == "CA_SIN":
        v = _three(_sin(rng), rng.choice((" ", "-", "")))
        lead = rng.choice(("SIN ", "my SIN is ", "numéro d'assurance sociale "))
    elif kind == "US_ITIN":
        d = _itin(rng)
        v = rng.choice((f"{d[:3]}-{d[3:5]}-{d[5:]}", d))
        lead = rng.choice(("ITIN ", "my itin is "))
    elif kind == "AU_TFN":
        v = _three(_tfn(rng), rng.choice((" ", "")))
        lead = rng.choice(("TFN ", "tax file number "))
    elif kind == "BANK_ROUTING":
        v = _aba(rng)
        lead = rng.choice(("routing ", "routing number ", "ABA "))
    elif kind == "BANK_ACCOUNT":
        v = _digits(rng, rng.randint(8, 12))
        lead = rng.choice(
            {
                "en": ("account ", "acct #: ", "checking account "),
                "es": ("número de cuenta ",),
                "fr": ("numéro de compte ",),
                "de": ("Kontonummer ",),
            }[lang]
        )
    elif kind == "UK_SORT_CODE":
        v = f"{_digits(rng, 2)}-{_digits(rng, 2)}-{_digits(rng, 2)}"
        return [("sort code ", None), (v, kind), (" account ", None), (_digits(rng, 8), "BANK_ACCOUNT")]
    elif kind == "POSTAL_CODE":
        lead, v = rng.choice(
            (
                ("postcode ", "SW1A 1AA"),
                ("postcode ", "M1 1AE"),
                ("zip ", _digits(rng, 5)),
                ("zip code ", f"{_digits(rng, 5)}-{_digits(rng, 4)}"),
                ("código postal ", _digits(rng, 5)),
                ("code postal ", _digits(rng, 5)),
                ("PLZ ", _digits(rng, 5)),
                ("postal code ", "K1A 0B1"),
            )
        )
    elif kind == "PASSPORT":
        v = rng.choice((_digits(rng, 9), "GB" + _digits(rng, 7), "X" + _digits(rng, 7), "C01X00T47"))
        lead = rng.choice(("passport ", "passport number: ", "número de pasaporte ", "Reisepass "))
    elif kind == "DRIVER_ID":
        v = rng.choice(
            (
                f"D{_digits(rng, 3)}-{_digits(rng, 4)}-{_digits(rng, 4)}",
                "MORGA657054SM9IJ",
                f"B{_digits(rng, 3)}RRE2I55",
            )
        )
        lead = rng.choice(("driver's license ", "DL# ", "driving licence ", "Führerscheinnummer "))
    elif kind == "PERSON_NAME":
        v = _name(rng, rng.random() < 0.7)
        lead = rng.choice(
            {
                "en": ("my name is ", "this is ", "I'm ", "Name: ", "the card is under ", "full name "),
                "es": ("me llamo ",),
                "fr": ("je m'appelle ",),
                "de": ("mein Name ist ",),
            }[lang]
        )
    else:
        v = _address(rng)
        lead = rng.choice(("I live at ", "ship to ", "my address is ", "send it to "))
    return [(lead, None), (v, kind)]


def _card(rng: random.Random) -> str:
    while True:
        d = "4" + _digits(rng, 15)
        if luhn_valid(d):
            return " ".join(d[i : i + 4] for i in range(0, 16, 4))


def new_negative(rng: random.Random) -> str:
    """A phrase with a look-alike of a new type that must stay unchanged."""
    n = rng.randint(100, 999)
    return rng.choice(
        (
            f"room {n}", f"flight {n}", f"error {n}", f"order {_digits(rng, 8)} delivered 12/03/2024",
            f"it was delivered on {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024",
            f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
            f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}", "section 7.6.87",
            "I forgot my password", "the password is wrong", "my name is on the account", "this is urgent",
            "I'm not sure", f"we're on floor {rng.randint(2, 60)}", "pin this message",
            f"I walked {rng.randint(2, 9)} blocks down the street", f"my order number is {_digits(rng, 6)}",
            "the pin code was sent by SMS", f"born in {rng.randint(1950, 2005)}", "meet at 10:30:00",
            "my account number ends in 1234", "the exp was 3 days", "I live in Springfield",
        )
    )  # fmt: skip
