"""The layout shows the architecture, and nothing in the code contradicts it.

``shared/`` is the bottom layer: it imports neither ``orchestrator``, ``worker`` nor the
composition root ``logpull``. ``orchestrator`` and ``worker`` build on ``shared`` and never on
each other. And no module of the project takes part in an import cycle.

Imports are read with ``ast`` from the source, every one of them: at module level, inside
functions, under ``if TYPE_CHECKING:``; relative imports are resolved against the package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "orchestrator", "worker", "logpull")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            files[_module_name(path)] = path
    return files


FILES = _project_files()


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Every dotted name the module imports, absolute.

    ``from X import y`` names ``X.y`` when that is a module of the project, else ``X``. As for
    ``import a.b.c``, the parent packages a submodule import initialises are not counted: a
    package's ``__init__`` re-exporting its private modules is not a cycle.
    """
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield submodule if submodule in FILES else target


def _project_module(name: str) -> str | None:
    """The project module a dotted name lands in (the longest prefix that is one)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in FILES:
            return candidate
        parts.pop()
    return None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in FILES.items():
        targets = {_project_module(name) for name in _imported_names(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


GRAPH = _graph()


def _top(module: str) -> str:
    return module.partition(".")[0]


def test_every_package_is_seen() -> None:
    assert {_top(module) for module in FILES} == set(PACKAGES)
    # the walk found the imports: the CLI reaches both layers, the worker reaches shared
    assert {"orchestrator.tick", "worker.loop"} <= GRAPH["logpull.cli._app"]
    assert "shared.config" in GRAPH["worker.context"]


# each layer and the packages it must never import
FORBIDDEN = {
    "shared": {"orchestrator", "worker", "logpull"},
    "orchestrator": {"worker", "logpull"},
    "worker": {"orchestrator", "logpull"},
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_or_beside_it(layer: str) -> None:
    wrong = sorted(f"{module} imports {target}"
                   for module, targets in GRAPH.items() if _top(module) == layer
                   for target in targets if _top(target) in FORBIDDEN[layer])
    assert not wrong, "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_project_modules() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "\n".join(" <-> ".join(cycle) for cycle in cycles)
