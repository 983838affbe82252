"""Every config key reaches its component: changing the key changes what the component is built with.

A key that is parsed and validated but never handed to anything is a silent lie to the operator (this is
how `sink.azure.create_container` was once ignored). For each settable key the test sets a value other
than the default and compares what the worker's builders produce against the defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest

from archiver.app import reconcile_settings
from archiver.assemble import (
    Components,
    build_queue,
    build_sink,
    pipeline_settings,
    sink_kind,
)
from archiver.config import (
    SCHEMA,
    Config,
    redact_config,
)
from archiver.errors import ConfigError
from archiver.genesys import GenesysSettings
from archiver.queue.azure.settings import settings_from_config
from archiver.secret import Secret

REPO = Path(__file__).resolve().parents[1]

# Keys read straight from Config where they are used, not through a settings builder: the reader named
# here must contain `<section>.<key>`.
READ_DIRECTLY = {
    ("worker", "processors"): "archiver/app.py",
    ("worker", "shutdown_timeout_s"): "archiver/app.py",
    ("worker", "unhealthy_after_s"): "archiver/app.py",
    ("queue", "lease_s"): "archiver/app.py",
    ("worker", "pool_processes"): "archiver/assemble.py",
    ("archive", "gzip_level"): "archiver/assemble.py",
    ("logging", "level"): "archiver/commands/run.py",
    ("logging", "format"): "archiver/commands/run.py",
    ("simulator", "conversations_per_min"): "archiver/app.py",
    ("simulator", "seed"): "archiver/app.py",
    ("queue", "kind"): "archiver/assemble.py",
}


def leaf_keys(prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    for name in SCHEMA.field_names(prefix):
        key = (*prefix, name)
        keys.extend([key] if SCHEMA.is_leaf(key) else leaf_keys(key))
    return keys


def other_values(info: mi.Type, current: Any) -> list[Any]:
    """Values of the key's type that differ from `current` (validity is not the point here)."""
    if isinstance(info, mi.UnionType):
        options = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return other_values(options[0], None) if current is None else [None]
    if isinstance(info, mi.LiteralType):
        return [v for v in info.values if v != current]
    if isinstance(info, mi.BoolType):
        return [not current]
    if isinstance(info, mi.IntType):
        return [3 if current is None else current + 1]
    if isinstance(info, mi.FloatType):
        return [7.5 if current is None else current + 1.5]
    if isinstance(info, mi.StrType):
        return ["http://127.0.0.1:9" if current is None else f"{current}x"]
    if isinstance(info, mi.VarTupleType | mi.ListType):
        item = info.item_type
        if isinstance(item, mi.StructType):  # e.g. [[redaction.custom]]: one entry of that table
            from archiver.config_model import CustomRedaction

            assert item.cls is CustomRedaction, item
            return [(CustomRedaction(name="TICKET_ID", pattern=r"TCK-\d{6}"),)]
        return [("EMAIL",)]
    if isinstance(info, mi.CustomType) and info.cls is Secret:
        return [Secret("UseDevelopmentStorage=true")]
    raise AssertionError(f"no alternative value for {info!r}")


def field_info(key: tuple[str, ...]) -> mi.Type:
    info: mi.Type = mi.type_info(Config)
    for part in key:
        while isinstance(info, mi.UnionType):
            info = next(t for t in info.types if not isinstance(t, mi.NoneType))
        assert isinstance(info, mi.StructType)
        info = next(f.type for f in info.fields if f.name == part)
    return info


def replace(cfg: msgspec.Struct, key: tuple[str, ...], value: Any) -> Any:
    head, *rest = key
    inner = replace(getattr(cfg, head), tuple(rest), value) if rest else value
    return msgspec.structs.replace(cfg, **{head: inner})


BASE = Config(
    genesys=msgspec.structs.replace(
        Config().genesys, client_id="id", client_secret=Secret("s"), base_url="http://127.0.0.1:1"
    ),
    sink=msgspec.structs.replace(
        Config().sink,
        azure=msgspec.structs.replace(Config().sink.azure, container="archive", url="http://127.0.0.1:2"),
    ),
)


def sink_state(sink: object) -> dict[str, Any]:
    """What a sink was built with: its attributes (config section, container name, options)."""
    return {k: v for k, v in vars(sink).items() if not k.startswith("_") and k != "fallbacks"}


