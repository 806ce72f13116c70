"""scripts/carryover_scan.py: the bf reference program's pass rate under a target language, and its bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def scan(*argv: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(REPO / "scripts" / "carryover_scan.py"), *argv]
    return subprocess.run(command, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)


def rows(printed: str) -> dict[str, list[str]]:
    table = [[c.strip() for c in line.strip("|").split("|")] for line in printed.splitlines() if line.startswith("| ")]
    return {row[0]: row[1:] for row in table[1:]}


def test_the_rule_decides_exactly_the_entries_it_should():
    done = scan("--instances", "12", "--targets", "bf+cell_step=2", "bf+eof=unchanged", "bf-dialect-31")
    assert done.returncode == 0, done.stderr[-2000:]
    found = rows(done.stdout)
    step, eof, dialect = zip(*found.values())
    # `+` adds 2: no counted byte comes out right, and odd bytes are left out; reading and moving carry over.
    assert found["emit-char L4"][0].startswith("0/") and "left out" in found["emit-char L4"][0]
    assert found["swap-two"][0] == "12/12" and found["reverse-bytes {'max_length': 8}"][0] == "12/12"
    # `,` keeping the cell at end of input stops echo-all's `,[.,]`, not a single read.
    assert found["echo-all {'max_length': 4}"][1] == "0/12" and found["echo-byte L7"][1] == "12/12"
    assert set(dialect) == {"12/12"}  # a dialect only renames and reorders: the translated program passes


def test_changed_only_prints_only_the_entries_a_target_decides():
    done = scan("--instances", "6", "--changed-only", "--targets", "bf+eof=unchanged")
    assert done.returncode == 0, done.stderr[-2000:]
    assert set(rows(done.stdout)) == {"echo-all {'max_length': 4}", "add-constant {'constant': 1, 'max_length': 4}"}


def test_bad_input_is_one_line():
    done = scan("--targets", "bf+cell_step=9")
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0
    assert "--targets 'bf+cell_step=9'" in done.stderr
    done = scan("--instances", "0")
    assert done.returncode == 2 and "--instances must be at least 1, got 0" in done.stderr
