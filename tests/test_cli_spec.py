"""``sentinel validate | render | schema | init``: output, exit codes and bad input.

Most cases call ``sentinel.cli.main`` in-process (fast); the bad-input cases also run the installed
``sentinel`` as a subprocess to prove no traceback ever reaches the terminal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from sentinel.cli import main
from sentinel.config import load_settings
from tests.conftest import BIN, REPO

VALID = sorted((REPO / "samples" / "valid").glob("*.yaml"))
SEVERAL = """\
name: Bad_Name
image: busybox:1.36
restartPolicy: Sometimes
ports:
  - containerPort: 70000
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``sentinel ARGV`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors and --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_bin(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The installed ``sentinel`` as a person runs it."""
    return subprocess.run([str(BIN / "sentinel"), *argv], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


# ---------------------------------------------------------------- validate


def test_validate_valid_gallery(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(REPO / "samples" / "valid"))
    assert code == 0, err
    assert err.splitlines()[-1].startswith(f"all {len(VALID)} specs valid")


def test_validate_defaults_to_the_specs_setting(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "specs").mkdir()
    (here / "specs" / "a.yaml").write_bytes(VALID[0].read_bytes())
    code, _, err = run(capsys, "validate")
    assert code == 0 and "all 1 spec valid" in err
    (here / "specs" / "b.yaml").write_text(SEVERAL)
    code, _, err = run(capsys, "validate")
    assert code == 1
    assert err.splitlines()[-1] == "1 spec invalid, 1 valid (5 warnings)"  # advice of the valid
    # Shown relative to the project, as `doit validate` shows them, not as absolute paths.
    assert "\nspecs/b.yaml:1:7: name: " in "\n" + err, err  # after a.yaml's advice
    (here / "sentinel.toml").write_text("")
    (here / "sub").mkdir()
    os.chdir(here / "sub")  # the settings find the project above; its specs are shown in full
    code, _, err = run(capsys, "validate")
    assert code == 1 and f"\n{here.resolve() / 'specs' / 'b.yaml'}:1:7: " in "\n" + err, err


def test_validate_prints_every_problem_with_its_line(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "bad.yaml").write_text(SEVERAL)
    code, out, err = run(capsys, "validate", "bad.yaml")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[-1] == "1 spec invalid, 0 valid"
    problems = lines[:-1]
    assert len(problems) >= 3, err
    assert all(line.startswith("bad.yaml:") for line in problems), err
    assert any(line.startswith("bad.yaml:1:") and "name" in line for line in problems)
    assert any(line.startswith("bad.yaml:3:") for line in problems)
    assert any(line.startswith("bad.yaml:5:") for line in problems)


def test_warnings_are_shown_but_do_not_fail(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "w.yaml").write_text("name: w\nimage: busybox:1.36\nenv:\n  queue.name: orders\n"
                                 "ignore:\n  - W101\n  - W102\n  - W105\n")
    code, _, err = run(capsys, "validate", "w.yaml")
    assert code == 0
    assert err.startswith("w.yaml:4:3: warning: env['queue.name']")
    assert err.splitlines()[-1] == "all 1 spec valid (1 warning)"
    code, out, _ = run(capsys, "validate", "--json", "w.yaml")
    report = json.loads(out)
    assert code == 0 and report["valid"] is True and report["counts"]["warnings"] == 1
    assert report["files"][0]["problems"][0]["severity"] == "warning"


def test_validate_json_report(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "bad.yaml").write_text(SEVERAL)
    (here / "good.yaml").write_bytes(VALID[0].read_bytes())
    code, out, err = run(capsys, "validate", "--json", "bad.yaml", "good.yaml")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert report["valid"] is False
    assert report["counts"] == {"files": 2, "valid": 1, "invalid": 1,
                                "warnings": report["counts"]["warnings"]}
    files = {f["file"]: f for f in report["files"]}
    assert files["good.yaml"]["valid"] is True
    bad = files["bad.yaml"]
    assert bad["valid"] is False and bad["problems"]
    assert set(bad["problems"][0]) == {"file", "line", "column", "field", "message", "hint",
                                       "severity"}
    code, out, _ = run(capsys, "validate", "--json", "good.yaml")
    assert code == 0 and json.loads(out)["valid"] is True


def test_validate_reports_collisions_naming_both_files(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "a.yaml").write_bytes(VALID[0].read_bytes())
    (here / "b.yaml").write_bytes(VALID[0].read_bytes())
    code, _, err = run(capsys, "validate", "a.yaml", "b.yaml")
    assert code == 1
    assert "a.yaml" in err and "b.yaml" in err
    assert "spec" in err.splitlines()[-1] and "invalid" in err.splitlines()[-1]


def test_validate_empty_folder_says_so(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "specs").mkdir()
    code, _, err = run(capsys, "validate")
    assert code == 0
    assert err.strip().startswith("no spec files (*.yaml, *.yml) in ") and "specs" in err


def test_validate_reports_a_broken_symlink_in_a_folder(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "specs").mkdir()
    (here / "specs" / "gone.yaml").symlink_to(here / "moved.yaml")
    code, _, err = run(capsys, "validate", "specs")
    assert code == 1
    assert "specs/gone.yaml: file not found" in err and "1 spec invalid, 0 valid" in err


def test_validate_names_a_file_name_that_is_not_utf8(here: Path) -> None:
    (here / "specs").mkdir()
    (here / "specs" / os.fsdecode(b"\xff.yaml")).write_text("name: web\nimage: busybox\n")
    for command in ("validate", "render"):
        target = "specs" if command == "validate" else os.fsdecode(b"specs/\xff.yaml")
        proc = run_bin(here, command, target)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("specs/\\xff.yaml: file name is not valid UTF-8"), proc.stderr
        assert proc.stdout == ""


def test_validate_missing_path_is_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "nope.yaml")
    assert code == 2
    assert "nope.yaml" in err


def test_bad_setting_is_exit_2(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "sentinel.toml").write_text("[sentinel]\nspecs_dir = 3\n")
    code, _, err = run(capsys, "validate")
    assert code == 2 and "specs_dir" in err


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.yaml", b""),
        ("garbage.yaml", bytes(range(256)) * 4),
        ("huge.yaml", b"name: web\nimage: busybox:1.36\n" + b"# padding\n" * 520_000),
        ("flow.yaml", b"{name: web, image: busybox}\n"),
        ("list.yaml", b"- name: web\n"),
    ],
)
def test_bad_files_give_a_message_not_a_traceback(here: Path, name: str, data: bytes) -> None:
    (here / name).write_bytes(data)
    for command in ("validate", "render"):
        proc = run_bin(here, command, name)
        assert proc.returncode == 1, (command, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith(name), proc.stderr
        assert proc.stdout == ""


# ---------------------------------------------------------------- render


def test_render_prints_the_manifest(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sentinel.render import dump_manifest, render
    from sentinel.spec import load_spec

    sample = REPO / "samples" / "valid" / "minimal.yaml"
    code, out, err = run(capsys, "render", str(sample))
    assert code == 0, err
    spec = load_spec(sample)
    assert out.encode() == dump_manifest(render(spec.model, source=spec.source))
    manifest = yaml.safe_load(out)
    assert (manifest["apiVersion"], manifest["kind"]) == ("v1", "Pod")
    assert list(manifest) == ["apiVersion", "kind", "metadata", "spec"]
    assert not (here / "manifests").exists(), "render writes nothing"


def test_render_invalid_and_wrong_paths(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "bad.yaml").write_text(SEVERAL)
    code, out, err = run(capsys, "render", "bad.yaml")
    assert code == 1 and out == ""
    assert "bad.yaml:3:" in err
    (here / "folder").mkdir()
    code, _, err = run(capsys, "render", "folder")
    assert code == 2 and "folder" in err and "one spec file" in err
    code, _, err = run(capsys, "render", "missing.yaml")
    assert code == 2 and "missing.yaml" in err
    code, _, err = run(capsys, "render")
    assert code == 2 and "SPEC" in err


def test_render_folder_via_binary_has_no_traceback(here: Path) -> None:
    (here / "folder").mkdir()
    proc = run_bin(here, "render", "folder")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- schema


def test_editor_modeline_is_just_a_comment(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "samples" / "valid" / "minimal.yaml").read_text()
    (here / "m.yaml").write_text("# yaml-language-server: $schema=./spec.schema.json\n" + text)
    code, _, err = run(capsys, "validate", "m.yaml")
    assert code == 0, err


def test_schema_stdout_and_file(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sentinel.spec.schema import json_schema

    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out) == json_schema()
    assert out == json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    code, _, err = run(capsys, "schema", "-o", "editor/spec.schema.json")
    assert code == 0 and "wrote editor/spec.schema.json" in err
    assert (here / "editor" / "spec.schema.json").read_text() == out
    assert not [p for p in (here / "editor").iterdir() if p.name.endswith(".tmp")]
    code, _, err = run(capsys, "schema", "-o", "editor")
    assert code == 2 and "folder" in err


# ---------------------------------------------------------------- init


def test_init_writes_a_working_project(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "init", "demo")
    assert code == 0, err
    demo = here / "demo"
    for rel in ("specs/web.yaml", "specs/worker.yaml", "sentinel.toml", "dodo.py"):
        assert (demo / rel).is_file(), rel
        assert f"wrote demo/{rel}" in out
    assert "cd demo && sentinel validate" in out and "doit generate" in out
    assert (demo / "dodo.py").read_text() == (REPO / "dodo.py").read_text()
    code, _, err = run(capsys, "validate", str(demo / "specs"))
    assert code == 0, err
    # The starter specs are the repository's, whose manifests have golden files and pass the
    # strict Kubernetes schema (test_render).
    for name in ("web.yaml", "worker.yaml"):
        assert (demo / "specs" / name).read_bytes() == (REPO / "specs" / name).read_bytes()


def test_init_settings_file_documents_every_setting(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sentinel.config import SETTINGS

    assert run(capsys, "init")[0] == 0
    text = (here / "sentinel.toml").read_text()
    for setting in SETTINGS:
        if setting.name == "project":  # the one setting init sets: a fresh id per project
            assert re.search(r'^project = "proj-[0-9a-f]{8}"$', text, re.MULTILINE), text
            continue
        assert f"# {setting.name} = " in text and setting.env in text
    # Uncommenting every line gives the same settings as no file at all.
    defaults = load_settings(here)
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") and " = " in line else line
        for line in text.splitlines())
    tomllib.loads(uncommented)
    (here / "sentinel.toml").write_text(uncommented)
    assert load_settings(here) == defaults


def test_init_refuses_to_overwrite_unless_forced(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "dodo.py").write_text("# mine\n")
    code, out, err = run(capsys, "init")
    assert code == 1
    assert "dodo.py already exists" in err and "--force" in err
    assert not (here / "specs").exists(), "nothing is written when anything would be overwritten"
    assert (here / "dodo.py").read_text() == "# mine\n"
    code, out, _ = run(capsys, "init", "--force")
    assert code == 0 and (here / "specs" / "web.yaml").is_file()
    assert "next:" in out and "cd " not in out


def test_init_into_a_file_is_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "afile").write_text("x")
    code, _, err = run(capsys, "init", "afile")
    assert code == 2 and "not a folder" in err


def test_a_file_where_a_folder_must_be_is_named(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "afile").write_text("x")
    code, _, err = run(capsys, "schema", "-o", "afile/x.json")
    assert code == 1
    assert err == (
        "error: cannot write afile/x.json: afile is a file, not a folder\n"
        "  hint: move afile away or choose another path\n"
    )
    code, out, err = run(capsys, "init", "afile/demo")
    assert code == 1 and out == ""
    assert "cannot write afile/demo/specs/web.yaml: afile is a file, not a folder" in err
    (here / "demo").mkdir()
    (here / "demo" / "specs").write_text("x")
    code, out, err = run(capsys, "init", "demo")
    assert code == 1 and out == ""
    assert "cannot write demo/specs/web.yaml: demo/specs is a file, not a folder" in err
    assert sorted(p.name for p in (here / "demo").iterdir()) == ["specs"]


def test_unknown_option_is_usage_error(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "--bogus")
    assert code == 2 and "--bogus" in err
