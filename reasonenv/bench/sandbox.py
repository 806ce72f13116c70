"""Run untrusted model-written Python (the benchmark's control language) on test inputs, contained.

Two guards, chosen at runtime and recorded in every result:

``namespace`` (used when running as root on Linux with the ``unshare`` tool):
    the program runs under ``unshare --net --mount --pid --fork --kill-child``:
    an empty network namespace (no interface but a down loopback), a private
    mount namespace in which every mount is remounted read-only except the
    program's empty temporary working directory, and its own PID namespace.
    It then drops root for an unprivileged, otherwise unused uid (so
    RLIMIT_NPROC, which the kernel never enforces for uid 0, applies and counts
    only the sandbox's own processes), and every test runs in a forked child
    with RLIMIT_CPU, RLIMIT_AS, RLIMIT_FSIZE and RLIMIT_NPROC set. After each
    test every process left in the PID namespace is killed.

``audit-hook`` (the weaker fallback, used where namespaces are unavailable):
    the same rlimits except RLIMIT_NPROC (for a non-root user it would count
    all of that user's processes), a process group killed after each test, and
    a Python audit hook that refuses sockets, process creation, ctypes and
    opening or changing files outside the working directory. Audit hooks are a
    tripwire, not a wall (C extensions are not audited), so results say which
    guard was used. Set REASONENV_SANDBOX_GUARD=audit-hook to force it.

Each test feeds the test's input on stdin and captures stdout exactly; the
outcome maps onto the interpreters' statuses: ok, syntax_error, runtime_error,
step_limit (CPU or wall-clock limit), memory_limit, output_limit (file size
limit), with the reason in ``error``. Programs run with ``python -I -S``:
the standard library only.

Each run's directory is ``reasonenv-sandbox-<pid>-*`` in the temporary
directory, removed when the run ends. A benchmark killed with ``kill -9``
cannot remove its own, so `remove_stale_sandboxes` (called when a benchmark
starts) deletes those whose owning process is gone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import math
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass

from esolangs.base import Execution
from esolangs.validation import check_number_field

GUARDS = ("namespace", "audit-hook")
SANDBOX_PREFIX = "reasonenv-sandbox-"
STALE_UNOWNED_SECONDS = 3600.0
"""A sandbox directory without an owner pid in its name (older releases) is stale after this long."""
SANDBOX_UID_BASE = 1_500_000
"""Unprivileged uids for the namespace guard start here (no account needs to exist)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-test bounds for one Python program run."""

    cpu_seconds: int = 2
    """RLIMIT_CPU of each test process, in whole seconds (the process gets SIGXCPU past it)."""
    wall_seconds: float = 5.0
    """Wall-clock time a test may take before everything it started is killed."""
    memory_bytes: int = 512 * 1024 * 1024
    """RLIMIT_AS of each test process: address space, so a 10 GB allocation fails with MemoryError."""
    file_bytes: int = 1024 * 1024
    """RLIMIT_FSIZE: the largest file the program may write, stdout and stderr included."""
    processes: int = 32
    """RLIMIT_NPROC under the namespace guard (processes of the sandbox uid)."""

    def validate(self) -> SandboxLimits:
        checks = {
            "cpu_seconds": (1, 3600),
            "wall_seconds": (0.1, 7200),
            "memory_bytes": (64 * 1024 * 1024, 1 << 40),
            "file_bytes": (1024, 1 << 34),
            "processes": (1, 4096),
        }
        for name, (low, high) in checks.items():
            check_number_field(self, name, low, high)
        if not isinstance(self.cpu_seconds, int):
            raise ValueError(f"SandboxLimits.cpu_seconds must be a whole number of seconds, got {self.cpu_seconds!r}")
        return self


@dataclass(frozen=True)
class SandboxRun:
    """Executions, one per input, and the guard that contained them."""

    executions: tuple[Execution, ...]
    guard: str
    guard_note: str = ""


# The program that runs inside the sandbox: set up the guard, then run each test in a forked child.
# It reads its settings from argv[1] and writes one JSON object per test to its stdout.
_BOOTSTRAP = r"""
import builtins, io, json, os, re, resource, select, signal, sys, time, traceback
cfg = json.loads(sys.argv[1])
guard = cfg["guard"]; root = cfg["root"]; work = os.path.join(root, "work")
with open(os.path.join(root, "program.py"), "rb") as f:
    source = f.read()
