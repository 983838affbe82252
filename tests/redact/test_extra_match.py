"""`Extra.match` takes shortcuts; it must name the same alternative, with the same groups, as the plain loop.

The plain loop fullmatches the candidate against every cue alternative its first word can start, then
against every shape, in order, and takes the first that matches. `Extra` instead tries the built-in
shapes as one alternation (extra.py says why that gives the same match). Checked here on every candidate
RE2 finds in seeded chat, on each of its suffixes (where the walk looks again after a rejection), and on
cases chosen at the edges: cue words that are prefixes of a longer first word, non-ASCII first words,
each shape, operator patterns.
"""

from __future__ import annotations

import random
import re

import pytest

from archiver.redact import RedactConfig, Redactor
from archiver.redact.custom import CustomPattern
from archiver.redact.extra import Extra, _key
from archiver.synth import generate_transcript

EDGES = [
    b"name is Jane Doe",
    b"names Jane Doe",
    b"nom: Dupont",
    b"nom\xc3\xa9 Jean",
    b"num\xc3\xa9ro 4111",
    b"I'm Priya",
    b"I am Priya",
    b"I\xe2\x80\x99m Priya",
    b"im Priya",
    b"chatting with Sam",
    b"account number is 12345678",
    b"account, #26370578",
    b"acct 12345678",
    b"d.o.b. 12/03/1985",
    b"dob 12/03/1985",
    b"birthday 15/07/1953",
    b"password is wrong",
    b"pwd = P@ss4#",
    b"PIN 7620",
    b"code postal 33741",
    b"SIN 347-914-871",
    b"192.168.10.24",
    b"2001:db8::1",
    b"11:51:03",
    b"QQ 12 34 56 C",
    b"SW1A 1AA",
    b"2131 Maple Court, Austin",
    b"PO Box 1234, Springfield, IL 62704",
    b"10 rue de Rivoli, Paris",
    b"EMP-123456",
    b"employee EMP-123456",
]


def plain_match(extra: Extra, tok: bytes) -> tuple[int, re.Match[bytes]] | None:
    """The reference: each alternative's own full pattern, cue alternatives of the first word, then shapes."""
    alts = extra._alts
    shapes = [i for i, a in enumerate(alts) if not a.cues]
    cued = [] if 0x30 <= tok[0] <= 0x39 else [i for i in extra._by_word.get(_key(tok), [])]
    for i in cued + shapes:
        m = re.compile(alts[i].source).fullmatch(tok)
        if m is not None:
            return i, m
    return None


def candidates(seed: int, conversations: int) -> list[bytes]:
    """Every candidate of the combined pattern in seeded chat, and each of its suffixes."""
    rng = random.Random(seed)
    texts = [t.text for _ in range(conversations) for t in generate_transcript(rng).turns]
    data = "\x00".join(texts).encode("utf-8", "surrogatepass")
    outer = Redactor()._finder._outer
    found: set[bytes] = set()
    m = outer.search(data)
    while m is not None:
        tok = m.group()
        found.update(tok[k:] for k in range(len(tok)) if tok[k] < 0x80 or tok[k] >= 0xC0)
        m = outer.search(data, m.end())
    return sorted(found)


def _agree(extra: Extra, tok: bytes) -> bool:
    got, want = extra.match(tok), plain_match(extra, tok)
    if got is None or want is None:
        return got is want
    groups = ("c", "v") if "(?P<c>" in want[1].re.pattern.decode("latin-1") else ()
    return (
        got[0] == want[0]
        and got[1].span() == want[1].span()
        and all(got[1].span(g) == want[1].span(g) for g in groups)
    )


@pytest.mark.parametrize("tok", EDGES, ids=lambda t: t.decode("utf-8", "replace"))
def test_edges(tok: bytes) -> None:
    extra = Redactor()._finder._extra
    assert extra is not None
    assert _agree(extra, tok)


def test_seeded_chat() -> None:
    extra = Redactor()._finder._extra
    assert extra is not None
    toks = candidates(20261202, 300)
    assert len(toks) > 5000
    assert [t for t in toks if not _agree(extra, t)] == []


def test_operator_patterns_keep_their_place() -> None:
    """An operator pattern with cues or without: still tried after the built-in alternatives, in order."""
    config = RedactConfig(
        custom=(
            CustomPattern(name="EMPLOYEE_ID", pattern="EMP-[0-9]{6}", cues=("employee",)),
            CustomPattern(name="BADGE", pattern="[0-9]{2}:[0-9]{2}:[0-9]{2}"),
        )
    )
    extra = Redactor(config)._finder._extra
    assert extra is not None
    for tok in [*EDGES, b"employee EMP-123456", b"12:34:56", b"2131 Maple Court"]:
        assert _agree(extra, tok), tok
