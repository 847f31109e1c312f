"""Atomic writes and path containment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sentinel.errors import PathEscapeError
from sentinel.fsutil import atomic_write, resolve_inside


def test_atomic_write_creates_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.yaml"
    atomic_write(target, "one\n")
    atomic_write(target, b"two\n")
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["b.yaml"]  # no temp files left


def test_exclusive_refuses_existing(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x"
    atomic_write(target, "first", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write(target, "second", exclusive=True)
    assert target.read_text() == "first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x"]


def test_failed_write_leaves_old_content_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "m.yaml"
    atomic_write(target, "old")
    with pytest.raises(TypeError):
        atomic_write(target, 123)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.yaml"]


def test_killed_writer_never_leaves_a_partial_file(tmp_path: Path) -> None:
    """SIGKILL a process rewriting a 2 MB file in a loop; the file is always old or new, whole."""
    target = tmp_path / "big.yaml"
    a, b = b"a" * 2_000_000, b"b" * 2_000_000
    atomic_write(target, a)
    code = (
        "import sys; from pathlib import Path; from sentinel.fsutil import atomic_write\n"
        "p = Path(sys.argv[1]); a = b'a' * 2_000_000; b = b'b' * 2_000_000\n"
        "print('ready', flush=True)\n"
        "while True:\n    atomic_write(p, b); atomic_write(p, a)\n"
    )
    for delay in (0.01, 0.03, 0.05, 0.08, 0.13):
        proc = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.kill()
        proc.wait()
        proc.stdout.close()
        assert target.read_bytes() in (a, b)


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../x", "a\x00b"])
def test_resolve_inside_refuses_escapes(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PathEscapeError):
        resolve_inside(tmp_path, bad)


def test_resolve_inside_refuses_symlink_escape(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    os.symlink(tmp_path, base / "link")
    with pytest.raises(PathEscapeError):
        resolve_inside(base, "link/secret")


def test_resolve_inside_accepts_nested(tmp_path: Path) -> None:
    assert resolve_inside(tmp_path, "a/b.yaml") == tmp_path.resolve() / "a" / "b.yaml"
