"""Every ```python and ```bash block of README.md runs as written, so the README stays true.

Python blocks run in a fresh interpreter, shell blocks under `bash -e -o
pipefail` with this interpreter's bin directory first on PATH; both in an
empty temporary directory. A block preceded by the comment

    <!-- readme-test: slow -->

(installs, training, the benchmark against a server) runs only in the slow
suite (`make test-slow`, i.e. `pytest -m slow`), so nothing is left unrun:
- blocks that call `make` run in a fresh `git clone` of this repository
  (the Quickstart promises a clean clone);
- a block that names an endpoint `http://127.0.0.1:PORT/v1` gets the
  loopback fake OpenAI server (tests/fake_openai_server.py) on that port,
  serving the model named by `--model`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SLOW_MARKER = re.compile(r"<!--\s*readme-test:\s*slow\b")
FENCE = re.compile(r"^```(\w*)\s*$")
BIN = Path(sys.executable).parent
FAST_TIMEOUT_S = 300
SLOW_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Snippet:
    language: str  # "python" or "bash"
    line: int  # 1-based line of the opening fence
    code: str
    slow: bool

    @property
    def name(self) -> str:
        return f"README.md:{self.line}:{self.language}"


def snippets(text: str | None = None) -> list[Snippet]:
    """The python and bash blocks of the README, with whether a slow marker precedes them."""
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    found, index = [], 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start, language = index, match.group(1)
        end = next((j for j in range(start + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
        before = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        if language in ("python", "bash"):
            found.append(
                Snippet(language, start + 1, "\n".join(lines[start + 1 : end]) + "\n", bool(SLOW_MARKER.search(before)))
            )
        index = end + 1
    return found


ALL = snippets()
FAST = [s for s in ALL if not s.slow]
SLOW = [s for s in ALL if s.slow]


def run_snippet(snippet: Snippet, cwd: Path, timeout: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "MPLBACKEND": "Agg"}
    env.pop("PYTHONPATH", None)
    if snippet.language == "python":
        command = [sys.executable, "-c", snippet.code]
    else:
        command = ["bash", "-e", "-o", "pipefail", "-c", snippet.code]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def check(snippet: Snippet, result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, (
        f"{snippet.name} failed with exit status {result.returncode}\n--- code\n{snippet.code}"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )


def test_the_readme_has_python_and_bash_snippets():
    assert {s.language for s in ALL} == {"python", "bash"}
    parsed = snippets(
        "text\n<!-- readme-test: slow -->\n```bash\nmake demo\n```\n\n```python\nx = 1\n```\n```text\nno\n```\n"
    )
    assert [(s.language, s.slow, s.code) for s in parsed] == [
        ("bash", True, "make demo\n"),
        ("python", False, "x = 1\n"),
    ]


@pytest.mark.parametrize("snippet", FAST, ids=[s.name for s in FAST])
def test_snippet_runs_as_written(snippet, tmp_path):
    check(snippet, run_snippet(snippet, tmp_path, FAST_TIMEOUT_S))
    report = tmp_path / SAMPLE_REPORT
    if report.exists():
        shown = sample_report_lines()
        written = [line for line in report.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert shown and in_order(shown, written), (
            f"README's sample report differs from {SAMPLE_REPORT}:\n" + "\n".join(written)
        )


SAMPLE_REPORT = "runs/oracle/report.md"


def sample_report_lines() -> list[str]:
    """The README's sample report: the non-blank lines after the paragraph that starts 'Sample report', to the next heading."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index("Sample report") :].split("\n\n", 1)[1]
    section = after.split("\n#", 1)[0]
    return [line for line in section.splitlines() if line.strip()]


def in_order(needles: list[str], lines: list[str]) -> bool:
    """Whether needles appear among lines, consecutively and in order."""
    return any(lines[i : i + len(needles)] == needles for i in range(len(lines) - len(needles) + 1))


def test_a_fast_snippet_writes_the_sample_report():
    assert any(f"reasonenv report {SAMPLE_REPORT.split('/')[0]}/oracle" in s.code for s in FAST)
    assert "| **all** |" in "\n".join(sample_report_lines())


@pytest.mark.slow
@pytest.mark.timeout(SLOW_TIMEOUT_S)
@pytest.mark.parametrize("snippet", SLOW, ids=[s.name for s in SLOW])
def test_slow_snippet_runs_as_written(snippet, tmp_path):
    cwd = tmp_path
    if re.search(r"^\s*make\b", snippet.code, flags=re.MULTILINE):
        cwd = tmp_path / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(cwd)], check=True, timeout=300)
    servers = [
        start_fake_server(int(port), snippet.code) for port in re.findall(r"http://127\.0\.0\.1:(\d+)/v1", snippet.code)
    ]
    try:
        check(snippet, run_snippet(snippet, cwd, SLOW_TIMEOUT_S))
    finally:
        for server in servers:
            server.stop()


def start_fake_server(port: int, code: str):
    """The loopback fake OpenAI server on `port`, serving the models the snippet names (answers: an empty program)."""
    from fake_openai_server import FakeOpenAIServer  # registered by tests/conftest.py

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            pytest.skip(f"port {port} is in use: the snippet's endpoint cannot be served here")
    models = tuple(re.findall(r"--model\s+(\S+)", code))
    return FakeOpenAIServer(port=port, models=models).start()


def test_every_slow_snippet_has_a_runner():
    """Slow snippets are not skipped for good: the slow suite runs them, and `make test-slow` runs the slow suite."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test-slow:.*\n\t.*pytest -m slow", makefile, flags=re.MULTILINE)
    assert shutil.which("bash"), "shell snippets need bash"
