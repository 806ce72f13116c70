"""Bad input and hostile output get one clear line from the CLI, and files are written whole or not at all (issue 14)."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reasonenv.cli import build_parser, main
from reasonenv.commands.run import InputTooLarge, read_bounded

CLI = [sys.executable, "-m", "reasonenv"]
HAS_DEV_FULL = os.path.exists("/dev/full")


def cli(
    *args: str | bytes, stdin: bytes | None = None, cwd: Path | None = None, **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120, **kwargs)


def one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The single stderr line of a failed command, after checking there is no traceback."""
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "Exception ignored" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------- export writes whole files


def test_export_failing_midway_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "paper.jsonl"
    out.write_text("the good file\n")

    def small_file_limit():  # a disk that fills up after 20 kB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [*CLI, "export", "--suite", "paper", "--out", str(out)],
        capture_output=True,
        preexec_fn=small_file_limit,
        timeout=120,
    )
    assert result.returncode == 1
    one_line_error(result, "cannot write", str(out))
    assert out.read_text() == "the good file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paper.jsonl"]


def test_export_replaces_the_file_whole_with_the_usual_permissions(tmp_path):
    out = tmp_path / "copy.jsonl"
    out.write_text("old\n")
    assert main(["export", "--suite", "paper", "--families", "paper-bf-copy", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 100 and all(json.loads(line)["family"] == "paper-bf-copy" for line in lines)
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.jsonl"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_export_out_that_is_a_directory_or_under_a_file_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("x")
    result = cli("export", "--suite", "paper", "--out", str(tmp_path))
    assert result.returncode == 2
    one_line_error(result, "is a directory")
    result = cli("export", "--suite", "paper", "--out", str(tmp_path / "a-file" / "out.jsonl"))
    assert result.returncode == 2
    one_line_error(result, "which is a file, not a directory")
    assert (tmp_path / "a-file").read_text() == "x"


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
def test_export_to_a_full_device_or_full_stdout_is_one_line():
    result = cli("export", "--suite", "paper", "--families", "paper-bf-copy", "--out", "/dev/full")
    assert result.returncode == 1
    one_line_error(result, "cannot write /dev/full", "No space left")
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [*CLI, "export", "--suite", "paper", "--out", "-"], stdout=full, stderr=subprocess.PIPE, timeout=120
        )
    assert result.returncode == 1
    one_line_error(result, "cannot write stdout")


def test_families_take_the_same_comma_list_in_export_and_bench():
    export = build_parser("export").parse_args(["export", "--suite", "pqt", "--out", "-", "--families", "reverse,add"])
    bench = build_parser("bench").parse_args(
        ["bench", "--model", "oracle", "--suite", "pqt", "--out", "x", "--families", "reverse,add"]
    )
    assert export.families == bench.families == ("reverse", "add")


# ---------------------------------------------------------------- run and demo


@pytest.mark.skipif(not HAS_DEV_FULL, reason="needs /dev/full")
@pytest.mark.parametrize("args, stdin", [(("run", "--lang", "bf", "-"), b"+" * 65 + b"."), (("demo",), None)])
def test_writing_to_a_full_stdout_is_one_line(args, stdin):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([*CLI, *args], input=stdin, stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert result.returncode == 1
    one_line_error(result, f"reasonenv {args[0]}: cannot write the output", "No space left on device")


def test_run_input_passes_the_argument_bytes_unchanged():
    result = cli("run", "--lang", "bf", "-", "--input", b"\xff\xfe", stdin=b",[.,]")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"\xff\xfe"
    result = cli("run", "--lang", "bf", "-", "--input", "é", stdin=b",[.,]")
    assert result.stdout == "é".encode()


def test_an_endless_program_on_stdin_fails_after_the_limit(tmp_path):
    endless = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        result = subprocess.run(
            [*CLI, "run", "--lang", "bf", "-", "--max-source", "1000"],
            stdin=endless.stdout,
            capture_output=True,
            timeout=60,
        )
    finally:
        endless.kill()
        endless.wait()
    assert result.returncode == 2
    one_line_error(result, "the program on stdin is longer than 4,000 bytes", "--max-source 1,000")


def test_an_endless_input_file_fails_after_the_limit(tmp_path):
    program = tmp_path / "cat.b"
    program.write_text(",[.,]")
    result = cli("run", "--lang", "bf", str(program), "--input-file", "/dev/zero")
    assert result.returncode == 2
    one_line_error(result, "input file '/dev/zero' is longer than 16,777,216 bytes", "--max-input")
    result = cli("run", "--lang", "bf", str(program), "--input-file", "/dev/zero", "--max-input", "10")
    one_line_error(result, "longer than 10 bytes")


def test_bounded_reads_stop_one_byte_past_the_limit():
    stream = io.BytesIO(b"x" * 1000)
    with pytest.raises(InputTooLarge, match="longer than 10 bytes"):
        read_bounded(stream, 10, "the input", "hint")
    assert stream.tell() == 11
    assert read_bounded(io.BytesIO(b"x" * 10), 10, "the input", "hint") == b"x" * 10


def test_a_program_longer_than_max_source_characters_is_refused_before_running(tmp_path):
    program = tmp_path / "long.b"
    program.write_text("é" * 6)  # 6 characters, 12 bytes
    assert cli("run", "--lang", "bf", str(program), "--max-source", "6").returncode == 0
    result = cli("run", "--lang", "bf", str(program), "--max-source", "5")
    assert result.returncode == 2
    one_line_error(result, "has 6 characters, more than --max-source 5 characters")


def test_unreadable_program_paths_are_one_line(tmp_path):
    for path in (str(tmp_path), str(tmp_path / "missing.b")):
        result = cli("run", "--lang", "bf", path)
        assert result.returncode == 2
        one_line_error(result, "cannot read program file")


# ---------------------------------------------------------------- version, languages python, help


def test_version_matches_the_package_metadata():
    from importlib.metadata import version

    import reasonenv

    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"reasonenv {reasonenv.__version__}"
    assert version("reasonenv") == reasonenv.__version__


def test_languages_python_shows_the_benchmark_control_language(capsys):
    from reasonenv.bench.prompts import PYTHON_DOC

    assert main(["languages", "python"]) == 0
    assert PYTHON_DOC in capsys.readouterr().out
    assert main(["languages", "python", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "python"
    assert main(["languages"]) == 0
    assert any(line.startswith("python ") for line in capsys.readouterr().out.splitlines())


def test_bench_help_lists_every_suite_and_shows_defaults():
    from curricula.suites import suite_names

    shown = " ".join(cli("bench", "--help").stdout.decode().split())
    listed = shown.split("task suite:", 1)[1]
    for name in suite_names():
        assert name in listed
    for default in ("(default: zero-shot)", "(default: 0.0)", "(default: 2048)", "(default: python,bf)"):
        assert default in shown


def test_help_lists_every_command_without_importing_them():
    from reasonenv.cli import COMMANDS

    shown = cli("--help").stdout.decode()
    for name in COMMANDS:
        assert f"    {name}" in shown
