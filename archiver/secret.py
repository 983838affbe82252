"""Credentials in memory: the `Secret` type and the one repr that masks secret fields of a settings struct.

A secret must never reach a log line, a repr or an exception message. Config carries credentials as
`Secret` (its repr is `Secret('***')`); settings structs that hold a credential as a plain string (the SDKs
want strings) build their repr with `masked_repr`, which shows only whether the field is set.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec


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


def masked_repr(struct: msgspec.Struct, secret_fields: Iterable[str]) -> str:
    """`Name(field=value, …)` with each secret field shown as '***' when set and '' when empty."""
    hidden = frozenset(secret_fields)
    parts = []
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        shown = ("'***'" if value else "''") if name in hidden else repr(value)
        parts.append(f"{name}={shown}")
    return f"{type(struct).__name__}({', '.join(parts)})"
