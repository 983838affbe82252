"""Synthetic web-messaging chats (customer/agent turns) with labelled PII spans.

A transcript follows one support scenario (order problem, billing, address change, …). Turns are built from
phrase pieces; PII and hard negatives are spliced in with their offsets recorded, so a `Span` always
satisfies `turn.text[span.start:span.end] == span.value`.
"""

from __future__ import annotations

import random
import re

import msgspec

from archiver.synth.extra_types import new_negative, new_pii
from archiver.synth.national import context_negative, national_phone
from archiver.synth.negatives import hard_negative
from archiver.synth.values import PII_TYPES, common_value, format_ssn, obfuscate, ssn_digits
from archiver.synth.variants import SSN_LEADS, maybe_variant, odd_separators, side_rng


class Span(msgspec.Struct, frozen=True):
    """One labelled PII occurrence: `text[start:end] == value` (str indices into `Turn.text`)."""

    start: int
    end: int
    type: str
    value: str


class Turn(msgspec.Struct, frozen=True):
    """One chat message; role is "customer" or "agent"."""

    role: str
    text: str
    spans: tuple[Span, ...]


class Transcript(msgspec.Struct, frozen=True):
    """A whole conversation, oldest turn first."""

    turns: tuple[Turn, ...]


_SCENARIOS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # scenario -> (customer lines, agent lines)
    "order": (
        (
            "my order hasn't arrived yet",
            "the package says delivered but I never got it",
            "I ordered the blue one and got a red one",
            "can you check where my parcel is?",
            "it was supposed to come last Tuesday",
            "the box was damaged when it arrived",
        ),
        (
            "I'm sorry to hear that, let me look into it",
            "I can see the shipment in our system",
            "I've opened a replacement request for you",
            "could you confirm the delivery address?",
            "the carrier shows it as in transit",
            "I'll escalate this to our logistics team",
        ),
    ),
    "billing": (
        (
            "I was charged twice this month",
            "why is my bill higher than usual?",
            "I want to update the card on file",
            "the refund still hasn't shown up",
            "can I switch to annual billing?",
            "there's a charge I don't recognise",
        ),
        (
            "let me pull up your billing history",
            "I can see two pending authorisations",
            "the refund was issued and takes 5-7 business days",
            "I've updated the payment method",
            "for security I'll need to verify a few details",
            "the duplicate charge has been reversed",
        ),
    ),
    "address": (
        (
            "I moved and need to change my address",
            "please update my shipping address",
            "my new apartment number is wrong on the label",
            "can you send it to my office instead?",
        ),
        (
            "sure, what is the new address?",
            "I've updated the address on your account",
            "the change will apply to future orders",
            "can you confirm your contact details?",
        ),
    ),
    "account": (
        (
            "I can't log into my account",
            "I forgot my password",
            "please close my account",
            "someone else might be using my account",
            "I never received the verification code",
        ),
        (
            "I can help you reset it",
            "I've sent a reset link to the email on file",
            "for verification, can you confirm your details?",
            "I've locked the account as a precaution",
            "please try again in a few minutes",
        ),
    ),
    "bank": (
        (
            "I'd like the refund paid to my bank account",
            "can you do a bank transfer instead?",
            "the direct debit failed",
            "please change my payout account",
        ),
        (
            "I can arrange a bank transfer",
            "please share the IBAN for the refund",
            "the transfer should arrive within three days",
            "I've updated the payout account",
        ),
    ),
}

_GREETINGS_C = (
    "hi",
    "hello",
    "hey there",
    "good morning",
    "hi!",
    "hello 👋",
    "hiya",
    "bonjour",
    "你好",
    "مرحبا",
    "hallo",
)
_GREETINGS_A = (
    "Hi, thanks for contacting support! How can I help?",
    "Hello, you're chatting with Sam. ",
    "Good morning! What can I do for you today?",
    "Thanks for waiting, I'm Priya from support.",
)
_CLOSINGS_C = (
    "thanks!",
    "thank you so much 🙏",
    "great, that's all",
    "ok bye",
    "perfect, thanks 😊",
    "merci beaucoup",
    "谢谢",
)
_CLOSINGS_A = (
    "Is there anything else I can help with?",
    "Have a great day!",
    "Thanks for chatting with us.",
    "You'll get a confirmation email shortly.",
)
_DECOR = ("😀", "🙂", "👍", "🚚📦", "❤️", "🇺🇸", "👩🏽‍💻", "…", "!!", "??", "(｡•́︿•̀｡)", "✔︎")
_UNICODE_WORDS = (
    "谢谢",
    "电话",
    "メール",
    "주소",
    "שלום",
    "رقم",
    "café",
    "naïve",
    "Zoë",
    "e\u0301te\u0301",
    "Ελλάδα",
    "Москва",
    "ñandú",
    "ﬁne",
)

