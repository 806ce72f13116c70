"""Each experiment's quick mode, in process and through the RLlib backend: its tables hold every arm and target, its
cells are ordinary runs, its cells resume, bad flags fail in one line.

The resume checks replace every trainer call of experiments.arms by one that
fails, so a rerun that recomputed any finished cell would fail the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agents import loop
from agents import run_dir as rd
from agents.config import TrainConfig
from curricula.schedulers import load_curriculum
from experiments import arms, diagnose_pqt, pqt, rl_vs_supervised, transfer

REPO = Path(__file__).resolve().parents[2]
TRAINER_CALLS = ("train", "supervised", "greedy_success", "chance_success", "reference_success", "pqt_search")


def check_outputs(out: Path, figure: str) -> dict:
    results = json.loads((out / "results.json").read_text())
    assert (out / "results.md").read_text().startswith("# ")
    assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.rglob("*.tmp")), "a file was left half-written"
    return results


def forbid_training(monkeypatch) -> None:
    """Every trainer call fails from now on: a run may only load finished cells and write its report."""

    def recomputed(*args, **kwargs):
        raise AssertionError("a finished cell was recomputed")

    for name in TRAINER_CALLS:
        monkeypatch.setattr(arms, name, recomputed)


def count_calls(monkeypatch, name: str, fail_at: int | None = None) -> list[int]:
    """Count calls of arms.<name> (the list's length); the `fail_at`-th call raises as a crash would."""
    calls: list[int] = []
    real = getattr(arms, name)

    def counted(*args, **kwargs):
        calls.append(1)
        if fail_at is not None and len(calls) == fail_at:
            raise KeyboardInterrupt("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(arms, name, counted)
    return calls


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.json")}


def table_rows(markdown: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines() if line.startswith("|")]


def test_transfer_quick_writes_every_arm_and_target_curves_and_resumes(tmp_path, monkeypatch):
    out = tmp_path / "transfer"
    assert transfer.main(["--quick", "--out", str(out)]) == 0
    results = check_outputs(out, "transfer.png")
    labels = ["control", "dialect", "step-2", "eof-unchanged"]
    all_arms = ["learner+parts", "learner+ids", "learner+permuted-plain", "scratch"]
    assert list(results["targets"]) == labels
    # The dialect's seed is drawn at the first run (never one the code names) and kept for every rerun.
    dialect = results["languages"]["dialect"]
    drawn = int(dialect.removeprefix("bf-dialect-"))
    assert transfer.DIALECT_DRAW[0] <= drawn < transfer.DIALECT_DRAW[1]
    assert json.loads((out / "cells" / "dialect.json").read_text())["seed"] == drawn
    assert set(results["arms"]) == set(all_arms)
    for arm in all_arms:
        for target in labels:
            tuned = results["arms"][arm]["finetuned"][target]
            assert len(tuned["per_seed"]) == 1 and 0.0 <= tuned["mean"] <= 1.0
            zero = results["arms"][arm]["zero_shot"][target]["per_seed"]
            assert len(zero) == (0 if arm == "scratch" else 1)  # scratch has no weights to try zero-shot
            (points,) = results["arms"][arm]["curves"][target]
            steps = [p[0] for p in points]
            assert len(points) >= 1 and steps == sorted(steps) and all(0 <= p[1] <= 1 for p in points)
    # The controls: the bf reference program passes every well-posed instance in bf, none of echo-all's under
    # eof=unchanged (its `,[.,]` never ends), and every even byte under step 2 (odd ones are skipped).
    assert results["carryover"]["control"] == 1.0 and results["carryover"]["dialect"] == 1.0
    control = json.loads((out / "cells" / "control__eof-unchanged.json").read_text())
    entries = control["carryover"]["entries"]
    assert entries["echo-all-max_length=4@bf+eof=unchanged"]["rate"] == 0.0
    assert entries["echo-byte-L7@bf+eof=unchanged"]["rate"] == 1.0
    step = json.loads((out / "cells" / "control__step-2.json").read_text())["carryover"]["entries"][
        "emit-char-L4@bf+cell_step=2"
    ]
    assert step["episodes"] == 2 and step["ill_posed"] > 0  # odd held-out bytes skipped, two even ones asked
    cells = set(stamps(out))
    assert "learner+ids__s0__step-2.json" in cells and "scratch__s0__eof-unchanged.json" in cells
    assert len(cells) == 1 + len(labels) + 3 + len(all_arms) * len(labels)  # dialect, controls, pretraining, targets
    report = (out / "results.md").read_text()
    assert f"| arm | control (bf) | dialect ({dialect}) | step-2 (bf+cell_step=2) |" in report
    assert "| carry-over (the bf reference program) |" in report and "cell modulus" in report
    # Every cell is an ordinary run directory of the issue-21 learner: its TrainConfig, checkpoints, a curve.
    models = out / "models"
    pre = TrainConfig.load(models / "learner+permuted-plain__s0")
    tuned = TrainConfig.load(models / "learner+permuted-plain__s0__step-2")
    assert (pre.model.actions, pre.permute_actions, pre.kept.top_k, pre.relabel) == ("index+effects", True, 0, False)
    assert (tuned.permute_actions, tuned.init_from, tuned.kept.top_k, tuned.relabel) == (
        False,
        str((models / "learner+permuted-plain__s0").resolve()),
        8,
        True,
    )
    assert (tuned.execution, tuned.reward.shaping, tuned.model.signed_step) == (True, "potential", True)
    assert (tuned.ppo.entropy_coeff, tuned.ppo.entropy_final) == (arms.FINETUNE_ENTROPY, None)
    assert load_curriculum(tuned.curriculum).entries()[0].language == "bf+cell_step=2"
    parts, ids = TrainConfig.load(models / "learner+parts__s0"), TrainConfig.load(models / "learner+ids__s0")
    assert (parts.model.effects, ids.model.effects) == ("parts", "ids")
    scratch = TrainConfig.load(models / "scratch__s0__control")
    assert scratch.init_from is None and scratch.model.effects == "parts" and scratch.ppo.entropy_final == 0.01
    assert len(arms.checkpoint_curve(models / "scratch__s0__control")) >= 1
    for run in models.iterdir():  # an iteration names a passing program exactly when an episode passed in it
        for row in rd.read_progress(run):
            assert (row["passing_program"] is not None) == bool(row["success"]), (run.name, row["iteration"])

    # A finished run is read back, not trained again: the same counters as its cell.
    with monkeypatch.context() as patch:
        patch.setattr(loop, "train", lambda *args, **kwargs: pytest.fail("a finished run was trained again"))
        again = arms.train(
            transfer.net(transfer.TransferArgs.quick(), "learner+parts"),
            arms.Curriculum("bf-reasoning", 0, "bf"),
            models / "learner+parts__s0",
            env_steps=256,
        )
    cell = json.loads((out / "cells" / "pretrain__learner+parts__s0.json").read_text())
    assert json.loads(json.dumps(again.counters())) == {key: cell[key] for key in again.counters()}

    # A rerun recomputes nothing, and needs no pretrained weights once every target cell of an arm is done.
    before, results_before = stamps(out), results
    for run in models.iterdir():
        shutil.rmtree(run / "checkpoints")
    assert not arms.is_trained(models / "learner+parts__s0")
    forbid_training(monkeypatch)
    assert transfer.main(["--quick", "--out", str(out)]) == 0
    assert stamps(out) == before
    assert json.loads((out / "results.json").read_text()) == results_before


def test_rl_vs_supervised_quick_writes_every_arm_and_resumes(tmp_path, monkeypatch):
    out = tmp_path / "rl_sl"
    assert rl_vs_supervised.main(["--quick", "--out", str(out)]) == 0
    results = check_outputs(out, "rl_vs_supervised.png")
    assert set(results["arms"]) == {"rl", "sl+rl", "sl-own"}
    sets = ["train_content", "heldout_interior", "heldout_constant", "heldout_family"]
    for arm in ("rl", "sl+rl"):
        for name in sets:
            assert len(results["arms"][arm]["final"][name]["per_seed"]) == 1
    assert set(stamps(out)) == {"rl__s0.json", "sl+rl__s0.json", "sl-own__s0.json", "chance.json"}
    rl, slrl, own = (json.loads((out / "cells" / f"{a}__s0.json").read_text()) for a in ("rl", "sl+rl", "sl-own"))
    # Every RL run is curved from its checkpoints, each point evaluated on every set.
    for cell in (rl, slrl):
        assert cell["curve"] and all(set(sets) <= set(point) for point in cell["curve"])
        assert [p["steps"] for p in cell["curve"]] == sorted(p["steps"] for p in cell["curve"])
    assert (rl["sl_tokens"], slrl["sl_tokens"] > 0, own["rl_steps"]) == (0, True, 0)
    assert set(slrl["after_sl"]) == set(sets)
    # sl-own imitates the rl run's kept successes when it kept any, and says so when it kept none.
    kept = arms.is_trained(out / "models" / "rl__s0")
    assert kept
    if own["own_programs"]:
        assert arms.is_supervised(out / "models" / "sl-own__s0") and set(own["final"]) == set(sets)
    else:
        assert own["final"] is None and "holds no kept successes" in own["note"]
    rows = table_rows((out / "results.md").read_text())
    assert rows[0] == ["arm", *sets] and [r[0] for r in rows[2:6]] == [
        "rl",
        "sl+rl",
        "sl-own",
        "chance (random masked)",
    ]
    # Supervised-then-RL starts from the supervised run; every RL run is the issue-21 learner on the extended ladder.
    models = out / "models"
    assert arms.is_supervised(models / "sl+rl__s0__sl")
    tuned, scratch = TrainConfig.load(models / "sl+rl__s0"), TrainConfig.load(models / "rl__s0")
    assert tuned.init_from == str((models / "sl+rl__s0__sl").resolve()) and scratch.init_from is None
    assert (scratch.execution, scratch.model.value_features, scratch.kept.top_k) == (True, True, 8)
    stages = load_curriculum(scratch.curriculum).stages
    assert [m.config for m in stages[-1].mixture][-1] == {"constant": 3, "max_length": 4}

    before = stamps(out)
    forbid_training(monkeypatch)
    assert rl_vs_supervised.main(["--quick", "--out", str(out)]) == 0
    assert stamps(out) == before


def test_pqt_quick_resumes_after_a_crash_and_splits_across_task_lists(tmp_path, monkeypatch, capsys):
    out = tmp_path / "pqt"
    # A crash in the third agent training: the cells finished before it stay, nothing is half-written.
    with monkeypatch.context() as patch:
        crashed = count_calls(patch, "train", fail_at=3)
        with pytest.raises(KeyboardInterrupt):
            pqt.main(["--quick", "--out", str(out)])
    assert len(crashed) == 3
    finished = stamps(out)
    assert len(finished) == 3  # pqt + agent-scratch on `length`, and the pretrained model 0
    assert not list(out.rglob("*.tmp"))

    # The rerun does only what is missing: the crashed training and the rest, none of the finished cells.
    with monkeypatch.context() as patch:
        resumed = count_calls(patch, "train")
        assert pqt.main(["--quick", "--out", str(out)]) == 0
    assert len(resumed) == 3  # agent-pretrained on length; agent-scratch and agent-pretrained on reverse
    assert {k: v for k, v in stamps(out).items() if k in finished} == finished
    results = check_outputs(out, "pqt.png")
    scratch = TrainConfig.load(out / "models" / "agent-scratch__reverse__r0")
    assert scratch.fixed_instance == [0, 0] and scratch.programs == 48  # PQT's one instance, a budget in programs
    # Both agents are the issue-21 learner; its pretraining runs under the tasks' conventions.
    assert (scratch.execution, scratch.model.signed_step, scratch.reward.shaping) == (True, True, "potential")
    pretraining = TrainConfig.load(out / "models" / "pretrained_m0")
    assert {e.language for e in load_curriculum(pretraining.curriculum).entries()} == {pqt.PRETRAIN_LANGUAGE}
    assert results["cases_shared_with_pretraining"] == {"length": 0, "reverse": 0}
    assert results["solution_tokens"] == {"length": 9, "reverse": 11}
    assert set(results["methods"]) == {"pqt", "agent-scratch", "agent-pretrained"}
    for method in results["methods"].values():
        assert method["runs"] == 2  # 2 tasks x R = 1
    rows = table_rows((out / "results.md").read_text())
    assert rows[0] == ["task", "pqt", "agent-scratch", "agent-pretrained"]
    assert [r[0] for r in rows[2:4]] == ["length", "reverse"]
    cells = stamps(out)
    assert len([name for name in cells if name.endswith("__r0.json")]) == 6

    # A third run recomputes nothing; another task list with the same budget adds its cells beside the others.
    capsys.readouterr()
    with monkeypatch.context() as patch:
        forbid_training(patch)
        assert pqt.main(["--quick", "--out", str(out)]) == 0
        assert pqt.main(["--quick", "--tasks", "length", "--methods", "pqt", "--out", str(out)]) == 0
    assert stamps(out) == cells
    assert "[experiments.pqt] pqt length run 0" not in capsys.readouterr().out
    assert json.loads((out / "results.json").read_text())["args"]["tasks"] == ["length"]

    # Another budget into the same directory is refused with one line.
    with pytest.raises(SystemExit) as refused:
        pqt.main(["--quick", "--budget", "96", "--out", str(out)])
    assert "another budget" in str(refused.value) and "\n" not in str(refused.value)

    # The diagnosis trains experiments.pqt's agent from scratch and from this directory's pretrained model 0.
    figures = tmp_path / "diagnosis.json"
    assert diagnose_pqt.main(["--quick", "--pretrained", str(out), "--json", str(figures)]) == 0
    printed = capsys.readouterr().out
    assert "length, agent from scratch" in printed and "length, agent from pretrained" in printed
    assert "greedy program at the end" in printed
    scratch, pretrained = json.loads(figures.read_text())["results"]
    assert (scratch["start"], pretrained["start"]) == ("scratch", "pretrained")
    for result in (scratch, pretrained):
        programs = [p["programs"] for p in result["curve"]]
        assert programs == sorted(programs) and programs[-1] >= 96
        assert all(1 <= p["mean_length"] <= 33 and 0 <= p["sampled_success"] <= 1 for p in result["curve"])
        assert isinstance(result["greedy"], str)


MODULES = {
    "transfer": (transfer, "--finetune-steps"),
    "rl_vs_supervised": (rl_vs_supervised, "--rl-steps"),
    "pqt": (pqt, "--runs"),
    "diagnose_pqt": (diagnose_pqt, "--programs"),
}


@pytest.mark.parametrize("name", MODULES)
def test_help_lists_the_flags_and_a_bad_value_fails_in_one_line(name, capsys):
    module, positive_flag = MODULES[name]
    with pytest.raises(SystemExit) as helped:
        module.main(["--help"])
    assert helped.value.code == 0
    shown = capsys.readouterr().out
    assert f"python -m experiments.{name}" in shown and "--quick" in shown and positive_flag in shown
    with pytest.raises(SystemExit) as bad:
        module.main([positive_flag, "0"])
    assert bad.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{positive_flag} must be a positive integer, got 0" in error


@pytest.mark.parametrize(
    ("module", "argv", "message"),
    [
        (
            transfer,
            ["--arms", "learner+parts,nope"],
            "--arms has unknown value(s) ['nope']; choose from learner+parts",
        ),
        (transfer, ["--targets", "modulus"], "--targets has unknown value(s) ['modulus']"),
        (rl_vs_supervised, ["--match-success", "1.5"], "--match-success must be in (0, 1], got 1.5"),
        (
            rl_vs_supervised,
            ["--arms", "sl-own"],
            "--arms sl-own imitates the rl arm's run of the same seed; add rl to --arms",
        ),
        (pqt, ["--tasks", "sort-everything"], "--tasks has unknown value(s) ['sort-everything']"),
        (pqt, ["--curriculum", "bf-basics", "--last-stage", "12", "--tasks", "echo"], "--tasks echo are trained in"),
        (diagnose_pqt, ["--pretrained", "/nonexistent"], "no trained models/pretrained_m0 there"),
    ],
)
def test_bad_arguments_name_the_flag_and_what_would_be_right(module, argv, message, capsys):
    with pytest.raises(SystemExit) as bad:
        module.main(argv)
    assert bad.value.code == 2
    assert message in capsys.readouterr().err


def test_python_m_runs_and_importing_the_experiments_loads_no_trainer():
    """`python -m experiments.<name>` is the entry point; --help must not pay for torch, ray, jax or agents."""
    helped = subprocess.run(
        [sys.executable, "-m", "experiments.transfer", "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert helped.returncode == 0 and "--pretrain-steps" in helped.stdout, helped.stderr[-2000:]
    probe = (
        "import sys, experiments.transfer, experiments.rl_vs_supervised, experiments.pqt, experiments.diagnose_pqt; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'ray', 'jax', 'agents', 'matplotlib'}))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "[]"
