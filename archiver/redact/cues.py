"""Cue-word alternatives of the combined RE2 pattern: a word that says what follows, then the value.

`password is Hunter2!`, `cvv 123`, `routing 021000021`, `my name is Jane Doberman`: the value alone has no
shape of its own (three digits, one token, two capitalised words), so the cue word and the value are ONE
alternative of the combined pattern and RE2 finds both in its single pass. Each alternative is written
once, with a `(?P<v>…)` group around the value; `patterns.py` strips the group for RE2 (no capture groups
on the hot path) and `shapes.py` compiles the same source with named groups for Python, which runs only on
the bytes of a candidate RE2 already matched, to learn its type and where the value starts.

Cue words are listed in English, Spanish, French and German (German also covers Austrian/Swiss wording);
ASCII letters match in any case. See docs/redaction.md for each type's cues and how to add one.

Over 400 lines on purpose: it is a table (one alternative per type and language), and splitting it would
scatter the cue words of one type across files.
"""

from __future__ import annotations

from archiver.redact.context import word_forms
from archiver.redact.ids import MONTHS
from archiver.redact.typos import alternation, with_typos


def words(*cues: str) -> bytes:
    """An RE2/`re` alternation of cue words: ASCII letters in either case, `\\b` at ASCII word ends."""
    return alternation(sorted({f for w in cues for f in word_forms(w)}))


# between a cue and its value: a few ASCII words and signs on the same line (`number is:`, `cvv "123"`,
# `(sin: 046…`), and the bytes of `n°`/`nº` and `à` (`compte n° 9876…`, `expire à fin 03/27`: one class,
# no extra alternative); the value's own checks (`extra._gap_ok`) reject gaps that name another thing
# (`account - ssn 123…`)
GAP = rb"[A-Za-z \t:#.,=\-'/\"()\xc2\xb0\xba\xc3\xa0]{0,24}?"
# what joins a credential cue to its value: `is`, `:`, `=` (a connector is required: `I forgot my password
# yesterday` holds no password)
CONNECT = (
    rb"(?:[ \t]*[:=][ \t]*|(?:'|\xe2\x80\x99)s[ \t]+"  # `my password's dragon12`
    # (`c’est`, `cest`: phones curl the apostrophe or drop it)
    rb"|[ \t]+(?i:is|was|es|est|c'est|c\xe2\x80\x99est|cest|ist|lautet|would be|will be|should be|sera"
    rb"|ser\xc3\xa1)\b"
    rb"(?:[ \t]+(?i:now|still|currently|just|ahora|maintenant|jetzt))?[ \t]*:?[ \t]*)"
)
_D = rb"\d"
_MONTH = words(*MONTHS)
_DATE = (
    rb"(?:\d{1,2}[ \t]?[/.\-][ \t]?\d{1,2}[ \t]?[/.\-][ \t]?(?:\d{4}|\d{2})\b"
    rb"|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}\b"
    # `dob 3 4 1990`: spaces alone between the parts only before a four-digit year
    rb"|\d{1,2}[ \t]\d{1,2}[ \t](?:19|20)\d{2}\b"
    # `dob 03121985`, `19850312`: eight digits after a date-of-birth cue; `my birthday is 03/12`: day and
    # month alone (a birthday without its year is still the customer's, and half of what verification asks)
    rb"|\d{8}\b|\d{1,2}[/.]\d{1,2}\b"
    # `March 12, 1985`, `12 March 1985`, `12th of March 1985`, `12 de marzo de 1985`, `12. März 1985`,
    # `6-Mar-2002`, `Mar-06-2002`, `3rd April '90`: the month names once (a second copy doubles the DFA's
    # state size); `birth_date_ok` wants a day and a year
    rb"|(?:\d{1,2}(?:st|nd|rd|th|er|\.)?(?:[ \t]+(?:(?:of|de)[ \t]+)?|[\-/]))?"
    + _MONTH
    # (the year may be left out: `my birthday is March 12th`; `birth_date_ok` then wants the day)
    + rb"\.?(?:(?:[ \t]+|[\-/])\d{1,2}(?:st|nd|rd|th)?\b)?"
    rb"(?:(?:,?[ \t]+(?:(?:de|del)[ \t]+)?|[\-/])(?:\d{4}|\d{2}|(?:'|\xe2\x80\x99)\d{2})\b)?)"
)
# (`04 27`: a space alone only after a two-digit month)
_EXPIRY = (
    rb"(?:(?:0?[1-9]|1[0-2])[ \t]?[/\-.][ \t]?(?:20\d{2}|\d{2})\b|(?:0[1-9]|1[0-2])[ \t]?(?:20)?\d{2}\b"
    # `exp April 2027`, `expires Apr/27`, `Apr '27` (a bare two-digit number after a month is a day)
    rb"|" + _MONTH + rb"\.?(?:[ \t]?[/\-'][ \t]?\d{2}|(?:[ \t]+de)?[ \t]?[/\-]?[ \t]?20\d{2})\b)"
)

