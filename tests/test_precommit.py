"""The ``sentinel-validate`` pre-commit hook, run for real: ``pre-commit try-repo`` against this
checkout builds the hook's environment (pip installs kube-sentinel from these files) and runs it
in a throwaway git repository of spec files. Every ``try-repo`` run builds its own environment:
it keeps its store in a temporary folder of its own (``PRE_COMMIT_HOME`` is not used for it, and
is pointed at a session temp folder only so nothing reaches the user's cache), so each call below
costs a build of a minute or so — keep their number small.

The duplicate check needs the hook to see every file at once (``require_serial: true``): the
failing repository holds enough pairs of specs defining the same Pod that pre-commit, were it
allowed to, would split them among parallel processes and some pairs would go unreported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
GOOD = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27\n"
BAD = "name: Web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27\nport: 80\n"
PAIRS = 20
# Two files per Pod name: each pair is one duplicate namespace/name only a single run can see.
DUPLICATES = {f"dup{n:02}-{side}.yaml": GOOD.replace("name: web", f"name: dup{n:02}")
              for n in range(PAIRS) for side in "ab"}


@pytest.fixture(scope="session")
def hook_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(REPO), "sentinel-validate",
                           "--all-files", "--color", "never"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def make_repo(root: Path, specs: dict[str, str]) -> Path:
    root.mkdir()
    git(root, "init", "-q")
    (root / "specs").mkdir()
    for name, text in specs.items():
        (root / "specs" / name).write_text(text)
    (root / "README.md").write_text("not a spec\n")
    (root / "other.yaml").write_text("not: a spec either\n")  # outside specs/: not checked
    git(root, "add", ".")
    return root


def test_valid_specs_pass_and_invalid_ones_fail_naming_every_problem(
        tmp_path: Path, hook_home: Path) -> None:
    good = make_repo(tmp_path / "good", {"web.yaml": GOOD})
    done = try_repo(good, hook_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kube-sentinel validate" in done.stdout and "Passed" in done.stdout

    bad = make_repo(tmp_path / "bad", {"web.yaml": GOOD, "broken.yml": BAD, **DUPLICATES})
    done = try_repo(bad, hook_home)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "Failed" in out
    assert "specs/broken.yml:1:7: name:" in out, out  # every problem, with file:line:column
    assert "specs/broken.yml:4:1: port:" in out, out
    assert "other.yaml" not in out
    # 42 files: split among processes, pairs would land apart; one process reports every pair
    reported = [n for n in range(PAIRS) if f"Pod shop/dup{n:02} is also defined by" in out]
    assert reported == list(range(PAIRS)), out
