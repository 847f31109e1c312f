"""Fleets: ``contexts = ["fake", "staging"]`` runs plan, dryrun, apply, diff, status and delete
against each context — two loopback API servers, the real kubectl — batched per (context,
namespace), with one prompt naming every context, and stamps and audit records per context."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest

from tests.cluster_project import Project, add_context, run_on_tty
from tests.fakes.kube_api import FakeKubeAPI

SPEC = "name: {name}\nnamespace: {ns}\nimage: nginxinc/nginx-unprivileged:1.27\n"


@pytest.fixture
def staging(project: Project) -> Iterator[FakeKubeAPI]:
    """A second cluster as context ``staging``; the project targets both (a fleet)."""
    with FakeKubeAPI() as other:
        add_context(project, "staging", other)
        (project.root / "sentinel.toml").write_text(
            'project = "fleet-0123abcd"\ncontexts = ["fake", "staging"]\n')
        for api in (project.kube, other):
            api.add_namespace("demo")
            api.add_namespace("ops")
        yield other


def spec(project: Project, name: str, ns: str = "demo", extra: str = "") -> None:
    (project.root / "specs" / f"{name}.yaml").write_text(SPEC.format(name=name, ns=ns) + extra)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def real_writes(api: FakeKubeAPI) -> list[str]:
    return [f"{r.method} {r.path}" for r in api.writes() if r.query.get("dryRun") != "All"]


def pod_lists(api: FakeKubeAPI) -> list[str]:
    return sorted(r.path for r in api.requests if r.method == "GET" and r.path.endswith("/pods"))


def test_plan_runs_per_context_batched_per_namespace(project: Project,
                                                     staging: FakeKubeAPI) -> None:
    for n in range(3):
        spec(project, f"a{n}")
        spec(project, f"b{n}", ns="ops")
    out = ok(project.doit("plan"))
    fake_part, staging_part = out.split("\ncontext 'staging':\n")
    assert "context 'fake':" in fake_part
    for part, context in ((fake_part, "fake"), (staging_part, "staging")):
        assert "demo/a0 (specs/a0.yaml): create" in part
        assert (f"plan for context '{context}': 6 to create, 0 to update, 0 to recreate, "
                "0 to delete, 0 unchanged, 0 skipped, 0 error(s)") in part
    for api in (project.kube, staging):
        assert pod_lists(api) == ["/api/v1/namespaces/demo/pods", "/api/v1/namespaces/ops/pods"]
        assert real_writes(api) == []


def test_one_prompt_names_every_context_and_apply_converges_each(project: Project,
                                                                 staging: FakeKubeAPI) -> None:
    spec(project, "web")
    refused = project.doit("apply")
    assert refused.returncode != 0
    text = refused.stdout + refused.stderr
    assert "Apply to context 'fake'" in text and "Apply to context 'staging'" in text, text
    assert project.kube.pod_names() == [] and staging.pod_names() == []

    code, out = run_on_tty(["doit", "apply"], project.root, project.env, b"y\n")
    assert code == 0, out
    assert out.count("Proceed? [y/N]") == 1
    assert "[fake] demo/web (specs/web.yaml): created" in out
    assert "[staging] demo/web (specs/web.yaml): created" in out
    assert project.kube.pod_names() == ["demo/web"] and staging.pod_names() == ["demo/web"]
    assert sorted((r.context, r.result) for r in project.audit()) == [
        ("fake", "created"), ("staging", "created")]

    # drift on one cluster only: only that one is changed
    done = subprocess.run(["kubectl", "--context", "staging", "delete", "pod", "web", "-n", "demo"],
                          env=project.env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    project.kube.clear_requests()
    staging.clear_requests()
    asked = project.doit("apply")  # no terminal: refused, and the refusal shows the prompt
    prompt = asked.stdout + asked.stderr
    assert "Apply to context 'staging'" in prompt
    assert "Apply to context 'fake'" not in prompt  # nothing to change there: not in the prompt
    again = ok(project.doit("apply", "--yes"))
    assert "[staging] demo/web (specs/web.yaml): created" in again
    assert "[fake] demo/web" not in again
    assert real_writes(project.kube) == []
    assert real_writes(staging) == ["PATCH /api/v1/namespaces/demo/pods/web"]


def test_dryrun_stamps_are_per_context(project: Project, staging: FakeKubeAPI) -> None:
    spec(project, "web")
    out = ok(project.doit("dryrun"))
    assert "[fake] demo/web (specs/web.yaml): create (server dry run)" in out
    assert "[staging] demo/web (specs/web.yaml): create (server dry run)" in out
    project.kube.clear_requests()
    staging.clear_requests()
    ok(project.doit("dryrun"))
    assert project.kube.writes() == [] and staging.writes() == []  # both up to date
    stamps = list((project.root / ".sentinel" / "cluster" / "dryrun").glob("*.json"))
    assert sorted(json.loads(p.read_text())["context"].split("@")[0] for p in stamps) == [
        "fake", "staging"]
    # one context's stamp gone stale: only that context is asked again
    for path in stamps:
        data = json.loads(path.read_text())
        if data["context"].startswith("staging@"):
            data["sha256"] = "0" * 64
            path.write_text(json.dumps(data))
    ok(project.doit("dryrun"))
    assert project.kube.writes() == []
    assert [r.query.get("dryRun") for r in staging.writes()] == ["All"]


def test_diff_status_and_delete_per_context(project: Project, staging: FakeKubeAPI) -> None:
    spec(project, "web")
    ok(project.doit("apply", "--yes"))
    diff = ok(project.doit("diff"))
    assert diff.count("demo/web (specs/web.yaml): same") == 2
    assert "context 'fake':" in diff and "context 'staging':" in diff
    staging.set_pod_status("demo", "web", phase="Running", ready=True)
    status = ok(project.doit("status"))
    fake_part, staging_part = status.split("context 'staging':")
    assert "Pending" in fake_part and "Running" in staging_part
    deleted = ok(project.doit("delete", "--yes"))
    assert "context 'fake':" in deleted and "context 'staging':" in deleted
    assert project.kube.pod_names() == [] and staging.pod_names() == []
    assert sorted((r.context, r.result) for r in project.audit() if r.operation == "delete") == [
        ("fake", "deleted"), ("staging", "deleted")]


def test_an_unreachable_context_is_named_and_the_others_still_planned(
        project: Project, staging: FakeKubeAPI) -> None:
    spec(project, "web")
    staging.close()
    done = project.doit("plan")
    assert done.returncode != 0
    text = done.stdout + done.stderr
    assert "plan for context 'fake': 1 to create" in text
    assert "[staging]" in text and "cannot reach the cluster" in text, text
    doc = subprocess.run(["sentinel", "plan", "--json"], cwd=project.root, env=project.env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert doc.returncode == 1
    data = json.loads(doc.stdout)
    assert data["ok"] is False
    assert [p["context"] for p in data["plans"]] == ["fake", "staging"]
    assert data["plans"][0]["counts"]["create"] == 1 and "error" in data["plans"][1]
