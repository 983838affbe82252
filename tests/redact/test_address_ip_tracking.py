"""Street addresses as a whole (long street names, units, long cities), IPs that are a URL's host, and
tracking numbers that hold card-shaped windows: each positive redacted to its last byte, each look-alike
byte-identical.

Also the forms the second blind audit found missed: a lower-case city and a US state's code with no ZIP
(`…, austin tx`), a lower-case street with an everyday suffix right after an address cue (`oak court`).
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, value): `value` becomes one token of the type and nothing else in `text` changes
ADDRESSES: list[tuple[str, str]] = [
    # a city of three words, or with `St.`, a dash, a particle: its state and ZIP went with it
    (
        "send it to 77 N Birch Ave, Salt Lake City, UT 84101 please",
        "77 N Birch Ave, Salt Lake City, UT 84101",
    ),
    ("10 5th Ave, New York City, NY 10011", "10 5th Ave, New York City, NY 10011"),
    ("ship to 55 Market St, St. Louis, MO 63101!", "55 Market St, St. Louis, MO 63101"),
    ("billing: 8 Cherry Ln, Winston-Salem, NC 27101", "8 Cherry Ln, Winston-Salem, NC 27101"),
    ("I'm at 9 Lake Dr, Coeur d'Alene, ID 83814 now", "9 Lake Dr, Coeur d'Alene, ID 83814"),
    ("12 Main St, Albany, New York 12207", "12 Main St, Albany, New York 12207"),
    # a unit word that starts like a shorter one (`Floor` is no `Fl`), two units, a unit before the number
    ("3300 Cedar Terrace, Floor 7, Denver, CO 80202", "3300 Cedar Terrace, Floor 7, Denver, CO 80202"),
    (
        "12 Main St, Bldg 3, Room 204, Springfield, IL 62704",
        "12 Main St, Bldg 3, Room 204, Springfield, IL 62704",
    ),
    ("12 Main St, Ste. 200, Austin, TX 78701", "12 Main St, Ste. 200, Austin, TX 78701"),
    ("Flat 2, 10 Downing Street, London SW1A 2AA", "Flat 2, 10 Downing Street, London SW1A 2AA"),
    ("3rd Floor, 12 Main St, Springfield, IL 62704", "3rd Floor, 12 Main St, Springfield, IL 62704"),
    # (another type's cue word in the street after a unit is still the street's: `pin`)
    ("Apt 4, 12 Pin Oak Lane, Springfield, IL 62704", "Apt 4, 12 Pin Oak Lane, Springfield, IL 62704"),
    ("12 Main St, Piso 3, Miami, FL 33101", "12 Main St, Piso 3, Miami, FL 33101"),
    # street names of four or five words, a directional first, `Jr`
    (
        "I live at 800 S Martin Luther King Jr Blvd, Apt 3, Las Vegas, NV 89106",
        "800 S Martin Luther King Jr Blvd, Apt 3, Las Vegas, NV 89106",
    ),
    (
        "mi dirección es 61 Martin Luther King Jr Way, Portland, OR 97211",
        "61 Martin Luther King Jr Way, Portland, OR 97211",
    ),
    ("14 Old Mill Creek Road, Leeds LS1 4DY", "14 Old Mill Creek Road, Leeds LS1 4DY"),
    # lower case: a city of more words, a weak suffix, when a ZIP ends it
    (
        "343 martin luther king jr street san jose ca 95112",
        "343 martin luther king jr street san jose ca 95112",
    ),
    ("deliver to 1087 elm circle boston ma 02118 asap", "1087 elm circle boston ma 02118"),
    # the Spanish, French, German orders with a floor, flat or door
    ("Calle Mayor 12, piso 3, 28013 Madrid", "Calle Mayor 12, piso 3, 28013 Madrid"),
    ("Calle Mayor 12, 3º B, 28013 Madrid", "Calle Mayor 12, 3º B, 28013 Madrid"),
    ("12 rue de la Paix, 3e étage, 75002 Paris", "12 rue de la Paix, 3e étage, 75002 Paris"),
    ("Hauptstraße 5, Wohnung 3, 10115 Berlin", "Hauptstraße 5, Wohnung 3, 10115 Berlin"),
    ("Hauptstraße 5, 3. OG, 10115 Berlin", "Hauptstraße 5, 3. OG, 10115 Berlin"),
    ("Calle de Alcalá 45, 4º dcha, Madrid", "Calle de Alcalá 45, 4º dcha, Madrid"),
    ("Paseo de Gracia 21, 08007 Barcelona", "Paseo de Gracia 21, 08007 Barcelona"),  # (`08` is no floor)
    ("12 rue de la Paix, bâtiment B, 75002 Paris", "12 rue de la Paix, bâtiment B, 75002 Paris"),
    ("Meine Adresse: Friedrichstraße 43-45, 10117 Berlin", "Friedrichstraße 43-45, 10117 Berlin"),
    ("Carrer de Mallorca 401, 08013 Barcelona", "Carrer de Mallorca 401, 08013 Barcelona"),
    (
        "2 Rue Sainte-Catherine Ouest, Montréal, QC H2X 1Y4",
        "2 Rue Sainte-Catherine Ouest, Montréal, QC H2X 1Y4",
    ),
    # the country after it, and an address typed over several lines
    ("ship to 123 Main St, Springfield, IL 62704, USA today", "123 Main St, Springfield, IL 62704, USA"),
    (
        "12 avenue des Champs-Élysées, 75008 Paris, France",
        "12 avenue des Champs-Élysées, 75008 Paris, France",
    ),
    (
        "my address is:\n12 Main St\nApt 4\nSpringfield, IL 62704\nthanks",
        "12 Main St\nApt 4\nSpringfield, IL 62704",
    ),
    ("10 Downing Street\nLondon\nSW1A 2AA", "10 Downing Street\nLondon\nSW1A 2AA"),
    ("Calle Mayor 12\n28013 Madrid", "Calle Mayor 12\n28013 Madrid"),
    ("the billing address is 4565 station drive, austin tx. Thanks", "4565 station drive, austin tx"),
    ("Address: 9869 north park lane, austin tx The order is late", "9869 north park lane, austin tx"),
    ("my address is 6540 e church street #48, miami fl", "6540 e church street #48, miami fl"),
    ("ship it to 12 Main St, san antonio tx please", "12 Main St, san antonio tx"),
    ("my address is 448 oak court", "448 oak court"),
    ("i live at 448 oak court now", "448 oak court"),
    ("mi dirección es 12 oak court", "12 oak court"),
    ("Anschrift: 7 maple way", "7 maple way"),
]

IPS: list[tuple[str, str]] = [
    ("go to http://192.168.1.10/login", "192.168.1.10"),
    ("http://137.179.27.206:8080/admin won't load", "137.179.27.206"),
    ("open https://[2001:db8::1]/ please", "2001:db8::1"),
    ("https://[2001:db8::1]:8443/x", "2001:db8::1"),
    ("try http://2607:f8b0:4005:806::200e/status", "2607:f8b0:4005:806::200e"),
    ("http://::ffff:192.0.2.3/login", "::ffff:192.0.2.3"),
    ("http://admin@10.0.0.5/", "10.0.0.5"),
    ("my ip is ::1", "::1"),
    ("see http://example.com/lookup?ip=203.0.113.5&x=1 ok", "203.0.113.5"),
    ("https://example.com/whois?addr=2001:db8::7", "2001:db8::7"),
]

# tracking numbers printed as USPS prints them (any check digit): no card inside
TRACKING = [
    "USPS 2263 9408 2855 3573 0122 01",
    "tracking 4350-2258-5680-7566-8035-87 arrives monday",
    "USPS tracking 4510 0141 4378 9192 3590 84",
    "USPS 9400 1000 0000 0000 0000 00",
    # twenty digits in five groups after a carrier or tracking word (else a card and an expiry may be meant)
    "USPS tracking 4532 0151 1283 0366 0427",
    "my UPS tracking number is: 4532-0151-1283-0366-1234",
    "número de seguimiento: 4532 0151 1283 0366 1234",
]

LOOK_ALIKES = [
    "we're on floor 42",
    "room 12 on 3rd floor",
    "we're on floor 12, suite 300",
    "I'm in room 12, 3rd floor",
    "apt 4 has a leak",
    "Level 3, Bay 12 parking",
    "it took 20 minutes to get to the main street",
    "we drove 5 hours along the coast road",
    "we walk 2 dogs in the park",
    "i have 2 hill walks near 12345",
    "step 1.2.3.4 of the guide",
    "see http://example.com/files/1.2.3.4.zip",
    "https://example.com:8443/login failed",
    "http://999.1.1.1/",
    "std::1 is fine",
    "https://example.com/app?v=1.2.3.4",
    "https://example.com/app?version=10.2.0.1#notes",
    "448 oak court",
    "I parked at 4 oak court, and then",
    "go 3 blocks down the street",
    "we walked 5 miles down the road, then ok",
    "it is 2 doors down the road, in the park",
    "the email address is wrong, 3 times now",
]

# a line after an address that is no part of it stays (the address alone is redacted)
NEXT_LINES = ["Thanks a lot!", "See you 12 May", "IL is nice", "Call me at 5", "DOB 1985-03-12"]


@pytest.mark.parametrize(("text", "value"), ADDRESSES)
def test_address_is_redacted_whole(text: str, value: str) -> None:
    out = R.redact(text)
    assert out.text == text.replace(value, "[REDACTED:STREET_ADDRESS]"), out
    assert out.counts == {"STREET_ADDRESS": 1}


@pytest.mark.parametrize(("text", "value"), IPS)
def test_ip_is_redacted(text: str, value: str) -> None:
    out = R.redact(text)
    assert out.text == text.replace(value, "[REDACTED:IP_ADDRESS]", 1), out
    assert out.counts == {"IP_ADDRESS": 1}


@pytest.mark.parametrize("text", TRACKING + LOOK_ALIKES)
def test_look_alike_stays_byte_identical(text: str) -> None:
    assert R.redact(text) == (text, {})
    assert R.redact_utf8(text.encode()) == (text.encode(), {})


@pytest.mark.parametrize("tracking", TRACKING)
def test_card_next_to_a_tracking_number_is_found(tracking: str) -> None:
    for text in (f"card 4111 1111 1111 1111, {tracking}", f"{tracking} and card 4111-1111-1111-1111"):
        out = R.redact(text)
        assert out.counts == {"CREDIT_CARD": 1}, out
        assert tracking.split()[-1] in out.text and "4111" not in out.text
    assert R.redact("4111 1111 1111 1111 2263 9408 2855 3573 0122 01").counts == {"CREDIT_CARD": 1}


@pytest.mark.parametrize("line", NEXT_LINES)
def test_next_line_is_no_part_of_the_address(line: str) -> None:
    out = R.redact(f"12 Main St\n{line}")
    assert out.text.startswith("[REDACTED:STREET_ADDRESS]\n"), out
    assert out.text.count("REDACTED") == 1 + ("DOB" in line), out


def test_a_carrier_word_elsewhere_does_not_hide_a_card() -> None:
    for text in (
        "my card for the ups store is 4111 1111 1111 1111 0427",
        "card 4111 1111 1111 1111 0427 for the USPS order",
    ):
        assert "4111" not in R.redact(text).text, text
