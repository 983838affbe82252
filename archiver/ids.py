"""The conversation-id rule, one for every component that takes an id from outside.

An id arrives from a notification frame, an analytics page, a queue message or the command line, becomes a
queue key and then a file or blob name. Every component accepts exactly the ids the archive store can name:
1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, never `..` (Genesys ids are UUIDs,
well inside this). Anything else is refused where it enters, not discovered at upload.
"""

from __future__ import annotations

import re
import uuid

CONVERSATION_ID_PATTERN = r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z"
CONVERSATION_ID_RULE = "1-128 chars of A-Z a-z 0-9 . _ -, starting with a letter or digit, no '..'"
_conversation_id_re = re.compile(CONVERSATION_ID_PATTERN)


def is_conversation_id(value: str) -> bool:
    """True if `value` can be a conversation id (and therefore a queue key and an archive name)."""
    return bool(_conversation_id_re.match(value))


def check_conversation_id(value: str, what: str = "enqueue id") -> str:
    """`value` unchanged if it is a valid conversation id, else ValueError (the id shown shortened)."""
    if not is_conversation_id(value):
        raise ValueError(f"cannot {what} {value[:40]!r}: expected {CONVERSATION_ID_RULE}")
    return value


def parse_conversation_id(text: str) -> str:
    """A conversation id typed or pasted by a person: a Genesys id (a UUID), returned in canonical lowercase.

    The archive is named by the lowercase form Genesys uses, so `ABC…` and `abc…` must name the same
    conversation; anything that is not a UUID is a paste error (ValueError), not something to look up.
    """
    try:
        return check_conversation_id(str(uuid.UUID(text.strip())), "use id")
    except ValueError:
        raise ValueError(f"not a conversation id (a UUID): {text[:60]!r}") from None
