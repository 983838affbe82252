"""E-mail addresses spelled out (`jane dot doe at gmail dot com`) are e-mails; prose with `at` stays."""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my email is jane dot doe at gmail dot com", "jane dot doe at gmail dot com"),
        ("jane[at]example[dot]org", "jane[at]example[dot]org"),
        ("send it to jane (at) example.co.uk please", "jane (at) example.co.uk"),
        ("write to jane at gmail.com thanks", "jane at gmail.com"),
        ("JANE AT EXAMPLE DOT COM", "JANE AT EXAMPLE DOT COM"),
        # (the first build kept this one as a look-alike; an address spelled out is an address)
        ("user at example dot com", "user at example dot com"),
        ("j.doe at outlook dot fr", "j.doe at outlook dot fr"),
        ("mi correo es maria {at} correo {dot} es", "maria {at} correo {dot} es"),
    ],
)
def test_spelled_address_is_an_email(text: str, value: str) -> None:
    assert R.redact_many([text]) == ([text.replace(value, "[REDACTED:EMAIL]")], {"EMAIL": 1})


@pytest.mark.parametrize(
    "text",
    [
        "meet at 5.30",
        "look at google dot com",
        "I am at home.com right now",
        "we arrive at 10.30 tomorrow",
        "the office at main dot street",  # no top-level domain
        "prices at amazon.com are lower",  # a plain `at` and dot need a mail provider
        "back at 9.15 am",
    ],
)
def test_prose_with_at_stays(text: str) -> None:
    assert R.redact_many([text]) == ([text], {})
