"""A broken endpoint is never scored as a model that solved nothing; one --out holds one run; bad --out gets one line.

Real HTTP on 127.0.0.1 (a closed port, and tests/fake_openai_server.py answering 401/404/429/500), no mocks.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_openai_server import Fault

from reasonenv.bench.runner import read_results
from reasonenv.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
CAT = "```bf\n,[.,]\n```"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_args(base_url: str, out: Path, *extra: str) -> list[str]:
    return [
        "bench",
        "--model",
        "fake",
        "--base-url",
        base_url,
        "--suite",
        "paper",
        "--families",
        "paper-bf-copy",
        "--languages",
        "bf",
        "--limit",
        "6",
        "--concurrency",
        "1",
        "--no-progress",
        "--out",
        str(out),
        *extra,
    ]


def test_readme_first_command_with_no_server_exits_non_zero_with_the_reason_within_15_s(tmp_path):
    out = tmp_path / "runs" / "my-model"
    command = [
        sys.executable,
        "-m",
        "reasonenv.cli",
        "bench",
        "--model",
        "my-model",
        "--base-url",
        f"http://127.0.0.1:{closed_port()}/v1",
        "--api-key-env",
        "OPENAI_API_KEY",
        "--suite",
        "tiers",
        "--languages",
        "python,bf,befunge93,whitespace,ook,bf-dialect-7",
        "--regime",
        "feedback",
        "--attempts",
        "5",
        "--concurrency",
        "16",
        "--limit",
        "10",
        "--out",
        str(out),
    ]
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    assert done.returncode != 0 and elapsed < 15, (done.returncode, elapsed)
    assert "cannot connect to http://127.0.0.1:" in done.stderr and "is the server running" in done.stderr
    assert "--api-key-env OPENAI_API_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not out.exists() and not out.parent.exists()  # nothing left behind


@pytest.mark.parametrize("code, reason", [(401, "rejected the API key"), (404, "no such route or model")])
def test_401_and_404_are_fatal_at_once(fake_openai, tmp_path, capsys, code, reason):
    server = fake_openai(responder=lambda body: CAT, always=Fault("status", code=code))
    started = time.monotonic()
    assert cli_main(bench_args(server.base_url, tmp_path / "run")) == 1
    assert time.monotonic() - started < 15  # the bound; generous for a loaded machine
    err = capsys.readouterr().err
    assert f"HTTP {code}" in err and reason in err
    assert len(server.gets) == 1 and len(server.requests) == (1 if code == 404 else 0)  # 404: the one-token probe
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("code", [429, 500])
def test_429_and_5xx_are_retried_with_backoff_then_reported(fake_openai, tmp_path, capsys, code):
    server = fake_openai(responder=lambda body: CAT, always=Fault("status", code=code))
    assert cli_main(bench_args(server.base_url, tmp_path / "run", "--max-retries", "2")) == 1
    err = capsys.readouterr().err
    assert f"did not answer after 3 tries (last: HTTP {code})" in err
    assert len(server.gets) == 3


def test_a_transient_error_at_the_check_is_retried_and_the_run_proceeds(fake_openai, tmp_path, capsys):
    server = fake_openai(responder=lambda body: CAT, always=Fault("status", code=503))

    def recover():
        # recover once the first check has been answered 503 (a fixed sleep races with a loaded machine)
        deadline = time.monotonic() + 30
        while len(server.gets) < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        server.always = None

    import threading

    threading.Thread(target=recover).start()
    assert cli_main(bench_args(server.base_url, tmp_path / "run")) == 0
    assert json.loads(capsys.readouterr().out)["solved"] == 6 and len(server.gets) >= 2


def test_server_without_a_models_route_is_checked_with_a_one_token_completion(fake_openai, tmp_path, capsys):
    server = fake_openai(responder=lambda body: CAT, models_route=False)
    assert cli_main(bench_args(server.base_url, tmp_path / "run")) == 0
    assert server.requests[0]["max_tokens"] == 1 and len(server.requests) == 1 + 6


def turns_fatal_after(server, answers: int, fault: Fault):
    """A responder that answers `answers` requests, then sets `fault` on every later request."""
    count = [0]

    def respond(body):
        count[0] += 1
        if count[0] >= answers:
            server.always = fault
        return "```bf\n+.\n```"  # wrong, so every conversation uses its attempts

    return respond


def test_a_fatal_error_mid_run_stops_it_and_says_how_to_resume(fake_openai, tmp_path, capsys):
    server = fake_openai()
    server.responder = turns_fatal_after(server, 2, Fault("status", code=401))
    out = tmp_path / "run"
    assert cli_main(bench_args(server.base_url, out)) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["stopped"].startswith("HTTP 401") and summary["api_errors"] == 1
    assert summary["finished"] == 2 and summary["unfinished"] == 4
    assert "stopped early: HTTP 401" in captured.err
    assert (
        "4 of 6 conversations unfinished (1 api_error lines)" in captured.err
        and "rerun the same command" in captured.err
    )
    assert len(server.requests) == 3  # no request after the fatal answer
    # the endpoint is fixed: the same command finishes the run
    server.always = None
    server.responder = lambda body: CAT
    assert cli_main(bench_args(server.base_url, out)) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["skipped"], summary["ran"], summary["unfinished"], summary["solved"]) == (2, 4, 0, 4)


def test_consecutive_failures_stop_the_run(fake_openai, tmp_path, capsys):
    server = fake_openai()
    server.responder = turns_fatal_after(server, 1, Fault("status", code=500))
    args = bench_args(server.base_url, tmp_path / "run", "--max-retries", "0", "--max-consecutive-failures", "3")
    assert cli_main(args) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["stopped"] == "3 requests in a row failed after every retry (last: gave up after 1 tries: HTTP 500)"
    assert summary["api_errors"] == 3 and summary["unfinished"] == 5
    lines = read_results(tmp_path / "run" / "results.jsonl")
    assert sum(1 for l in lines if l["api_error"]) == 3


# ---------------------------------------------------------------- report on an incomplete or damaged run


def test_report_on_an_incomplete_run_is_marked_partial_with_planned_and_finished(fake_openai, tmp_path, capsys):
    server = fake_openai()
    server.responder = turns_fatal_after(server, 2, Fault("status", code=401))
    out = tmp_path / "run"
    cli_main(bench_args(server.base_url, out))
    capsys.readouterr()
    assert cli_main(["report", str(out), "--no-charts"]) == 0
    captured = capsys.readouterr()
    assert f"**Partial report**: 2 of 6 planned conversations finished in {out}" in captured.out
    assert "warning: partial results: 2 of 6 planned" in captured.err
    assert "(0/2)" in captured.out  # only the finished conversations are scored


def test_report_skips_corrupt_lines_with_a_warning_naming_file_and_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        cli_main(
            [
                "bench",
                "--model",
                "oracle",
                "--suite",
                "paper",
                "--families",
                "paper-bf-copy",
                "--languages",
                "bf",
                "--limit",
                "3",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    results = out / "results.jsonl"
    lines = results.read_bytes().split(b"\n")
    lines[1] = b'{"schema": 1, "model": \xff\xfe broken'
    results.write_bytes(b"\n".join(lines[:2] + [b"[1, 2, 3]"] + lines[2:]))
    capsys.readouterr()
    assert cli_main(["report", str(out), "--no-charts"]) == 0
    captured = capsys.readouterr()
    assert f"warning: {results}:2: skipping a corrupt line" in captured.err
    assert f"warning: {results}:3: skipping a line that is not a result record" in captured.err
    assert "**Partial report**: 2 of 3 planned" in captured.out and "(2/2)" in captured.out


# ---------------------------------------------------------------- one --out holds one run


def oracle_args(out: Path, *extra: str) -> list[str]:
    return [
        "bench",
        "--model",
        "oracle",
        "--suite",
        "paper",
        "--families",
        "paper-bf-copy",
        "--languages",
        "bf",
        "--limit",
        "1",
        "--no-progress",
        "--out",
        str(out),
        *extra,
    ]


def test_reusing_an_out_directory_for_another_run_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli_main(oracle_args(out)) == 0
    before = (out / "results.jsonl").read_bytes()
    capsys.readouterr()
    for other in (["--regime", "feedback"], ["--temperature", "0.7"]):
        assert cli_main(oracle_args(out, *other)) == 2
        err = capsys.readouterr().err
        assert f"--out {out} already holds a run with other settings" in err and "use another --out" in err
    args = oracle_args(out)
    args[args.index("oracle")] = "random"
    assert cli_main(args) == 2
    assert "model 'oracle' -> 'random'" in capsys.readouterr().err
    assert (out / "results.jsonl").read_bytes() == before
    # the same settings resume; more languages or instances extend the same run
    assert cli_main(oracle_args(out)) == 0
    assert cli_main(oracle_args(out, "--limit", "2")) == 0
    run = json.loads((out / "run.json").read_text())
    assert run["conversations"] == 2 and run["identity"]["model"] == "oracle"


def test_invalid_arguments_leave_no_out_directory(tmp_path, capsys):
    out = tmp_path / "nested" / "run"
    args = oracle_args(out)
    args[args.index("paper-bf-copy")] = "no-such-family"
    assert cli_main(args) == 2
    assert "no-such-family" in capsys.readouterr().err
    args = oracle_args(out, "--languages", "klingon")
    assert cli_main(args) == 2
    # bad arguments are reported before a (here dead) endpoint is contacted
    args = bench_args(f"http://127.0.0.1:{closed_port()}/v1", out, "--families", "no-such-family")
    assert cli_main(args) == 2
    err = capsys.readouterr().err
    assert "no-such-family" in err and "cannot connect" not in err
    assert not (tmp_path / "nested").exists()


def bad_outs(tmp_path: Path) -> list[tuple[Path, str]]:
    regular = tmp_path / "regular-file"
    regular.write_text("keep me\n")
    return [
        (regular, "is a file, not a directory"),
        (regular / "below", "is a file, not a directory"),
        (Path("/dev/full"), "is a file, not a directory"),
    ]


def test_bench_out_at_a_file_under_a_file_or_dev_full_is_one_clear_line(tmp_path, capsys):
    for out, message in bad_outs(tmp_path):
        assert cli_main(oracle_args(out)) == 2, out
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and str(out) in err, err
    assert (tmp_path / "regular-file").read_text() == "keep me\n"


def test_report_out_at_a_file_under_a_file_or_dev_full_is_one_clear_line(tmp_path, capsys):
    run = tmp_path / "run"
    assert cli_main(oracle_args(run)) == 0
    for out, message in bad_outs(tmp_path):
        capsys.readouterr()
        assert cli_main(["report", str(run), "--out", str(out), "--no-charts"]) == 2, out
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and str(out) in err, err
    assert cli_main(["report", str(tmp_path / "regular-file"), "--no-charts"]) == 2
    assert "is a file, not a result directory" in capsys.readouterr().err
