"""Startup stays light: `reasonenv --help` and `run` import neither Gymnasium nor the task suites, ids register lazily, extras fail on use with one line.

Timings are measured by scripts/bench_startup.py, not here: these tests check
what gets imported, which is what the timings follow from.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from curricula.suites import SUITE_MODULES
from reasonenv.cli import COMMANDS
from reasonenv.envs.registration import shipped_token_env_table, token_env_table
from reasonenv.extras import EXTRA_MODULES, MissingExtraError, missing_extra, require_extra

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("gymnasium", "numpy", "yaml", "torch", "ray", "jax", "curricula.families", "curricula.suites")


def imported_after(code: str, stdin: bytes = b"") -> list[str]:
    """Heavy modules (see HEAVY) in sys.modules after running code in a fresh interpreter."""
    probe = code + textwrap.dedent(f"""
        import sys
        print("MODULES=" + ",".join(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))), file=sys.stderr)
    """)
    result = subprocess.run([sys.executable, "-c", probe], input=stdin, capture_output=True, timeout=120)
    err = result.stderr.decode()
    line = [x for x in err.splitlines() if x.startswith("MODULES=")]
    assert line, err
    return [m for m in line[-1][len("MODULES=") :].split(",") if m]


CLI_CALL = "from reasonenv.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"


def test_help_imports_neither_gymnasium_nor_suites():
    assert imported_after(CLI_CALL.format(argv=["--help"])) == []
    assert imported_after(CLI_CALL.format(argv=["--version"])) == []


def test_run_imports_neither_gymnasium_nor_suites():
    assert imported_after(CLI_CALL.format(argv=["run", "--lang", "bf", "-"]), stdin=b"+++.") == []
    assert imported_after(CLI_CALL.format(argv=["run", "--help"])) == []


def test_import_reasonenv_alone_loads_no_gymnasium_and_gymnasium_then_gets_every_id_without_suites():
    assert imported_after("import reasonenv\n") == []
    code = (
        "import reasonenv, gymnasium as gym\n"
        "ids = [i for i in gym.registry if i.startswith('reasonenv/')]\n"
        "assert len(ids) == 120, len(ids)\n"
    )
    loaded = imported_after(code)
    assert "gymnasium" in loaded
    assert not [m for m in loaded if m.startswith("curricula")], loaded


@pytest.mark.parametrize("first, second", [("reasonenv", "gymnasium"), ("gymnasium", "reasonenv")])
def test_ids_are_registered_in_either_import_order_and_after_an_availability_check(first, second):
    code = (
        f"import importlib.util, {first}\n"
        "importlib.util.find_spec('gymnasium')\n"
        f"import {second}\n"
        "import gymnasium as gym\n"
        "env = gym.make('reasonenv/BF-Reverse-v0')\n"
        "print(len([i for i in gym.registry if i.startswith('reasonenv/')]), type(gym.__loader__).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["120", "SourceFileLoader"]


def test_the_shipped_id_table_matches_the_suites():
    assert shipped_token_env_table() == token_env_table(), (
        "reasonenv/envs/token_envs.json is stale: regenerate it with `python -m reasonenv.envs.registration --write`"
    )


@pytest.mark.parametrize("suite", sorted(SUITE_MODULES))
def test_each_suite_loads_from_its_own_module_only(suite):
    code = (
        "from curricula.suites import get_suite\n"
        f"suite = get_suite({suite!r})\n"
        "assert sum(1 for _ in suite.instances()) > 0\n"
    )
    families = [m for m in imported_after(code) if m.startswith("curricula.families.")]
    module = SUITE_MODULES[suite]
    assert module in families
    # the suite's module and what it imports itself (the pqt package, the tiers_* modules), nothing else
    others = [m for m in families if not m.startswith(module) and not m.startswith("curricula.families._")]
    assert others == [], others


def test_suite_modules_table_names_every_shipped_suite():
    code = (
        "from curricula.base import family_names\n"
        "from curricula import suites\n"
        "family_names()\n"
        "print(sorted(suites._SUITES))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(result.stdout.replace("'", '"')) == sorted(SUITE_MODULES)


# ---------------------------------------------------------------- no silent fallbacks; extras


def run_blocking(module: str, code: str) -> subprocess.CompletedProcess:
    """Run code with `module` made unimportable (None in sys.modules is Python's own way to block an import)."""
    return subprocess.run(
        [sys.executable, "-c", f"import sys\nsys.modules[{module!r}] = None\n{code}"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_language_module_is_an_error_not_a_shorter_list():
    # Built-ins are registered by "module:attr" string, so the list stays whole and the lookup fails loudly.
    listed = run_blocking("esolangs.whitespace", "import esolangs\nprint('whitespace' in esolangs.names())")
    assert listed.returncode == 0 and listed.stdout.strip() == "True", listed.stderr
    result = run_blocking("esolangs.whitespace", "import esolangs\nesolangs.get('ws')")
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


def test_a_missing_command_module_is_an_error_not_a_missing_command():
    result = run_blocking("reasonenv.commands.tasks", "from reasonenv.cli import main\nmain(['tasks'])")
    assert result.returncode != 0 and "reasonenv.commands.tasks" in result.stderr


def test_a_missing_registration_module_is_an_error_not_zero_ids():
    result = run_blocking("reasonenv.envs.registration", "import reasonenv\nimport gymnasium")
    assert result.returncode != 0 and "reasonenv.envs.registration" in result.stderr


def test_require_extra_names_the_extra_to_install():
    result = run_blocking(
        "torch",
        textwrap.dedent("""
        from reasonenv.extras import require_extra
        require_extra("jax")  # installed here
        try:
            require_extra("train", "reasonenv train")
        except ImportError as err:
            print(err)
    """),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("reasonenv train needs the optional 'train' extra (torch is not installed)")
    assert "pip install 'reasonenv[train]'" in result.stdout
    with pytest.raises(ValueError, match="unknown extra"):
        require_extra("gpu")


def test_extras_table_matches_pyproject():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(EXTRA_MODULES) == set(declared) - {"dev", "all"}
    err = ModuleNotFoundError("No module named 'ray.rllib'", name="ray.rllib")
    assert isinstance(missing_extra(err), MissingExtraError) and missing_extra(err).extra == "train"
    assert missing_extra(ModuleNotFoundError("x", name="nonexistent")) is None


def test_cli_turns_a_missing_extra_into_one_line(tmp_path):
    (tmp_path / "needs_torch.py").write_text(
        '"""A command that needs torch."""\n'
        "def add_arguments(parser):\n    pass\n"
        "def main(args):\n    import torch\n    return 0\n"
    )
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        sys.modules["torch"] = None
        from reasonenv import cli
        cli.COMMANDS["needs-torch"] = ("needs_torch", "a command that needs torch")
        sys.exit(cli.main(["needs-torch"]))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "reasonenv: reasonenv needs-torch needs the optional 'train' extra (torch is not installed): "
        "pip install 'reasonenv[train]'  (in a clone: pip install -e '.[train]')"
    ]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_help_works_without_heavy_imports(command):
    """`reasonenv CMD --help` shows the command's options and imports neither torch, Ray nor JAX (extras load on use)."""
    code = CLI_CALL.format(argv=[command, "--help"])
    loaded = imported_after(code)
    assert not [m for m in loaded if m.split(".")[0] in ("torch", "ray", "jax")], loaded
