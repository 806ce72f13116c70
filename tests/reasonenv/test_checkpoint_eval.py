"""`reasonenv evaluate` and `reasonenv bench --model checkpoint:` on a real checkpoint from a 1-iteration training run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")
pytest.importorskip("ray.rllib")

from reasonenv.cli import main as cli_main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TRAIN = """
import sys
from agents.config import PPOSettings, RLlibSettings, TrainConfig
from agents.loop import train
cfg = TrainConfig(curriculum="bf-basics", timesteps=64, rllib=RLlibSettings(num_envs_per_env_runner=4, num_cpus=1),
                  max_program_length=8, ppo=PPOSettings(train_batch_size=64, minibatch_size=32, num_epochs=1)).validate()
train(cfg, sys.argv[1], log=lambda message: None)
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run directory with one checkpoint, trained in a subprocess (its Ray stays out of the test process)."""
    folder = tmp_path_factory.mktemp("train") / "run"
    done = subprocess.run(
        [sys.executable, "-c", TRAIN, str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (folder / "checkpoints" / "latest.json").is_file()
    return folder


def test_evaluate_a_run_and_a_checkpoint_directory(run_dir, capsys):
    args = [
        "--curriculum",
        "bf-basics",
        "--language",
        "bf",
        "--instances",
        "3",
        "--families",
        "emit-char,reverse",
        "--json",
    ]
    assert cli_main(["evaluate", str(run_dir), *args]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = data["results"]
    assert rows and {r["family"] for r in rows} == {"emit-char", "reverse"}
    assert all(r["episodes"] == 3 and 0.0 <= r["pass_rate"] <= 1.0 for r in rows)
    assert all(r["mean_length"] <= 8 for r in rows)  # the run's max_program_length (8) is used, not the env default
    assert any(r["heldout"] for r in rows) and any(not r["heldout"] for r in rows)
    checkpoint = next((run_dir / "checkpoints").glob("iter_*"))
    assert cli_main(["evaluate", str(checkpoint), *args[:-1], "--language", "bf-dialect-7"]) == 0  # knowledge swap
    assert "reverse" in capsys.readouterr().out


def test_bench_a_checkpoint_in_the_llm_harness(run_dir, tmp_path, capsys):
    out = tmp_path / "bench"
    code = cli_main(
        [
            "bench",
            "--model",
            f"checkpoint:{run_dir}",
            "--suite",
            "primitives",
            "--languages",
            "python,bf",
            "--families",
            "echo-byte,emit-char",
            "--limit",
            "2",
            "--no-progress",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["conversations"] == 4  # python is not asked: a token policy has no Python env
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {line["model"] for line in lines} == {f"checkpoint:{run_dir}"} and {line["language"] for line in lines} == {
        "bf"
    }
    assert all(line["program"] is not None and len(line["program"]) <= 8 for line in lines)
    assert cli_main(["report", str(out)]) == 0


def test_a_folder_without_checkpoints_is_one_line(tmp_path, capsys):
    assert cli_main(["evaluate", str(tmp_path), "--suite", "primitives", "--language", "bf"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(tmp_path) in err and "Traceback" not in err