def built(cfg: Config) -> dict[str, Any]:
    """What the components receive, built by the worker's own builders."""
    queue = build_queue(cfg)
    server = Components(cfg).metrics_server()
    return {
        "genesys": GenesysSettings.from_config(cfg.genesys),
        "azure_sink": sink_state(build_sink(replace(cfg, ("sink", "kind"), "azure"))),
        "local_sink": sink_state(build_sink(replace(cfg, ("sink", "kind"), "local"))),
        "azure_queue": settings_from_config(cfg),
        "queue": repr(queue) + repr(getattr(queue, "__dict__", {})),
        "pipeline": pipeline_settings(cfg),
        "attachments": cfg.attachments,  # AttachmentArchiver takes the section as it is (assemble.py)
        "reconcile": reconcile_settings(cfg),
        "redact": redact_config(cfg),
        "sink_kind": sink_kind(cfg),
        "metrics": None if server is None else (server.host, server.requested_port),
        "embedded": cfg.embedded,
    }


KEYS = [k for k in leaf_keys() if k != ("source_file",)]


def test_every_key_is_checked() -> None:
    assert len(KEYS) > 40 and ("sink", "azure", "create_container") in KEYS


@pytest.mark.parametrize("key", KEYS, ids=".".join)
def test_key_reaches_its_component(key: tuple[str, ...]) -> None:
    if key in READ_DIRECTLY:
        source = (REPO / READ_DIRECTLY[key]).read_text(encoding="utf-8")
        assert ".".join(key[-2:]) in source, f"{'.'.join(key)} is not read in {READ_DIRECTLY[key]}"
        return
    current = BASE
    for part in key:
        current = getattr(current, part)
    dotted = ".".join(key)
    before = built(BASE)
    for value in other_values(field_info(key), current):
        try:
            if built(replace(BASE, key, value)) != before:
                return
        except ConfigError:  # only this key differs from BASE, which builds: a builder read it
            return
    raise AssertionError(f"{dotted} changes nothing any component is built with")


def test_components_hold_their_config_sections() -> None:
    """A component built from config holds the loaded section itself, so no key can fall out in a copy."""
    cfg = BASE
    azure = build_sink(replace(cfg, ("sink", "kind"), "azure"))
    local = build_sink(replace(cfg, ("sink", "kind"), "local"))
    assert getattr(azure, "config", None) is cfg.sink.azure
    assert getattr(local, "config", None) is cfg.sink.local
    assert pipeline_settings(cfg).writeback is cfg.writeback
    genesys = GenesysSettings.from_config(cfg.genesys)
    for name in cfg.genesys.__struct_fields__:  # every [genesys] key is a field of the client's settings
        assert getattr(genesys, name) == getattr(cfg.genesys, name), name


MARKER = "s3cr3t-M4RKER"


def plain_strings(obj: Any, path: str, seen: set[int]) -> list[str]:
    """Paths of every plain `str` inside `obj` (structs, containers, object attributes) holding MARKER."""
    if id(obj) in seen or isinstance(obj, Secret | int | float | bool | bytes | type(None)):
        return []
    seen.add(id(obj))
    if isinstance(obj, str):
        return [path] if MARKER in obj else []
    if isinstance(obj, msgspec.Struct):
        items: list[tuple[str, Any]] = [(f, getattr(obj, f)) for f in obj.__struct_fields__]
    elif isinstance(obj, dict):
        items = [(str(k), v) for k, v in obj.items()]
    elif isinstance(obj, list | tuple | set | frozenset):
        items = [(str(i), v) for i, v in enumerate(obj)]
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).items())
    else:
        return []
    return [hit for name, value in items for hit in plain_strings(value, f"{path}.{name}", seen)]


@pytest.mark.parametrize(
    "key",
    [("genesys", "client_secret"), ("sink", "azure", "connection_string"), ("sink", "azure", "sas_token")],
    ids=".".join,
)
def test_secrets_reach_components_as_secret(key: tuple[str, ...]) -> None:
    """A secret stays a `Secret` in every component built from config: plain text only where revealed."""
    value = f"AccountName=acct;AccountKey={MARKER}" if key[-1] == "connection_string" else MARKER
    cfg = replace(BASE, key, Secret(value))
    components = {
        **built(cfg),
        "azure_sink": build_sink(replace(cfg, ("sink", "kind"), "azure")),
        "azure_queue_obj": build_queue(replace(cfg, ("queue", "kind"), "azure")),
    }
    assert plain_strings(components, "built", set()) == []
    assert MARKER not in repr(components)
