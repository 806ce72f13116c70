"""scripts/curriculum_ladder.py and reasonenv.ladder: one row per stage, clear errors for bad arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reasonenv.ladder import ladder_rows, markdown_table

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "curriculum_ladder.py"


def test_rows_describe_each_stage_of_a_curriculum():
    rows = ladder_rows("mixed", episodes=5, oracle_episodes=5)
    assert [row.stage for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].repeat_share == 0 and all(row.repeat_share >= 0.25 for row in rows[1:])
    assert all(row.oracle_success == 1.0 for row in rows)
    assert [row.reads_input for row in rows[:3]] == [False, False, True]
    assert rows[0].reference_length == 2 and rows[0].stream_length == 4  # SPEC, the byte, '+', '.'
    table = markdown_table(rows)
    assert table.count("\n") == len(rows) + 1 and "| mixed | 9 |" in table


def run_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_script_prints_a_markdown_table():
    done = run_script("--curriculum", "befunge-basics", "--episodes", "2", "--oracle-episodes", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("| curriculum | stage |") and len(lines) == 2 + 7


def test_script_rejects_bad_arguments_in_one_line():
    for args, message in (
        (("--episodes", "0"), "--episodes must be >= 1, got 0"),
        (("--curriculum", "nope"), "unknown curriculum 'nope'"),
        (("--curriculum", "bf-learning-progress"), "the ladder measures staged ones"),
    ):
        done = run_script(*args)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_bf_reasoning_has_a_ladder_the_oracle_climbs():
    rows = ladder_rows("bf-reasoning", episodes=3, oracle_episodes=3)
    assert len(rows) == 18 and rows[0].name == "emit-char-7" and rows[-1].name == "reverse-8"
    assert all(len(row.new) == 1 and row.oracle_success == 1.0 for row in rows)
    assert rows[-1].new == ('reverse-bytes@{"max_length":8}@bf',) and rows[-1].reference_length == 11
