"""`reasonenv bench` and `reasonenv report` end to end: prompts, extraction, regimes, resume after kill -9, oracle, report."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_openai_server import FakeOpenAIServer, Fault  # registered by tests/conftest.py

from reasonenv.bench import prompts
from reasonenv.bench.models import OracleModel
from reasonenv.bench.report import markdown, newcombe, outcomes, wilson, write_report
from reasonenv.bench.runner import BenchConfig, read_results, run_bench
from reasonenv.cli import main as cli_main
from reasonenv.commands.bench import build_model

ROOT = Path(__file__).resolve().parents[2]

CAT = "```bf\n,[.,]\n```"


def bench(tmp_path, server, **overrides):
    settings = dict(
        model="fake",
        suite="paper",
        languages=("bf",),
        out=tmp_path / "run",
        base_url=server.base_url,
        families=("paper-bf-copy",),
        limit=2,
        progress=False,
        backoff=None,
    )
    settings.update(overrides)
    settings.pop("backoff")
    config = BenchConfig(**settings)
    summary = asyncio.run(run_bench(config, build_model(config)))
    return summary, read_results(config.out / "results.jsonl")


# ---------------------------------------------------------------- extraction rule


def test_extraction_takes_the_last_fenced_block():
    answer = "Try this:\n```bf\n+.\n```\nor better:\n~~~\n,[.,]\n~~~\nDone."
    assert prompts.extract_program(answer, "bf") == ",[.,]"
    assert prompts.extract_program("no code here", "bf") is None
    assert prompts.extract_program("```bf\n,[.,]\n```\nthen ```\n", "bf") == ",[.,]"  # empty unclosed block ignored
    assert prompts.extract_program("```bf\n,[.,", "bf") == ",[.,"  # cut off by max tokens: runs to the end
    assert prompts.extract_program("```python\nprint(1)\n```", "python") == "print(1)\n"


def test_whitespace_is_read_from_s_t_l_letters_or_raw_characters():
    letters = "```whitespace\nSSSTL push one\nTLST print\nLLL end\n```"
    assert prompts.extract_program(letters, "whitespace") == "   \t\n\t\n \t\n\n\n"
    raw = "```\n   \t\n\t\n \t\n\n\n```"
    assert prompts.extract_program(raw, "whitespace") == "   \t\n\t\n \t\n\n\n"
    import esolangs

    assert esolangs.run("whitespace", prompts.extract_program(letters, "whitespace")).output == b"1"
    program = "   \t\n\t\n \t\n\n\n"
    assert (
        prompts.extract_program(prompts.render_answer(program, prompts.language_info("whitespace")), "whitespace")
        == program
    )


def test_prompt_hash_changes_with_any_template():
    before = prompts.prompt_hash()
    original = prompts._TEMPLATES
    try:
        prompts._TEMPLATES = original[:-1] + (original[-1] + " ",)
        assert prompts.prompt_hash() != before
    finally:
        prompts._TEMPLATES = original
    assert prompts.prompt_hash() == before and len(before) == 16


# ---------------------------------------------------------------- runner against the loopback server


def test_zero_shot_lines_carry_prompt_hash_statuses_usage_and_score(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        summary, lines = bench(tmp_path, server, languages=("python", "bf"))
    assert summary["conversations"] == 4 and summary["solved"] == 2  # cat solves copy in BF, not in Python
    assert {l["prompt_hash"] for l in lines} == {prompts.prompt_hash()}
    bf = [l for l in lines if l["language"] == "bf"]
    assert all(l["solved"] and l["passed"] == l["total"] > 0 and l["program"] == ",[.,]" for l in bf)
    assert all(l["usage"]["completion_tokens"] == len(CAT) // 4 and l["latency_s"] >= 0 for l in lines)
    python = [l for l in lines if l["language"] == "python"]
    assert all(
        l["statuses"] and l["guard"] and not l["solved"] for l in python
    )  # a BF program is a Python syntax error
    assert all(set(l["statuses"]) == {"syntax_error"} for l in python)
    request = server.requests[0]["messages"]
    assert request[0]["role"] == "system" and "fenced code block" in request[0]["content"]


def test_python_control_runs_in_the_sandbox_and_is_scored_on_exact_bytes(tmp_path):
    echo = "```python\nimport sys\nsys.stdout.buffer.write(sys.stdin.buffer.read())\n```"
    with FakeOpenAIServer(responder=lambda body: echo) as server:
        summary, lines = bench(tmp_path, server, languages=("python",))
    assert summary["solved"] == 2 and all(l["solved"] and l["guard"] for l in lines)


def test_answers_without_a_code_block_fail_with_their_reason(tmp_path):
    with FakeOpenAIServer(responder=lambda body: "Just copy the input.") as server:
        _, lines = bench(tmp_path, server)
    assert [l["extraction"] for l in lines] == ["no_code_block"] * 2
    assert all(l["program"] is None and l["passed"] == 0 and not l["solved"] for l in lines)


def test_faults_are_retried_and_recorded_in_the_line(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        server.faults.extend([Fault("status", code=500), Fault("malformed"), Fault("empty_choices")])
        summary, lines = bench(tmp_path, server, limit=1, concurrency=1)
    assert summary["solved"] == 1
    assert lines[0]["faults"] == ["HTTP 500", "malformed JSON", "empty choices"] and lines[0]["retries"] == 3


def test_feedback_regime_sends_interpreter_output_after_each_failure(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        server.faults.extend([Fault("text", text="I am not sure."), Fault("text", text="```bf\n+++.\n```")])
        _, lines = bench(tmp_path, server, regime="feedback", attempts=5, limit=1, concurrency=1)
    assert [l["attempt"] for l in lines] == [0, 1, 2]
    assert [l["solved"] for l in lines] == [False, False, True]
    assert lines[0]["feedback"] == prompts.FEEDBACK_NO_PROGRAM
    second = server.requests[2]["messages"]
    assert second[-3]["content"] == prompts.FEEDBACK_NO_PROGRAM
    assert second[-2]["content"] == "```bf\n+++.\n```"
    assert "FAILED" in second[-1]["content"] and "got:      b'\\x03'" in second[-1]["content"]


def test_few_shot_demonstrations_come_from_other_families_in_the_same_language(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        _, lines = bench(tmp_path, server, regime="few-shot", shots=3, limit=1)
    messages = server.requests[0]["messages"]
    demos = [m["content"] for m in messages if m["role"] == "assistant"]
    assert lines[0]["shots"] == len(demos) == 2  # paper BF has two other families: print and sort
    from curricula.suites import get_suite

    firsts = {}
    for instance in get_suite("paper").instances():
        firsts.setdefault(instance.family, instance)
    expected = {OracleModel().reference(firsts[f], "bf") for f in ("paper-bf-print", "paper-bf-sort")}
    assert {prompts.extract_program(d, "bf") for d in demos} == expected
    assert all(firsts["paper-bf-copy"].description not in m["content"] for m in messages[:-1])


def test_rerun_skips_finished_work(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        bench(tmp_path, server)
        summary, lines = bench(tmp_path, server)
        assert len(server.requests) == 2
    assert summary["skipped"] == 2 and summary["ran"] == 0 and len(lines) == 2


def test_kill_9_mid_run_then_rerun_loses_and_duplicates_nothing(tmp_path):
    def slow_wrong(body):
        time.sleep(0.02)
        return "```bf\n+.\n```"

    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "reasonenv.cli",
        "bench",
        "--model",
        "fake",
        "--suite",
        "paper",
        "--families",
        "paper-bf-print",
        "--languages",
        "bf",
        "--limit",
        "60",
        "--concurrency",
        "4",
        "--no-progress",
        "--out",
        str(out),
    ]
    results = out / "results.jsonl"
    with FakeOpenAIServer(responder=slow_wrong) as server:
        command[command.index("--suite") : command.index("--suite")] = ["--base-url", server.base_url]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not results.exists() or results.read_bytes().count(b"\n") < 15):
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        written = results.read_bytes().count(b"\n")
        assert 15 <= written < 60, process.stderr.read().decode()[-2000:]
        with open(results, "ab") as f:
            f.write(b'{"schema": 1, "model": "fake", "suite": "pa')  # a torn last line, as a kill mid-write leaves
        rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        requests = len(server.requests)
    lines = read_results(results)
    keys = [(l["instance"], l["language"], l["sample"], l["attempt"]) for l in lines]
    assert len(keys) == len(set(keys)) == 60
    assert json.loads(rerun.stdout)["skipped"] == written
    assert requests <= 60 + 4  # at most the requests in flight at the kill were asked twice


# ---------------------------------------------------------------- the oracle checks the whole pipeline


def test_oracle_scores_100_percent_on_every_suite_and_language_with_references(tmp_path):
    from curricula.suites import suite_names

    languages = ("python", "bf", "befunge93", "whitespace", "ook", "bf-dialect-7")
    for suite in suite_names():
        config = BenchConfig(
            model="oracle", suite=suite, languages=languages, out=tmp_path / suite, limit=1, progress=False
        )
        summary = asyncio.run(run_bench(config, OracleModel()))
        lines = read_results(config.out / "results.jsonl")
        assert summary["conversations"] > 0, suite
        failed = [(l["family"], l["language"], l["statuses"], l["errors"]) for l in lines if not l["solved"]]
        assert not failed, (suite, failed[:5])
        assert "python" in {l["language"] for l in lines}


# ---------------------------------------------------------------- report


def test_wilson_and_newcombe_intervals_match_known_values():
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    low, high = newcombe(8, 10, 2, 10)
    assert low < 0.6 < high and low > 0


def test_report_writes_markdown_with_intervals_and_gaps_and_png_charts(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        bench(tmp_path, server, languages=("python", "bf"), limit=3)
    paths = write_report([tmp_path / "run"])
    text = paths["markdown"].read_text()
    assert "| family | python | bf |" in text
    assert "| paper-bf-copy | 0.0% [0.0%, 56.1%] (0/3) | 100.0% [43.9%, 100.0%] (3/3) |" in text
    assert "| bf | 0.0% (0/3) | 100.0% (3/3) | -100.0 pp" in text
    for name in ("bars", "heatmap"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_command_and_bench_command_errors(tmp_path, capsys):
    assert cli_main(["report", str(tmp_path)]) == 2
    assert "no results.jsonl" in capsys.readouterr().err
    assert cli_main(["bench", "--model", "gpt-x", "--suite", "paper", "--out", str(tmp_path)]) == 2
    assert "needs --base-url" in capsys.readouterr().err


def test_report_counts_only_the_last_line_of_a_key_and_ignores_api_errors():
    base = dict(
        model="m",
        suite="s",
        family="f",
        tier=None,
        instance="i",
        language="bf",
        regime="zero-shot",
        sample=0,
        prompt_hash="h",
        program="x",
        total=1,
    )
    lines = [dict(base, attempt=0, passed=0, api_error="HTTP 500"), dict(base, attempt=0, passed=1, api_error=None)]
    (only,) = outcomes(lines)
    assert only.solved and only.attempts == 1
    assert "100.0%" in markdown([only])


# ---------------------------------------------------------------- feedback tells what the interpreter did


def _first(family: str):
    from curricula.suites import get_suite

    return next(i for i in get_suite("paper").instances() if i.family == family)


def test_feedback_without_visible_examples_reports_the_hidden_runs_not_success():
    from curricula.verify import execute

    instance = _first("paper-bf-print")
    assert not instance.examples
    broken = execute(instance, "[", "bf")
    text = prompts.render_feedback(instance, "[", [], broken)
    assert "passed every visible example" not in text and prompts.FEEDBACK_HIDDEN_NOTE not in text
    assert "no examples" in text and f"passed:   0 of {len(instance.tests)} hidden tests" in text
    assert "syntax_error x" in text and "error:" in text
    wrong = execute(instance, "+.", "bf")
    text = prompts.render_feedback(instance, "+.", [], wrong)
    assert "ok x" in text and "passed:   0 of" in text and prompts.FEEDBACK_HIDDEN_NOTE not in text
    # with visible examples, "passed every visible example" needs every one of them run and passed
    copy = _first("paper-bf-copy")
    assert prompts.render_feedback(copy, ",[.,]", []) != prompts.FEEDBACK_HIDDEN_NOTE
    passing = execute(copy, ",[.,]", "bf", tests=copy.examples)
    assert prompts.render_feedback(copy, ",[.,]", passing) == prompts.FEEDBACK_HIDDEN_NOTE


def test_feedback_regime_on_an_instance_without_examples_sends_the_syntax_error(tmp_path):
    with FakeOpenAIServer(responder=lambda body: "```bf\n[\n```") as server:
        _, lines = bench(tmp_path, server, families=("paper-bf-print",), regime="feedback", attempts=2, limit=1)
    assert "syntax_error" in lines[0]["feedback"] and "passed every visible example" not in lines[0]["feedback"]
    assert server.requests[1]["messages"][-1]["content"] == lines[0]["feedback"]


# ---------------------------------------------------------------- languages by canonical name


def test_repeated_and_aliased_languages_are_asked_once(tmp_path):
    with FakeOpenAIServer(responder=lambda body: CAT) as server:
        summary, lines = bench(tmp_path, server, languages=("python", "bf", "python", "brainfuck", "BF"), limit=1)
    assert summary["conversations"] == 2 and len(server.requests) == 2
    assert sorted(l["language"] for l in lines) == ["bf", "python"]
