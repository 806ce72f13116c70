"""scripts/train_bf_reasoning.py's one config and its ablations, its bad input, and scripts/summarize_bf_reasoning.py's table."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO))  # scripts edit no sys.path: this checkout's packages


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_ablation_switches_off_its_part_alone():
    script = load("train_bf_reasoning")
    full = script.learner_config(script.Args(), 600.0)
    assert full.execution and full.reward.shaping == "potential" and full.reward.scoring == "binary"
    assert full.model.value_features and not full.model.byte_rows and full.model.name == "small-context"
    assert full.kept.top_k > 0 and full.relabel and full.probe_every > 0 and full.curriculum == "bf-reasoning"
    changed = {}
    for part in script.ABLATIONS[1:]:
        config = script.learner_config(script.Args(ablate=part), 600.0).to_dict()
        reference = full.to_dict()
        changed[part] = {
            (section, key)
            for section, values in config.items()
            for key in (values if isinstance(values, dict) else [None])
            if (values[key] if key else values) != (reference[section][key] if key else reference[section])
        }
    assert changed["execution"] >= {("execution", None), ("reward", "shaping"), ("model", "signed_step")}
    assert changed["value-features"] == {("model", "value_features"), ("model", "byte_rows")}
    assert changed["relabel"] == {("relabel", None)}
    assert changed["kept"] == {("kept", "top_k"), ("relabel", None)}  # relabelling feeds the buffer: off with it
    assert changed["memory"] == {("model", "name")}
    assert changed["end-on-pass"] == {("end_on_pass", None)}
    assert changed["kl-stop"] == {("ppo", "target_kl")} and full.ppo.target_kl
    assert changed["signed-step"] == {("model", "signed_step")} and full.model.signed_step


def test_target_stages_exist_in_the_curriculum():
    script = load("train_bf_reasoning")
    assert script.target_stage_numbers("T1") == [2]
    assert len(script.target_stage_numbers("T2")) == 2 and script.target_stage_numbers("T3")[-1] == 17


def test_a_target_run_stops_on_the_probe_that_promotes_past_its_last_stage():
    script = load("train_bf_reasoning")
    assert script.learner_config(script.Args(), 600.0).ppo.gamma == script.FIXED_GAMMA
    reached: dict[str, float] = {}
    stop = script.stop_rule([3, 4], deadline=float("inf"), reached_at=reached)
    assert not stop({"stage": 4, "stage_after": 4}) and "passed" not in reached
    assert stop({"stage": 4, "stage_after": 5}) and "passed" in reached  # trained on 4, the probe promoted to 5
    first = reached["passed"]
    assert stop({"stage": 5, "stage_after": 5}) and reached["passed"] == first
    assert stop({"stage": 5}) and not script.stop_rule([3, 4], float("inf"), {})({"stage": 4, "stage_after": None})
    assert script.stop_rule([3, 4], deadline=0.0, reached_at={})({"stage": 0, "stage_after": 0})


def test_resume_takes_only_a_run_of_the_same_config_and_counts_its_time(tmp_path):
    from agents import run_dir as rd

    script = load("train_bf_reasoning")
    cfg = script.learner_config(script.Args(target="T3", seed=2), 600.0)
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="not a run directory"):
        script.resume_point(run, cfg)
    run.mkdir()
    rd.write_json(run / rd.CONFIG, script.learner_config(script.Args(target="T3", seed=2), 9000.0).to_dict())
    with pytest.raises(ValueError, match="no usable checkpoint|no checkpoint"):
        script.resume_point(run, cfg)

    def save(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / "weights.txt").write_text("w")

    counters = {"iteration": 10, "timesteps": 100, "wall_s": 1234.5, "programs": 40}
    rd.save_checkpoint(run, 10, save, {"stage": 3}, counters, 2)
    assert script.resume_point(run, cfg) == (1234.5, 3)  # another budget is fine
    other = script.learner_config(script.Args(target="T3", seed=3, gamma=1.0), 600.0)
    with pytest.raises(ValueError, match=r"another config \(ppo, seed differ\)"):
        script.resume_point(run, other)
    written = json.loads((run / rd.CONFIG).read_text())
    del written["model"]["signed_step"]  # a run written before the field: its default, off
    rd.write_json(run / rd.CONFIG, written)
    unsigned = script.learner_config(script.Args(target="T3", seed=2, ablate="signed-step"), 600.0)
    assert script.resume_point(run, unsigned) == (1234.5, 3)
    with pytest.raises(ValueError, match=r"another config \(model differ\)"):
        script.resume_point(run, cfg)


def test_bad_input_is_one_line():
    script = REPO / "scripts" / "train_bf_reasoning.py"
    done = subprocess.run(
        [sys.executable, str(script), "--evaluate", "/nonexistent/run"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "not a run directory" in done.stderr
    done = subprocess.run(
        [sys.executable, str(script), "--target", "T9"], cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV
    )
    assert done.returncode == 2 and "invalid choice: 'T9'" in done.stderr


def test_summary_reads_the_first_probe_at_the_bar_and_the_final_evaluation(tmp_path):
    pytest.importorskip("matplotlib")
    run = tmp_path / "T1-kept-rllib__s3__20261207-000000"
    run.mkdir()
    column = "probe/emit-char@L4@bf"
    rows = [
        {"iteration": 5, "wall_s": 50, "stage": 3, "stage_name": "emit-char-31", "probe_heldout": 0.5, column: 0.5},
        {"iteration": 6, "wall_s": 60, "stage": 3, "stage_name": "emit-char-31", "probe_heldout": "", column: ""},
        {"iteration": 10, "wall_s": 100, "stage": 3, "stage_name": "emit-char-31", "probe_heldout": 0.9, column: 0.91},
        {"iteration": 15, "wall_s": 150, "stage": 4, "stage_name": "emit-string-2", "probe_heldout": 1, column: 0.2},
    ]
    with (run / "progress.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = [
        {"language": "bf", "passed": 7, "episodes": 10},
        {"language": "bf-dialect-9001", "passed": 6, "episodes": 10},
    ]
    (run / "target.json").write_text(json.dumps({"rows": result}))
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "summarize_bf_reasoning.py"), str(run), "--plot", str(tmp_path / "p.png")],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "| T1 | kept | rllib | 3 | 4 emit-string-2 | 150 | 100 | 7/10 | 6/10 |" in done.stdout
    header, rule = done.stdout.splitlines()[:2]
    assert rule.count("---") == header.count("|") - 1 == 9  # the rule has a cell per column
    assert (tmp_path / "p.png").stat().st_size > 1000

    # The run stopped on the probe that promoted it: the checkpoint's stage, not the last row's, is where it ended.
    from agents import run_dir as rd

    def save(folder: Path) -> None:
        folder.mkdir(parents=True)
        (folder / "weights.txt").write_text("w")

    rd.save_checkpoint(
        run, 15, save, {"stage": 5}, {"iteration": 15, "timesteps": 1, "wall_s": 150.0, "programs": 1}, 2
    )
    (run / "config.json").write_text(json.dumps({"curriculum": "bf-reasoning"}))
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "summarize_bf_reasoning.py"), str(run)],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert "| T1 | kept | rllib | 3 | 5 echo-byte | 150 | 100 | 7/10 | 6/10 |" in done.stdout, done.stdout + done.stderr


def test_greedy_programs_bad_input_is_one_line(tmp_path):
    script = REPO / "scripts" / "greedy_programs.py"
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV
    )
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "not a run directory" in done.stderr
    (tmp_path / "config.json").write_text("{}")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path), "--config", "{max_length: 2}"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert done.returncode == 2 and "--config '{max_length: 2}' is not JSON" in done.stderr


def test_summary_counts_collapses_of_sampled_success_within_one_stage(tmp_path):
    run = tmp_path / "T1-none-rllib__s0__20261207-000000"
    run.mkdir()
    success = [
        0.9,
        0.9,
        0.9,
        0.5,
        0.2,
        0.9,
        0.1,
    ]  # falls 0.4 and 0.7 within 3 iterations; the last fall crosses a stage
    stages = [2, 2, 2, 2, 2, 3, 3]
    rows = [
        {"iteration": i, "wall_s": 10 * i, "stage": stage, "stage_name": f"s{stage}", "success": value,
         "kl": 0.5 if i == 2 else 0.01, "clip_fraction": 0.1, "updates_applied": 0.5 if i % 2 == 0 else 1.0,
         "mean_length": 10 + i}
        for i, (value, stage) in enumerate(zip(success, stages))
    ]  # fmt: skip
    with (run / "progress.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "summarize_bf_reasoning.py"), str(run)],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the falls from rows 0 and 1 span the updates of rows 0-2 and 1-3: both hold row 2's spike (50x the median)
    # steps taken: 0.5 in the four even rows, 1.0 in the three others
    assert f"| {run.name} | 7 | 2 | 2 | 0.75 | 0.500 | 0.080 | 0.100 | 0.71 | 13.0 |" in done.stdout


def test_stage_table_gives_each_stage_its_entry_time_and_its_new_entrys_last_probe(tmp_path):
    pytest.importorskip("matplotlib")
    a, b, c = "probe/swap-two@bf", "probe/pair-twice@bf", "probe/last-byte@bf"
    names = {0: "swap-two", 1: "pair-twice", 2: "last-byte"}
    runs = []
    for name, stages, probes in (
        ("T3-none-rllib__s0__20261207-000000", (0, 0, 1, 1, 2),
         [{a: 0.2}, {a: 0.95}, {a: 1.0, b: 0.0}, {a: 0.9, b: 0.25}, {a: 1.0, b: 0.0, c: 0.5}]),
        ("T3-kept-rllib__s0__20261207-000000", (0, 0, 0, 1, 1), [{a: 0.2}, {}, {a: 1.0}, {a: 0.9}, {a: 1.0, b: 0.5}]),
    ):  # fmt: skip
        run = tmp_path / name
        run.mkdir()
        rows = [
            {"iteration": i, "wall_s": 100 * (i + 1), "stage": stage, "stage_name": names[stage], a: "", b: "", c: "",
             **probes[i]}
            for i, stage in enumerate(stages)
        ]  # fmt: skip
        with (run / "progress.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        runs.append(run)
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "summarize_bf_reasoning.py"), *map(str, runs), "--stages",
         "--plot-entries", str(tmp_path / "entries.png")],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # each stage's new entry is the probe column that first holds a value in it; its probe is the last one there
    # (the second run's pair-twice stage had not been probed on pair-twice before its last row)
    assert "| swap-two | 100 (0.95) | 100 (1.00) |" in done.stdout, done.stdout
    assert "| pair-twice | 300 (0.25) | 400 (0.50) |" in done.stdout
    assert "| last-byte | 500 (0.50) | not reached |" in done.stdout
    assert (tmp_path / "entries.png").stat().st_size > 1000


def test_sampled_programs_bad_input_is_one_line(tmp_path):
    script = REPO / "scripts" / "sampled_programs.py"
    for extra, message in (
        ([], "is not a run or checkpoint directory"),
        (["--config", "{max_length: 2}"], "--config '{max_length: 2}' is not JSON"),
        (["--episodes", "0"], "--episodes 0 must be at least 1"),
    ):
        if extra:
            (tmp_path / "config.json").write_text("{}")
        done = subprocess.run(
            [sys.executable, str(script), str(tmp_path), "--family", "pair-twice", *extra],
            cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV,
        )  # fmt: skip
        assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and message in done.stderr, done.stderr
