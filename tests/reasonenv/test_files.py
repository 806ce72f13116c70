"""reasonenv.files: a write lands whole or not at all, with the umask's mode, and leaves no temporary behind."""

from __future__ import annotations

import os
import stat

import pytest

from reasonenv.files import atomic_directory, atomic_file, write_atomic


def names_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_atomic_writes_str_as_utf8_and_bytes_as_given_creating_parents(tmp_path):
    text_path = write_atomic(tmp_path / "a" / "b" / "note.md", "héllo\n")
    assert text_path.read_bytes() == "héllo\n".encode()
    write_atomic(tmp_path / "blob.bin", b"\x00\xff")
    assert (tmp_path / "blob.bin").read_bytes() == b"\x00\xff"
    assert names_in(tmp_path) == ["a", "blob.bin"]


def test_a_failing_write_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    write_atomic(path, "old")
    with pytest.raises(RuntimeError, match="disk on fire"), atomic_file(path, "w") as handle:
        handle.write("new, half-wri")
        raise RuntimeError("disk on fire")
    assert path.read_text() == "old"
    assert names_in(tmp_path) == ["results.json"]


def test_a_failing_first_write_creates_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_file(tmp_path / "fresh.txt") as handle:
        handle.write(b"partial")
        raise KeyboardInterrupt
    assert names_in(tmp_path) == []


def test_write_atomic_refuses_other_types_without_touching_the_file(tmp_path):
    path = tmp_path / "x.txt"
    write_atomic(path, "kept")
    with pytest.raises(TypeError, match="str or bytes, got int"):
        write_atomic(path, 3)  # type: ignore[arg-type]
    assert path.read_text() == "kept" and names_in(tmp_path) == ["x.txt"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_the_final_file_and_folder_get_the_mode_of_a_normally_created_one(tmp_path, umask):
    previous = os.umask(umask)
    try:
        path = write_atomic(tmp_path / "out.txt", "x")
        with atomic_directory(tmp_path / "ckpt") as folder:
            (folder / "inside").write_text("y")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask == stat.S_IMODE(plain.stat().st_mode)
    assert stat.S_IMODE((tmp_path / "ckpt").stat().st_mode) == 0o777 & ~umask


def test_atomic_directory_replaces_a_folder_whole_or_keeps_the_old_one(tmp_path):
    target = tmp_path / "iter_000001"
    with atomic_directory(target) as folder:
        (folder / "a.txt").write_text("1")
    with atomic_directory(target) as folder:
        (folder / "b.txt").write_text("2")
    assert names_in(target) == ["b.txt"]  # replaced, not merged
    with pytest.raises(OSError), atomic_directory(target) as folder:
        (folder / "c.txt").write_text("3")
        raise OSError("save failed")
    assert names_in(target) == ["b.txt"]
    assert names_in(tmp_path) == ["iter_000001"]


def test_atomic_file_accepts_only_write_modes(tmp_path):
    with pytest.raises(ValueError, match="'w' or 'wb', got 'a'"), atomic_file(tmp_path / "x", "a"):
        pass
    assert names_in(tmp_path) == []
