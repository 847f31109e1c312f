"""Durable manifests at one folder fsync per folder per run, and doit records that notice a lost
rename (``sentinel.pipeline.generate``).

The fsyncs are observed by running the real doit in a subprocess whose ``os.fsync`` logs the path
of each descriptor it flushes; nothing of kube-sentinel is replaced.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.pipeline.generate import manifest_folders
from tests.conftest import REPO

SPEC = "name: {name}\nnamespace: {ns}\nimage: nginxinc/nginx-unprivileged:1.27\n"

# doit's own entry point, with os.fsync reporting each flushed path on stderr.
LOGGING_DOIT = """\
import os, sys
from doit.cmd_base import DodoTaskLoader
from doit.doit_cmd import DoitMain
_fsync = os.fsync
def _logged(fd):
    _fsync(fd)
    sys.stderr.write("fsync " + os.readlink(f"/proc/self/fd/{fd}") + "\\n")
os.fsync = _logged
sys.exit(DoitMain(DodoTaskLoader()).run(sys.argv[1:]))
"""


def make_project(root: Path) -> Path:
    (root / "specs").mkdir(parents=True)
    for name, ns in (("web", "shop"), ("cache", "shop"), ("worker", "jobs")):
        (root / "specs" / f"{name}.yaml").write_text(SPEC.format(name=name, ns=ns))
    (root / "dodo.py").write_text((REPO / "dodo.py").read_text())
    return root


def doit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LOGGING_DOIT, *args], cwd=project,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("parallel", [[], ["-n", "2", "-P", "process"]], ids=["serial", "n2"])
def test_each_manifest_is_fsynced_and_each_folder_once_after_all_writes(
        tmp_path: Path, parallel: list[str]) -> None:
    project = make_project(tmp_path / "project")
    proc = doit(project, *parallel)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flushed = re.findall(r"^fsync (.+)$", proc.stderr, re.MULTILINE)
    files = [f for f in flushed if f.endswith(".tmp")]
    folders = [f for f in flushed if not f.endswith(".tmp")]
    out = project / "manifests"
    assert sorted(Path(f).name.split(".")[1] for f in files) == [
        "cache", "kustomization", "web", "worker"]
    expected = {str(project), str(out), str(out / "shop"), str(out / "jobs")}
    assert set(folders) == expected and len(folders) == len(expected), flushed
    last_file = max(flushed.index(f) for f in files)
    assert all(flushed.index(f) > last_file for f in folders), "folders synced after the renames"


def test_lost_rename_is_noticed_and_the_manifest_generated_again(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    assert doit(project).returncode == 0
    web = project / "manifests" / "shop" / "web.yaml"
    good = web.read_bytes()
    quiet = doit(project)
    assert re.search(r"^-- generate:web\.yaml$", quiet.stdout, re.MULTILINE), quiet.stdout
    # A crash that lost the rename leaves the folder naming the previous file: another inode.
    stale = web.with_name("stale")
    stale.write_bytes(b"# the manifest before this run\n")
    os.replace(stale, web)
    again = doit(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.findall(r"^\.  (\S+)$", again.stdout, re.MULTILINE) == ["generate:web.yaml"]
    assert web.read_bytes() == good
    # Editing the manifest in place keeps its file: as before, only a spec change redoes it.
    with web.open("ab") as fh:
        fh.write(b"# note\n")
    edited = doit(project)
    assert re.findall(r"^\.  (\S+)$", edited.stdout, re.MULTILINE) == [], edited.stdout


def test_manifest_folders_reach_up_to_the_output_folders_parent(tmp_path: Path) -> None:
    out = tmp_path / "project" / "manifests"
    targets = [str(out / "shop" / "web.yaml"), str(out / "shop" / "cache.yaml"),
               str(out / "deep" / "er" / "x.yaml")]
    assert manifest_folders(targets, out) == sorted({
        str(tmp_path / "project"), str(out), str(out / "shop"), str(out / "deep"),
        str(out / "deep" / "er")})
    assert manifest_folders([], out) == []


def test_no_op_run_writes_and_syncs_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    assert doit(project).returncode == 0
    again = doit(project)
    assert re.findall(r"^fsync (.+)$", again.stderr, re.MULTILINE) == []
    assert re.findall(r"^\.  (\S+)$", again.stdout, re.MULTILINE) == []
