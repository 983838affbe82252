"""PERSON_NAME: the whole name is redacted, never a surname left behind; cue words before other things stay.

Middle initials, suffixes, five-word names with capitalised particles, names in capitals after the
third-person cues, the full-name and `ich bin` cues in Spanish, French and German, and titles in those
languages (docs/redaction.md, the PERSON_NAME row). The look-alikes are what follows the same cue words when
no name does: nationalities, occupations and German nouns after `Ich bin`/`Je suis`/`Soy`, and `wrong`,
`incorrect`, `misspelled` in each language after the first-person cues.

The forms the second blind audit found missed are here too: lower case after the third-person cues and
after a greeting (`hi this is carlos rossi`), the surname first (`Name: Smith, John`), a lower-case middle
initial, a name after `… name,`; and their look-alikes (`This is Tier 2 Support`, `I'm Locked Out`).
"""

from __future__ import annotations

import pytest

from archiver.redact import Redactor

R = Redactor()

# (text, the name in it): the name, and nothing else, becomes one token
NAMES = [
    # middle initials, with or without the full stop, and initials first
    ("my full name is Grace J. Okafor", "Grace J. Okafor"),
    ("soy James L. Castillo", "James L. Castillo"),
    ("I'm Grace J Okafor and I need help", "Grace J Okafor"),
    ("Name: J. R. Smith", "J. R. Smith"),
    ("this is J.R. Ewing", "J.R. Ewing"),
    ("Regards, Jane D.", "Jane D."),
    ("it's Sam I think", "Sam"),  # (no initial without its full stop at the end)
    # suffixes
    ("my name is Fatima Fischer Jr. and i need help", "Fatima Fischer Jr."),
    ("the account holder is Henry Ford III", "Henry Ford III"),
    ("my name is John Smith, Sr. ok", "John Smith, Sr."),
    ("Thanks,\nKwame Smith-Jones Jr.", "Kwame Smith-Jones Jr."),
    # five words, capitalised particles, apostrophes, Mc/Mac, Latin Extended-A first letters
    ("you're speaking with María José Van der Berg Becker!", "María José Van der Berg Becker"),
    ("I'm Mary-Kate O'Neil", "Mary-Kate O'Neil"),
    ("this is Siobhán O\u2019Brien", "Siobhán O\u2019Brien"),
    ("Je m'appelle Valéry Giscard d'Estaing", "Valéry Giscard d'Estaing"),
    ("I'm Łukasz Nowak", "Łukasz Nowak"),
    ("my name is maria de la cruz", "maria de la cruz"),
    ("mi nombre completo es zoe o'brien", "zoe o'brien"),
    ("my name is anne-marie o'neil and i'm stuck", "anne-marie o'neil"),
    # capitals after the third-person cues
    ("card is under NOAH K. FISCHER.", "NOAH K. FISCHER"),
    ("you're speaking with JAMES IVANOVA!", "JAMES IVANOVA"),
    ("the account holder is MR. JOHN SMITH", "MR. JOHN SMITH"),
    ("card holder: NOAH FISCHER JR.", "NOAH FISCHER JR."),
    ("MY NAME IS MARY-KATE O'NEIL", "MARY-KATE O'NEIL"),
    ("MY NAME IS MARÍA JOSÉ VAN DER BERG BECKER", "MARÍA JOSÉ VAN DER BERG BECKER"),
    ("MY NAME IS JOHN A SMITH", "JOHN A SMITH"),
    ("MY NAME IS JOHN AND I NEED HELP", "JOHN"),
    # full-name cues, `ich bin`, titles
    ("mi nombre completo es Isabella McAllister", "Isabella McAllister"),
    ("mon nom complet est Carlos D'Angelo", "Carlos D'Angelo"),
    ("mein vollständiger Name ist Hans Peter Müller", "Hans Peter Müller"),
    ("mein Name lautet Klaus Meier", "Klaus Meier"),
    ("nombre completo del titular: Juan Pérez", "Juan Pérez"),
    ("ich bin Rebecca de la Cruz", "Rebecca de la Cruz"),
    ("Ich bin Frau Schmidt", "Frau Schmidt"),
    ("Hallo, ich bin Herr Müller", "Herr Müller"),
    ("soy Sra. López", "Sra. López"),
    ("je suis M. Dubois", "M. Dubois"),
    # a bare `name` in a list of details: two words, or one after a dash or `last name`
    ("name Dmitri Moreau / email on file", "Dmitri Moreau"),
    ("DOB on file, name Lena C. Delgado", "Lena C. Delgado"),
    ("name - Mr Martin ?", "Mr Martin"),
    ("last name Van Dyke", "Van Dyke"),
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
    out = R.redact(text)
    assert out.text == text.replace(name, "[REDACTED:PERSON_NAME]"), out.text
    assert out.counts == {"PERSON_NAME": 1}


LOOK_ALIKES = [
    # after the first-person cues: wrong, incorrect, misspelled…
    "Mein Name ist falsch geschrieben",
    "Mein Name ist nicht korrekt auf der Karte",
    "mein name ist auf der karte falsch",
    "Mein Name ist anders geschrieben",
    "Mi nombre es incorrecto",
    "mi nombre es diferente",
    "mi nombre completo es incorrecto",
    "mon nom est incorrect",
    "mon nom est faux sur la carte",
    "my name is incorrect",
    "MY NAME IS WRONG ON THE CARD",
    "full name field is empty",
    "nom complet svp",
    # nationalities, occupations, German nouns after the weak cues
    "Je suis Canadien",
    "Je suis Canadienne et je vis ici",
    "Je suis Étudiant",
    "Je suis Retraité",
    "Soy Mexicano",
    "Soy Estudiante",
    "Soy El titular",
    "I'm Retired",
    "I'm Irish",
    "Ich bin Kunde seit 2010",
    "Ich bin Kundin bei Ihnen",
    "Ich bin Student und brauche Hilfe",
    "Ich bin Rentner",
    "Ich bin Arzt",
    "Ich bin Deutscher",
    "Ich bin Mutter von zwei Kindern",
    "Ich bin Kontoinhaber",
    "Ich bin Frau",
    # (`ich bin am 13. Mai 1949 geboren` holds a date of birth, and no name: test_credentials.py)
    "ich bin am Montag im Büro",
    # what a card is under, who one speaks with
    "the card is under Review",
    "CARD IS UNDER REVIEW PLEASE HELP",
    "THE CARD IS UNDER MY NAME",
    "chatting with CUSTOMER SERVICE yesterday",
    "speaking with MANAGER",
    "THE ACCOUNT HOLDER IS DECEASED",
    "CARDHOLDER AGREEMENT",
    # capitals after the weak cues are shouting
    "THIS IS URGENT",
    "I'M JAMES SMITH",
    # a bare `name` before another thing's name
    "name Contoso",
    "Name Change Request",
    "brand name Nike Air",
    "the name Contoso Support",
    "company name Acme Corp",
    "file name Report Final",
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


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_cue_before_no_name_stays(text: str) -> None:
    assert R.redact(text).text == text
    assert R.redact_utf8(text.encode()) == (text.encode(), {})


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
