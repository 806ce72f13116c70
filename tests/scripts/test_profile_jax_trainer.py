"""scripts/profile_jax_trainer.py runs end to end on a tiny config with every timed phase, and repeats its digests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")
pytest.importorskip("gymnasium")

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "profile_jax_trainer.py"
CURRICULUM = """
name: profile-tiny
scheduler: staged
language: bf
promotion: {threshold: 0.7, window: 64}
stages:
  - name: first
    mixture: [{family: emit-char, level: 0}, {family: echo-byte, level: 0}]
"""


def test_tiny_run_times_every_phase_and_repeats_its_digests(tmp_path):
    (tmp_path / "curriculum.yaml").write_text(CURRICULUM)
    config = {
        "curriculum": str(tmp_path / "curriculum.yaml"),
        "model": {"dim": 16, "heads": 2, "layers": 1, "window": 4, "top_k": 2, "hidden": 16},
        "ppo": {"train_batch_size": 64, "minibatch_size": 32, "num_epochs": 1},
        "max_program_length": 8,
        "execution": True,
        "kept": {"top_k": 2, "sil_batch": 16, "sil_steps": 2, "sil_weight": 1.0},
        "relabel": True,
        "probe_every": 2,
        "probe_instances": 2,
        "jax": {"num_envs": 8, "pool_size": 4, "pool_refresh": 0, "verify_chunk": 32, "grad_chunk": 8},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    env = dict(os.environ, PYTHONPATH=str(ROOT), REASONENV_JAX_CACHE="")
    figures = []
    for number in range(2):
        out = tmp_path / f"profile{number}.json"
        command = [sys.executable, str(SCRIPT), "--config", str(tmp_path / "config.json"), "--iterations", "2",
                   "--warmup", "1", "--block", "--json", str(out)]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "| learn |" in done.stdout and "digests" in done.stdout
        figures.append(json.loads(out.read_text()))
    first = figures[0]
    assert first["steps_per_s"] > 0
    assert {"collect", "learn", "iterate", "keep_and_imitate", "probe"} <= set(first["ms_per_iteration"])
    assert first["calls"]["collect"] == 2 and first["calls"]["probe"] == 1  # the probe of the 2nd iteration
    assert figures[1]["digests"] == first["digests"]  # the same config computes the same weights and buffer
