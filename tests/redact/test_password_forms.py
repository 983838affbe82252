"""PASSWORD forms the second audit found missed: words joined by hyphens after a bare cue (`pwd
blue-Monkey-42`), a quoted password with a space in it (the whole quoted value); and hyphenated words after
the same cues that are none (`password re-enter`, `password covid-19`) stay byte-identical.
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, the password in it, as redacted)
FOUND = [
    ("Sorry for the delay. pwd blue-Monkey-42 Thanks!", "blue-Monkey-42"),
    ("password abc-De1", "abc-De1"),
    ("Kennwort sonne-Mond-7", "sonne-Mond-7"),
    ('my password is "Tr1cky pass"', '"Tr1cky pass"'),
    ("mi contraseña es \u201cmi clave 12\u201d gracias", "\u201cmi clave 12\u201d"),
    ('password: "abc def" and "ghi"', '"abc def"'),
]


@pytest.mark.parametrize(("text", "secret"), FOUND)
def test_the_whole_password_is_redacted(text: str, secret: str) -> None:
    assert R.redact(text).text == text.replace(secret, "[REDACTED:PASSWORD]", 1)


SAME = [
    "I need to re-enter my password re-enter it",
    "password e-mail reset",
    "password pre-2020 accounts",
    "password well-known issue",
    "password self-service portal",
    "password covid-19",
    "password reset link",
]


@pytest.mark.parametrize("text", SAME)
def test_look_alikes_stay(text: str) -> None:
    assert R.redact(text).text == text
