"""This machine's processes as /proc shows them: is a PID alive, when did it start, its command line and open files.

Stdlib only (no psutil): the run lock and the Ray clean-up read the same
few facts, and a process is named by (PID, start time) so that a PID the
kernel handed to another process since is never taken for the old one.
Off Linux (no /proc) every answer is "unknown" and callers stay cautious.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

PROC = Path("/proc")


def pids() -> Iterator[int]:
    """Every PID /proc lists (empty off Linux)."""
    try:
        entries = list(PROC.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name.isdigit():
            yield int(entry.name)


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or None if it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie has ended; only its exit status waits to be collected
        return None
    return int(fields[19])


def is_alive(pid: int, ticks: int | None = None) -> bool:
    """True if PID runs (not a zombie) and, when `ticks` is given, is the process that started at those ticks."""
    if pid <= 0:
        return False
    if PROC.is_dir():
        now = start_ticks(pid)
        return now is not None and (ticks is None or now == ticks)
    try:  # no /proc: a signal 0 probe, which cannot tell a reused PID apart
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def boot_id() -> str:
    """This boot's id: start ticks compare only within one boot."""
    try:
        return (PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


def command_line(pid: int) -> list[str]:
    """argv of PID ([] if gone or unreadable); Ray's agents retitle themselves, so argv[0] may be e.g. 'ray::DashboardAgent'."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def open_paths(pid: int) -> list[str]:
    """Targets of PID's open file descriptors ([] if gone or not ours to read)."""
    try:
        links = list((PROC / str(pid) / "fd").iterdir())
    except OSError:
        return []
    paths = []
    for link in links:
        try:
            paths.append(os.readlink(link))
        except OSError:
            continue
    return paths


def resident_mb(pid: int) -> float:
    """Resident memory of PID in MB (0 if gone)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
