"""PASSWORD forms the second audit found missed: words joined by hyphens after a bare cue (`pwd
blue-Monkey-42`), a quoted password with a space in it (the whole quoted value), a new one after the old
(`… but now its Hunter3`); and hyphenated words after the same cues that are none (`password re-enter`,
`password covid-19`) stay byte-identical.
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

# (text, what it is once redacted): a new password after the old one (`… but now its Hunter3`), no name
AFTER = [
    (
        "my password was Hunter2 but now its Hunter3",
        "my password was [REDACTED:PASSWORD] but now its [REDACTED:PASSWORD]",
    ),
    (
        "my password was Hunter2 but now it's Qwerty!7",
        "my password was [REDACTED:PASSWORD] but now it's [REDACTED:PASSWORD]",
    ),
    ("my password was Hunter2 but now its fine", "my password was [REDACTED:PASSWORD] but now its fine"),
    (
        "my password is Hunter2 and its 12 characters",
        "my password is [REDACTED:PASSWORD] and its 12 characters",
    ),
]


@pytest.mark.parametrize(("text", "out"), AFTER)
def test_the_new_password_after_the_old(text: str, out: str) -> None:
    assert R.redact(text).text == out


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
