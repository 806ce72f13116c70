"""scripts/plot_heldout_curve.py draws probe_heldout over wall time from runs' progress.csv and skips runs without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents import run_dir as rd

pytest.importorskip("matplotlib")
REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO))  # scripts edit no sys.path: this checkout's packages
COLUMNS = ["iteration", "timesteps", "wall_s", "probe_heldout", "probe_fallback", "probe/echo-byte@L7@bf"]


def run(*args: str) -> subprocess.CompletedProcess:
    script = REPO / "scripts" / "plot_heldout_curve.py"
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=REPO, capture_output=True, text=True, timeout=120, env=ENV
    )


def test_plots_probed_runs_and_names_a_run_without_a_probe(tmp_path):
    probed, plain = tmp_path / "probed", tmp_path / "plain"
    rows = [
        {"iteration": i, "timesteps": 64 * i, "wall_s": 30.0 * i}
        | ({"probe_heldout": i / 10, "probe/echo-byte@L7@bf": i / 10} if i % 2 == 0 else {})
        for i in range(1, 9)
    ]
    for folder, data in ((probed, rows), (plain, [{"iteration": 1, "timesteps": 64, "wall_s": 30.0}])):
        folder.mkdir()
        rd.write_progress(folder, data, COLUMNS)
    out = tmp_path / "curve.png"
    done = run(str(probed), str(plain / rd.PROGRESS), "--entries", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 5000
    assert "plain" in done.stderr and "no probe_heldout" in done.stderr

    alone = run(str(plain), "-o", str(tmp_path / "none.png"))
    assert alone.returncode == 1 and not (tmp_path / "none.png").exists()
    missing = run(str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.png"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "has no progress.csv" in run(str(empty), "-o", str(tmp_path / "x.png")).stderr
