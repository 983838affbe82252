"""PERSON_NAME: the whole name is redacted, never a surname left behind; cue words before other things stay.

Middle initials, suffixes, five-word names with capitalised particles, names in capitals after the
third-person cues, the full-name and `ich bin` cues in Spanish, French and German, and titles in those
languages (docs/redaction.md, the PERSON_NAME row). The look-alikes are what follows the same cue words when
no name does: nationalities, occupations and German nouns after `Ich bin`/`Je suis`/`Soy`, and `wrong`,
`incorrect`, `misspelled` in each language after the first-person cues.
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
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_cue_before_no_name_stays(text: str) -> None:
    assert R.redact(text).text == text
    assert R.redact_utf8(text.encode()) == (text.encode(), {})