# Letters of names: ASCII, Latin-1 and Latin Extended-A (UTF-8 lead bytes \xc3-\xc5), e.g. José, Zoë, Łukasz
# (upper and lower case are disjoint: a Latin Extended-A letter counts as lower case, so `Dvořák` and
# `Błaszczykowski` match; overlapping classes would give a run of words many readings, and the automaton
# many states)
_UPPER = rb"(?:[A-Z]|\xc3[\x80-\x96\x98-\x9e])"
_LOWER = rb"(?:[a-z]|\xc3[\x9f-\xb6\xb8-\xbf]|[\xc4\xc5][\x80-\xbf])"
# a word's first letter may be Latin Extended-A too (`Łukasz`, `Šimon`, `Żaneta`): there it follows a space
# or the cue, where no lower-case letter of a name can stand, so the classes stay disjoint
_FIRST = rb"(?:[A-Z]|\xc3[\x80-\x96\x98-\x9e]|[\xc4\xc5][\x80-\xbf])"
_APOS = rb"(?:'|\xe2\x80\x99)"  # (phones type `O’Brien` with the right single quote)
_NAME_WORD = (
    _FIRST
    + rb"(?:"
    + _APOS
    + _UPPER
    + rb")?"
    + _LOWER
    + rb"(?:"
    + _LOWER
    + rb"|"
    + _UPPER
    + rb"|(?:-|"
    + _APOS
    + rb")"
    + _UPPER
    + rb")*"
)
# the lower-case words inside a name (`Anna van der Berg`, `Rebecca de la Cruz`, `Mohammed bin Salman`)
PARTICLES = tuple(b"van von de da del della der den di du la le dos das do e bin ibn al ten ter zu y".split())
_PARTICLE = b"(?:" + b"|".join(PARTICLES) + b")"
# a word after the first: `Jr.`/`Sr.` with the full stop, particles before a word (`de la Cruz`, `d'Estaing`),
# a middle initial before it (`Grace J Okafor`: without its full stop only between two words, so `Sam I
# think` takes no `I`), or an initial with its full stop (`Grace J. Okafor`, `Jane D.`)
_NAME_NEXT = (
    rb"[ \t](?:(?:Jr|Sr|JR|SR)\.|(?:"
    + _UPPER
    + rb"[ \t])?(?:"
    + _PARTICLE
    + rb"[ \t]){0,2}(?:d"
    + _APOS
    + rb")?"
    + _NAME_WORD
    + rb"|"
    + _UPPER
    + rb"\.)"
)
# initials first: `J. R. Smith`, `J.R. Smith`
_INITIALS = rb"(?:" + _UPPER + rb"\.[ \t]?){0,2}"
# `John Smith, Sr.`, `Henry Ford III` (`Fatima Fischer Jr.` is a word of `_NAME_NEXT`: leftmost-first, the
# word `Jr` there would win and leave the full stop)
_SUFFIX = rb"(?:,[ \t](?:Jr|Sr|JR|SR)\.|,?[ \t](?:III|II|IV)\b)?"
# (bounded: a rejected candidate is looked at again from its next character, so an unbounded run of
# capitalised words would be rescanned once per word — quadratic; five words: `María José Van der Berg
# Becker`)
NAME = _INITIALS + _NAME_WORD + rb"(?:" + _NAME_NEXT + rb"){0,4}" + _SUFFIX
# `Dr. Sarah Lee`, `Sra. Pérez`, `Hr. Müller`: a title with its full stop (without one, `Dr Sarah Lee`,
# `Frau Schmidt`, `Mme Dubois` are name words already; `M. Dubois` is an initial)
_TITLE = rb"(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sra?|Srta|Dra|Mme|Mlle|Hr|Fr)\.[ \t]{1,2})?"
# after a name cue: `Regards, Emma`, `account holder is Li Wei`, `card holder: Emily Clarke`, `mi nombre
# completo es …`, `vollständiger Name lautet …`, `full name - Jane Doe`
_NAME_GAP = rb",?[ \t]{0,3}(?:(?i:is|es|est|ist|lautet)[ \t]{1,3}|[:\-][ \t]{0,3})?"
# a name typed in lower case (`name's jane doberman`): up to three words of three letters or more (particles
# between: `maria de la cruz`; `o'brien`, `anne-marie`), upper case allowed first; only after the
# first-person naming cues below, where what follows is a name whatever its case. (Two-letter words are
# left out: `my name is on the account`, `… in the system` are then no candidate at all, rather than a
# candidate Python has to reject.)
_ANY_CASE_WORD = (
    _UPPER + rb"?" + _LOWER + rb"(?:" + _LOWER + rb"|(?:-|" + _APOS + rb")" + _LOWER + rb"){2,23}"
)
# (a middle initial in lower case too: `liam g. patel`)
_LOWER_NAME = (
    _ANY_CASE_WORD
    + rb"(?:[ \t](?:[a-z]\.[ \t])?(?:"
    + _PARTICLE
    + rb"[ \t]){0,2}"
    + _ANY_CASE_WORD
    + rb"){0,2}"
)
# or in capitals (`MY NAME IS JANE DOE`, `card is under NOAH K. FISCHER`, `MARY-KATE O'NEIL JR.`): up to six
# words, the first of three letters or more; particles are words here (`MARÍA JOSÉ VAN DER BERG BECKER`)
_CAPS_LETTER = rb"(?:" + _UPPER + rb"|(?:-|" + _APOS + rb")" + _UPPER + rb")"
_CAPS_NAME = (
    rb"(?:(?:MRS?|MS|DR|SRA?|HR|FR)\.[ \t]{1,2})?"
    + _UPPER
    + _CAPS_LETTER
    + rb"{2,23}(?:[ \t](?:(?:JR|SR)\.|(?:"
    + _UPPER
    + rb"[ \t])?"
    + _UPPER
    + _CAPS_LETTER
    + rb"{1,23}|"
    + _UPPER
    + rb"\.)){0,5}(?:,[ \t](?:JR|SR)\.)?"
)
_ANY_CASE_NAME = _LOWER_NAME + rb"|" + _CAPS_NAME
# after a weak cue, two or three words in lower case (names.name_context_ok wants a greeting before the cue)
_LOWER_PAIR = _ANY_CASE_WORD + rb"(?:[ \t]" + _ANY_CASE_WORD + rb"){1,2}"
# the surname first in a form (`Name: Smith, John`, `full name: Okafor, Grace J.`): names.person_length keeps
# the words after the comma only after a colon
_SURNAME_FIRST = (
    _NAME_WORD + rb",[ \t]" + _NAME_WORD + rb"(?:[ \t](?:" + _UPPER + rb"\.|" + _NAME_WORD + rb"))?"
)


