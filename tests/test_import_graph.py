"""The import graph of `archiver/` has no cycles, so its layers read top-down.

Every `archiver.*` import counts: module level, inside functions (a lazy import is still a dependency)
and under `TYPE_CHECKING`. Type-only cycles are tolerated only where listed, each with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "archiver"

# Type-only edges that close a cycle; each is a known debt, not a pattern to copy.
TYPE_ONLY_CYCLES: set[frozenset[str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The module that `name` (a module, or an attribute of one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(module: str, path: Path) -> dict[str, bool]:
    """Imported archiver modules → True if the import is only under TYPE_CHECKING."""
    found: dict[str, bool] = {}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def add(target: str | None, type_only: bool) -> None:
        if target and target != module:
            found[target] = found.get(target, True) and type_only

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = type_only or is_type_checking(child)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("archiver"):
                        add(resolve(alias.name), inner)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("archiver"):
                    for alias in child.names:
                        full = f"{base}.{alias.name}"
                        add(resolve(full) if full in MODULES else resolve(base), inner)
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[frozenset[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


EDGES = {m: imports(m, p) for m, p in MODULES.items()}


def test_runtime_imports_have_no_cycles() -> None:
    runtime = {m: {t for t, type_only in e.items() if not type_only} for m, e in EDGES.items()}
    assert cycles(runtime) == []


def test_type_only_cycles_are_the_known_ones() -> None:
    everything = {m: set(e) for m, e in EDGES.items()}
    assert set(cycles(everything)) <= TYPE_ONLY_CYCLES


def test_the_checker_sees_a_cycle() -> None:
    # The test must be able to fail: a two-module loop and a three-module loop are found.
    assert cycles({"a": {"b"}, "b": {"a"}}) == [frozenset({"a", "b"})]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset({"a", "b", "c"})]
    assert imports("archiver.app", MODULES["archiver.app"])["archiver.assemble"] is False
