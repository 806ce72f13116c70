"""The Python sandbox contains fork bombs, infinite loops, huge allocations, writes outside its directory and sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import uuid

import pytest

from reasonenv.bench.sandbox import (
    SANDBOX_UID_BASE,
    SandboxLimits,
    _namespace_unavailable_reason,
    detect_guard,
    run_python,
)

FAST = SandboxLimits(cpu_seconds=1, wall_seconds=2.0, processes=16)
GUARDS = ["audit-hook"] + ([] if _namespace_unavailable_reason() else ["namespace"])


def run(program: str, inputs: list[bytes], guard: str, limits: SandboxLimits = FAST):
    return asyncio.run(run_python(program, inputs, limits, guard=guard))


def sandbox_uid_processes() -> int:
    """Live processes under the sandbox uids of this test process (other xdist workers run sandboxes too)."""
    first = SANDBOX_UID_BASE + (os.getpid() % 4096) * 1024
    out = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
    return sum(1 for uid in out if first <= int(uid) < first + 1024)


@pytest.mark.parametrize("guard", GUARDS)
def test_a_correct_program_reads_stdin_and_its_stdout_is_captured_exactly(guard):
    program = "import sys\ndata = sys.stdin.buffer.read()\nsys.stdout.buffer.write(data[::-1])\n"
    result = run(program, [b"abc\n", b"\xff\x00z"], guard)
    assert result.guard == guard
    assert [(e.status, e.output) for e in result.executions] == [("ok", b"\ncba"), ("ok", b"z\x00\xff")]


@pytest.mark.parametrize("guard", GUARDS)
def test_fork_bomb_is_contained_and_fails_with_a_reason(guard):
    result = run("import os\nwhile True:\n    os.fork()\n", [b""], guard)
    execution = result.executions[0]
    assert execution.status == "runtime_error"
    if guard == "namespace":
        assert "Resource temporarily unavailable" in execution.error  # RLIMIT_NPROC stopped it
    else:
        assert "os.fork is not allowed" in execution.error
    assert sandbox_uid_processes() == 0  # nothing survived the test


@pytest.mark.parametrize("guard", GUARDS)
def test_infinite_loop_is_killed_at_the_cpu_limit(guard):
    # a generous wall limit, so that on a loaded machine the CPU limit is still the one that fires
    execution = run("while True:\n    pass\n", [b""], guard, SandboxLimits(cpu_seconds=1, wall_seconds=30)).executions[
        0
    ]
    assert execution.status == "step_limit"
    assert "CPU time limit" in execution.error


@pytest.mark.parametrize("guard", GUARDS)
def test_sleeping_program_is_killed_at_the_wall_clock_limit(guard):
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=0.5)
    execution = run("import time\ntime.sleep(30)\n", [b""], guard, limits).executions[0]
    assert execution.status == "step_limit"
    assert "wall-clock" in execution.error


@pytest.mark.parametrize("guard", GUARDS)
def test_ten_gigabyte_allocation_fails_with_memory_limit(guard):
    execution = run("block = bytearray(10 * 1024 ** 3)\nprint(len(block))\n", [b""], guard).executions[0]
    assert execution.status == "memory_limit"
    assert "MemoryError" in execution.error


@pytest.mark.parametrize("guard", GUARDS)
def test_writes_outside_the_working_directory_fail_and_leave_no_file(guard, tmp_path):
    target = tmp_path / f"escape-{uuid.uuid4().hex}.txt"
    tmp_target = f"/tmp/escape-{uuid.uuid4().hex}.txt"
    for path in (str(target), tmp_target, "../escape.txt"):
        program = f"open({path!r}, 'w').write('escaped')\nprint('wrote')\n"
        execution = run(program, [b""], guard).executions[0]
        assert execution.status == "runtime_error", path
        assert any(
            r in execution.error
            for r in ("Read-only file system", "Permission denied", "outside the working directory")
        )
    assert not target.exists() and not os.path.exists(tmp_target)
    # ...while the program's own directory is writable
    execution = run("open('notes.txt', 'w').write('x')\nprint(open('notes.txt').read())\n", [b""], guard).executions[0]
    assert (execution.status, execution.output) == ("ok", b"x\n")


@pytest.mark.parametrize("guard", GUARDS)
def test_socket_connection_fails_even_to_a_listening_local_port(guard):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    program = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint('connected')\n"
    execution = run(program, [b""], guard).executions[0]
    listener.settimeout(0.1)
    with pytest.raises(socket.timeout):  # no connection is waiting in the backlog
        listener.accept()
    listener.close()
    assert execution.status == "runtime_error"
    assert execution.output == b""
    assert any(reason in execution.error for reason in ("Connection refused", "unreachable", "is not allowed"))


@pytest.mark.parametrize("guard", GUARDS)
def test_output_flood_stops_at_the_file_size_limit(guard):
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=2.0, file_bytes=4096)
    execution = run("while True:\n    print('x' * 1000)\n", [b""], guard, limits).executions[0]
    assert execution.status == "output_limit"
    assert len(execution.output) <= 4096


def test_syntax_error_and_exit_status_are_reported():
    result = run("def broken(:\n", [b"", b""], "audit-hook")
    assert [e.status for e in result.executions] == ["syntax_error", "syntax_error"]
    execution = run("import sys\nprint('partial')\nsys.exit(3)\n", [b""], "audit-hook").executions[0]
    assert (execution.status, execution.output) == ("runtime_error", b"partial\n")
    assert "exit status 3" in execution.error


def test_detected_guard_is_the_strongest_available():
    guard, note = asyncio.run(detect_guard())
    expected = (
        "audit-hook"
        if _namespace_unavailable_reason() or os.environ.get("REASONENV_SANDBOX_GUARD") == "audit-hook"
        else "namespace"
    )
    assert guard == expected, note


def test_limits_validate_names_the_field():
    with pytest.raises(ValueError, match="SandboxLimits.cpu_seconds"):
        SandboxLimits(cpu_seconds=0).validate()
    with pytest.raises(ValueError, match="SandboxLimits.memory_bytes"):
        SandboxLimits(memory_bytes=10).validate()


def test_kill_9_leaves_a_sandbox_dir_that_the_next_run_removes(tmp_path):
    """A real subprocess is killed mid-test; its directory stays until remove_stale_sandboxes (run by bench) sees it."""
    import signal
    import sys
    import tempfile
    import time
    from pathlib import Path

    from reasonenv.bench.sandbox import SANDBOX_PREFIX, remove_stale_sandboxes

    script = (
        "import asyncio\n"
        "from reasonenv.bench.sandbox import SandboxLimits, run_python\n"
        "asyncio.run(run_python('import time\\ntime.sleep(30)\\n', [b''], SandboxLimits(cpu_seconds=1, wall_seconds=4),"
        " guard='audit-hook'))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=str(root))
    process = subprocess.Popen([sys.executable, "-c", script], cwd=root, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(tmp_path.glob(f"{SANDBOX_PREFIX}{process.pid}-*")):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    (left,) = tmp_path.glob(f"{SANDBOX_PREFIX}{process.pid}-*")
    mine = tmp_path / f"{SANDBOX_PREFIX}{os.getpid()}-live"
    mine.mkdir()
    unowned_old = tmp_path / f"{SANDBOX_PREFIX}abc123"
    unowned_old.mkdir()
    os.utime(unowned_old, (time.time() - 7200, time.time() - 7200))
    unowned_new = tmp_path / f"{SANDBOX_PREFIX}xyz789"
    unowned_new.mkdir()
    assert sorted(remove_stale_sandboxes(str(tmp_path))) == sorted([str(left), str(unowned_old)])
    assert mine.exists() and unowned_new.exists() and not left.exists()
    # a benchmark that asks in Python cleans them at its start (in the real temporary directory, where it runs)
    stale = Path(tempfile.gettempdir()) / f"{SANDBOX_PREFIX}{process.pid}-{uuid.uuid4().hex}"
    stale.mkdir()
    from reasonenv.bench.models import OracleModel
    from reasonenv.bench.runner import BenchConfig, run_bench

    config = BenchConfig(
        model="oracle",
        suite="paper",
        languages=("python",),
        families=("paper-bf-copy",),
        limit=1,
        out=tmp_path / "run",
        progress=False,
    )
    assert asyncio.run(run_bench(config, OracleModel()))["solved"] == 1
    assert not stale.exists()