# (No `… no` forms: `passport no. is 8012…` is the cue `passport` and the gap `no. is`, which `_gap_ok`
# reads as an abbreviation; a cue ending in `no` would leave `. is` in the gap, a sentence break.)
def _cue(kind: str, cue_words: tuple[str, ...], rest: bytes) -> tuple[str, tuple[str, ...], bytes]:
    # the cue words as customers type them too (`pasword`, `acount`, `numero`, `dassurance`: typos.py);
    # where words may stand between cue and value (a gap of letters), `routng number` is `routng` + gap
    cue_words = with_typos(cue_words, gap=rest.startswith(b"[A-Za-z"))
    return kind, cue_words, b"(?P<c>" + words(*cue_words) + b")" + rest


# the words for a password, in both password alternatives: bare (with `pass`: `pass Katze#2020`) and with a
# connector (below, with `login`: `login: hunter2`)
_PASSWORD_NOUNS = (
    "password",
    "passwd",
    "pwd",
    "pw",
    "passcode",
    "contraseña",
    "contrasena",
    "clave",
    "clave de acceso",
    "mot de passe",
    "mdp",
    "passwort",
    "kennwort",
)
BARE_PASSWORD_CUES = with_typos((*_PASSWORD_NOUNS, "pass"))


MY_PASS_CUES = ("my pass",)
LOGIN_PAIR_CUES = with_typos(
    (
        "login",
        "log in",
        "username",
        "user name",
        "user id",
        "usuario",
        "identifiant",
        "benutzername",
    )
)


