"""The import graph of hapsvm: no circles, no import from a lower layer to a higher one.

Read from the source (``engine/``) under the import name ``hapsvm``: neutral modules (errors,
bounds, lazy exports, process pools, progress) < the engine core and the domain packages <
steps and the paths of the data < the entry points (API, command lines).
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.repo import SOURCE_DIR

DOMAINS = ("visit", "simulate", "align", "mosaic", "catalogs", "preview")
NEUTRAL = ("errors", "bounds", "lazy", "parallel", "progress", "recipe_files")


def _modules() -> dict[str, Path]:
    found = {}
    for path in SOURCE_DIR.rglob("*.py"):
        if "hydra_plugins" in path.parts:
            continue
        parts = list(path.relative_to(SOURCE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(["hapsvm", *parts])] = path
    return found


def _imports(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    tree = ast.parse(path.read_text())
    static_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for n in ast.walk(block)}    # a package's lazy exports: never run at import
    for node in ast.walk(tree):
        if id(node) in static_only:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in out if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(path, name, known) for name, path in known.items()}


def _layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) == 1 or parts[1] in NEUTRAL:
        return 0              # the top package only hands names on lazily
    if parts[1] == "core" or parts[1] in DOMAINS:
        return 1
    if parts[1] in ("steps", "paths"):
        return 2
    return 3


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def test_import_graph_has_no_circles() -> None:
    graph = _graph()
    assert len(graph) > 100 and sum(map(len, graph.values())) > 200  # the graph was read
    assert _circles(graph) == []


def test_no_import_runs_up_a_layer() -> None:
    up = [(a, b) for a, deps in _graph().items() for b in deps if _layer(b) > _layer(a)]
    assert up == []


def test_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
