"""scripts/bench_execution_env.py runs end to end on a tiny budget and prints both rates and their ratio."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_execution_env.py"


def test_tiny_run_prints_off_on_and_the_ratio():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--tasks", "emit-char", "--steps", "200", "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    row = next(line for line in result.stdout.splitlines() if line.startswith("emit-char"))
    off, on, ratio = (float(v.replace(",", "")) for v in row.split()[1:])
    assert off > 0 and on > 0 and abs(ratio - on / off) < 0.01 + 0.01 * ratio
    assert re.search(r"worst on/off \d+\.\d\d: (meets|misses) the bar of 0\.5", result.stdout)
