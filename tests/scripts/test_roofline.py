"""scripts/roofline_jax_trainer.py counts an iteration's FLOPs consistently and turns measured rates into ceilings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flax")
REPO = Path(__file__).resolve().parents[2]
ENV = dict(
    os.environ, PYTHONPATH=str(REPO)
)  # scripts edit no sys.path: this checkout's packages, not an installed copy


def run(*args: str) -> subprocess.CompletedProcess:
    script = REPO / "scripts" / "roofline_jax_trainer.py"
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=ENV
    )


def test_flops_per_step_and_ceilings(tmp_path):
    out = tmp_path / "roofline.json"
    done = run("--rllib-steps-per-s", "1000", "--json", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text())
    forward, gradient = figures["forward_flops_per_step"], figures["gradient_flops_per_sample"]
    # A gradient pass holds the forward pass and a backward pass of about twice its work.
    assert 2 * forward < gradient < 6 * forward
    assert figures["flops_per_env_step"] == pytest.approx(forward + figures["num_epochs"] * gradient)
    for name, rate in figures["rates_gflops"].items():
        ceiling = figures["ceilings_steps_per_s"][name]
        assert rate > 0 and ceiling == pytest.approx(rate * 1e9 / figures["flops_per_env_step"])
        assert f"{ceiling / 1000:.1f}x RLlib" in done.stdout


def test_bad_rate_is_one_line():
    bad = run("--rllib-steps-per-s", "0")
    assert bad.returncode == 2 and "must be > 0, got 0.0" in bad.stderr and "Traceback" not in bad.stderr
