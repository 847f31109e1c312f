"""The doit pipeline run for real: ``doit`` as a subprocess on a project made like a user's.

Each test copies the repository's ``specs/`` into a fresh project with the two-line ``dodo.py``
and reads doit's own report (``.  task`` ran, ``-- task`` up to date) and the files it leaves.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel.errors import SentinelError
from sentinel.pipeline import ledger
from sentinel.pipeline.plan import plan, target_for
from sentinel.pipeline.scan import UNSURE, list_specs, scan_file, scan_text
from tests.conftest import BIN, REPO

DODO = (REPO / "dodo.py").read_text()
SPECS = sorted((REPO / "specs").glob("*.yaml"))


def doit(project: Path, *args: str, dodo: str = "dodo.py") -> subprocess.CompletedProcess[str]:
    """Run the real doit in ``project`` and return the finished process."""
    return subprocess.run(
        [str(BIN / "doit"), "-f", str(project / dodo), *args],
        cwd=project, capture_output=True, text=True, timeout=120, check=False,
    )


def ran(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """Tasks doit executed (``.  name``)."""
    return re.findall(r"^\.  (\S+)$", proc.stdout, re.MULTILINE)


def skipped(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """Tasks doit found up to date (``-- name``)."""
    return re.findall(r"^-- (\S+)$", proc.stdout, re.MULTILINE)


def manifests(project: Path) -> dict[str, bytes]:
    """Every file under manifests/ but the kustomization (tests/test_kustomize.py), by path."""
    out = project / "manifests"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p != out / "kustomization.yaml"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding a copy of the repository's specs and the two-line dodo.py."""
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    for spec in SPECS:
        shutil.copy(spec, root / "specs" / spec.name)
    (root / "dodo.py").write_text(DODO)
    return root


def sub_tasks() -> list[str]:
    return [f"generate:{s.name}" for s in SPECS]


def test_repo_dodo_is_two_lines() -> None:
    lines = DODO.splitlines()
    assert len(lines) == 2 and lines[0].startswith("#")
    assert lines[1] == "from sentinel.pipeline.dodo import *  # noqa: F401,F403"


