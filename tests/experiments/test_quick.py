"""Each experiment script runs in --quick mode into a temp dir and writes its JSON, markdown table, PNG and cells."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run(script: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / script), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check_outputs(out: Path, figure: str) -> dict:
    results = json.loads((out / "results.json").read_text())
    assert (out / "results.md").read_text().startswith("# ")
    assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return results


def test_transfer_quick(tmp_path):
    out = tmp_path / "transfer"
    done = run("exp_transfer.py", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    results = check_outputs(out, "transfer.png")
    targets = ["bf", "bf-dialect-101", "bf+eof=unchanged", "ook", "befunge93"]
    assert results["targets"] == targets
    arms = ["pointer+memory", "pointer+window", "index+memory", "index+window", "full-context", "permuted-plain"]
    assert set(results["arms"]) == set(arms)
    for arm in arms:
        for phase in ("zero_shot", "finetuned"):
            for target in targets:
                cell = results["arms"][arm][phase][target]
                assert len(cell["per_seed"]) == 1 and 0.0 <= cell["mean"] <= 1.0
    assert set(results["chance"]) == set(targets)
    cells = {p.name for p in (out / "cells").glob("*.json")}
    assert "pointer+memory__s0__bf-dialect-101.json" in cells and "chance__befunge93.json" in cells
    assert "index+memory__s0__bf+eof=unchanged.json" in cells
    assert len(cells) == len(arms) * (1 + len(targets)) + len(targets)
    report = (out / "results.md").read_text()
    assert "| pointer+memory | bf+eof=unchanged |" in report and "changed cell modulus" in report


def test_rl_vs_supervised_quick(tmp_path):
    out = tmp_path / "rl_sl"
    done = run("exp_rl_vs_supervised.py", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    results = check_outputs(out, "rl_vs_supervised.png")
    assert set(results["arms"]) == {"rl", "sl+rl", "sl+rl-matched"}
    for stats in results["arms"].values():
        for name in ("train_content", "heldout_content", "heldout_levels", "heldout_families", "gap_levels"):
            assert len(stats[name]["per_seed"]) == 1
    # The matched arm pays its supervised tokens out of the RL budget; the other sl arm does not.
    matched, plain = results["arms"]["sl+rl-matched"], results["arms"]["sl+rl"]
    assert matched["sl_tokens"][0] > 0
    assert matched["rl_steps"][0] == plain["rl_steps"][0] - matched["sl_tokens"][0]
    assert {p.name for p in (out / "cells").glob("*.json")} == {
        "rl__s0.json",
        "sl+rl__s0.json",
        "sl+rl-matched__s0.json",
        "chance.json",
    }


def test_pqt_quick_and_resume(tmp_path):
    out = tmp_path / "pqt"
    done = run("exp_pqt.py", "--quick", "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    results = check_outputs(out, "pqt.png")
    assert set(results["methods"]) == {"pqt", "agent-scratch", "agent-pretrained"}
    for method in results["methods"].values():
        assert method["runs"] == 2  # 2 tasks x R = 1
    cells = sorted((out / "cells").glob("*__r0.json"))
    assert len(cells) == 6
    stamps = {p.name: p.stat().st_mtime_ns for p in cells}
    # A rerun skips every finished cell: nothing is recomputed or rewritten.
    again = run("exp_pqt.py", "--quick", "--out", str(out))
    assert again.returncode == 0, again.stderr[-2000:]
    assert {p.name: p.stat().st_mtime_ns for p in cells} == stamps
    assert "[exp_pqt] pqt length run 0" not in again.stdout
    # Another task list with the same budget adds its cells beside the others (runs split across processes).
    split = run("exp_pqt.py", "--quick", "--tasks", "length", "--methods", "pqt", "--out", str(out))
    assert split.returncode == 0, split.stderr[-2000:]
    assert {p.name: p.stat().st_mtime_ns for p in cells} == stamps
    assert json.loads((out / "results.json").read_text())["args"]["tasks"] == ["length"]
    # Another budget into the same directory is refused with one line.
    other = run("exp_pqt.py", "--quick", "--budget", "96", "--out", str(out))
    assert other.returncode != 0 and "another budget" in other.stderr and "Traceback" not in other.stderr


@pytest.mark.parametrize("script", ["exp_transfer.py", "exp_rl_vs_supervised.py", "exp_pqt.py"])
def test_help_and_bad_arguments(script):
    helped = run(script, "--help", timeout=120)
    assert helped.returncode == 0 and "--quick" in helped.stdout and "--out" in helped.stdout
    bad = run(script, "--num-envs" if script != "exp_pqt.py" else "--runs", "0", timeout=120)
    assert bad.returncode == 2 and "must be a positive integer" in bad.stderr and "Traceback" not in bad.stderr


def test_pqt_agent_diagnosis_reports_length_and_greedy_program(tmp_path):
    out = tmp_path / "diagnosis.json"
    done = run("diagnose_pqt_agents.py", "--tasks", "length", "--programs", "96", "--json", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "length, agent from scratch" in done.stdout and "greedy program at the end" in done.stdout
    (result,) = json.loads(out.read_text())["results"]
    programs = [p["programs"] for p in result["curve"]]
    assert programs == sorted(programs) and programs[-1] >= 96
    assert all(1 <= p["mean_length"] <= 33 and 0 <= p["sampled_success"] <= 1 for p in result["curve"])
    assert isinstance(result["greedy"], str)
    bad = run("diagnose_pqt_agents.py", "--pretrained", str(tmp_path), timeout=120)
    assert bad.returncode == 2 and "no models/pretrained_m0.pt" in bad.stderr and "Traceback" not in bad.stderr
