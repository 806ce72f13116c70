"""experiments.common: argument dataclasses, files written whole, the cell store, bootstrap CIs, tables."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pytest

from experiments import arms
from experiments.common import (
    CellStore,
    ExperimentArgs,
    arg,
    bootstrap_ci,
    ci_summary,
    fmt_ci,
    markdown_table,
    parse_args,
    run_label,
    write_atomic,
)


@dataclass
class ToyArgs(ExperimentArgs):
    out: str = arg("runs/toy", "output directory")
    steps: int = arg(1000, "env steps", budget=True, positive=True)
    modes: list = arg(["a", "b"], "modes", choices=("a", "b", "c"))
    lr: float = arg(1e-3, "learning rate", budget=True)
    verbose: bool = arg(False, "print more")

    @classmethod
    def quick(cls) -> ToyArgs:
        return cls(steps=10, modes=["a"])


def parse(*argv: str) -> ToyArgs:
    return parse_args(ToyArgs, "Toy: one line.\n\nMore.", list(argv), prog="toy")


def test_quick_values_apply_before_explicit_flags_and_lists_and_bools_parse():
    args = parse("--quick", "--steps", "20", "--modes", "b, c", "--verbose", "yes", "--out", "/tmp/x")
    assert (args.steps, args.modes, args.verbose, args.lr, args.out) == (20, ["b", "c"], True, 1e-3, "/tmp/x")
    assert run_label(parse("--quick", "--out", "/tmp/y")) == "quick"
    assert run_label(args) == "full-mode"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--steps", "0"], "--steps must be a positive integer, got 0"),
        (["--dim", "-3"], "--dim must be a positive integer, got -3"),
        (["--modes", "a,z"], "--modes has unknown value(s) ['z']; choose from a, b, c"),
        (["--verbose", "maybe"], "expected true or false, got 'maybe'"),
    ],
)
def test_a_bad_value_exits_2_naming_the_flag(argv, message, capsys):
    with pytest.raises(SystemExit) as bad:
        parse(*argv)
    assert bad.value.code == 2
    assert message in capsys.readouterr().err


def test_help_shows_each_fields_text_default_and_choices(capsys):
    with pytest.raises(SystemExit):
        parse("--help")
    shown = " ".join(capsys.readouterr().out.split())
    assert "usage: toy" in shown and "Toy: one line." in shown
    assert "env steps (default 1000)" in shown and "modes (a, b, c); comma-separated (default a,b)" in shown


def test_cell_store_computes_each_cell_once_and_recomputes_when_what_it_keeps_is_gone(tmp_path):
    args = parse("--out", str(tmp_path))
    store = CellStore(tmp_path, args)
    calls = []
    assert store.cell("a__s0", lambda: calls.append(1) or {"x": 1}) == {"x": 1}
    assert CellStore(tmp_path, args).cell("a__s0", lambda: calls.append(1) or {"x": 2}) == {"x": 1}
    assert calls == [1]
    weights = tmp_path / "models" / "a"
    assert store.cell("b", lambda: calls.append(2) or {"y": 1}, kept=weights.exists) == {"y": 1}
    assert store.cell("b", lambda: calls.append(3) or {"y": 2}, kept=weights.exists) == {"y": 2}
    assert calls == [1, 2, 3]
    assert [c.get("x", c.get("y")) for c in store.all()] == [1, 2]
    # A key is a file name: odd characters become '_'; '+' and '=' (arm and language names) stay.
    assert store.path("pointer+memory__s0__bf+eof=unchanged").name == "pointer+memory__s0__bf+eof=unchanged.json"
    assert store.path("a/b c").name == "a_b_c.json"


def test_cell_store_refuses_another_budget_in_one_line_but_not_other_arguments(tmp_path):
    CellStore(tmp_path, parse())
    CellStore(tmp_path, parse("--modes", "c", "--num-envs", "4"))  # not budget fields: cells stay comparable
    with pytest.raises(SystemExit) as refused:
        CellStore(tmp_path, parse("--steps", "5", "--lr", "0.1"))
    assert str(refused.value).startswith(f"error: {tmp_path} holds cells of another budget (steps, lr differ")
    assert "\n" not in str(refused.value)


def test_write_atomic_leaves_the_old_file_whole_when_writing_fails(tmp_path):
    path = tmp_path / "deep" / "results.md"
    write_atomic(path, "old")
    with pytest.raises(TypeError):
        write_atomic(path, 42)  # type: ignore[arg-type]
    assert path.read_text() == "old"
    assert [p.name for p in path.parent.iterdir()] == ["results.md"]
    write_atomic(path, b"\x00new")
    assert path.read_bytes() == b"\x00new"


def test_bootstrap_ci_brackets_the_mean_and_handles_one_value_and_missing_values():
    mean, low, high = bootstrap_ci([0.2, 0.4, 0.9])
    assert mean == pytest.approx(0.5) and 0.2 <= low < mean < high <= 0.9
    assert bootstrap_ci([0.7]) == (0.7, 0.7, 0.7)
    assert bootstrap_ci([math.nan, 0.5]) == (0.5, 0.5, 0.5)
    assert all(math.isnan(v) for v in bootstrap_ci([]))
    assert ci_summary([0.7]) == {"per_seed": [0.7], "mean": 0.7, "ci95": [0.7, 0.7]}
    assert fmt_ci([0.5, 1.0]).startswith("75% [") and fmt_ci([0.5, 1.0]).endswith("(50, 100)")
    assert fmt_ci([]) == "n/a"


def test_markdown_table():
    assert markdown_table(["a", "b"], [[1, "x"]]) == "| a | b |\n|---|---|\n| 1 | x |\n"


def test_net_of_reads_the_experiment_arguments_and_rejects_unknown_arms():
    with pytest.raises(ValueError, match="unknown arm 'nope'; choose one of pointer\\+memory"):
        arms.Net("nope")
    net = arms.Net.of(dataclasses.replace(parse(), dim=8, task_length=40), "index+window", action_slots=39)
    assert (net.arm, net.dim, net.task_length, net.action_slots) == ("index+window", 8, 40, 39)
    assert arms.Net.of(parse()).action_slots is None  # the languages' own slots unless an experiment pads them