def test_cold_run_generates_every_manifest_then_noop(project: Path) -> None:
    first = doit(project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert sorted(t for t in ran(first) if t.startswith("generate:")) == sorted(sub_tasks())
    made = manifests(project)
    assert len(made) == len(SPECS)
    from sentinel.render import dump_manifest, manifest_path, render
    from sentinel.spec import load_spec

    for spec_file in SPECS:  # the pipeline writes exactly what `sentinel render` prints
        spec = load_spec(spec_file)
        rel = manifest_path(spec, project / "manifests").relative_to(project / "manifests")
        assert made[rel.as_posix()] == dump_manifest(render(spec.model, source=spec.source))
    assert (project / ".sentinel" / "doit.sqlite3").is_file()
    mtimes = {p: (project / "manifests" / p).stat().st_mtime_ns for p in made}

    second = doit(project)
    assert second.returncode == 0, second.stderr
    assert ran(second) == []
    assert sorted(t for t in skipped(second) if t.startswith("generate:")) == sorted(sub_tasks())
    assert {p: (project / "manifests" / p).stat().st_mtime_ns for p in made} == mtimes
    assert not list((project / "manifests").rglob(".*.tmp")), "temp files left behind"


def test_editing_one_spec_regenerates_exactly_one_manifest(project: Path) -> None:
    assert doit(project).returncode == 0
    before = manifests(project)
    spec = project / "specs" / "web.yaml"
    spec.write_text(spec.read_text().replace("1.27-alpine", "1.28-alpine"))
    proc = doit(project)
    assert proc.returncode == 0, proc.stderr
    assert ran(proc) == ["generate:web.yaml"]
    after = manifests(project)
    changed = [p for p in after if after[p] != before[p]]
    assert changed == ["shop/web.yaml"]
    assert b"nginx-unprivileged:1.28-alpine" in after["shop/web.yaml"]

    # A comment-only edit reruns the sub-task, but an identical manifest is not rewritten, so
    # whatever depends on it (dry run, apply) stays up to date.
    manifest = project / "manifests" / "shop" / "web.yaml"
    mtime = manifest.stat().st_mtime_ns
    spec.write_text(spec.read_text() + "# reviewed\n")
    proc = doit(project)
    assert ran(proc) == ["generate:web.yaml"]
    assert manifest.stat().st_mtime_ns == mtime


def test_deleted_spec_manifest_is_pruned_but_foreign_and_edited_files_stay(project: Path) -> None:
    assert doit(project).returncode == 0
    made = manifests(project)
    foreign = project / "manifests" / "shop" / "handwritten.yaml"
    foreign.write_text("app.kubernetes.io/managed-by: kube-sentinel\n")
    (project / "specs" / "web.yaml").unlink()
    proc = doit(project)
    assert proc.returncode == 0, proc.stderr
    assert "removed manifests/shop/web.yaml (its spec is gone)" in proc.stdout
    assert "shop/web.yaml" not in manifests(project)
    assert foreign.is_file(), "a file kube-sentinel did not write must never be pruned"
    assert len(manifests(project)) == len(made)  # web gone, the foreign file added

    # A generated manifest edited by hand after its spec is gone is kept, with a warning.
    worker = project / "specs" / "worker.yaml"
    path = project / "manifests" / "shop" / "order-worker.yaml"
    path.write_bytes(path.read_bytes() + b"# local note\n")
    worker.unlink()
    proc = doit(project)
    assert proc.returncode == 0
    assert "kept manifests/shop/order-worker.yaml: it was edited" in proc.stderr
    assert path.is_file()
    third = doit(project)
    assert "prune" in skipped(third), "prune forgets what it declined to remove"


def test_a_spec_broken_by_an_edit_keeps_its_last_manifest(project: Path) -> None:
    assert doit(project).returncode == 0
    before = manifests(project)["shop/web.yaml"]
    spec = project / "specs" / "web.yaml"
    spec.write_text("{name: web}\n")  # unreadable for the scanner, invalid for the loader
    proc = doit(project, "--continue")
    assert proc.returncode != 0
    assert "specs/web.yaml:1:1: flow style" in proc.stdout
    assert "removed" not in proc.stdout, "an invalid spec is not a deleted one"
    assert manifests(project)["shop/web.yaml"] == before
    spec.unlink()  # deleting it for real does remove its manifest
    proc = doit(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "removed manifests/shop/web.yaml (its spec is gone)" in proc.stdout


def test_renamed_pod_moves_its_manifest_and_removes_empty_folder(project: Path) -> None:
    for spec in (project / "specs").glob("*.yaml"):
        if spec.name != "web.yaml":
            spec.unlink()
    assert doit(project).returncode == 0
    spec = project / "specs" / "web.yaml"
    spec.write_text(spec.read_text().replace("namespace: shop", "namespace: store"))
    proc = doit(project)
    assert proc.returncode == 0, proc.stderr
    assert sorted(manifests(project)) == ["store/web.yaml"]
    assert not (project / "manifests" / "shop").exists(), "emptied folder left behind"


def test_generator_version_bump_regenerates_all(project: Path) -> None:
    assert doit(project).returncode == 0
    assert ran(doit(project)) == []
    # An upgrade is simulated by a dodo that sets the version before importing the tasks.
    (project / "bumped.py").write_text(
        "import sentinel.pipeline.generate as g\n"
        "g.GENERATOR_VERSION = 'next-release'\n"
        + DODO
    )
    proc = doit(project, dodo="bumped.py")
    assert proc.returncode == 0, proc.stderr
    assert sorted(t for t in ran(proc) if t.startswith("generate:")) == sorted(sub_tasks())
    assert ran(doit(project, dodo="bumped.py")) == []


def test_clean_removes_manifests_and_folders_then_cold_again(project: Path) -> None:
    assert doit(project).returncode == 0
    proc = doit(project, "clean")
    assert proc.returncode == 0, proc.stderr
    assert "removing file" in proc.stdout
    assert not (project / "manifests").exists() or not any((project / "manifests").rglob("*"))
    assert not list((project / ".sentinel" / "generated").glob("*.json"))
    again = doit(project)
    assert sorted(t for t in ran(again) if t.startswith("generate:")) == sorted(sub_tasks())


def test_clean_dry_run_and_stale_manifests(project: Path) -> None:
    assert doit(project).returncode == 0
    (project / "specs" / "web.yaml").unlink()  # its manifest is now stale, not yet pruned
    before = manifests(project)
    dry = doit(project, "clean", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "prune - removing file 'manifests/shop/web.yaml'" in dry.stdout
    assert "generate:cache.yaml - removing file" in dry.stdout
    assert manifests(project) == before, "a dry run removes nothing"
    proc = doit(project, "clean")
    assert proc.returncode == 0, proc.stderr
    assert not (project / "manifests").exists()


def test_list_shows_a_doc_per_task(project: Path) -> None:
    proc = doit(project, "list")
    assert proc.returncode == 0, proc.stderr
    docs = dict(re.findall(r"^(\S+)\s+(.+)$", proc.stdout, re.MULTILINE))
    for task in ("generate", "validate", "prune"):
        assert len(docs.get(task, "")) > 20, proc.stdout
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert listed and all(len(docs.get(task, "")) > 20 for task in listed), proc.stdout
    full = doit(project, "list", "--all")
    assert re.search(r"^generate:web\.yaml +specs/web\.yaml -> manifests/shop/web\.yaml$",
                     full.stdout, re.MULTILINE), full.stdout


BAD = """\
name: broken
image: busybox:1.36
restartPolicy: Sometimes
ports:
  - containerPort: 70000
"""


def test_invalid_spec_fails_with_file_line_and_others_still_generate(project: Path) -> None:
    (project / "specs" / "broken.yaml").write_text(BAD)
    proc = doit(project, "--continue")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert re.search(r"specs/broken\.yaml:3:\d+: .*restartPolicy", out), out
    assert re.search(r"specs/broken\.yaml:5:\d+: .*containerPort", out), out
    assert "Traceback" not in out
    assert len(manifests(project)) == len(SPECS)
    assert not (project / "manifests" / "default" / "broken.yaml").exists()
    # The failed sub-task runs again next time; the good ones do not.
    again = doit(project, "--continue")
    assert [t for t in ran(again) if t.startswith("generate:")] == ["generate:broken.yaml"]


def test_validate_task_reports_all_or_passes(project: Path) -> None:
    ok = doit(project, "validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"all {len(SPECS)} specs valid" in ok.stdout
    (project / "specs" / "broken.yaml").write_text(BAD)
    bad = doit(project, "validate")
    assert bad.returncode != 0
    out = bad.stdout + bad.stderr
    assert "specs/broken.yaml:3:" in out and "specs/broken.yaml:5:" in out
    assert f"1 spec invalid, {len(SPECS)} valid" in out
    (project / "specs" / "broken.yaml").unlink()
    assert doit(project, "validate").returncode == 0
    assert skipped(doit(project, "validate")) == ["validate"], "unchanged specs: up to date"


def test_duplicate_pod_fails_both_specs_without_crashing_doit(project: Path) -> None:
    original = (project / "specs" / "web.yaml").read_text()
    (project / "specs" / "web-copy.yaml").write_text(original)
    proc = doit(project, "--continue")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "ERROR: Task" not in out
    assert "specs/web-copy.yaml" in out and "also defined by specs/web.yaml" in out
    # The manifest both claim is left as it was, never pruned.
    assert "generate:cache.yaml" in ran(proc)


def test_parallel_processes_generate_the_same_bytes(project: Path, tmp_path: Path) -> None:
    serial = tmp_path / "serial"
    shutil.copytree(project, serial)
    assert doit(serial).returncode == 0
    proc = doit(project, "-n", "2", "-P", "process")
    assert proc.returncode == 0, proc.stderr
    assert manifests(project) == manifests(serial)
    assert len(list((project / ".sentinel" / "generated").glob("*.json"))) == len(SPECS)


def test_missing_specs_folder_and_bad_setting_are_clear(project: Path) -> None:
    shutil.rmtree(project / "specs")
    proc = doit(project)
    assert proc.returncode != 0
    assert "specs folder specs does not exist" in proc.stdout + proc.stderr
    (project / "specs").write_text("name: web\nimage: busybox\n")  # a file where the folder goes
    proc = doit(project)
    assert proc.returncode != 0
    assert "specs folder specs is not a folder" in proc.stdout and "Traceback" not in proc.stderr
    (project / "specs").unlink()
    (project / "sentinel.toml").write_text("[sentinel]\ndryrun_mode = 'sometimes'\n")
    proc = doit(project)
    assert proc.returncode != 0
    assert "dryrun_mode" in proc.stderr and "Traceback" not in proc.stderr


def test_a_file_where_the_state_folder_goes_is_a_message(project: Path) -> None:
    (project / ".sentinel").write_text("not a folder\n")
    for args in ((), ("list",)):
        proc = doit(project, *args)
        assert proc.returncode == 3, proc.stdout + proc.stderr  # doit: the dodo file failed
        assert "cannot create the state folder" in proc.stderr
        assert "a file is in the way" in proc.stderr and "Traceback" not in proc.stderr


def test_a_damaged_dependency_database_is_a_message(project: Path) -> None:
    assert doit(project).returncode == 0
    db = project / ".sentinel" / "doit.sqlite3"
    db.write_bytes(bytes(range(256)) * 8)
    proc = doit(project)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "doit.sqlite3 is damaged (not an sqlite3 database)" in proc.stderr
    assert "hint: remove it" in proc.stderr
    db.unlink()
    again = doit(project)
    assert again.returncode == 0, again.stderr
    assert ran(again), "a rebuilt database runs the sub-tasks once"
    assert ran(doit(project)) == []


def test_settings_move_the_folders(project: Path) -> None:
    (project / "sentinel.toml").write_text(
        "[sentinel]\noutput_dir = 'out'\nstate_dir = 'state'\n")
    proc = doit(project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "out" / "shop" / "web.yaml").is_file()
    assert (project / "state" / "doit.sqlite3").is_file()
    env_dir = project / "from-env"
    proc = subprocess.run(
        [str(BIN / "doit"), "-f", str(project / "dodo.py")], cwd=project,
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "SENTINEL_OUTPUT_DIR": str(env_dir)},
    )
    assert proc.returncode == 0, proc.stderr
    assert (env_dir / "shop" / "web.yaml").is_file()


# ---------------------------------------------------------------- the planner's cheap scan



@pytest.mark.parametrize(
    ("text", "name", "namespace", "output_path"),
    [
        ("name: web\nimage: x\n", "web", "default", None),
        ("# c\nname: web  # trailing comment\nnamespace: shop\n", "web", "shop", None),
        ("'name': 'web'\n\"namespace\": \"shop\"\n", "web", "shop", None),
        ("\ufeffname: web\r\nnamespace: shop\r\n", "web", "shop", None),
        ("name: web\nlabels:\n  name: other\n  namespace: x\n", "web", "default", None),
        ("name: a1\noutput_path: 'it''s/a.yaml'\n", "a1", "default", "it's/a.yaml"),
        ("---\nname: web\nenv:\n  A: |\n    name: evil\n", "web", "default", None),
    ],
)
def test_scan_reads_simple_block_scalars(
    text: str, name: str, namespace: str, output_path: str | None
) -> None:
    found = scan_text(text)
    assert found.sure
    assert (found.name, found.namespace, found.output_path) == (name, namespace, output_path)


@pytest.mark.parametrize(
    "text",
    [
        "image: x\n",  # no name
        "name: web\nname: other\n",  # duplicate key
        "name: >-\n  web\n",  # block scalar
        "name: web\n  continued\n",  # multi-line plain scalar
        'name: "w\\x65b"\n',  # escape
        "name: Web\n",  # not a DNS label: the loader must explain
        "name: web\nnamespace: [a]\n",  # flow style
        "name: web\noutput_path:\n",  # empty value
        "name: 'web\n",  # unterminated quote
        "name: &a web\n",  # anchor
    ],
)
def test_scan_is_unsure_rather_than_wrong(text: str) -> None:
    assert scan_text(text) == UNSURE


def test_scan_file_refuses_binary_huge_and_non_utf8(tmp_path: Path) -> None:
    cases = {"bin.yaml": b"name: web\x00\n", "latin.yaml": b"name: w\xe9b\n",
             "huge.yaml": b"name: web\n" + b"# pad\n" * 100_000}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert scan_file(tmp_path / name) == UNSURE, name
    assert scan_file(tmp_path / "missing.yaml") == UNSURE


def test_unreadable_specs_folder_is_a_doit_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from doit.exceptions import InvalidDodoFile

    real = os.scandir

    def refuse(path: str) -> object:  # as a folder without read permission does for non-root
        if os.fspath(path) == str(tmp_path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(InvalidDodoFile, match="cannot list the specs folder .*: Permission denied"):
        list_specs(tmp_path)
    assert list_specs(tmp_path / "missing") == []


def test_list_specs_matches_discover(tmp_path: Path) -> None:
    from sentinel.spec import discover

    for rel in ("b.yaml", "a.yml", "team/c.yaml", ".hidden/d.yaml", ".e.yaml", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("name: x\n")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    listed = list_specs(tmp_path)
    assert [Path(p).name for p in listed] == ["a.yml", "b.yaml", "gone.yaml"]
    assert [Path(p) for p in listed] == discover([tmp_path])


def test_scan_agrees_with_the_loader_on_every_valid_sample(repo: Path, tmp_path: Path) -> None:
    from sentinel.render import manifest_path
    from sentinel.spec import load_spec

    samples = sorted((repo / "samples" / "valid").glob("*.yaml")) + SPECS
    assert len(samples) >= 10
    out = tmp_path / "manifests"
    for sample in samples:
        found = scan_file(sample)
        assert found.sure, sample
        assert found.name is not None
        planned = target_for(found.name, found.namespace, found.output_path, out)
        assert Path(planned) == manifest_path(load_spec(sample), out), sample


def test_plan_falls_back_to_the_loader_when_unsure(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    # A double-quoted escape is valid YAML the scanner does not decode: the loader must decide.
    (specs / "web.yaml").write_text('name: web\nnamespace: "sh\\x6fp"\nimage: busybox:1.36\n')
    (specs / "bad.yaml").write_text("name: Bad_Name\nimage: busybox:1.36\n")
    plans = {p.task: p for p in plan(specs, tmp_path / "out")}
    assert scan_file(specs / "web.yaml") == UNSURE
    assert plans["web.yaml"].target == str(tmp_path / "out" / "shop" / "web.yaml")
    assert plans["bad.yaml"].target is None
    assert any(p.line == 1 and p.field == "name" for p in plans["bad.yaml"].problems)


def test_prune_only_removes_unchanged_files_it_recorded(tmp_path: Path) -> None:
    import hashlib

    state, out = tmp_path / "state", tmp_path / "out"
    files = {}
    for name in ("gone", "edited", "outside"):
        base = tmp_path if name == "outside" else out / "ns"
        path = base / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = b"metadata:\n  labels:\n    app.kubernetes.io/managed-by: kube-sentinel\n"
        path.write_bytes(body)
        ledger.write_record(state, ledger.Record(path, tmp_path / "s.yaml",
                                                 hashlib.sha256(body).hexdigest()))
        files[name] = path
    files["edited"].write_bytes(files["edited"].read_bytes() + b"# mine\n")
    stale = ledger.stale_record_files(state, out, current=[])
    assert len(stale) == 2  # the record outside the output folder is not acted on
    report = ledger.prune(state, out, stale)
    assert report.removed == [files["gone"]]
    assert [p for p, _ in report.kept] == [files["edited"]]
    assert files["edited"].is_file() and files["outside"].is_file()
    assert ledger.stale_record_files(state, out, current=[]) == []


def test_prune_keeps_a_manifest_it_cannot_remove_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    state, out = tmp_path / "state", tmp_path / "out"
    manifest = out / "ns" / "gone.yaml"
    manifest.parent.mkdir(parents=True)
    body = b"metadata:\n  labels:\n    app.kubernetes.io/managed-by: kube-sentinel\n"
    manifest.write_bytes(body)
    ledger.write_record(state, ledger.Record(manifest, tmp_path / "s.yaml",
                                             hashlib.sha256(body).hexdigest()))
    real_unlink = Path.unlink

    def refuse(self: Path, missing_ok: bool = False) -> None:
        if self == manifest:  # as a read-only folder would for a non-root user
            raise PermissionError(13, "Permission denied", str(self))
        real_unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    stale = ledger.stale_record_files(state, out, current=[])
    report = ledger.prune(state, out, stale)
    assert report.removed == []
    assert report.kept == [(manifest, "cannot remove it: Permission denied")]
    assert manifest.is_file()
    # The record stays, so the next run tries again.
    assert ledger.stale_record_files(state, out, current=[]) == stale


def test_scan_cache_is_keyed_on_mtime_and_size(tmp_path: Path) -> None:
    from sentinel.pipeline.scancache import ScanCache

    spec = tmp_path / "web.yaml"
    spec.write_text("name: web\nnamespace: shop\n")
    st = spec.stat()
    cache_file = tmp_path / "state" / "cache.json"
    first = ScanCache(cache_file)
    assert first.scan(str(spec), st.st_mtime_ns, st.st_size).name == "web"
    first.save()
    assert cache_file.is_file()
    # Same mtime and size: the cached result is used without reading the file.
    spec.write_text("name: wex\nnamespace: shop\n")
    os.utime(spec, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ScanCache(cache_file).scan(str(spec), st.st_mtime_ns, st.st_size).name == "web"
    # A new mtime (what any edit gives) is scanned again.
    st2 = spec.stat()
    os.utime(spec, ns=(st2.st_atime_ns, st.st_mtime_ns + 1))
    again = ScanCache(cache_file)
    assert again.scan(str(spec), st.st_mtime_ns + 1, st.st_size).name == "wex"
    again.save()
    # A damaged cache is ignored, never an error; vanished specs are dropped on save.
    cache_file.write_text("{not json")
    broken = ScanCache(cache_file)
    assert broken.scan(str(spec), st.st_mtime_ns + 1, st.st_size).name == "wex"
    broken.save()
    assert ScanCache(cache_file).scan(str(tmp_path / "gone.yaml"), 1, 1).sure is False


@pytest.mark.parametrize(
    "entries",
    [[], "x", {"SPEC": 5}, {"SPEC": [0, 0, None, "shop", None, []]},
     {"SPEC": [0, 0, "web", "shop", None, 5]}, {"SPEC": [0, 0, "web", "shop", None, [["name"]]]},
     {"SPEC": [0, 0, "web", "shop", 7, [["name", "1"]]]}],
)
def test_a_damaged_scan_cache_entry_is_scanned_again(tmp_path: Path, entries: object) -> None:
    from sentinel.pipeline.scancache import FORMAT, ScanCache

    spec = tmp_path / "web.yaml"
    spec.write_text("name: wex\nnamespace: shop\n")
    st = spec.stat()
    text = json.dumps({"format": FORMAT, "entries": entries}).replace("SPEC", str(spec))
    text = text.replace("[0, 0,", f"[{st.st_mtime_ns}, {st.st_size},")
    cache_file = tmp_path / "cache.json"
    cache_file.write_text(text)
    found = ScanCache(cache_file).scan(str(spec), st.st_mtime_ns, st.st_size)
    assert (found.sure, found.name, found.lines) == (True, "wex", (("name", 1), ("namespace", 2)))


def test_no_op_run_reads_no_spec_file(project: Path) -> None:
    assert doit(project).returncode == 0
    # Overwrite every spec with same-size junk and put its mtime back: doit's own file_dep check
    # sees no change, and the no-op run stays a no-op only if planning never opened the files.
    for spec in (project / "specs").glob("*.yaml"):
        st = spec.stat()
        spec.write_bytes(b"#" * st.st_size)
        os.utime(spec, ns=(st.st_atime_ns, st.st_mtime_ns))
    proc = doit(project)
    assert proc.returncode == 0, proc.stderr
    assert ran(proc) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "specs/bad.yaml: file is empty"),
        (bytes(range(256)) * 4, "specs/bad.yaml:1: binary file"),
        (b"name: bad\nimage: busybox\n" + b"# padding\n" * 520_000, "a spec may be at most 1 MiB"),
        (b"\xff\xfename: bad\n", "specs/bad.yaml:1: not valid UTF-8"),
    ],
    ids=["empty", "binary", "5MB", "not-utf8"],
)
def test_bad_spec_file_fails_its_sub_task_with_a_message(
    project: Path, data: bytes, message: str
) -> None:
    (project / "specs" / "bad.yaml").write_bytes(data)
    for task in ("generate", "validate"):
        proc = doit(project, "--continue", task)
        assert proc.returncode != 0
        out = proc.stdout + proc.stderr
        assert message in out and "Traceback" not in out, out
    assert len(manifests(project)) == len(SPECS), "the good specs still generate"
    assert not list((project / "manifests").rglob(".*.tmp")), "temp files left behind"


def test_output_path_leaving_the_output_folder_writes_nothing_there(
    project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "manifests").mkdir()
    (project / "manifests" / "link").symlink_to(elsewhere, target_is_directory=True)
    (project / "specs" / "esc.yaml").write_text(
        "name: esc\nimage: busybox:1.36\noutput_path: link/esc.yaml\n"
    )
    for task in ("generate", "validate"):
        proc = doit(project, "--continue", task)
        assert proc.returncode != 0
        out = proc.stdout + proc.stderr
        assert re.search(r"specs/esc\.yaml:3:.*output_path 'link/esc\.yaml' (resolves outside|"
                         r"leaves the output folder)", out), out
        assert "Traceback" not in out
    assert list(elsewhere.iterdir()) == []


def test_broken_symlink_spec_is_reported_not_skipped(project: Path) -> None:
    (project / "specs" / "gone.yaml").symlink_to(project / "elsewhere.yaml")
    for task in ("generate", "validate"):
        proc = doit(project, "--continue", task)
        assert proc.returncode != 0
        out = proc.stdout + proc.stderr
        assert "specs/gone.yaml: file not found" in out and "Traceback" not in out, out
    assert len(manifests(project)) == len(SPECS)


def test_spec_file_name_that_is_not_utf8_is_a_message(project: Path) -> None:
    web = (project / "specs" / "web.yaml").read_bytes()
    (project / "specs" / os.fsdecode(b"\xff.yaml")).write_bytes(
        web.replace(b"name: web\n", b"name: other\n"))
    for task in ("generate", "validate", "list"):
        proc = doit(project, "--continue", task)
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out, out
        if task != "list":
            assert proc.returncode != 0
            assert "specs/\\xff.yaml: file name is not valid UTF-8 (hint: rename the file)" in out
    assert len(manifests(project)) == len(SPECS)


def test_folder_where_a_manifest_goes_is_a_message(project: Path) -> None:
    (project / "manifests" / "shop" / "web.yaml").mkdir(parents=True)
    proc = doit(project, "--continue", "generate")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "specs/web.yaml: cannot write manifests/shop/web.yaml: Is a directory" in out, out
    assert "Traceback" not in out and ".tmp" not in out
    assert (project / "manifests" / "shop" / "web.yaml").is_dir()
    assert not list((project / "manifests").rglob(".*.tmp")), "temp files left behind"


def test_unwritable_output_is_a_message_not_a_traceback(project: Path) -> None:
    (project / "manifests").write_text("a file where the output folder should be\n")
    proc = doit(project, "--continue")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert "cannot write" in out and "output_dir" in out


# The scanner must never disagree with the loader: for any text it is sure about and the loader
# accepts, both must find the same name, namespace and output_path.
_LABELS = st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True)
_PATHS = st.from_regex(r"[a-z0-9]{1,6}(/[a-z0-9._-]{1,8}){0,2}\.yaml", fullmatch=True)


def _render_scalar(value: str, style: str) -> str:
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value + '"'
    if style == "comment":
        return value + "  # note"
    return value


@settings(max_examples=150, deadline=None)
@given(
    name=_LABELS,
    namespace=st.none() | _LABELS,
    output_path=st.none() | _PATHS,
    styles=st.lists(st.sampled_from(["plain", "single", "double", "comment"]), min_size=3,
                    max_size=3),
    quote_keys=st.booleans(),
    crlf=st.booleans(),
    order=st.permutations(range(4)),
)
def test_scan_never_disagrees_with_the_loader(
    name: str, namespace: str | None, output_path: str | None, styles: list[str],
    quote_keys: bool, crlf: bool, order: list[int],
) -> None:
    from sentinel.spec import load_spec_text

    key = (lambda k: f'"{k}"') if quote_keys else (lambda k: k)
    lines = [f"{key('name')}: {_render_scalar(name, styles[0])}",
             "image: busybox:1.36",
             f"{key('namespace')}: {_render_scalar(namespace, styles[1])}" if namespace else "",
             f"{key('output_path')}: {_render_scalar(output_path, styles[2])}"
             if output_path else "# no output_path"]
    text = ("\r\n" if crlf else "\n").join(lines[i] for i in order) + "\n"
    found = scan_text(text)
    try:
        model = load_spec_text(text, "x.yaml").model
    except SentinelError:
        return  # the loader refuses it: the generate action will report why
    assert found.sure, text  # every one of these forms is simple enough to be sure about
    assert (found.name, found.namespace, found.output_path) == (
        model.name, model.namespace, model.output_path), text


@given(st.text(alphabet="az09-.A_", max_size=70))
@settings(max_examples=300, deadline=None)
def test_scan_dns_label_is_the_spec_rule(name: str) -> None:
    # scan.py keeps its own copy of the rule so task creation never imports sentinel.spec.
    from sentinel.pipeline.scan import _DNS_LABEL
    from sentinel.spec.rules import check_dns_label

    assert (_DNS_LABEL.match(name) is not None) == (check_dns_label(name) is None)
