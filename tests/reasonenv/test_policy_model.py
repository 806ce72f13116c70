"""A token policy in the LLM benchmark (`PolicyModel`, `bench --model checkpoint:`), and `reasonenv evaluate` end to end."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from esolangs.knowledge import EFFECTS
from reasonenv.bench import prompts
from reasonenv.bench.models import ModelRequest
from reasonenv.bench.policy_model import PolicyModel
from reasonenv.bench.runner import BenchConfig, read_results, run_bench
from reasonenv.cli import main as cli_main
from reasonenv.policy import RandomMaskedPolicy


class EchoBytePolicy:
    """`,.` then STOP, by effect ids (solves echo-byte in any Brainfuck-like language)."""

    def act(self, observation):
        effects = [EFFECTS[i] for i in observation["action_effects"]]
        written = int(np.count_nonzero(observation["program"]))
        return effects.index(("input", "output", "stop")[min(written, 2)])


def instance_of(family: str, index: int = 0):
    from curricula.base import make_task

    return make_task(family).instance(0, index)


@pytest.mark.parametrize("language", ["bf", "ook", "bf-dialect-3", "befunge93", "whitespace"])
def test_the_answer_extracts_to_the_program_the_policy_wrote(language):
    instance = instance_of("echo-all", 4)
    written, _, _ = PolicyModel(RandomMaskedPolicy(seed=7)).program(instance, language)
    model = PolicyModel(RandomMaskedPolicy(seed=7))
    response = asyncio.run(model.respond(ModelRequest(messages=[], instance=instance, language=language)))
    assert response.error is None and response.completion_tokens >= 0
    extracted = prompts.extract_program(response.text, language)
    if language == "whitespace":
        assert extracted == written
    else:
        assert extracted == written.rstrip("\n")  # a trailing line feed is not part of a fenced answer
    assert not model.available(instance, "python") and model.available(instance, language)


def test_bench_runs_a_policy_through_the_llm_harness(tmp_path):
    config = BenchConfig(
        model="checkpoint:echo",
        suite="primitives",
        languages=("python", "bf", "bf-dialect-5"),
        out=tmp_path / "run",
        families=("echo-byte", "emit-char"),
        limit=3,
        progress=False,
    )
    summary = asyncio.run(run_bench(config, PolicyModel(EchoBytePolicy(), name=config.model)))
    lines = read_results(config.out / "results.jsonl")
    assert summary["conversations"] == 12 and len(lines) == 12  # python is not asked: no token env
    for line in lines:
        assert line["model"] == "checkpoint:echo" and line["language"] in ("bf", "bf-dialect-5")
        assert line["solved"] == (line["family"] == "echo-byte")
    assert {line["program"] for line in lines if line["language"] == "bf"} == {",."}


class BatchedEchoPolicy(EchoBytePolicy):
    """The echo policy with `act_batch`; fails (a forbidden action) on one given task, and records batch sizes."""

    def __init__(self, poisoned_task=None):
        self.batches = []
        self.poisoned_task = poisoned_task

    def act_batch(self, observations):
        self.batches.append(len(observations))
        return np.array(
            [
                len(o["action_mask"])
                if self.poisoned_task is not None and np.array_equal(o["task"], self.poisoned_task)
                else self.act(o)
                for o in observations
            ]
        )


def test_requests_in_flight_are_played_together_and_a_failing_rollout_fails_alone(tmp_path):
    from curricula.suites import get_suite
    from reasonenv.evaluation import EvalTarget, token_env

    poisoned = next(i for i in get_suite("primitives").instances() if i.family == "echo-byte" and i.index == 3)
    env = token_env(EvalTarget("echo-byte", "bf", None, dict(poisoned.config)), [poisoned])
    policy = BatchedEchoPolicy(env.reset(options={"instance": poisoned})[0]["task"])
    config = BenchConfig(
        model="checkpoint:echo",
        suite="primitives",
        languages=("bf",),
        out=tmp_path / "run",
        families=("echo-byte", "emit-char"),
        limit=10,
        concurrency=8,
        progress=False,
    )
    asyncio.run(run_bench(config, PolicyModel(policy, name=config.model)))
    lines = read_results(config.out / "results.jsonl")
    failed = [line for line in lines if line["api_error"]]
    assert failed and {line["instance"] for line in failed} == {poisoned.id}
    assert "forbids" in failed[0]["api_error"]
    answered = [line for line in lines if not line["api_error"]]
    assert len({line["instance"] for line in answered}) == 19
    assert all(line["solved"] == (line["family"] == "echo-byte") for line in answered)
    assert max(policy.batches) >= 10  # conversations in flight, of both families, were played in lockstep


def test_bench_command_takes_checkpoint_specs(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli_main(
        [
            "bench",
            "--model",
            "checkpoint:random:0",
            "--suite",
            "primitives",
            "--languages",
            "bf",
            "--families",
            "emit-char",
            "--limit",
            "4",
            "--no-progress",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["conversations"] == 4
    assert cli_main(["report", str(out)]) == 0
    assert "checkpoint:random:0" in (out / "report.md").read_text()
    assert (
        cli_main(["bench", "--model", f"checkpoint:{tmp_path / 'missing'}", "--suite", "primitives", "--out", str(out)])
        == 2
    )
    assert "neither a run directory nor a checkpoint directory" in capsys.readouterr().err


def test_evaluate_command_prints_a_table_and_json(capsys):
    args = [
        "evaluate",
        "random:0",
        "--suite",
        "primitives",
        "--language",
        "bf",
        "--instances",
        "3",
        "--families",
        "emit-char,echo-byte",
        "--no-progress",
    ]
    assert cli_main(args) == 0
    table = capsys.readouterr().out
    assert "emit-char" in table and "echo-byte" in table and "mean pass rate" in table
    assert cli_main(args + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["family"] for r in data["results"]] == ["emit-char", "echo-byte"]
    assert all(r["episodes"] == 3 and r["heldout"] for r in data["results"])
    assert (
        cli_main(
            [
                "evaluate",
                "random:0",
                "--curriculum",
                "bf-basics",
                "--language",
                "bf-dialect-2",
                "--instances",
                "2",
                "--json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)["results"]
    assert rows[0]["stage"] == 0 and not rows[0]["heldout"] and "one possible content" in rows[0]["note"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere", "--suite", "primitives", "--language", "bf"], "neither a run directory nor a checkpoint"),
        (["random:0", "--suite", "primitives", "--language", "klingon"], "unknown language 'klingon'"),
        (["random:0", "--curriculum", "nope", "--language", "bf"], "unknown curriculum 'nope'"),
        (["random:0", "--suite", "primitives", "--language", "bf", "--instances", "0"], "--instances must be >= 1"),
        (
            ["random:0", "--suite", "primitives", "--language", "bf", "--families", "nope"],
            "families ['nope'] are not in",
        ),
        (["random:x", "--suite", "primitives", "--language", "bf"], "random:SEED needs an integer seed"),
    ],
)
def test_evaluate_bad_arguments_get_one_line_and_exit_2(args, message, capsys):
    assert cli_main(["evaluate", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_evaluate_needs_exactly_one_of_suite_and_curriculum(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["evaluate", "random:0", "--language", "bf"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        cli_main(["evaluate", "random:0", "--suite", "primitives", "--curriculum", "bf-basics", "--language", "bf"])
