"""`reasonenv train` flags map onto the TrainConfig sections (in-process: no training runs here)."""

from __future__ import annotations

import argparse
import json

import pytest

from reasonenv.commands import train as command


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_flags_set_their_section_fields(tmp_path):
    cfg, run_dir, resume = command.build_config(
        parse(
            "--model",
            "small-window",
            "--num-envs-per-env-runner",
            "8",
            "--address",
            "10.0.0.1:6379",
            "--programs",
            "5000",
            "--task-length",
            "96",
            "--action-slots",
            "16",
            "--permute-actions",
            "--exploration-floor",
            "0.03",
            "--probe-every",
            "3",
            "--out",
            str(tmp_path),
            "--name",
            "r",
        )
    )
    assert not resume and run_dir == tmp_path / "r" and not run_dir.exists()
    assert cfg.model.name == "small-window" and cfg.rllib.num_envs_per_env_runner == 8
    assert cfg.rllib.address == "10.0.0.1:6379" and (cfg.programs, cfg.budget_s, cfg.timesteps) == (5000, None, None)
    assert (cfg.task_length, cfg.action_slots, cfg.permute_actions, cfg.exploration_floor) == (96, 16, True, 0.03)
    assert cfg.probe_every == 3


def test_config_file_then_flags_and_a_limit_replaces_the_others(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"ppo": {"train_batch_size": 512, "minibatch_size": 128}, "timesteps": 100}))
    cfg, _, _ = command.build_config(parse("--config", str(path), "--budget", "2m", "--out", str(tmp_path)))
    assert cfg.ppo.train_batch_size == 512 and cfg.budget_s == 120.0 and cfg.timesteps is None


def test_resume_keeps_the_architecture_and_changes_limits(tmp_path):
    from agents.config import TrainConfig

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(TrainConfig(timesteps=100, seed=2).to_dict()))
    cfg, run_dir, resume = command.build_config(
        parse(
            "--resume",
            str(run),
            "--timesteps",
            "500",
            "--num-env-runners",
            "2",
            "--model",
            "small-context",
            "--probe-every",
            "0",
        )
    )
    assert resume and run_dir == run and cfg.timesteps == 500 and cfg.rllib.num_env_runners == 2
    assert cfg.probe_every == 0  # the probe's cadence may change on resume
    assert cfg.model.name == "small-context" and cfg.seed == 2  # a flag equal to the saved value passes
    # Issue 23, case 5: a flag that would change what is trained is refused in one line, not ignored.
    for flag, value, saved in (
        ("--model", "gru", "'small-context'"),
        ("--seed", "3", "2"),
        ("--backend", "jax", "'rllib'"),
        ("--curriculum", "mixed", "'bf-basics'"),
        ("--actions", "index", "'pointer'"),
    ):
        with pytest.raises(ValueError, match=f"^{flag} .* differs from the run's .* {saved}; a resumed run keeps"):
            command.build_config(parse("--resume", str(run), flag, value))
    for flag in ("--config", "--name", "--out"):
        with pytest.raises(ValueError, match=f"^{flag} names a new run"):
            command.build_config(parse("--resume", str(run), flag, "x"))
    help_text = argparse.ArgumentParser()
    command.add_arguments(help_text)
    resume_help = " ".join(help_text.format_help().split())
    for may_change in ("--budget/--timesteps/--programs", "--num-env-runners", "--address", "--model"):
        assert may_change in resume_help


def test_bad_values_name_the_field(tmp_path):
    with pytest.raises(ValueError, match="action_slots must be an integer >= 2"):
        command.build_config(parse("--action-slots", "1", "--out", str(tmp_path)))
    with pytest.raises(ValueError, match="init_from must be an existing run"):
        command.build_config(parse("--init-from", str(tmp_path / "none"), "--out", str(tmp_path)))