inputs = [bytes(x, "latin-1") for x in cfg["inputs"]]
notes = []
if guard == "namespace":
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
    def mount(src, target, flags):
        if libc.mount(src and src.encode(), target.encode(), None, flags, None) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "mount %s: %s" % (target, os.strerror(err)))
    mount(None, "/", MS_REC | MS_PRIVATE)
    python_view = os.path.join(root, "python")
    mount(cfg["python_prefix"], python_view, MS_BIND | MS_REC)
    mount(work, work, MS_BIND)
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point != work and point not in points:
                points.append(point)
    failed = []
    for point in points:
        try:
            keep = os.statvfs(point).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
            mount(None, point, MS_BIND | MS_REMOUNT | MS_RDONLY | keep)
        except OSError:
            failed.append(point)
    if failed:
        notes.append("could not make read-only: " + ", ".join(failed))
    uid = cfg["uid"]
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["processes"], cfg["processes"]))
    os.setgroups([]); os.setgid(uid); os.setuid(uid)
    prefix = cfg["python_prefix"]
    moved = lambda p: python_view + p[len(prefix):] if isinstance(p, str) and p.startswith(prefix) else p
    sys.path[:] = [moved(p) for p in sys.path]
    for module in list(sys.modules.values()):
        if isinstance(getattr(module, "__path__", None), list):
            module.__path__[:] = [moved(p) for p in module.__path__]
    sys.path_importer_cache.clear()
