"""scripts/bench_jax_env.py runs end to end on a tiny budget: both rates, the observation keys, the ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_jax_env.py"


def test_tiny_run_reports_off_and_on(tmp_path):
    out = tmp_path / "bench.json"
    subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--envs",
            "4",
            "--steps",
            "4",
            "--repeats",
            "1",
            "--pool-size",
            "2",
            "--max-program-length",
            "8",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(out.read_text())
    off, on = report["results"]
    assert (off["execution"], on["execution"]) == (False, True)
    assert "execution" not in off["observation_keys"] and "execution" in on["observation_keys"]
    assert off["env_steps_per_s"] > 0 and on["env_steps_per_s"] > 0
    assert abs(report["slowdown"] - off["env_steps_per_s"] / on["env_steps_per_s"]) < 1e-6
