"""Whole-or-nothing writes: a file or a directory appears complete under its final name, or not at all.

Every writer in the project (run directories, checkpoints, benchmark
results, exports, experiment cell stores) goes through here, so a crash or
`kill -9` mid-write never leaves a half-written file where a reader looks.

The temporary lives in the destination's own folder (os.replace is atomic
only within one file system) under a hidden name `.NAME.<random>.tmp`. It is
created with `os.open(..., 0o666)` / `os.mkdir(..., 0o777)`, so the kernel
applies the umask and the final file gets the mode of any normally created
file (mkstemp/mkdtemp would give 0600/0700, and reading the umask means
setting it, which races with other threads).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_ATTEMPTS = 100
"""Fresh random names tried before giving up (a collision of 64 random bits means something else is wrong)."""


def _temporary_name(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(8)}{suffix}")


def _create_temporary_file(path: Path) -> tuple[int, Path]:
    """An exclusive new file next to `path`, mode 0o666 & ~umask: (descriptor, its path)."""
    for _ in range(_ATTEMPTS):
        temporary = _temporary_name(path, ".tmp")
        try:
            return os.open(
                temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            ), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {str(path)!r} after {_ATTEMPTS} tries")


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file next to `path` for writing; on a clean exit fsync it and rename it over `path`.

    On an exception the temporary is removed and `path` is untouched. `mode`
    is "wb" or "w" (text, `encoding` defaulting to UTF-8). For writers that
    stream (CSV rows, `fig.savefig(handle)`); `write_atomic` covers a whole
    str or bytes at once.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_file mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _create_temporary_file(path)
    try:
        text = mode == "w"
        with os.fdopen(fd, mode, encoding=(encoding or "utf-8") if text else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write `data` (str as UTF-8, or bytes) to `path` whole or not at all; return the path.

    Missing parent folders are created. The final file has mode 0o666 & ~umask.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise TypeError(f"write_atomic writes str or bytes, got {type(data).__name__}")
    path = Path(path)
    with atomic_file(path, "wb") as handle:
        handle.write(raw)
    return path


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary folder next to `path` to fill; on a clean exit it replaces `path` (whole folder).

    An existing `path` is removed first (a folder cannot be renamed over a
    non-empty one), so there is a short moment with neither; a reader that
    needs a name at every moment should point at the folder from a file
    written with `write_atomic` afterwards (as run checkpoints do with
    latest.json). On an exception the temporary folder is removed and `path`
    is untouched. The folder gets mode 0o777 & ~umask.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(_ATTEMPTS):
        temporary = _temporary_name(path, ".tmp")
        try:
            os.mkdir(temporary, 0o777)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"could not create a temporary folder next to {str(path)!r} after {_ATTEMPTS} tries")
    try:
        yield temporary
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        os.replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


__all__ = ["atomic_directory", "atomic_file", "write_atomic"]
