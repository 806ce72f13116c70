"""The package layers hold: esolangs -> curricula -> reasonenv -> agents, each importing only the ones before it,
and no module imports itself back, directly or round a cycle, inside a package or across them.

Every import statement is read with `ast`, including those inside functions and
`importlib.import_module("...")` calls with a literal name, so a lazy import
cannot hide a cycle. Only the command line (reasonenv/cli.py and
reasonenv/commands/*) composes everything and may import agents. The module
graph has an edge for each import as written (`from pkg import mod` reaches
pkg.mod); a package's __init__ that Python runs first on the way to a
submodule is not an edge, or every package that re-exports would be a cycle.
A registry names the modules it loads by "module:attr" strings, which are
not imports, and what two modules share lives in a third that both import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("esolangs", "curricula", "reasonenv", "agents", "experiments")
MAY_IMPORT_AGENTS = ("reasonenv/cli.py", "reasonenv/commands/")


def imported_modules(source: str, relative: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the source of file `relative`, wherever it sits."""
    return [(line, module) for line, module, _ in imports(source, relative)]


def imports(source: str, relative: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(line, absolute module name, names taken from it by `from ... import`) of every import in file `relative`."""
    tree = ast.parse(source, filename=relative)
    parts = Path(relative).with_suffix("").parts
    package = ".".join(parts if parts[-1] == "__init__" else parts[:-1])
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value, ()))
    return found


def _is_import_module(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in ("import_module", "__import__")


def violations() -> list[str]:
    problems = []
    for rank, layer in enumerate(LAYERS):
        for path in sorted((ROOT / layer).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            allowed = set(LAYERS[: rank + 1])
            if relative.startswith(MAY_IMPORT_AGENTS):
                allowed.add("agents")
            for line, module in imported_modules(path.read_text(encoding="utf-8"), relative):
                top = module.split(".")[0]
                if top in LAYERS and top not in allowed:
                    problems.append(
                        f"{relative}:{line} imports {module} (a {layer} module may import {sorted(allowed)})"
                    )
    return problems


def test_no_import_goes_against_the_layer_order():
    assert violations() == []


def module_name(relative: str) -> str:
    """'esolangs/registry.py' -> 'esolangs.registry'; a package's __init__.py is the package itself."""
    parts = Path(relative).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(files: dict[str, str]) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line of the first such import}, over the modules of `files` (relative -> source).

    `from pkg import name` reaches pkg.name when that is a module, else pkg;
    `import a.b.c` reaches the longest of a.b.c, a.b, a that is a module.
    """
    known = {module_name(relative): relative for relative in files}
    graph: dict[str, dict[str, int]] = {name: {} for name in known}
    for relative, source in files.items():
        here = module_name(relative)
        for line, module, names in imports(source, relative):
            targets = [f"{module}.{name}" for name in names if f"{module}.{name}" in known]
            if len(targets) < len(names) or not names:  # some names are attributes of the module itself
                parts = module.split(".")
                prefixes = (".".join(parts[:end]) for end in range(len(parts), 0, -1))
                targets += [next((p for p in prefixes if p in known), "")]
            for target in targets:
                if target and target != here:
                    graph[here].setdefault(target, line)
    return graph


def import_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Cycles (lists of modules, the first repeated last) that together name every module caught in one; [] when none."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm (the graph is a few hundred modules: recursion is fine)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    cycles = []
    for group in sorted(groups):  # shortest cycles until every module of the group is in one
        covered: set[str] = set()
        for start in group:
            if start not in covered:
                cycles.append(_cycle_through(graph, group, start))
                covered.update(cycles[-1])
    return cycles


def _cycle_through(graph: dict[str, dict[str, int]], group: list[str], start: str) -> list[str]:
    """A shortest path from `start` back to itself inside its strongly connected group (breadth first)."""
    members = set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node]):
                if successor not in members:
                    continue
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"modules {group} form no cycle")  # Tarjan's groups of two or more always do


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"


def repository_files() -> dict[str, str]:
    return {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
    }


KNOWN_CYCLES: list[list[str]] = []
"""Cycles in code this change could not touch, each with the reason; empty: there are none."""


def test_no_import_cycles_inside_or_between_packages():
    graph = import_graph(repository_files())
    cycles = [cycle for cycle in import_cycles(graph) if cycle not in KNOWN_CYCLES]
    assert not cycles, "import cycles:\n" + "\n".join(describe(cycle, graph) for cycle in cycles)


def test_the_cycle_check_finds_a_cycle_hidden_in_a_function_and_names_it():
    files = {
        "pkg/__init__.py": "from pkg.registry import get\n",
        "pkg/registry.py": "def get():\n    import pkg.lang\n",
        "pkg/lang.py": "from pkg import registry\n",
        "pkg/base.py": "",
        "pkg/shared.py": "from pkg.base import x\n",
    }
    graph = import_graph(files)
    assert graph["pkg.lang"] == {"pkg.registry": 1} and graph["pkg.registry"] == {"pkg.lang": 2}
    assert import_cycles(graph) == [["pkg.lang", "pkg.registry", "pkg.lang"]]
    assert describe(import_cycles(graph)[0], graph) == "pkg.lang (line 1) -> pkg.registry (line 2) -> pkg.lang"
    files["pkg/registry.py"] = "ENTRY_POINTS = ['pkg.lang:Lang']\n"  # named by string: no edge, no cycle
    assert import_cycles(import_graph(files)) == []


def test_the_walk_sees_imports_inside_functions_relative_imports_and_import_module():
    source = (
        "import os\n"
        "def f():\n"
        "    from agents.llm import x\n"
        "    from . import prompts\n"
        "    from ..envs import text\n"
        "    import importlib\n"
        "    importlib.import_module('agents.y')\n"
    )
    modules = [module for _, module in imported_modules(source, "reasonenv/bench/probe.py")]
    assert modules == ["os", "agents.llm", "reasonenv.bench", "reasonenv.envs", "importlib", "agents.y"]
    assert [m for _, m in imported_modules("from . import b\n", "reasonenv/bench/__init__.py")] == ["reasonenv.bench"]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_has_python_files(layer):
    assert list((ROOT / layer).rglob("*.py")), layer
