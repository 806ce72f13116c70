"""The package layers hold: esolangs -> curricula -> reasonenv -> agents, each importing only the ones before it.

Every import statement is read with `ast`, including those inside functions and
`importlib.import_module("...")` calls with a literal name, so a lazy import
cannot hide a cycle. Only the command line (reasonenv/cli.py and
reasonenv/commands/*) composes everything and may import agents.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("esolangs", "curricula", "reasonenv", "agents")
MAY_IMPORT_AGENTS = ("reasonenv/cli.py", "reasonenv/commands/")


def imported_modules(source: str, relative: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the source of file `relative`, wherever it sits."""
    tree = ast.parse(source, filename=relative)
    parts = Path(relative).with_suffix("").parts
    package = ".".join(parts if parts[-1] == "__init__" else parts[:-1])
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
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
