"""Every type's value is found whatever stands next to it: ids, codes, numbers, links, other types' cues.

A value the walk never looks at is a leak that no validator can catch: the RE2 pass returns the leftmost
candidate, and a rejected or over-long one must not hide what follows it. Each example value of
`archiver redact --list-types` (and a few other shapes) is put after and before a table of neighbours with
several separators; its span must be covered by a hit every time. Deterministic: the whole product runs.
"""

from __future__ import annotations

import itertools

from archiver.redact import Redactor, cues
from archiver.redact.cli import EXAMPLES

R = Redactor()

VALUES = [
    *EXAMPLES.values(),
    "4111111111111111",
    "+44 20 7946 0958",
    "123 45 6789",
    "GB82WEST12345698765432",
    "o'neil+x@mail.example.co.uk",
    "fe80::1ff:fe23:4567:890a",
    "DOB 1985-03-12",
]
# ids and codes (a UUID's tail has the IBAN shape), numbers of every grouping, links, symbols, scripts
NEIGHBOURS = [
    "f8b9d240-bb64-428c-b26a-570507049181", "ab12", "AB12-CDEF", "xy12 3456 7890", "GB82 WEST", "DE89 3704",
    "+44", "+1 (555)", "(415)", "0044", "011", "1234 5678", "12-34", "123.456", "v2.10.3", "192.168.1.1:8080",
    "https://example.com/a/b", "www.example.com", "a@b.co", "order 55512", "#12345", "ref:", "Mr", "this is",
    "my name is Jane", "call me", "ID: AB1234", "SW1A", "PO Box 12", "12/03", "10:30", "$1,234.56", "(", "[",
    '"', "'", "tel:", "mailto:", "€12", "№5", "é", "日本", "١٢٣",
]  # fmt: skip
SEPARATORS = [" ", ", ", " - ", " / ", "\n", " (", ": ", "; "]
# every one-word cue of every type: `cvv 192.168.10.24` once hid an address (`…v` read as `v` for version)
CUE_WORDS = sorted({w for _, ws, _ in cues.ALTERNATIVES for w in ws if " " not in w})
# after a value: no digits (a value, a space and more digit groups read as one longer number)
AFTER = [
    "thanks",
    "Thanks!",
    "ok?",
    "...",
    "!!",
    ")",
    "]",
    '"',
    "'",
    "and my pin is 4821",
    "exp 04/27",
    "a@b.co",
]


def _missed(texts: list[tuple[str, int, str]]) -> list[str]:
    missed = []
    for text, offset, value in texts:
        spans = [(h.start, h.end) for h in R.find(value)]
        hits = R.find(text)
        if not all(any(h.start <= s + offset and e + offset <= h.end for h in hits) for s, e in spans):
            missed.append(text)
    return missed


def test_values_after_any_neighbour_are_found() -> None:
    cases = [
        (n + sep + v, len(n) + len(sep), v)
        for v, n, sep in itertools.product(VALUES, NEIGHBOURS + CUE_WORDS, SEPARATORS)
        if not (n in CUE_WORDS and sep not in (" ", ": "))
    ]
    assert len(cases) > 10_000
    assert _missed(cases) == []


def test_values_before_any_neighbour_are_found() -> None:
    cases = [
        (v + sep + n, 0, v) for v, n, sep in itertools.product(VALUES, AFTER, [" ", ", ", ". ", "\n", ") "])
    ]
    assert _missed(cases) == []


# The five shape types glued to punctuation, abbreviations and quotes (`card:4111…`, `No.123-45-6789`,
# `nº4111…`, `ph.415-555-0132`, `«…»`): an abbreviation's dot or an ordinal sign does not make one token
SHAPE_VALUES = [
    "4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "4111.1111.1111.1111",
    "378282246310005", "3782 822463 10005", "6011 0009 9013 9424", "5555555555554444", "30569309025904",
    "6221 2600 0000 0000 003", "123-45-6789", "123 45 6789", "jane.doe@example.com",
    "J.Doe+tag@sub.example.co.uk", "(415) 555-0132", "415-555-0132", "415.555.0132", "+1 415 555 0132",
    "+44 20 7946 0958", "+49 30 1234567", "+33 6 12 34 56 78", "+34 612 34 56 78",
    "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606",
]  # fmt: skip
LEFT = [
    "", "card:", "card#", "card no.", "SSN:", "tel:", "email:", "(", "[", "'", '"', "<", "#", "=", "*", "~",
    "|", ">", "nº", "No.", "n°", "«", "“", "‘", "(card ", "cc=", "ph.", "phone:", "mob:", "iban:", "IBAN:",
    "Tel.",
]  # fmt: skip
RIGHT = [
    "",
    ".",
    ",",
    ";",
    ":",
    ")",
    "]",
    "'",
    '"',
    ">",
    "!",
    "?",
    "…",
    "»",
    "”",
    "’",
    " thanks",
    ".\n",
    "*",
    "|",
    "/",
]


def test_shape_values_glued_to_punctuation_are_found() -> None:
    cases = [
        ("hi " + left + v + right + " bye", 3 + len(left), v)
        for v, left, right in itertools.product(SHAPE_VALUES, LEFT, RIGHT)
    ]
    assert _missed(cases) == []


# chat formatting and structured text around a value: emphasis (`_…_` is Markdown, Slack and WhatsApp
# italics; its underscores once glued the value into one token), JSON, query strings, tables, quotes
WRAPS = [
    '{{"v":"{}"}}', "{{'v': '{}'}}", "v={}&x=1", "<b>{}</b>", "<td>{}</td>", "**{}**", "_{}_", "*{}*", "~{}~",
    "`{}`", "a;{};b", "|{}|", "[{}](http://x)", "({})", "[{}]", "'{}'", '"{}"', "{}\r\n", "\t{}\t", "> {}",
    "- {}", "1. {}", "{}!!!", "¿{}?", "¡{}!", "«{}»", "„{}“", "「{}」", "（{}）", "【{}】", "__{}__",
]  # fmt: skip


def test_values_inside_formatting_and_structure_are_found() -> None:
    cases = []
    for value, wrap in itertools.product(VALUES + SHAPE_VALUES, WRAPS):
        text = wrap.replace("{}", value).replace("{{", "{").replace("}}", "}")
        cases.append((text, text.index(value), value))
    assert _missed(cases) == []
    # an underscore inside a token is no emphasis: `john_doe@…` is one address
    assert R.redact_many(["mail john_doe@example.com"])[0] == ["mail [REDACTED:EMAIL]"]
