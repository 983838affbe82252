"""PERSON_NAME in the forms the second audit found missed: lower case after the third-person cues and after
a greeting and a weak cue (`hi this is carlos rossi`), the
surname first in a form (`Name: Smith, John`), a lower-case middle initial, a name after `… name,`; and the
look-alikes that must stay byte-identical: a capitalised word before a number (`This is Tier 2 Support`), a
participle after `I'm` (`I'm Locked Out`), a word that runs on into digits or signs (`its Hunter3`, a
password), lower-case words after the same cues that are no name (`card is under review`).
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, the name in it): the name, and nothing else, becomes one token
NAMES = [
    # lower case after the third-person cues (two words at least)
    ("yeah the card is under zoë smith danke", "zoë smith"),
    ("the account holder is marie dubois Merci.", "marie dubois"),
    ("name on the card is connor patel", "connor patel"),
    ("cardholder: jean-luc picard", "jean-luc picard"),
    ("you're speaking with oluwaseun müller The order is late", "oluwaseun müller"),
    ("la cuenta está a nombre de maría lópez gracias", "maría lópez"),
    ("le compte est au nom de pierre lefèvre merci", "pierre lefèvre"),
    # the surname first after a colon
    ("Name: Smith, John", "Smith, John"),
    ("full name: Okafor, Grace J.", "Okafor, Grace J."),
    ("Nombre: García, Lucía", "García, Lucía"),
    # a lower-case middle initial
    ("mein name ist liam g. patel", "liam g. patel"),
    ("my name is jane q. public", "jane q. public"),
    # after a possessive's `name,`
    ("the card is under my wife's name, Maria Gonzalez", "Maria Gonzalez"),
    ("it's under my husband's name, Carlos Rossi", "Carlos Rossi"),
    # lower case after a weak cue only after a greeting, two words at least
    ("Thanks for waiting. hi this is carlos rossi", "carlos rossi"),
    ("hello its liam adeyemi here Merci.", "liam adeyemi"),
    ("Hallo, Hi, I'm jane rossi and I need help with my bill", "jane rossi"),
    ("hola soy maria lopez", "maria lopez"),
    ("bonjour, je suis pierre martin", "pierre martin"),
    # a comma after a name that is no surname-first form: the first word alone
    ("my name is Sarah, Thanks for the help", "Sarah"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_the_whole_name_is_redacted(text: str, name: str) -> None:
    assert R.redact(text).text == text.replace(name, "[REDACTED:PERSON_NAME]")


# (text, what it is once redacted): the value after a lower-case name is still found
AFTER = [
    # a bare `name` in lower case right after another value's digits
    (
        "sort code 75-49-84 account number 988235142 name mohammed hernández",
        "sort code [REDACTED:UK_SORT_CODE] account number [REDACTED:BANK_ACCOUNT]"
        " name [REDACTED:PERSON_NAME]",
    ),
    (
        "card 4111 1111 1111 1111, name wei fernández",
        "card [REDACTED:CREDIT_CARD], name [REDACTED:PERSON_NAME]",
    ),
    ("my name is jane doe dob 28.1.1973", "my name is [REDACTED:PERSON_NAME] dob [REDACTED:DATE_OF_BIRTH]"),
    (
        "mein name ist liam g. patel geburtsdatum 18.12.58",
        "mein name ist [REDACTED:PERSON_NAME] geburtsdatum [REDACTED:DATE_OF_BIRTH]",
    ),
]


@pytest.mark.parametrize(("text", "out"), AFTER)
def test_the_next_value_is_found(text: str, out: str) -> None:
    assert R.redact(text).text == out


SAME = [
    "Agent: This is Tier 2 Support, how can I help?",
    "This is Level 3 speaking",
    "I'm Locked Out",
    "I'm Logged Out of everything",
    "I'm Stuck on the payment page",
    "its Qwerty!7",
    "its Hunter3",
    "the card is under review",
    "the card is under investigation right now",
    "i was speaking with him yesterday",
    "i was chatting with support earlier",
    "i was speaking with someone else",
    "the account holder passed away",
    "the account holder has changed",
    "the account holder said that",
    "the cardholder lives abroad now",
    "what name, Email Address please",
    # a bare `name` in lower case: not after digits, or common words
    "the name appears twice on my bill",
    "order 12345 name change request",
    "ticket 4411 name looks wrong",
    "I have 2 name changes pending",
    # lower case after a weak cue: no greeting, one word, or common words
    "this is carlos rossi",
    "i'm fine thanks",
    "hi this is really bad",
    "hi its been ages",
    "hey its broken again",
    "hi im worried sick",
    "hi i'm worried about my account",
    "hi this is about my order",
    "hello it's taking forever",
    "hi i'm super annoyed",
    "hi its working now thanks",
    "hello i'm locked out",
    "hi i'm new here",
    "hallo ich bin neu hier",
    "bonjour je suis très déçu",
    "wrong name, Please fix it",
]


@pytest.mark.parametrize("text", SAME)
def test_look_alikes_stay(text: str) -> None:
    assert R.redact(text).text == text
