"""Generic helpers behind archiver.config: TOML reading, nested-key access and msgspec error explanation.

Kept apart from the schema so `config.py` reads as the list of settings. Everything here works on any tree of
msgspec Structs (`Schema(root_type)`), naming keys the way a user writes them: `sink.azure.retention_days`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec
from msgspec import inspect as mi

from archiver.errors import ConfigError

Key = tuple[str, ...]
_FIX_PATH = "pass the path of a readable TOML file"


def read_toml(path: Path, label: str) -> dict[str, Any]:
    """Parse a TOML file; every failure is a ConfigError under `label` (the option that named the file)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            label, f"config file {path} does not exist", "pass the path of a TOML file"
        ) from None
    except IsADirectoryError:
        raise ConfigError(label, f"{path} is a directory", _FIX_PATH) from None
    except OSError as exc:
        raise ConfigError(
            label, f"cannot read config file {path}: {exc.strerror}", "check the path"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(label, f"{path} is not valid TOML: {exc}", "fix the syntax at that line") from None
    except UnicodeDecodeError:
        raise ConfigError(label, f"{path} is not UTF-8 text", "save the file as UTF-8") from None


def get_in(tree: Mapping[str, Any], key: Key) -> Any:
    """The value at a nested key, or None."""
    node: Any = tree
    for part in key:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def set_in(tree: dict[str, Any], key: Key, value: Any) -> None:
    """Set a nested key, creating tables; a scalar where a table is needed is a ConfigError."""
    node = tree
    for depth, part in enumerate(key[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(key[: depth + 1])
            raise ConfigError(
                where, "is a value but a table is expected", f"make {where} a table ([{where}])"
            )
        node = child
    node[key[-1]] = value


def mark_origin(node: Any, prefix: Key, label: str, origin: dict[Key, str]) -> None:
    """Record where every key of a parsed file came from, for error messages."""
    if isinstance(node, dict):
        for k, v in node.items():
            mark_origin(v, (*prefix, str(k)), label, origin)
    if prefix:
        origin[prefix] = label


def _unwrap(info: mi.Type) -> mi.Type:
    """`X | None` → X (optional settings are typed that way)."""
    if isinstance(info, mi.UnionType):
        real = [t for t in info.types if not isinstance(t, mi.NoneType)]
        if len(real) == 1:
            return real[0]
    return info


_MSG = re.compile(r"^(?P<problem>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)


class Schema:
    """Introspection of a Struct tree: which keys exist, their types, and readable validation errors."""

    def __init__(self, root: type) -> None:
        self.root: mi.Type = mi.type_info(root)

    def field_type(self, key: Key) -> mi.Type | None:
        """The (unwrapped) type of a key, or None if no such key."""
        info = self.root
        for part in key:
            info = _unwrap(info)
            if not isinstance(info, mi.StructType):
                return None
            match = [f for f in info.fields if f.name == part]
            if not match:
                return None
            info = match[0].type
        return _unwrap(info)

    def is_leaf(self, key: Key) -> bool:
        """True for a settable key (not a section)."""
        info = self.field_type(key)
        return info is not None and not isinstance(info, mi.StructType)

    def is_sequence(self, key: Key) -> bool:
        """True for list-valued keys (comma-separated in the environment)."""
        return isinstance(self.field_type(key), mi.VarTupleType | mi.ListType)

    def field_names(self, key: Key) -> list[str]:
        """The keys of a section."""
        info = self.field_type(key) if key else self.root
        return [f.name for f in info.fields] if isinstance(info, mi.StructType) else []

    def explain(self, message: str, origin: Mapping[Key, str]) -> ConfigError:
        """Turn a msgspec validation message into a ConfigError naming the dotted key and a fix."""
        m = _MSG.match(message)
        problem = m["problem"] if m else message
        path = (m["path"] or "") if m else ""
        parts = tuple(p for p in re.sub(r"\[\d+\]", "", path).split(".") if p)
        unknown = re.match(r"Object contains unknown field `([^`]*)`", problem)
        if unknown:
            key = (*parts, unknown[1])
            names = self.field_names(parts)
            close = difflib.get_close_matches(unknown[1], names, n=1)
            hint = f"did you mean {'.'.join((*parts, close[0]))}? " if close else ""
            where = origin.get(key)
            return ConfigError(
                ".".join(key),
                "unknown key" + (f" ({where})" if where else ""),
                f"{hint}remove it or fix the spelling (known keys here: {', '.join(names)})",
            )
        detail = problem.replace("`", "")
        info = self.field_type(parts)
        if isinstance(info, mi.VarTupleType | mi.ListType):
            info = _unwrap(info.item_type)  # a list of choices (e.g. writeback.fallback): name them
        if isinstance(info, mi.LiteralType):
            fix = "use one of " + ", ".join(repr(v) for v in info.values)
        elif detail.startswith("Expected object"):
            fix = f"make {'.'.join(parts)} a table"
        elif detail.startswith("Expected "):
            fix = "use a value of type " + detail[len("Expected ") :].split(", got")[0]
        else:
            fix = "correct the value"
        where = origin.get(parts)
        return ConfigError(".".join(parts) or "config", detail + (f" ({where})" if where else ""), fix)


def convert(tree: Mapping[str, Any], root: type, schema: Schema, origin: Mapping[Key, str], **kw: Any) -> Any:
    """msgspec.convert with lax scalars (environment strings) and errors explained by key."""
    try:
        return msgspec.convert(tree, root, strict=False, **kw)
    except msgspec.ValidationError as exc:
        raise schema.explain(str(exc), origin) from None
