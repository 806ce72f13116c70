"""Ray processes that outlive their trainer: find them by session, end those of dead sessions, end our own at exit.

Why they survive: a local `ray.init()` starts a session folder
RAY_TMPDIR/ray/session_<date>_<time>_<usec>_<PID of the driver> with
GCS, raylet, dashboard, log monitor and autoscaler monitor as the
driver's children. The raylet starts DashboardAgent and RuntimeEnvAgent.
When the driver is killed with kill -9 the GCS, raylet and the rest
follow it, but the two agents are re-parented to PID 1, keep running
(~180 MB) and do not exit on SIGTERM (they catch it and keep waiting).
They retitle themselves (`ray::DashboardAgent`), which hides the
session in their command line, but they keep their log files in
SESSION/logs open, so /proc/PID/fd still names their session.

A session is dead when none of these runs: the process that created it
(the PID in its name, started before the session's time stamp, so a
reused PID does not count), its GCS server, its raylet. A `ray start`
cluster's creator (the `ray start` command) exits at once, but its GCS
and raylet stay up, so a live cluster is never touched; neither is a
live `ray.init()` driver's session. Only processes of dead sessions are
ended (SIGKILL: SIGTERM is what they ignore).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from agents import processes

SESSION = re.compile(r"session_(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)_(\d+)_(\d+)")
# Ray's head processes: while one of them runs, its session is up.
HEAD_PROCESSES = ("gcs_server", "raylet")


def ray_temp_root() -> Path:
    """The folder holding Ray's session_* folders, chosen as Ray itself does (RAY_TMPDIR, TMPDIR on Linux, /tmp)."""
    if "RAY_TMPDIR" in os.environ:
        base = os.environ["RAY_TMPDIR"]
    elif sys.platform.startswith("linux") and "TMPDIR" in os.environ:
        base = os.environ["TMPDIR"]
    else:
        base = "/tmp"
    return Path(base) / "ray"


def ray_sessions(root: str | Path | None = None) -> dict[str, list[int]]:
    """{session folder: PIDs of processes (not this one) that name it in their command line or open files}."""
    given = Path(root or ray_temp_root())
    spellings = sorted({str(given), os.path.realpath(given)})
    pattern = re.compile("(?:" + "|".join(re.escape(r) for r in spellings) + r")/(" + SESSION.pattern + ")")
    me = os.getpid()
    found: dict[str, list[int]] = {}
    for pid in processes.pids():
        if pid == me:
            continue
        match = pattern.search(" ".join(processes.command_line(pid)))
        if match is None:
            match = next((m for path in processes.open_paths(pid) if (m := pattern.search(path))), None)
        if match is not None:
            found.setdefault(str(given / match.group(1)), []).append(pid)
    return found


def session_alive(session: str | Path, pids: list[int]) -> bool:
    """Whether a session's creator, GCS server or raylet still runs (see the module docstring)."""
    match = SESSION.search(Path(session).name)
    if match is not None and _creator_alive(int(match.group(3)), match.group(1)):
        return True
    for pid in pids:
        argv = processes.command_line(pid)
        if argv and os.path.basename(argv[0]) in HEAD_PROCESSES and processes.is_alive(pid):
            return True
    return False


def reap_orphaned_ray(log: Callable[[str], None] = print, root: str | Path | None = None) -> list[int]:
    """SIGKILL the processes of dead local Ray sessions under `root` (Ray's temp folder); returns their PIDs.

    Call it when a trainer starts, before Ray: what an earlier trainer left
    after kill -9 ends then at the latest. Live sessions and `ray start`
    clusters are left alone.
    """
    ended: list[int] = []
    for session, pids in sorted(ray_sessions(root).items()):
        if session_alive(session, pids):
            continue
        names, megabytes, killed = [], 0.0, []
        for pid in pids:
            argv = processes.command_line(pid)
            size = processes.resident_mb(pid)
            if _kill(pid):
                killed.append(pid)
                names.append(os.path.basename(argv[0]) if argv else str(pid))
                megabytes += size
        if killed:
            log(
                f"ended {len(killed)} Ray process{'es' if len(killed) != 1 else ''} left by a killed trainer "
                f"({', '.join(sorted(set(names)))}; {megabytes:.0f} MB; {Path(session).name})"
            )
            ended += killed
    return ended


def end_own_ray(log: Callable[[str], None] | None = None, root: str | Path | None = None) -> list[int]:
    """SIGKILL what is left of the local Ray session this process started; call it after ray.shutdown().

    Only the session whose name carries this process's PID: a joined
    cluster (`--address`) belongs to whoever ran `ray start` and is never touched.
    """
    me = os.getpid()
    ended = []
    for session, pids in ray_sessions(root).items():
        match = SESSION.search(Path(session).name)
        if match is None or int(match.group(3)) != me:
            continue
        ended += [pid for pid in pids if _kill(pid)]
    if ended and log is not None:
        log(f"ended {len(ended)} Ray process{'es' if len(ended) != 1 else ''} that outlived ray.shutdown()")
    return ended


def end_own_ray_at_exit(root: str | Path | None = None) -> None:
    """On a normal exit and on SIGTERM/SIGHUP (while no other handler is installed), end our Ray session's processes.

    SIGTERM and SIGHUP become SystemExit so that `finally:` blocks
    (ray.shutdown()) and atexit run; a handler installed later (the
    loop's graceful stop) takes precedence while it is in place.
    """
    atexit.register(end_own_ray, None, root)
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _exit_on_signal)


def _exit_on_signal(number: int, frame: object) -> None:
    raise SystemExit(128 + number)


def _creator_alive(pid: int, stamp: str) -> bool:
    ticks = processes.start_ticks(pid)
    if ticks is None:
        return False
    started = _boot_time() + ticks / os.sysconf("SC_CLK_TCK")
    try:
        created = datetime.datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S").timestamp()  # local time, as Ray names it
    except ValueError:
        return True
    return started <= created + 2.0  # started after its session was named: a reused PID, not the creator


def _boot_time() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    return 0.0


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True
