"""scripts/device_jax_check.py (the prepared accelerator run): bad arguments get one line; --quick runs end to end."""

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
SCRIPT = REPO / "scripts" / "device_jax_check.py"


def run(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, env=ENV
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-envs", "64,x"], "--num-envs must be comma-separated integers, got '64,x'"),
        (["--num-envs", "0"], "--num-envs must be >= 1 each, got [0]"),
        (["--lanes", "0"], "--lanes must be > 0, got 0"),
    ],
)
def test_bad_arguments_are_one_line(tmp_path, args, message):
    bad = run("--out", str(tmp_path), *args)
    assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_quick_run_writes_every_figure(tmp_path):
    done = run("--quick", "--out", str(tmp_path), timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads((tmp_path / "device.json").read_text())
    assert {w["workload"] for w in figures["verifier"]["workloads"]} == {"print", "agent", "loop-heavy"}
    (trainer,) = figures["trainer"]
    assert trainer["iterations"] >= 2 and trainer["steady_steps_per_s"] > 0 and trainer["env_steps"] > 0
    assert (tmp_path / "trainer_8.csv").read_text().startswith("iteration,")
