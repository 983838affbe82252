"""Credentials in memory: the `Secret` type.

A secret must never reach a log line, a repr or an exception message. Config carries credentials as
`Secret` (its repr is `Secret('***')`) and so does every component built from it: the value is revealed
only in the one call that needs it (the OAuth token request, the Azure SDK client constructors).
"""

from __future__ import annotations


class Secret:
    """A credential: `reveal()` gives the value; repr/str never do."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
