"""Across spec files: discovery of spec paths, and collisions between specs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentinel.errors import UsageError
from sentinel.spec import check_collisions, discover, load_spec_text
from sentinel.spec.loader import LoadedSpec


def spec(source: str, extra: str = "", name: str = "web") -> LoadedSpec:
    return load_spec_text(f"name: {name}\nimage: nginx:1\n{extra}", source)


def test_discover_files_and_folders_sorted(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("x")
    (tmp_path / "a.yml").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.yaml").write_text("x")
    (tmp_path / "sub.yaml").mkdir()  # a folder named like a spec is not a spec
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")  # a broken link is: loading
    single = tmp_path / "other" / "c.txt"
    single.parent.mkdir()
    single.write_text("x")
    assert discover([tmp_path, single, tmp_path / "b.yaml"]) == sorted(
        [tmp_path / "a.yml", tmp_path / "b.yaml", tmp_path / "gone.yaml", single]
    )


def test_discover_lists_a_file_named_twice_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "web.yaml").write_text("x")
    monkeypatch.chdir(tmp_path)
    found = discover([tmp_path / "specs", Path("specs/web.yaml"), Path("specs/../specs/web.yaml")])
    assert found == [tmp_path / "specs" / "web.yaml"]


def test_discover_empty_folder(tmp_path: Path) -> None:
    assert discover([tmp_path]) == []


def test_discover_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        discover([tmp_path / "nope"])
    assert "no such file or folder" in str(info.value) and info.value.exit_code == 2


def test_discover_unreadable_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path) -> None:  # as a folder without read permission does for non-root
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    with pytest.raises(UsageError, match="cannot list the folder: Permission denied"):
        discover([tmp_path])


def test_discover_refuses_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError) as info:
        discover([fifo])
    assert "not a file or folder" in str(info.value)


def test_no_collisions(tmp_path: Path) -> None:
    specs = [spec("a.yaml"), spec("b.yaml", name="db"), spec("c.yaml", "namespace: shop\n")]
    assert check_collisions(specs, tmp_path) == []


def test_same_pod_in_two_files_names_both(tmp_path: Path) -> None:
    found = check_collisions(
        [spec("a.yaml"), spec("b.yaml", "output_path: other.yaml\n")], tmp_path
    )
    assert [(p.file, p.line, p.field) for p in found] == [("b.yaml", 1, "name")]
    assert "Pod default/web is also defined by a.yaml" in found[0].message
    assert "a.yaml" in found[0].hint and "b.yaml" in found[0].hint


def test_same_output_path_names_both(tmp_path: Path) -> None:
    found = check_collisions(
        [
            spec("a.yaml", "output_path: x/web.yaml\n"),
            spec("b.yaml", "output_path: x/./web.yaml\n", name="db"),
        ],
        tmp_path,
    )
    assert [(p.file, p.line, p.field) for p in found] == [("b.yaml", 3, "output_path")]
    assert "manifest x/./web.yaml is also written by a.yaml" in found[0].message


def test_explicit_path_colliding_with_a_default_path(tmp_path: Path) -> None:
    found = check_collisions(
        [spec("a.yaml"), spec("b.yaml", "output_path: default/web.yaml\n", name="db")], tmp_path
    )
    assert [p.file for p in found] == ["b.yaml"]
    assert "also written by a.yaml" in found[0].message


def test_same_pod_and_same_path_are_both_reported(tmp_path: Path) -> None:
    found = check_collisions([spec("a.yaml"), spec("b.yaml")], tmp_path)
    assert len(found) == 2 and {p.file for p in found} == {"b.yaml"}


def test_output_path_escaping_through_a_symlink(tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    out.mkdir()
    (out / "link").symlink_to(tmp_path)  # inside by name, outside once resolved
    found = check_collisions([spec("a.yaml", "output_path: link/web.yaml\n")], out)
    assert [(p.file, p.field, p.line) for p in found] == [("a.yaml", "output_path", 3)]
    assert "leaves the output folder" in found[0].message