def _set_password_cues() -> tuple[str, ...]:
    """`set the password`, `changed my pw`, `cambié mi contraseña`, `changé mon mot de passe` …"""
    forms = [
        (("set", "changed", "change", "reset", "updated", "update", "switched"), ("the ", "my ", "a ", ""),
         ("password", "pw", "pwd", "passcode")),
        (("cambié", "cambie", "cambiado", "puse", "puesto", "actualicé", "actualizado"), ("mi ", "la "),
         ("contraseña", "clave")),
        (("changé", "mis", "modifié", "remplacé"), ("mon ", "le "), ("mot de passe", "mdp")),
    ]  # fmt: skip
    return tuple(f"{v} {d}{n}" for verbs, dets, nouns in forms for v in verbs for d in dets for n in nouns)


# (accents and apostrophes only: a slip in each of its 156 phrases would add 4,500 strings)
SET_PASSWORD_CUES = with_typos(_set_password_cues(), slipped=False)


# the weak naming cues (see the alternative below)
WEAK_NAME_CUES = (
    "name is",
    "the name is",
    "this is",
    "i'm",
    "i\u2019m",
    "i am",
    "it's",
    "it\u2019s",
    "its",
    "signed",
    "regards",
    "sincerely",
    "soy",
    "je suis",
    "hier ist",
    "hier spricht",
    "ich bin",
)
# the third-person naming cues (see the alternative below)
THIRD_NAME_CUES = (
    "speaking with",
    "chatting with",
    "card is under",
    "under the name",
    "under the name of",
    "in the name of",
    "account holder",
    "cardholder",
    "card holder",
    "cardholder name",
    "name on the card",
    "a nombre de",
    "titular",
    "au nom de",
    "titulaire",
    "auf den namen",
    "karteninhaber",
)


