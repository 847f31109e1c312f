"""``sentinel validate --strict`` and the ``strict`` setting: warnings (production advice) fail
like errors, in ``sentinel validate`` (every format) and in ``doit validate`` / ``doit generate``
(a spec with warnings gets no manifest), and turning the setting on or off re-checks every spec.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sentinel.cli import main
from tests.conftest import BIN, REPO

# Valid, one warning: the image is not pinned (W104), everything else is production-ready.
WARNS = """\
name: api
namespace: shop
image: nginx
resources:
  requests:
    memory: 64Mi
  limits:
    memory: 64Mi
"""
CLEAN = WARNS.replace("image: nginx", "image: nginx:1.27")
IGNORED = WARNS + "ignore:\n  - W104\n"
W104 = ("api.yaml:3:1: warning: image: image 'nginx' has no tag (means :latest); the same spec "
        "can run different code [W104] (hint: pin a version tag (e.g. :1.27) or a digest "
        "(@sha256:...))")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``sentinel ARGV`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (working directory) with one spec that only has a warning."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "api.yaml").write_text(WARNS)
    (root / "clean.yaml").write_text(CLEAN.replace("name: api", "name: clean"))
    monkeypatch.chdir(root)
    return root


def test_warnings_pass_without_strict_and_fail_with_it(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "validate", "api.yaml") == (0, "", W104 + "\n"
                                                   "all 1 spec valid (1 warning)\n")
    code, out, err = run(capsys, "validate", "--strict", "api.yaml", "clean.yaml")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        W104, "1 spec invalid, 1 valid (1 warning; strict: warnings fail)"]
    # A spec without warnings passes under strict; ignore: silences the one it has.
    assert run(capsys, "validate", "--strict", "clean.yaml")[0] == 0
    (here / "api.yaml").write_text(IGNORED)
    assert run(capsys, "validate", "--strict", "api.yaml") == (0, "", "all 1 spec valid\n")


def test_strict_errors_still_fail_and_count_once(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "api.yaml").write_text(WARNS.replace("memory: 64Mi\n  limits", "memory: lots\n  limits"))
    code, _, err = run(capsys, "validate", "--strict", "api.yaml", "clean.yaml")
    assert code == 1
    assert err.splitlines()[-1] == "1 spec invalid, 1 valid"
    assert "'lots' is not a Kubernetes quantity" in err


@pytest.mark.parametrize("how", ["toml", "env"])
def test_the_strict_setting_is_the_flag(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "toml":
        (here / "sentinel.toml").write_text("[sentinel]\nstrict = true\n")
    else:
        monkeypatch.setenv("SENTINEL_STRICT", "yes")
    code, _, err = run(capsys, "validate", "api.yaml")
    assert code == 1 and err.endswith("(1 warning; strict: warnings fail)\n")
    monkeypatch.setenv("SENTINEL_STRICT", "false")  # the variable wins over the file
    assert run(capsys, "validate", "api.yaml")[0] == 0


def test_a_bad_strict_value_is_a_usage_error(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTINEL_STRICT", "sometimes")
    code, _, err = run(capsys, "validate", "api.yaml")
    assert code == 2
    assert "setting 'strict' (from $SENTINEL_STRICT): 'sometimes' is not true or false" in err


def test_strict_in_json_github_and_sarif(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--strict", "--json", "api.yaml", "clean.yaml")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert report["counts"] == {"files": 2, "valid": 1, "invalid": 1, "warnings": 1}
    assert [(f["file"], f["valid"], [p["code"] for p in f["problems"]])
            for f in report["files"]] == [("api.yaml", False, ["W104"]), ("clean.yaml", True, [])]
    code, out, err = run(capsys, "validate", "--strict", "--format", "github", "api.yaml")
    assert code == 1 and out.startswith("::warning file=api.yaml,line=3,col=1,title=W104::")
    assert err == "1 spec invalid, 0 valid (1 warning; strict: warnings fail)\n"
    code, out, _ = run(capsys, "validate", "--strict", "--format", "sarif", "api.yaml")
    [result] = json.loads(out)["runs"][0]["results"]
    assert code == 1 and (result["ruleId"], result["level"]) == ("W104", "warning")


# ---------------------------------------------------------------- doit


def doit(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real doit in ``project``."""
    return subprocess.run([str(BIN / "doit"), *args], cwd=project, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    """A project with the repository's specs (worker and nightly-report pass a Secret as env,
    W106; web and cache have no warnings) and the two-line dodo.py."""
    root = tmp_path / "pipeline"
    shutil.copytree(REPO / "specs", root / "specs")
    shutil.copy(REPO / "dodo.py", root / "dodo.py")
    return root


def strict(project: Path, on: bool) -> None:
    (project / "sentinel.toml").write_text(f"[sentinel]\nstrict = {'true' if on else 'false'}\n")


def test_doit_generate_under_strict_writes_no_manifest_for_a_spec_with_warnings(
    pipeline: Path,
) -> None:
    strict(pipeline, True)
    done = doit(pipeline, "--continue", "generate")
    assert done.returncode != 0, done.stdout + done.stderr  # doit: 2 for the unmet dependents
    out = pipeline / "manifests" / "shop"
    assert sorted(p.name for p in out.iterdir()) == ["session-cache.yaml", "web.yaml"]
    for spec in ("worker.yaml", "nightly-report.yaml"):
        assert f"specs/{spec}: invalid under strict, no manifest written" in done.stdout
    assert ("specs/worker.yaml:14:3: warning: env.DATABASE_URL: Secret 'order-db' is passed as "
            "environment (DATABASE_URL) [W106]") in done.stdout
    assert "hint: the strict setting makes warnings fail" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    # Turning strict off re-runs the refused sub-tasks (now with the warnings shown) ...
    strict(pipeline, False)
    done = doit(pipeline, "generate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "order-worker.yaml").is_file() and (out / "nightly-report.yaml").is_file()
    assert "[W106]" in done.stderr
    # ... and turning it on again re-checks every spec, up-to-date manifests or not.
    strict(pipeline, True)
    done = doit(pipeline, "--continue", "generate")
    assert done.returncode != 0
    assert "specs/worker.yaml: invalid under strict" in done.stdout
    assert "specs/nightly-report.yaml: invalid under strict" in done.stdout


def test_doit_validate_under_strict_lists_the_warnings_as_failures(pipeline: Path) -> None:
    done = doit(pipeline, "validate")
    assert done.returncode == 0 and "all 4 specs valid" in done.stdout
    assert done.stderr.count("[W106]") == 2  # shown, not failing
    strict(pipeline, True)
    done = doit(pipeline, "validate")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 specs invalid, 2 valid" in done.stdout
    assert done.stdout.count("[W106]") == 2
    assert "hint: the strict setting makes warnings fail" in done.stdout
    # A spec's ignore: is enough to pass under strict.
    for spec in ("worker.yaml", "nightly-report.yaml"):
        path = pipeline / "specs" / spec
        path.write_text(path.read_text() + "ignore:\n  - W106\n")
    done = doit(pipeline, "validate")
    assert done.returncode == 0 and "all 4 specs valid" in done.stdout, done.stdout