# How a customer or agent introduces each PII type; bare SSNs only ever appear with a context word.
_PII_LEADS: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": (
        "my card is ",
        "card number: ",
        "use this card ",
        "the charge was on ",
        "cc ",
        "it's the visa ending in… actually full number ",
        "カード番号 ",
        "card#",
    ),
    "US_SSN": ("my SSN is ", "social security number ", "SSN: ", "ssn ", "my social is "),
    "EMAIL": ("my email is ", "email: ", "you can reach me at ", "send it to ", "mail→", "<", "邮箱："),
    "PHONE": ("call me at ", "my number is ", "phone: ", "tel ", "text me on ", "📞 ", "电话", "mobile: "),
    "IBAN": ("my IBAN is ", "IBAN: ", "account ", "please pay to ", "iban "),
}
_PII_TAILS: tuple[str, ...] = ("", "", ".", " please", ", thanks", "!", " 🙂", ")", ">", "。", " — ok?")


class _Builder:
    """Accumulates a turn's text while recording where each PII value lands."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []

    def add(self, text: str, pii_type: str | None = None) -> None:
        if pii_type is not None:
            self.spans.append(Span(self.length, self.length + len(text), pii_type, text))
        self.parts.append(text)
        self.length += len(text)

    def turn(self, role: str) -> Turn:
        return Turn(role, "".join(self.parts), tuple(self.spans))


def _add_pii(b: _Builder, rng: random.Random, pii_type: str) -> None:
    lead = rng.choice(_PII_LEADS[pii_type])
    if pii_type == "US_SSN" and rng.random() < 0.3:
        # a bare nine-digit SSN is PII only next to a context word, which every SSN lead contains
        value = format_ssn(rng, ssn_digits(rng), bare=True)
    else:
        value = common_value(rng, pii_type)
    common = value
    obfuscated = obfuscate(rng, value) if rng.random() < 0.06 else value
    # The audit's additions (rarer formats, SSN leads, odd separators, extensions) draw from a side RNG:
    # `rng` advances exactly as before, so every seeded caller (the simulator) keeps its timelines.
    side = side_rng(obfuscated)
    if value != (variant := maybe_variant(value, pii_type)):
        value = obfuscate(side, variant) if obfuscated != value else variant
    else:
        value = obfuscated
    if pii_type == "US_SSN" and side.random() < 0.3:
        lead = side.choice(SSN_LEADS)
    national = pii_type == "PHONE" and side.random() < 0.15 and value in (obfuscated, common)
    if national:  # national format: only with a phone context word
        lead, value = national_phone(side)
    elif pii_type in ("US_SSN", "CREDIT_CARD") and side.random() < 0.04 and value.count("-") >= 2:
        value = value.replace("-", ".")  # `123.45.6789`, `4111.1111.1111.1111`
    if pii_type != "EMAIL" and value.isascii() and side.random() < 0.04:
        value = odd_separators(side, value)
    if lead == "<" and pii_type == "EMAIL":
        b.add("write to <")
        b.add(value, pii_type)
        b.add(">")
        return
    b.add(lead)
    b.add(value, pii_type)
    if pii_type == "PHONE" and side.random() < 0.08:  # the extension is not PII; the number before it is
        b.add(side.choice((" x", "x", " ext. ", " ext ", "ext.")) + str(side.randint(1, 9999)))
    if national:  # its groups would run on into digits that follow (`06 12 34 56 78 94105-1234`)
        b.add(side.choice((",", ".", " please", " thanks", ";", "!")))
    b.add(rng.choice(_PII_TAILS))


def _sentence(rng: random.Random, lines: tuple[str, ...]) -> str:
    text = rng.choice(lines)
    if rng.random() < 0.3:
        text = text[0].upper() + text[1:]
    return text


def _body_turn(
    rng: random.Random,
    role: str,
    lines: tuple[str, ...],
    pii_rate: float,
    negative_rate: float,
    unicode_rate: float,
) -> Turn:
    b = _Builder()
    b.add(_sentence(rng, lines))
    if rng.random() < unicode_rate * 0.75:
        b.add(" " + rng.choice(_UNICODE_WORDS))
    if rng.random() < pii_rate:
        b.add(rng.choice((". ", ", ", " - ", "\n", " ")))
        _add_pii(b, rng, rng.choice(PII_TYPES))
        if rng.random() < 0.15:
            b.add(" and also ")
            _add_pii(b, rng, rng.choice(PII_TYPES))
    if rng.random() < negative_rate:
        b.add(rng.choice((" (ref ", " — reference ", ". It says ", " ", ", ")))
        negative = hard_negative(rng)
        b.add(negative, "IP_ADDRESS" if _IPV4.fullmatch(negative) else None)  # an IP is PII now
        b.add(rng.choice((")", "", ".", " ok", " ?")))
        side = side_rng("".join(b.parts))
        if side.random() < 0.15:  # digits behind a phone word that are no phone number
            b.add(". " + context_negative(side))
    # the cue-word and shape types (extra_types.py), from a side RNG: `rng` advances as before
    side = side_rng("".join(b.parts) + "\x00new")
    if side.random() < pii_rate * 0.8:
        b.add(side.choice((". ", ", ", " - ", " ")))
        pieces = new_pii(side)
        for text, kind in pieces:
            b.add(text, kind)
        # (a password or an abbreviated street may end in `!` or `.` itself: a space keeps the label exact)
        spaced = pieces[-1][1] in ("PASSWORD", "STREET_ADDRESS")
        b.add(
            side.choice((" thanks", " ok", " !")) if spaced else side.choice(("", ".", " thanks", "!", " ok"))
        )
    if side.random() < negative_rate * 0.6:
        b.add(side.choice((". ", ", ", " - ")) + new_negative(side))
    if rng.random() < unicode_rate:
        b.add(" " + rng.choice(_DECOR))
    return b.turn(role)


_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
_AGENT_NAMES = ("Sam", "Priya")


def _greeting(text: str) -> Turn:
    """An agent greeting; the agent's name in it is a PERSON_NAME (`you're chatting with Sam`)."""
    b = _Builder()
    for name in _AGENT_NAMES:
        at = text.find(name)
        if at >= 0:
            b.add(text[:at])
            b.add(name, "PERSON_NAME")
            b.add(text[at + len(name) :])
            return b.turn("agent")
    return Turn("agent", text, ())


def generate_transcript(
    rng: random.Random,
    *,
    min_turns: int = 4,
    max_turns: int = 30,
    pii_rate: float = 0.3,
    negative_rate: float = 0.35,
    unicode_rate: float = 0.2,
) -> Transcript:
    """A support chat; each customer body turn carries PII with probability `pii_rate` (agents a third).

    `negative_rate`: chance a turn also holds a hard negative (UUID, tracking number, price, …);
    `unicode_rate`: chance of emoji / non-Latin words around the text. The defaults are deliberately dense
    (the accuracy yardstick); `bench.redact` uses sparser, more typical rates as well.
    """
    if not 2 <= min_turns <= max_turns:
        raise ValueError(
            f"cannot generate transcript: need 2 <= min_turns <= max_turns, got {min_turns}, {max_turns}"
        )
    customer_lines, agent_lines = _SCENARIOS[rng.choice(tuple(_SCENARIOS))]
    n = rng.randint(min_turns, max_turns)
    turns = [Turn("customer", rng.choice(_GREETINGS_C), ()), _greeting(rng.choice(_GREETINGS_A))]
    while len(turns) < n - 1:
        role = "customer" if len(turns) % 2 == 0 else "agent"
        lines = customer_lines if role == "customer" else agent_lines
        # agents rarely type customer PII back, but they do read numbers out ("is that 415-…?")
        rate = pii_rate if role == "customer" else pii_rate / 3
        turns.append(_body_turn(rng, role, lines, rate, negative_rate, unicode_rate))
    closing = _CLOSINGS_C if len(turns) % 2 == 0 else _CLOSINGS_A
    turns.append(Turn("customer" if len(turns) % 2 == 0 else "agent", rng.choice(closing), ()))
    return Transcript(tuple(turns[:n]))
