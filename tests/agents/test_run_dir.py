"""Run-directory helpers: atomic checkpoints, progress CSV, summary of old and new configs."""

from __future__ import annotations

import pytest

from agents import run_dir as rd
from agents.config import TrainConfig


def progress_state(iteration):
    return {"iteration": iteration, "timesteps": 100 * iteration, "wall_s": float(iteration)}


def test_checkpoints_are_complete_or_absent_and_old_ones_pruned(tmp_path):
    def save_algorithm(path):
        path.mkdir()
        (path / "weights").write_text("w")

    for iteration in (5, 10, 15):
        rd.save_checkpoint(
            tmp_path, iteration, save_algorithm, {"stage": iteration // 5}, progress_state(iteration), keep=2
        )
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["iter_000010", "iter_000015", "latest.json"]
    assert rd.latest_checkpoint(tmp_path).name == "iter_000015"

    def crash(path):
        path.mkdir()
        raise RuntimeError("killed mid-save")

    with pytest.raises(RuntimeError):
        rd.save_checkpoint(tmp_path, 20, crash, {}, {}, keep=2)
    assert rd.latest_checkpoint(tmp_path).name == "iter_000015"
    assert not list((tmp_path / "checkpoints").glob(".iter_*"))


def test_resolve_checkpoint_accepts_run_checkpoint_and_algorithm_dirs(tmp_path):
    (tmp_path / rd.CONFIG).write_text("{}")
    with pytest.raises(ValueError, match="no checkpoint yet"):
        rd.resolve_checkpoint(tmp_path)

    def save_algorithm(path):
        path.mkdir()
        (path / "weights").write_text("w")

    rd.save_checkpoint(tmp_path, 1, save_algorithm, {"stage": 0}, progress_state(1), keep=1)
    checkpoint = tmp_path / "checkpoints" / "iter_000001"
    assert rd.resolve_checkpoint(tmp_path) == checkpoint
    assert rd.resolve_checkpoint(checkpoint) == checkpoint
    assert rd.resolve_checkpoint(checkpoint / rd.ALGORITHM) == checkpoint
    with pytest.raises(ValueError, match="does not exist"):
        rd.resolve_checkpoint(tmp_path / "nope")


def test_progress_round_trips_through_csv(tmp_path):
    rows = [
        {"iteration": 1, "timesteps": 100, "wall_s": 1.5, "success/emit-char": 0.25, "stage_name": "emit"},
        {"iteration": 2, "timesteps": 200, "wall_s": 3.0, "success/emit-char": None, "stage_name": "emit"},
    ]
    rd.write_progress(tmp_path, rows, ["iteration", "timesteps", "wall_s", "success/emit-char", "stage_name"])
    back = rd.read_progress(tmp_path)
    assert back[0] == {"iteration": 1, "timesteps": 100, "wall_s": 1.5, "success/emit-char": 0.25, "stage_name": "emit"}
    assert back[1]["success/emit-char"] is None


def test_summary_names_model_and_backend_of_new_and_old_configs():
    rows = [
        {"iteration": 1, "timesteps": 10, "wall_s": 2.0, "stage": 0, "success/emit-char": 0.5, "episodes/emit-char": 4}
    ]
    new = rd.summary_table(rows, ["emit-char"], ["emit"], TrainConfig(backend="jax").to_dict())
    assert "model=small-context backend=jax" in new and "| emit-char | 0.50 | 0.50 | 4 |" in new
    old = rd.summary_table(rows, ["emit-char"], ["emit"], {"model": "gru", "curriculum": "bf-basics", "seed": 1})
    assert "model=gru backend=rllib" in old
