"""One writer per run: `claim_run(run_dir)` takes RUN/.lock before anything slow starts, and refuses a second trainer.

    with claim_run(run_dir, new=not resume, log=print):
        ... start Ray, build the algorithm, train, checkpoint ...

The lock file holds the owner's PID, host, boot and process start time
(JSON). It appears atomically and complete: it is written and flock()ed
under a temporary name, then hard-linked into place (link fails if the
name exists, like O_CREAT|O_EXCL). The kernel drops the flock when its
owner dies, even by kill -9, so a lock nobody holds any more is stale; its
recorded PID is also checked (same host and boot, same start time) where
flock is not enforced, and a lock copied with `cp -r` from another run
names that other run's folder. A stale lock is taken over with one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents import processes

LOCK = ".lock"


class RunLock:
    """The claim on a run directory; `release()` (or leaving the `with` block) removes the lock."""

    def __init__(self, run_dir: Path, fd: int, created_dir: bool):
        self.run_dir = run_dir
        self.path = run_dir / LOCK
        self._fd: int | None = fd
        self._created_dir = created_dir

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlink the lock (if it is still ours), drop the flock; a new run dir that got nothing else is removed."""
        if self._fd is None:
            return
        try:
            if _same_file(self._fd, self.path):
                self.path.unlink()
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None
        if self._created_dir:
            # A run that could not start (bad address, Ray failed) leaves nothing behind.
            with contextlib.suppress(OSError):
                self.run_dir.rmdir()  # only succeeds while empty


def claim_run(run_dir: str | Path, *, new: bool = False, log: Callable[[str], None] = print) -> RunLock:
    """Claim `run_dir` for this process; ValueError in one line if another live trainer holds it.

    `new=True` also creates the directory atomically and refuses one that
    exists already (two new runs with one --name cannot both pass); the
    directory is removed again on release if nothing but the lock was
    written. `new=False` (resume) needs the directory to exist.
    """
    run_dir = Path(run_dir).absolute()
    created = False
    if new:
        try:
            run_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ValueError(
                f"cannot create run directory {str(run_dir)!r} ({err.strerror or type(err).__name__}); "
                "give an --out folder you can write to"
            ) from err
        try:
            run_dir.mkdir()
        except FileExistsError as err:
            raise ValueError(
                f"run directory {str(run_dir)!r} exists already; pick another --name or continue it with --resume"
            ) from err
        except OSError as err:
            raise ValueError(
                f"cannot create run directory {str(run_dir)!r} ({err.strerror or type(err).__name__}); "
                "give an --out folder you can write to"
            ) from err
        created = True
    elif not run_dir.is_dir():
        raise ValueError(f"run directory {str(run_dir)!r} does not exist")
    try:
        lock = RunLock(run_dir, _acquire(run_dir, log), created)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                run_dir.rmdir()
        raise
    for temp in run_dir.glob(f"{LOCK}.*.tmp"):  # a claimer killed between writing its lock and linking it
        pid = temp.name[len(LOCK) + 1 : -len(".tmp")]
        if pid.isdigit() and not processes.is_alive(int(pid)):
            temp.unlink(missing_ok=True)
    return lock


def read_holder(run_dir: str | Path) -> dict[str, Any] | None:
    """The lock's content ({pid, host, boot, ticks, run_dir, since}), or None if there is no readable lock."""
    try:
        return _parse((Path(run_dir) / LOCK).read_bytes())
    except OSError:
        return None


def _acquire(run_dir: Path, log: Callable[[str], None]) -> int:
    path = run_dir / LOCK
    for _ in range(5):  # a lock released between our open() and flock() is simply tried again
        fd = _create(run_dir, path)
        if fd is not None:
            return fd
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        if not _try_flock(fd):
            holder = _parse(os.pread(fd, 4096, 0))
            os.close(fd)
            raise ValueError(_held_message(run_dir, holder))
        if not _same_file(fd, path):
            os.close(fd)
            continue
        holder = _parse(os.pread(fd, 4096, 0))
        if holder is not None and _holder_alive(holder, run_dir):
            os.close(fd)
            raise ValueError(_held_message(run_dir, holder))
        # Nobody holds it: the owner died (kill -9, power loss) or the lock was copied from another run.
        data = _content(run_dir)
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
        log(f"took over the stale lock of {run_dir}: {_describe(holder)} no longer runs")
        return fd
    raise ValueError(f"could not claim {str(run_dir)!r}: its {LOCK} keeps changing; is another trainer starting?")


def _create(run_dir: Path, path: Path) -> int | None:
    """A new lock, flocked and complete before it appears under its name; None if one exists already."""
    temp = run_dir / f"{LOCK}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, _content(run_dir))
        os.fsync(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            os.close(fd)
            return None
        except OSError:
            # A file system without hard links: fall back to O_EXCL (a reader may briefly see it empty).
            os.close(fd)
            temp.unlink()
            return _create_exclusive(run_dir, path)
        temp.unlink()
        return fd
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _create_exclusive(run_dir: Path, path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, _content(run_dir))
    os.fsync(fd)
    return fd


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        here, there = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _content(run_dir: Path) -> bytes:
    pid = os.getpid()
    data = {
        "pid": pid,
        "host": socket.gethostname(),
        "boot": processes.boot_id(),
        "ticks": processes.start_ticks(pid),
        "run_dir": str(run_dir),
        "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return (json.dumps(data) + "\n").encode()


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _holder_alive(holder: dict[str, Any], run_dir: Path) -> bool:
    """Whether the recorded owner may still run (asked only when its flock is free: file systems without flock)."""
    if holder.get("run_dir") != str(run_dir):
        return False  # copied along with another run's files
    if holder.get("host") != socket.gethostname():
        return True  # another machine's process: we cannot tell, so we do not take it
    if holder.get("boot") and holder.get("boot") != processes.boot_id():
        return False
    return processes.is_alive(holder["pid"], holder.get("ticks"))


def _describe(holder: dict[str, Any] | None) -> str:
    if holder is None:
        return "an unreadable lock"
    return f"PID {holder['pid']} on {holder.get('host', '?')} (since {holder.get('since', '?')})"


def _held_message(run_dir: Path, holder: dict[str, Any] | None) -> str:
    if holder is None:
        return f"run directory {str(run_dir)!r} is in use by another trainer (its {LOCK} is being written)"
    return (
        f"run directory {str(run_dir)!r} is in use by {_describe(holder)}; stop that trainer first"
        f" (if it is gone, delete {run_dir / LOCK})"
    )
