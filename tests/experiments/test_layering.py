"""experiments/ sits above the four packages: nothing below imports it, it imports agents only inside functions, and no sys.path edit.

tests/test_layers.py checks the four packages' order; this file adds the
layer above them (DESIGN.md, "Layers"), read with `ast` so that an import
inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW = ("esolangs", "curricula", "reasonenv", "agents", "scripts")


def imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import under `tree` (relative imports do not occur here)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def module_level(tree: ast.Module) -> list[ast.stmt]:
    """The statements that run at import: the module body and what `if`/`try` blocks there hold, not function bodies."""
    pending, found = list(tree.body), []
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, (ast.If, ast.Try)):
            pending += node.body + node.orelse + getattr(node, "handlers", []) + getattr(node, "finalbody", [])
    return found


def sources(folder: str) -> list[tuple[str, str]]:
    return [(p.relative_to(ROOT).as_posix(), p.read_text()) for p in sorted((ROOT / folder).rglob("*.py"))]


def test_no_package_below_imports_experiments():
    problems = [
        f"{name}:{line} imports {module}"
        for folder in BELOW
        for name, text in sources(folder)
        for line, module in imports(ast.parse(text))
        if module.split(".")[0] == "experiments"
    ]
    assert problems == []


def test_experiments_import_agents_only_inside_functions_and_edit_no_sys_path():
    problems = []
    for name, text in sources("experiments"):
        tree = ast.parse(text)
        for node in module_level(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                problems += [
                    f"{name}:{line} imports {module} at import time"
                    for line, module in imports(node)
                    if module.split(".")[0] in ("agents", "torch", "ray", "jax", "matplotlib")
                ]
        problems += [f"{name} edits sys.path" for node in ast.walk(tree) if ast.unparse(node).startswith("sys.path.")]
    assert problems == []
    assert sources("experiments"), "experiments/ holds no Python files"


def test_the_checks_see_a_module_level_import_and_a_sys_path_edit():
    tree = ast.parse(
        "import sys\nif True:\n    import agents.models\ndef f():\n    import torch\nsys.path.insert(0, '.')\n"
    )
    top = [m for node in module_level(tree) if isinstance(node, ast.Import) for _, m in imports(node)]
    assert sorted(top) == ["agents.models", "sys"]  # torch, inside f, runs only when f is called
    assert any(ast.unparse(node).startswith("sys.path.") for node in ast.walk(tree))
