"""Walk a JSON document against the official SDK's models: every field known, every enum value allowed.

The SDK's models carry `swagger_types` (attribute → type string) and `attribute_map` (attribute → JSON key);
enum setters replace a value they do not know with 'outdated_sdk_version', which is how we detect one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from PureCloudPlatformClientV2 import models

_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\(([^,]*), (.*)\)$")


def check(doc: Any, type_name: str, path: str = "$") -> list[str]:
    """Problems found in `doc` read as SDK type `type_name` (empty list = fully compatible)."""
    problems: list[str] = []
    _walk(doc, type_name, path, problems)
    return problems


def _walk(doc: Any, t: str, path: str, out: list[str]) -> None:
    if doc is None:
        return
    m = _LIST.match(t)
    if m:
        if not isinstance(doc, list):
            out.append(f"{path}: expected list for {t}, got {type(doc).__name__}")
            return
        for i, item in enumerate(doc):
            _walk(item, m.group(1), f"{path}[{i}]", out)
        return
    m = _DICT.match(t)
    if m:
        if not isinstance(doc, dict):
            out.append(f"{path}: expected object for {t}")
            return
        for k, v in doc.items():
            _walk(v, m.group(2), f"{path}.{k}", out)
        return
    if t in ("str", "date"):
        if not isinstance(doc, str):
            out.append(f"{path}: expected str, got {doc!r}")
        return
    if t == "datetime":
        if not isinstance(doc, str):
            out.append(f"{path}: expected datetime string, got {doc!r}")
            return
        try:
            datetime.fromisoformat(doc.replace("Z", "+00:00"))
        except ValueError:
            out.append(f"{path}: not an ISO datetime: {doc!r}")
        return
    if t == "int":
        if not isinstance(doc, int) or isinstance(doc, bool):
            out.append(f"{path}: expected int, got {doc!r}")
        return
    if t == "float":
        if not isinstance(doc, (int, float)) or isinstance(doc, bool):
            out.append(f"{path}: expected number, got {doc!r}")
        return
    if t == "bool":
        if not isinstance(doc, bool):
            out.append(f"{path}: expected bool, got {doc!r}")
        return
    if t == "object":
        return
    cls = getattr(models, t, None)
    if cls is None:
        out.append(f"{path}: unknown SDK model {t}")
        return
    if not isinstance(doc, dict):
        out.append(f"{path}: expected {t} object, got {type(doc).__name__}")
        return
    inst = cls()
    by_key = {v: k for k, v in inst.attribute_map.items()}
    for key, value in doc.items():
        attr = by_key.get(key)
        if attr is None:
            out.append(f"{path}.{key}: field unknown to {t}")
            continue
        sub = inst.swagger_types[attr]
        if sub == "str" and isinstance(value, str):
            setattr(inst, attr, value)
            if getattr(inst, attr) != value:
                out.append(f"{path}.{key}: enum value {value!r} not allowed by {t}")
        _walk(value, sub, f"{path}.{key}", out)
