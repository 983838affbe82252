"""STREET_ADDRESS forms the second audit found missed: a lower-case city and a US state's code after the
street with no ZIP (`…, austin tx`), and a lower-case street with an everyday suffix (`oak court`) right after
an address cue; the same street with no cue, and everyday phrases with a number, stay byte-identical.
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, the address in it)
FOUND = [
    ("the billing address is 4565 station drive, austin tx. Thanks", "4565 station drive, austin tx"),
    ("Address: 9869 north park lane, austin tx The order is late", "9869 north park lane, austin tx"),
    ("my address is 6540 e church street #48, miami fl", "6540 e church street #48, miami fl"),
    ("ship it to 12 Main St, san antonio tx please", "12 Main St, san antonio tx"),
    ("my address is 448 oak court", "448 oak court"),
    ("i live at 448 oak court now", "448 oak court"),
    ("mi dirección es 12 oak court", "12 oak court"),
    ("Anschrift: 7 maple way", "7 maple way"),
]


@pytest.mark.parametrize(("text", "address"), FOUND)
def test_the_whole_address_is_redacted(text: str, address: str) -> None:
    assert R.redact(text).text == text.replace(address, "[REDACTED:STREET_ADDRESS]")


SAME = [
    "448 oak court",
    "I parked at 4 oak court, and then",
    "go 3 blocks down the street",
    "we walked 5 miles down the road, then ok",
    "it is 2 doors down the road, in the park",
    "the email address is wrong, 3 times now",
]


@pytest.mark.parametrize("text", SAME)
def test_look_alikes_stay(text: str) -> None:
    assert R.redact(text).text == text
