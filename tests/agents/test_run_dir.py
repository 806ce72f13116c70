"""Run-directory helpers and the callback's episode counting: atomic checkpoints, progress CSV, config validation."""

from __future__ import annotations

import json
import math

import pytest

from agents import run_dir as rd
from agents.train_config import TrainConfig, parse_budget


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


def test_episode_counts_read_summed_metrics_and_ignore_restored_nans():
    pytest.importorskip("ray.rllib")
    from agents.rllib_callbacks import episode_counts

    results = {
        "curriculum": {
            "episodes": {"0|emit-char": 12.0, "1|echo-byte": 4, "0|old": math.nan},
            "successes": {"0|emit-char": 3.0, "1|echo-byte": 4},
        }
    }
    assert episode_counts(results) == {(0, "emit-char"): (12, 3), (1, "echo-byte"): (4, 4)}


def test_config_validation_names_the_field():
    assert parse_budget("30m") == 1800 and parse_budget("90") == 90 and parse_budget("2h") == 7200
    for text in ("0", "-3m", "soon"):
        with pytest.raises(ValueError):
            parse_budget(text)
    with pytest.raises(ValueError, match="unknown model"):
        TrainConfig(model="mlp").validate()
    with pytest.raises(ValueError, match="model_config has unknown key"):
        TrainConfig(model_config={"depth": 3}).validate()
    with pytest.raises(ValueError, match="minibatch_size"):
        TrainConfig.from_dict({"ppo": {"minibatch_size": 4096}}).validate()
    with pytest.raises(ValueError, match="unknown field"):
        TrainConfig.from_dict({"ppo": {"learning_rate": 1}})
    for field, bad in (("exploration_floor", 1.0), ("exploration_floor", -0.1)):
        with pytest.raises(ValueError, match=field):
            TrainConfig(**{field: bad}).validate()
    cfg = TrainConfig(seed=4, model="gru", exploration_floor=0.03).validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_interleaved_results_keep_every_window_at_the_iteration_rate():
    pytest.importorskip("ray.rllib")
    from agents.rllib_callbacks import interleaved_results

    results = interleaved_results({(1, "emit-char"): (70, 69), (1, "echo-byte"): (60, 1), (0, "emit-char"): (5, 5)})
    assert len(results) == 135 and sum(r.success for r in results) == 75
    current = [r.success for r in results if r.stage == 1]
    rate = 70 / 130
    assert all(abs(sum(current[i : i + 64]) / 64 - rate) <= 2 / 64 for i in range(len(current) - 63))
