"""Tests of the `reasonenv run`, `reasonenv languages` and `reasonenv demo` commands and `python -m reasonenv`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import esolangs
from esolangs.whitespace import assemble
from reasonenv.cli import main
from reasonenv.commands.demo import DEMO_LANGUAGES, run_sample, visible
from reasonenv.commands.languages import family_example, show_alphabet

HELLO = assemble("push 'H'; printc; push 'i'; printc; end")
BINARY = assemble("push 0; printc; push 255; printc; push 10; printc; end")
ECHO_NUMBER_AND_CHAR = assemble(
    "push 0; readn; push 1; readc; push 0; retrieve; push 2; mul; printn; push 1; retrieve; printc; end"
)
DIVIDE_BY_ZERO = assemble("push 'x'; printc; push 1; push 0; div; end")
FOREVER = assemble("top: push 'a'; printc; jump top")


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


# ---------------------------------------------------------------- run


def test_run_writes_the_output_bytes_unchanged(tmp_path, capsysbinary):
    program = write(tmp_path, "bin.ws", BINARY)
    assert main(["run", "--lang", "whitespace", program]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out == b"\x00\xff\n"
    assert captured.err == b""


def test_run_reads_input_from_text_and_from_a_file(tmp_path, capsysbinary):
    program = write(tmp_path, "echo.ws", ECHO_NUMBER_AND_CHAR)
    assert main(["run", "-l", "ws", program, "--input", "21\nZ"]) == 0
    assert capsysbinary.readouterr().out == b"42Z"
    data = write(tmp_path, "in.txt", b"-4\n\xfe")
    assert main(["run", "--lang", "whitespace", program, "--input-file", data]) == 0
    assert capsysbinary.readouterr().out == b"-8\xfe"


def test_run_json_reports_status_output_steps_and_error(tmp_path, capsys):
    program = write(tmp_path, "bin.ws", BINARY)
    assert main(["run", "--lang", "whitespace", program, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"status": "ok", "output": "\x00\xff\n", "steps": 7, "error": None}
    assert report["output"].encode("latin-1") == b"\x00\xff\n"


def test_run_reads_the_program_from_stdin_with_dash(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(HELLO.encode())))
    assert main(["run", "--lang", "whitespace", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == "Hi"


def test_run_failure_exits_1_with_status_and_error_on_stderr(tmp_path, capsysbinary):
    program = write(tmp_path, "div.ws", DIVIDE_BY_ZERO)
    assert main(["run", "--lang", "whitespace", program]) == 1
    captured = capsysbinary.readouterr()
    assert captured.out == b"x"
    assert captured.err.decode().startswith("reasonenv run: runtime_error: div by zero")


def test_run_failure_with_json_exits_1(tmp_path, capsys):
    program = write(tmp_path, "div.ws", DIVIDE_BY_ZERO)
    assert main(["run", "--lang", "whitespace", program, "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["status"] == "runtime_error" and report["output"] == "x" and "zero" in report["error"]
    assert captured.err == ""


def test_run_limits_are_passed_through(tmp_path, capsys):
    program = write(tmp_path, "forever.ws", FOREVER)
    assert main(["run", "--lang", "whitespace", program, "--max-steps", "40", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "step_limit" and report["steps"] == 40 and report["output"] == "a" * 10
    assert main(["run", "--lang", "whitespace", program, "--max-output", "3", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "output_limit" and report["output"] == "aaa"
    assert main(["run", "--lang", "whitespace", program, "--max-memory", "0", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "memory_limit"


def test_run_language_options_engine_and_seed(tmp_path, capsys):
    program = write(tmp_path, "big.ws", assemble("push 200; push 200; mul; printn; end"))
    assert main(["run", "--lang", "whitespace", program, "-O", "max_bits=8", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "runtime_error"
    assert main(["run", "--lang", "whitespace", program, "--engine", "reference", "--seed", "5"]) == 0
    assert capsys.readouterr().out == "40000"


def test_run_bad_option_is_a_one_line_error(tmp_path, capsys):
    program = write(tmp_path, "hello.ws", HELLO)
    assert main(["run", "--lang", "whitespace", program, "-O", "no_such_option=1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no_such_option" in err


def test_run_unknown_language_suggests_a_close_name(tmp_path, capsys):
    program = write(tmp_path, "hello.ws", HELLO)
    assert main(["run", "--lang", "whitespce", program]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "unknown language 'whitespce'" in captured.err and "'whitespace'" in captured.err


def test_run_missing_program_file_is_a_one_line_error(tmp_path, capsys):
    missing = str(tmp_path / "nope.ws")
    assert main(["run", "--lang", "whitespace", missing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read program file" in err and "nope.ws" in err


def test_run_missing_input_file_is_a_one_line_error(tmp_path, capsys):
    program = write(tmp_path, "hello.ws", HELLO)
    assert main(["run", "--lang", "whitespace", program, "--input-file", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read input file" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--lang", "ws", "x", "--max-steps", "-1"],
        ["run", "--lang", "ws", "x", "--input", "a", "--input-file", "b"],
        ["run", "x"],
        ["run", "--lang", "ws", "x", "-O", "novalue"],
    ],
)
def test_run_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_run_utf8_program_text_matches_the_api(tmp_path, capsys):
    # comments in UTF-8 must not change a Whitespace program
    program = write(tmp_path, "commented.ws", "".join(f"{ch}é→" for ch in HELLO))
    assert main(["run", "--lang", "whitespace", program]) == 0
    assert capsys.readouterr().out == "Hi"


# ---------------------------------------------------------------- languages


def test_languages_table_lists_every_language_and_family(capsys):
    assert main(["languages"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["name", "aliases", "title", "alphabet"]
    for name in esolangs.names():
        language = esolangs.get(name)
        row = next(line for line in lines if line.startswith(name + " "))
        assert language.title in row and show_alphabet(language.alphabet) in row
    assert any(line.startswith("whitespace ") and "[Space] [Tab] [LF]" in line for line in lines)
    for family in esolangs.families():
        assert any(line.startswith(family) for line in lines)


def test_languages_name_prints_the_doc(capsys):
    assert main(["languages", "WS"]) == 0
    assert capsys.readouterr().out == esolangs.get("whitespace").doc.rstrip("\n") + "\n"


def test_languages_json(capsys):
    assert main(["languages", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in listing["languages"]] == esolangs.names()
    whitespace = next(entry for entry in listing["languages"] if entry["name"] == "whitespace")
    assert whitespace["alphabet"] == [" ", "\t", "\n"] and whitespace["options"] == {"max_bits": 1024}
    assert [family["pattern"] for family in listing["families"]] == esolangs.families()
    assert main(["languages", "whitespace", "--json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert single["doc"] == esolangs.get("whitespace").doc and single["aliases"] == ["ws"]


def test_languages_unknown_name_exits_2(capsys):
    assert main(["languages", "whitspace"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'whitespace'" in err


def test_family_example_and_token_display():
    assert family_example("bf-dialect-<seed>") == "bf-dialect-0"
    assert show_alphabet((" ", "\t", "\n", "Ook. Ook?", "+")) == "[Space] [Tab] [LF] 'Ook. Ook?' +"


# ---------------------------------------------------------------- demo


def test_demo_sample_row_for_a_present_and_a_missing_language():
    row = run_sample("whitespace", "fast")
    assert row["status"] == "ok" and row["matches"] and row["output"] == row["expected"]
    assert row["steps"] == esolangs.run("whitespace", esolangs.get("whitespace").sample[0]).steps
    missing = run_sample("no-such-language", "fast")
    assert missing["status"] == "missing" and not missing["matches"] and "unknown language" in missing["error"]
    assert visible("a\nb\x00" + "z" * 40, 10) == "a\\nb\\x0..."


def test_demo_prints_a_row_per_language_and_exits_by_the_results(capsys):
    code = main(["demo"])
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in DEMO_LANGUAGES}
    assert set(rows) == set(DEMO_LANGUAGES)
    assert rows["whitespace"].split()[1:3] == ["ok", "29"] and " yes " in rows["whitespace"]
    passed = sum(run_sample(name, "fast")["matches"] for name in DEMO_LANGUAGES)
    assert code == (0 if passed == len(DEMO_LANGUAGES) else 1)
    assert f"{passed} of {len(DEMO_LANGUAGES)} samples printed their expected output." in out


def test_demo_every_sample_passes(capsys):
    for name in DEMO_LANGUAGES:
        try:
            esolangs.get(name)
        except ValueError:
            pytest.skip(f"language {name} is not registered yet")
    assert main(["demo", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["language"] for row in rows] == list(DEMO_LANGUAGES)
    assert all(row["status"] == "ok" and row["matches"] for row in rows)


# ---------------------------------------------------------------- real processes


def test_console_script_runs_a_program_from_stdin():
    script = Path(sys.executable).with_name("reasonenv")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    done = subprocess.run(
        [str(script), "run", "--lang", "whitespace", "-", "--json"],
        input=HELLO.encode(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"status": "ok", "output": "Hi", "steps": 5, "error": None}
    bad = subprocess.run([str(script), "run", "--lang", "nope", "-"], input=b"", capture_output=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == b"" and bad.stderr.count(b"\n") == 1


def test_python_dash_m_reasonenv_runs_the_cli(tmp_path):
    program = write(tmp_path, "div.ws", DIVIDE_BY_ZERO)
    done = subprocess.run(
        [sys.executable, "-m", "reasonenv", "run", "--lang", "whitespace", program], capture_output=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stdout == b"x"
    assert done.stderr.startswith(b"reasonenv run: runtime_error")