os.chdir(work)
os.environ.clear(); os.environ.update({"HOME": work, "TMPDIR": work, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

def audit_hook(event, args):
    def outside(path):
        if isinstance(path, int):
            return False
        real = os.path.realpath(os.fsdecode(path))
        return not (real == work or real.startswith(work + os.sep))
    if event.startswith("socket.") or event.startswith("ctypes.") or event in (
        "os.fork", "os.forkpty", "os.system", "os.posix_spawn", "os.exec", "os.spawn", "subprocess.Popen",
        "os.kill", "os.killpg", "pty.spawn", "os.startfile", "mmap.__new__",
    ):
        raise PermissionError("sandbox: %s is not allowed" % event)
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None))[:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
        if writing and outside(path):
            raise PermissionError("sandbox: writing outside the working directory is not allowed: %r" % (path,))
    elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate",
                   "os.link", "os.symlink", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"):
        if any(isinstance(a, (str, bytes)) and outside(a) for a in args):
            raise PermissionError("sandbox: changing files outside the working directory is not allowed")

try:
    code = compile(source, "main.py", "exec")
except (SyntaxError, ValueError) as err:
    for _ in inputs:
        print(json.dumps({"status": "syntax_error", "output": "", "error": "%s: %s" % (type(err).__name__, err)}), flush=True)
    sys.exit(0)

MEMORY_EXIT, FSIZE_EXIT = 120, 121

def child(stdin_fd, out_fd, err_fd):
    os.dup2(stdin_fd, 0); os.dup2(out_fd, 1); os.dup2(err_fd, 2)
    for fd in (stdin_fd, out_fd, err_fd):
        os.close(fd)
    if guard == "audit-hook":
        os.setpgid(0, 0)
    cpu = cfg["cpu_seconds"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (cfg["memory_bytes"], cfg["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["file_bytes"], cfg["file_bytes"]))
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="surrogateescape")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="surrogateescape")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace", line_buffering=True)
    sys.argv = ["main.py"]
    if guard == "audit-hook":
        sys.addaudithook(audit_hook)
    status = 0
    try:
        exec(code, {"__name__": "__main__", "__builtins__": builtins, "__file__": "main.py"})
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    except MemoryError:
        status = MEMORY_EXIT
    except OSError as err:
        traceback.print_exc()
        status = FSIZE_EXIT if err.errno == 27 else 1
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
        status = 1
    try:
        sys.stdout.flush()
    except MemoryError:
        status = MEMORY_EXIT
    except OSError as err:
        status = FSIZE_EXIT if err.errno == 27 else (status or 1)
    try:
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(status & 0xFF)

def reap_everything(pid):
    try:
        if guard == "namespace":
            os.kill(-1, signal.SIGKILL)  # every process of the sandbox uid in this PID namespace, except us
        else:
            os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break

def read_all(fd, limit):
    os.lseek(fd, 0, 0)
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)[:limit]

for data in inputs:
    stdin_fd = os.memfd_create("stdin"); os.write(stdin_fd, data); os.lseek(stdin_fd, 0, 0)
    out_fd = os.memfd_create("stdout"); err_fd = os.memfd_create("stderr")
    started = time.monotonic()
    try:
        pid = os.fork()
    except OSError as err:
        print(json.dumps({"status": "runtime_error", "output": "", "error": "sandbox could not start the test: %s" % err}), flush=True)
        continue
    if pid == 0:
        try:
            child(stdin_fd, out_fd, err_fd)
        finally:
            os._exit(1)
    watcher = os.pidfd_open(pid)
    timed_out = not select.select([watcher], [], [], cfg["wall_seconds"])[0]
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, wait_status = os.waitpid(pid, 0)
    os.close(watcher)
    elapsed = time.monotonic() - started
    reap_everything(pid)
    output = read_all(out_fd, cfg["file_bytes"])
    errors = read_all(err_fd, cfg["file_bytes"]).decode("utf-8", "replace")
    for fd in (stdin_fd, out_fd, err_fd):
        os.close(fd)
    # The reason is the last exception line; forked children may interleave their tracebacks after it.
    lines = [l.strip() for l in errors.strip().splitlines() if l.strip()]
    exception_lines = [l for l in lines if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", l)]
    tail = (exception_lines or lines or [""])[-1][:300]
    if timed_out:
        status, error = "step_limit", "killed at the wall-clock limit of %gs" % cfg["wall_seconds"]
    elif os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        if sig == signal.SIGXCPU:
            status, error = "step_limit", "killed at the CPU time limit of %ds (SIGXCPU)" % cfg["cpu_seconds"]
        elif sig == signal.SIGXFSZ:
            status, error = "output_limit", "killed at the file size limit of %d bytes (SIGXFSZ)" % cfg["file_bytes"]
        else:
            status, error = "runtime_error", "killed by signal %s" % signal.Signals(sig).name
    else:
        code_ = os.WEXITSTATUS(wait_status)
        if code_ == 0:
            status, error = "ok", None
        elif code_ == MEMORY_EXIT:
            status, error = "memory_limit", "MemoryError: address space limited to %d bytes" % cfg["memory_bytes"]
        elif code_ == FSIZE_EXIT:
            status, error = "output_limit", "file size limit of %d bytes exceeded: %s" % (cfg["file_bytes"], tail)
        else:
            status, error = "runtime_error", "exit status %d: %s" % (code_, tail or "(no message)")
    print(json.dumps({"status": status, "output": output.decode("latin-1"), "error": error,
                      "seconds": round(elapsed, 4)}), flush=True)
if notes:
    print(json.dumps({"note": "; ".join(notes)}), flush=True)
"""

_uid_slots = itertools.count()
_guard_cache: tuple[str, str] | None = None


def _forced_guard() -> str | None:
    forced = os.environ.get("REASONENV_SANDBOX_GUARD", "").strip()
    if forced and forced not in GUARDS:
        raise ValueError(f"REASONENV_SANDBOX_GUARD must be one of {list(GUARDS)}, got {forced!r}")
    return forced or None


def _namespace_unavailable_reason() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"namespaces need Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return f"namespaces and a separate sandbox uid need root; running as uid {os.geteuid()}"
    if shutil.which("unshare") is None:
        return "the unshare tool (util-linux) is not installed"
    return None


async def detect_guard() -> tuple[str, str]:
    """(guard, note): the strongest guard that works here, checked once by running a probe program."""
    global _guard_cache
    forced = _forced_guard()
    if forced:
        return forced, "forced by REASONENV_SANDBOX_GUARD"
    if _guard_cache is not None:
        return _guard_cache
    reason = _namespace_unavailable_reason()
    if reason is None:
        probe = await _run("namespace", "import socket\nprint(input()[::-1])\n", [b"olleh\n"], SandboxLimits())
        execution = probe.executions[0] if probe.executions else None
        if execution is not None and execution.status == "ok" and execution.output == b"hello\n":
            _guard_cache = ("namespace", probe.guard_note)
            return _guard_cache
        # A probe that exits ok with the wrong output has no error text: name its status instead.
        reason = "namespace probe failed: " + (
            (execution.error or f"{execution.status}, output {execution.output!r:.80}")
            if execution
            else probe.guard_note or "no result"
        )
    _guard_cache = ("audit-hook", reason)
    return _guard_cache


async def run_python(
    program: str, inputs: list[bytes], limits: SandboxLimits | None = None, *, guard: str | None = None
) -> SandboxRun:
    """Run `program` once per input (stdin) under the guard and limits; one Execution per input."""
    limits = (limits or SandboxLimits()).validate()
    if guard is None:
        guard, note = await detect_guard()
    else:
        if guard not in GUARDS:
            raise ValueError(f"guard must be one of {list(GUARDS)}, got {guard!r}")
        note = ""
    run = await _run(guard, program, inputs, limits)
    return dataclasses.replace(run, guard_note="; ".join(n for n in (note, run.guard_note) if n))


async def _run(guard: str, program: str, inputs: list[bytes], limits: SandboxLimits) -> SandboxRun:
    if not inputs:
        return SandboxRun((), guard)
    root = tempfile.mkdtemp(prefix=f"{SANDBOX_PREFIX}{os.getpid()}-")
    try:
        os.chmod(root, 0o755)
        work = os.path.join(root, "work")
        os.mkdir(work, 0o700)
        with open(os.path.join(root, "program.py"), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(program)
        os.chmod(os.path.join(root, "program.py"), 0o600)
        settings = {
            "guard": guard,
            "root": root,
            "inputs": [bytes(x).decode("latin-1") for x in inputs],
            "cpu_seconds": limits.cpu_seconds,
            "wall_seconds": limits.wall_seconds,
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "processes": limits.processes,
        }
        command = [sys.executable, "-I", "-S", "-X", "utf8", "-c", _BOOTSTRAP]
        if guard == "namespace":
            uid = SANDBOX_UID_BASE + (os.getpid() % 4096) * 1024 + next(_uid_slots) % 1024
            os.chown(work, uid, uid)
            os.mkdir(os.path.join(root, "python"), 0o755)
            settings.update(uid=uid, python_prefix=os.path.realpath(sys.base_prefix))
            command = ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child", *command]
        command.append(json.dumps(settings))
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        budget = len(inputs) * (limits.wall_seconds + 1.0) + 10.0
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), budget)
        except asyncio.TimeoutError:
            _kill_group(process.pid)
            await process.wait()
            return SandboxRun(
                tuple(Execution("step_limit", b"", 0, f"sandbox killed after {budget:.0f}s") for _ in inputs), guard
            )
        finally:
            if process.returncode is None:
                _kill_group(process.pid)
                await process.wait()
        executions: list[Execution] = []
        note = ""
        for line in stdout.decode("utf-8", "replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "note" in record:
                note = record["note"]
                continue
            executions.append(Execution(record["status"], record["output"].encode("latin-1"), 0, record.get("error")))
        if len(executions) < len(inputs):
            why = stderr.decode("utf-8", "replace").strip().splitlines()
            reason = f"sandbox failed (exit {process.returncode}): {why[-1] if why else 'no message'}"
            executions += [Execution("runtime_error", b"", 0, reason)] * (len(inputs) - len(executions))
            note = note or reason
        return SandboxRun(tuple(executions[: len(inputs)]), guard, note)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def remove_stale_sandboxes(directory: str | None = None) -> list[str]:
    """Delete sandbox directories left by processes that died without cleaning up (kill -9); returns their paths.

    A directory is stale when the pid in its name is not a running process, or, for a name without a pid,
    when it is older than STALE_UNOWNED_SECONDS. Live runs (this process's included) are never touched.
    """
    import time

    directory = directory or tempfile.gettempdir()
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not name.startswith(SANDBOX_PREFIX):
            continue
        path = os.path.join(directory, name)
        owner = name[len(SANDBOX_PREFIX) :].split("-", 1)[0]
        try:
            if owner.isdigit() and "-" in name[len(SANDBOX_PREFIX) :]:
                stale = not _process_alive(int(owner))
            else:
                stale = time.time() - os.lstat(path).st_mtime > STALE_UNOWNED_SECONDS
            if stale and os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        except OSError:
            continue
    return removed


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def cpu_seconds_for(max_steps: int) -> int:
    """A CPU limit proportionate to an instance's esolang step budget (1 s per 10M steps, at least 2 s)."""
    return max(2, math.ceil(max_steps / 10_000_000))