# (type, cue words, source): the order is the order of preference at one start position.
ALTERNATIVES: tuple[tuple[str, tuple[str, ...], bytes], ...] = (
    _cue(
        "CARD_CVV",
        (
            "cvv",
            "cvv2",
            "cvc",
            "cvc2",
            "cid",
            "csc",
            "cvn",
            "security code",
            "card security code",
            "card verification",
            "verification code",
            "sec code",
            # `the digits on the back are …`, `code at the back is …`
            "on the back",
            "at the back",
            # `the code on the back of the card is 246`: the card in the gap is this one
            "back of the card",
            "back of my card",
            # (`3 digit code 579`: a candidate starting with a digit is never a cue's, so the cue is the
            # words after the number)
            "digit code",
            "código de seguridad",
            "codigo de seguridad",
            "código cvv",
            "cryptogramme",
            "code de sécurité",
            "code de securite",
            "code de vérification",
            "prüfnummer",
            "pruefnummer",
            "kartenprüfnummer",
            "sicherheitscode",
            "prüfziffer",
        ),
        # (`cvv: 1 2 3`: read out digit by digit)
        GAP + rb"\b(?P<v>\d{3,4}|\d(?:[ \t]\d){2,3})\b",
    ),
    _cue(
        "CARD_EXPIRY",
        (
            "exp",
            "expiry",
            "expiration",
            "expiration date",
            "expiry date",
            "expires",
            "expire",
            "expiring",
            "exp date",
            "valid thru",
            "valid through",
            "valid until",
            "good thru",
            "good through",
            "vence",
            "vencimiento",
            "expiración",
            "caducidad",
            "fecha de caducidad",
            "caduca",
            "date d'expiration",
            "expire le",
            "date d'échéance",
            "date de validité",
            "gültig bis",
            "gueltig bis",
            "ablaufdatum",
            "läuft ab",
            # `exp. date 08/26`: the full stop inside the cue (in the gap it reads as a sentence end)
            "exp.",
            "exp. date",
            "expira",
            "expiran",
            "fecha de vencimiento",
            "válida hasta",
            "valida hasta",
            "válido hasta",
            "valido hasta",
            "valable jusqu'au",
            "valable jusqu'à",
            "valable jusqu'a",
            "fin de validité",
            "ablauf",
            "verfallsdatum",
            "verfällt",
            "gültig bis ende",
            "gültigkeit",
            "mm/yy",
            "mm/yyyy",
            "mm/aa",
            "mm/jj",
            "vto",
            "vto.",
            "venc.",
        ),
        GAP + rb"\b(?P<v>" + _EXPIRY + rb")",
    ),
    # `exp0528`, `exp04/32`: the cue glued to its value (no word end between them); only a year 20-49, so
    # `exp1000` (experience points) stays
    (
        "CARD_EXPIRY",
        ("exp",),
        rb"(?P<c>[eE][xX][pP])(?P<v>(?:0?[1-9]|1[0-2])[/\-.](?:20)?[2-4]\d\b|(?:0[1-9]|1[0-2])(?:20)?[2-4]\d\b)",
    ),
    _cue(
        "PIN",
        (
            "pin",
            "pin number",
            "pin code",
            "pin-code",
            "passcode",
            "pass code",
            "código pin",
            "codigo pin",
            "nip",
            "code pin",
            "code secret",
            "code confidentiel",
            "geheimzahl",
            "pin-nummer",
            "pin nummer",
            # `clave 1862`: digits alone after `clave` are a card PIN (this alternative comes before the
            # password's, which takes `clave` with any other token)
            "clave",
            "clave secreta",
            "número secreto",
            "numero secreto",
            "geheimnummer",
        ),
        GAP + rb"\b(?P<v>\d{4,6})\b",
    ),
    # `login: jdoe / correcthorse`, `username jdoe / hunter2`: a login and its password, both redacted (an
    # e-mail as the login is found as one, and the password after it by tails.py)
    _cue(
        "PASSWORD",
        LOGIN_PAIR_CUES,
        rb"[ \t]*[:=]?[ \t]*(?P<v>[^\s/@\x00]{1,64}[ \t]+/[ \t]+[^\s\x00]{1,64})",
    ),
    _cue(
        "PASSWORD",
        (*_PASSWORD_NOUNS, "pass code", "login", "log in"),
        # `the password to my account is Blue42!`, `password for online banking: …`: what it is for, then
        # the connector; or a relative clause (`the password i use is …`, `password that I set was …`)
        # (`la contraseña nueva es …`, `mot de passe temporaire : …`: an adjective after the noun)
        rb"(?:[ \t]+(?i:nueva|nuevo|actual|temporal|provisional|nouveau|actuel|temporaire|provisoire))?"
        rb"(?:[ \t]+(?i:for|to|of|on|i|we|that|which)(?:[ \t]+[A-Za-z]{1,16}){1,2})?"
        + CONNECT
        + rb"(?P<v>[^\s\x00]{1,64})",
    ),
    _cue("PASSWORD", ("pass",), rb"[ \t]*[:=][ \t]*(?P<v>[^\s\x00]{1,64})"),
    # `my pass is Tr0ub4dor&3` (`the bus pass is valid`: `pass` alone needs `my`, and extra.py wants a token
    # that looks chosen after it)
    _cue("PASSWORD", MY_PASS_CUES, CONNECT + rb"(?P<v>[^\s\x00]{1,64})"),
    # `password hunter2`, `pw mango*Tree9`, `Kennwort S3cure_Pass`: no connector, so the token must look
    # like a chosen secret (letters, then a digit or a sign; extra.py wants three letters, one in lower case,
    # and no code word before the digits): `password reset`, `password 3 times`, and the codes that follow
    # `I forgot my password` in a run-on message (`v14.27.1`, `INV550…`, `SKU-8938`, `ref#3566…`) hold none
    _cue(
        "PASSWORD",
        BARE_PASSWORD_CUES,
        # (or words joined by hyphens, `blue-Monkey-42`, `abc-De1`: ids.password_chosen wants a digit or sign)
        rb"[ \t]+(?:(?:-|\xe2\x80\x93)[ \t]+)?"
        rb"(?P<v>[A-Za-z]{1,32}(?:[0-9#$%&*+@^_~!?]|-[A-Za-z])[^\s\x00]{0,31})",
    ),
    # `i set the password to N0v3mber!!`, `changed my password to letmein`, `cambié mi contraseña a …`,
    # `j'ai changé mon mot de passe en …`: a verb that sets it, then `to`
    _cue("PASSWORD", SET_PASSWORD_CUES, rb"[ \t]+(?i:to|as|a|por|en|pour|par)[ \t]+(?P<v>[^\s\x00]{1,64})"),
    _cue(
        "DATE_OF_BIRTH",
        (
            "dob",
            "d.o.b",
            "d.o.b.",
            "date of birth",
            "birth date",
            "birthdate",
            "born",
            "born on",
            "birthday",
            "bday",
            "b-day",
            "fecha de nacimiento",
            "fecha nac",
            "nacimiento",
            "nacido",
            "nacida",
            "nací",
            "cumpleaños",
            "date de naissance",
            "né le",
            "née le",
            "né",
            "née",
            "anniversaire",
            "geburtsdatum",
            "geboren",
            "geburtstag",
            "geb.",
            # `ich bin am 13. Mai 1949 geboren`: extra.py wants `geboren` right after the date
            "bin am",
            "wurde am",
        ),
        rb"[A-Za-z \t:#.,=\-'/\"(]{0,20}?" + rb"\b(?P<v>" + _DATE + rb")",
    ),
    _cue(
        "UK_NINO",
        # (`N.I. number`: the dotted spelling too)
        (
            "ni number",
            "nino",
            "national insurance",
            "national insurance number",
            "ni",
            "n.i.",
            "n.i. number",
            "n.i",
            "assurance nationale",
            "britische versicherungsnummer",
            "seguro nacional",
            "seguro nacional británico",
            "seguro nacional britanico",
            "britische sozialversicherungsnummer",
            "sécurité sociale britannique",
            "securite sociale britannique",
        ),
        GAP + rb"\b(?P<v>[A-Za-z]{2}[ \t\-]?\d{2}[ \t\-]?\d{2}[ \t\-]?\d{2}[ \t\-]?[A-Da-d])\b",
    ),
    _cue(
        "CA_SIN",
        (
            "sin",
            "social insurance",
            "social insurance number",
            "nas",
            "numéro d'assurance sociale",
            "numero d'assurance sociale",
            "assurance sociale",
            "s.i.n.",
            "s.i.n",
            "n.a.s.",
            # the Canadian reading of a generic social number: where the value is a valid SIN it wins over the
            # US one (`número de seguro social canadiense 046…`; otherwise the SSN's context word finds it)
            "seguro social canadiense",
            "seguro social de canadá",
            "seguro social de canada",
            "kanadische sozialversicherungsnummer",
            "kanadische sozialversicherungs-nr",
        ),
        GAP + rb"\b(?P<v>\d{3}[ \t\-]?\d{3}[ \t\-]?\d{3})\b",
    ),
    _cue(
        "US_ITIN",
        ("itin", "individual taxpayer", "taxpayer identification"),
        GAP + rb"\b(?P<v>9\d{2}[ \t\-]?\d{2}[ \t\-]?\d{4})\b",
    ),
    # a tax id after a weaker cue (`tax id`, `TIN`): a nine-digit number in the ITIN ranges, and only with
    # `number`, `is`, signs between (`the tin can holds 912…` is no TIN)
    _cue(
        "US_ITIN",
        (
            "taxpayer id",
            "tax id",
            "tin",
            "tax identification",
            "t.i.n.",
            "identificación tributaria",
            "identificacion tributaria",
            "identificación fiscal",
            "identificacion fiscal",
            "identification fiscale",
        ),
        rb"[ \t:#=\-]{0,3}(?:(?i:number|num|no|nr)\.?[ \t:#=\-]{0,3})?"
        rb"(?:(?i:is|was|es|est|ist|lautet)[ \t:]{1,3})?\b(?P<v>9\d{2}[ \t\-]?\d{2}[ \t\-]?\d{4})\b",
    ),
    _cue(
        "AU_TFN",
        ("tfn", "tax file number", "tax file", "t.f.n.", "t.f.n", "australische steuernummer"),
        GAP + rb"\b(?P<v>\d{3}[ \t\-]?\d{3}[ \t\-]?\d{2,3})\b",
    ),
    _cue(
        "BANK_ROUTING",
        (
            "routing",
            "routing number",
            "aba",
            "aba number",
            "transit",
            "transit number",
            "rtn",
            "número de ruta",
            "numero de ruta",
            "código aba",
            "code aba",
            "numéro de routage",
            "bankleitzahl",
            "blz",
        ),
        GAP + rb"\b(?P<v>\d{9})\b",
    ),
    _cue(
        "UK_SORT_CODE",
        ("sort code", "sort-code", "sortcode", "s/code", "código de sucursal", "code guichet", "s/c"),
        GAP + rb"\b(?P<v>\d{2}[ \t\-]?\d{2}[ \t\-]?\d{2})\b",
    ),
    # `sort 37-10-76`: the bare word is a verb too (`sort the files from 12-05-24`), so only right before the
    # code in its printed, dashed shape
    _cue("UK_SORT_CODE", ("sort",), rb"[ \t]{0,3}[:#]?[ \t]{0,3}(?P<v>\d{2}-\d{2}-\d{2})\b"),
    _cue(
        "BANK_ACCOUNT",
        (
            "account",
            "account number",
            "acct",
            "acc",
            # (`acct. no. 1234…`: the abbreviation's full stop is no clause break)
            "acct.",
            "acc.",
            "a/c",
            "checking",
            "savings",
            "checking account",
            "savings account",
            "cuenta",
            "número de cuenta",
            "numero de cuenta",
            "cuenta bancaria",
            # (the Spanish account code's name: `CCC 0049 1500 05 1234567890`)
            "ccc",
            "código cuenta cliente",
            "codigo cuenta cliente",
            "compte",
            "numéro de compte",
            "numero de compte",
            "compte bancaire",
            "konto",
            "kontonummer",
            "kontonr",
            "konto-nr",
            "kto-nr",
            "kto",
            "bankkonto",
        ),
        # (first: a Spanish CCC, 20 digits printed 4-4-2-10: `número de cuenta: 0049 1500 05 1234567890`;
        # twenty digits in one run are as often a tracking number: `my account 9400…`)
        GAP + rb"\b(?P<v>\d{4}[ \-]\d{4}[ \-]\d{2}[ \-]\d{10}|\d(?:[ \-]?\d){5,16})\b",
    ),
    _cue(
        "POSTAL_CODE",
        (
            "zip",
            "zip code",
            "zipcode",
            "postcode",
            "post code",
            "postal code",
            "postal",
            "código postal",
            "codigo postal",
            "c.p.",
            "code postal",
            "cp",
            "plz",
            "postleitzahl",
        ),
        GAP
        + rb"\b(?P<v>\d{5}(?:-\d{4})?|\d{4}|[A-Za-z]\d[A-Za-z][ \t]?\d[A-Za-z]\d"
        + rb"|[A-Za-z]{1,2}\d[A-Za-z\d]?[ \t]?\d[A-Za-z]{2}|\d{4}[ \t]?[A-Za-z]{2})\b",
    ),
    _cue(
        "PASSPORT",
        (
            "passport",
            "passport number",
            "pasaporte",
            "número de pasaporte",
            "passeport",
            "numéro de passeport",
            "reisepass",
            "reisepassnummer",
            "passnummer",
            "pass-nr",
        ),
        # the value has a digit among its first four characters, so a word in the gap (`Nr`, `number`) is
        # never taken for it; a nine-digit number may be typed 3-3-3; a German passport is nine of
        # `CFGHJKLMNPRTVWXYZ0-9` and may hold one digit or none (`CVXW6YFRY`: no vowel, so no word has that
        # shape; `extra` wants a digit, or capitals)
        GAP
        + rb"\b(?P<v>[A-Za-z]{0,3}\d[A-Za-z0-9]{4,9}|\d{3}[ \t]\d{3}[ \t]\d{3}"
        + rb"|[CFGHJ-NPRTV-Zcfghj-nprtv-z0-9]{9})\b",
    ),
    _cue(
        "DRIVER_ID",
        (
            "driver's license",
            "drivers license",
            "driver license",
            "driver's licence",
            "drivers licence",
            "driving licence",
            "driving license",
            "license number",
            "licence number",
            "license",
            "licence",
            "lic",
            "lic.",
            "dl",
            "dl#",
            "permis de conduire",
            "numéro de permis",
            "permis",
            "licencia de conducir",
            "licencia de manejo",
            "licencia de conducción",
            "permiso de conducir",
            "permiso de conducción",
            "carnet de conducir",
            "carné de conducir",
            "licencia",
            "führerschein",
            "fuehrerschein",
            "führerscheinnummer",
            "führerscheinnr",
        ),
        # a digit among the first seven characters (UK licences start with five letters of the surname), so
        # a word in the gap (`is`, `Nr`) is never taken for the value; Florida's ends in one digit
        GAP + rb"\b(?P<v>[A-Za-z]{0,6}\d[A-Za-z0-9]{0,19}(?:[ \-][0-9]{1,10}){0,4})\b",
    ),
    # the weak cues: what follows is as often no name (`this is Urgent`, `I'm Ready`, `Je suis Canadien`,
    # `Ich bin Kunde`): capitalised words only, and the first must be no common word (wordlists.NOT_NAMES,
    # NOT_NAME_STARTS); in capitals they are shouting (`THIS IS URGENT`), never a name
    _cue(
        "PERSON_NAME",
        WEAK_NAME_CUES,
        _NAME_GAP + rb"(?P<v>" + _TITLE + NAME + rb"|" + _LOWER_PAIR + rb")",
    ),
    # the third-person naming cues: what follows is a name, capitalised, in capitals (`card is under NOAH
    # K. FISCHER`, `you're speaking with JAMES IVANOVA`) or in lower case (`the account holder is marie
    # dubois`: two words at least there, names.person_length)
    _cue(
        "PERSON_NAME",
        THIRD_NAME_CUES,
        _NAME_GAP + rb"(?P<v>" + _TITLE + NAME + rb"|" + _ANY_CASE_NAME + rb")",
    ),
    # the first-person naming cues: a name in any case (`name's jane doberman`), capitalised ones as above
    _cue(
        "PERSON_NAME",
        (
            "my name is",
            "name:",
            "name :",
            "full name",
            "nombre:",
            "nom:",
            "nom :",
            "mein name:",
            "name's",
            "name\u2019s",
            "me llamo",
            "mi nombre es",
            "je m'appelle",
            "je m\u2019appelle",
            "mon nom est",
            "ich heiße",
            "ich heisse",
            "mein name ist",
            "mein name lautet",
            # `my full name is`, `mi nombre completo es`, `mon nom complet est`, `mein vollständiger Name ist`
            "nombre completo",
            "nom complet",
            "vollständiger name",
            "vollstaendiger name",
        ),
        _NAME_GAP + rb"(?P<v>" + _SURNAME_FIRST + rb"|" + _TITLE + NAME + rb"|" + _ANY_CASE_NAME + rb")",
    ),
    # a bare `name` in a list of details (`name Dmitri Moreau / email …`, `…, name Lena C. Delgado`, `name -
    # Mr Martin`): capitalised only; without a dash the name needs two words, and `brand name Nike Air`,
    # `the name Contoso Support` are none; after a comma only a possessive's (`under my wife's name, Maria
    # Gonzalez`); in lower case two words, right after another value's digits (`account number 988235142
    # name mohammed hernández`; names.bare_name_ok)
    _cue(
        "PERSON_NAME",
        ("name",),
        rb",?[ \t]{1,3}(?:[\-=][ \t]{1,3})?(?P<v>" + _TITLE + NAME + rb"|" + _LOWER_PAIR + rb")",
    ),
    # a sign-off: the name alone on the message's last line (`Thanks,\nJane Doberman`); on the same line
    # `Thanks Sarah` more often thanks the agent, and a line that goes on is no signature
    _cue(
        "PERSON_NAME",
        (
            "thanks",
            "thank you",
            "many thanks",
            "cheers",
            "best",
            "best wishes",
            "regards",
            "kind regards",
            "best regards",
            "warm regards",
            "sincerely",
            "yours",
            "gracias",
            "saludos",
            "atentamente",
            "un saludo",
            "merci",
            "cordialement",
            "bien à vous",
            "danke",
            "grüße",
            "viele grüße",
            "beste grüße",
            "liebe grüße",
            "mit freundlichen grüßen",
            "mfg",
        ),
        rb"[,!.]?[ \t]*\r?\n[ \t]*(?P<v>" + _TITLE + NAME + rb")[ \t.!]*(?:\x00|\r?\n|$)",
    ),
)
TYPES: tuple[str, ...] = tuple(dict.fromkeys(kind for kind, _, _ in ALTERNATIVES))
