"""Fleets: ``contexts = ["fake", "staging"]`` runs plan, dryrun, apply, diff, status and delete
against each context — two loopback API servers, the real kubectl — batched per (context,
namespace), with one prompt naming every context, and stamps and audit records per context."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster_project import Project, add_context, counting_kubectl, run_on_tty
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


def dry_runs(api: FakeKubeAPI) -> list[str]:
    return sorted(f"{r.method} {r.path}" for r in api.writes() if r.query.get("dryRun") == "All")


def kubectl_runs(log: Path) -> Counter[tuple[str, str, str]]:
    """The kubectl processes a ``counting_kubectl`` wrapper started, by (context, what,
    namespace): what is ``dry-run``, ``apply`` (a real one) or kubectl's verb."""
    runs: Counter[tuple[str, str, str]] = Counter()
    for line in log.read_text().splitlines():
        argv = line.split()
        context = argv[argv.index("--context") + 1]
        namespace = argv[argv.index("-n") + 1] if "-n" in argv else ""
        verb = argv[argv.index("--context") + 2]
        runs[(context, "dry-run" if "--dry-run=server" in argv else verb, namespace)] += 1
    return runs


def per_context(runs: Counter[tuple[str, str, str]], context: str) -> dict[tuple[str, str], int]:
    return {(what, ns): n for (ctx, what, ns), n in runs.items() if ctx == context}


PODS = {"demo": ["a0", "a1", "a2"], "ops": ["b0", "b1", "b2"]}
PATCHES = sorted(f"PATCH /api/v1/namespaces/{ns}/pods/{name}"
                 for ns, names in PODS.items() for name in names)


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


def test_dryrun_apply_and_status_are_batched_per_context_and_namespace(
        project: Project, staging: FakeKubeAPI, tmp_path: Path) -> None:
    """Three Pods in each of two namespaces: per context and namespace one kubectl run of each
    kind and one Pod list on that context's server, never one per Pod."""
    for ns, names in PODS.items():
        for name in names:
            spec(project, name, ns=ns)
    script, log = counting_kubectl(tmp_path)

    def run(*task: str) -> Counter[tuple[str, str, str]]:
        for api in (project.kube, staging):
            api.clear_requests()
        log.unlink(missing_ok=True)
        ok(project.doit(*task, SENTINEL_KUBECTL=str(script)))
        return kubectl_runs(log)

    dryrun = run("dryrun")
    for context in ("fake", "staging"):
        assert per_context(dryrun, context) == {
            ("config", ""): 1, ("get", "demo"): 1, ("dry-run", "demo"): 1,
            ("get", "ops"): 1, ("dry-run", "ops"): 1}, context
    for api in (project.kube, staging):
        assert pod_lists(api) == ["/api/v1/namespaces/demo/pods", "/api/v1/namespaces/ops/pods"]
        assert dry_runs(api) == PATCHES  # kubectl sends each object of a batch on its own
        assert real_writes(api) == []

    applied = run("apply", "--yes")
    for context in ("fake", "staging"):
        assert per_context(applied, context) == {
            ("config", ""): 1, ("get", "demo"): 1, ("dry-run", "demo"): 1, ("apply", "demo"): 1,
            ("get", "ops"): 1, ("dry-run", "ops"): 1, ("apply", "ops"): 1}, context
    for api in (project.kube, staging):
        assert pod_lists(api) == ["/api/v1/namespaces/demo/pods", "/api/v1/namespaces/ops/pods"]
        assert sorted(real_writes(api)) == PATCHES
        assert api.pod_names() == sorted(f"{ns}/{n}" for ns, names in PODS.items() for n in names)

    status = run("status")
    for context in ("fake", "staging"):
        # one list per namespace: the same read gives the Pods' states and the orphans there
        assert per_context(status, context) == {
            ("config", ""): 1, ("get", "demo"): 1, ("get", "ops"): 1}, context
    for api in (project.kube, staging):
        assert pod_lists(api) == ["/api/v1/namespaces/demo/pods", "/api/v1/namespaces/ops/pods"]
        assert [r.path for r in api.requests if r.method == "GET"
                and "/pods/" in r.path] == []  # never one Pod at a time
        assert api.writes() == []


def test_diff_status_and_delete_per_context(project: Project, staging: FakeKubeAPI,
                                            tmp_path: Path) -> None:
    spec(project, "web")
    ok(project.doit("apply", "--yes"))
    # the Pod on staging changes behind kube-sentinel's back: only staging's diff may show it
    drifted = staging.get_pod("demo", "web")
    assert drifted is not None
    drifted["metadata"]["labels"]["drift"] = "yes"
    staging.put_pod(drifted, manager="kube-sentinel")
    script, log = counting_kubectl(tmp_path)
    for api in (project.kube, staging):
        api.clear_requests()
    diff = ok(project.doit("diff", SENTINEL_KUBECTL=str(script)))
    fake_part, staging_part = diff.split("context 'staging':\n")
    assert "context 'fake':" in fake_part
    assert "demo/web (specs/web.yaml): same" in fake_part and "differs" not in fake_part
    assert "demo/web (specs/web.yaml): differs" in staging_part and "same" not in staging_part
    assert '-    drift: "yes"' in staging_part
    # each server got the diff of its own context: one kubectl diff per context, and the Pod
    # read and dry-run-patched on each server once
    runs = kubectl_runs(log)
    assert {k: n for k, n in runs.items() if k[1] == "diff"} == {
        ("fake", "diff", "demo"): 1, ("staging", "diff", "demo"): 1}
    for api in (project.kube, staging):
        assert [f"{r.method} {r.path}" for r in api.requests] == [
            "GET /api/v1/namespaces/demo/pods/web", "PATCH /api/v1/namespaces/demo/pods/web"]
        assert [r.query.get("dryRun") for r in api.writes()] == ["All"]
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
