"""Convergence end to end (installed ``doit``/``sentinel``, the real kubectl, the loopback API):
the stale-result regression, the plan and its JSON, recreates, orphans and prune, the namespace
ledger, and server-side apply conflicts with another field manager."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.cluster_project import Project, counting_kubectl, run_on_tty

PROJECT_ID = "demo-0123abcd"


def spec_text(name: str, ns: str = "demo", *, labels: dict[str, str] | None = None,
              env: dict[str, str] | None = None, extra: str = "") -> str:
    text = f"name: {name}\nnamespace: {ns}\nimage: nginxinc/nginx-unprivileged:1.27\n"
    if labels:
        text += "labels:\n" + "".join(f"  {k}: {v}\n" for k, v in labels.items())
    if env:
        text += "env:\n" + "".join(f"  {k}: {v}\n" for k, v in env.items())
    return text + extra


def write(project: Project, file: str, text: str) -> Path:
    path = project.root / "specs" / file
    path.write_text(text)
    return path


def with_id(project: Project, ns: tuple[str, ...] = ("demo",)) -> Project:
    (project.root / "sentinel.toml").write_text(f'project = "{PROJECT_ID}"\n')
    for name in ns:
        project.kube.add_namespace(name)
    return project


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def sentinel(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["sentinel", *args], cwd=project.root, env=project.env,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def live_labels(project: Project, ns: str, name: str) -> dict[str, str]:
    pod = project.kube.get_pod(ns, name)
    assert pod is not None, f"{ns}/{name} is not on the cluster"
    return dict(pod["metadata"].get("labels", {}))


def live_env(project: Project, ns: str, name: str) -> dict[str, str]:
    pod = project.kube.get_pod(ns, name)
    assert pod is not None
    return {e["name"]: e.get("value", "") for e in pod["spec"]["containers"][0].get("env", [])}


# ---------------------------------------------------------------- the stale-result bug


def test_the_reported_sequence_ends_with_the_new_label_live(project: Project) -> None:
    """Issue 8, step by step: a Pod whose spec was deleted and re-added under another file name
    with other labels must really be changed on the cluster, not reported as created."""
    with_id(project)
    write(project, "fe.yaml", spec_text("fe", labels={"v": "one"}))
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "info"}))
    ok(project.doit("generate"))
    ok(project.doit("dryrun"))
    ok(project.doit("apply", "--yes"))
    assert project.kube.pod_names() == ["demo/fe", "demo/wk"]
    assert live_labels(project, "demo", "fe")["v"] == "one"

    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "debug"}))
    ok(project.doit("generate"))
    dry = ok(project.doit("dryrun"))
    assert "demo/wk (specs/wk.yaml): recreate: env changes" in dry
    ok(project.doit("apply", "--yes"))
    assert live_env(project, "demo", "wk") == {"LEVEL": "debug"}

    (project.root / "specs" / "fe.yaml").unlink()
    ok(project.doit("generate"))
    applied = ok(project.doit("apply", "--yes"))
    assert "demo/fe: delete (orphan: no spec maps to it)" in applied, applied
    assert project.kube.get_pod("demo", "fe") is not None  # no --prune: left alone, named

    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "info"}))
    write(project, "fe2.yaml", spec_text("fe", labels={"v": "two"}))
    ok(project.doit("generate"))
    dry = ok(project.doit("dryrun"))
    assert "demo/fe (specs/fe2.yaml): update: labels (server dry run)" in dry, dry
    assert "created" not in dry
    project.kube.clear_requests()
    applied = ok(project.doit("apply", "--yes"))
    assert "demo/fe (specs/fe2.yaml): configured" in applied, applied
    assert "PATCH /api/v1/namespaces/demo/pods/fe" in project.real_writes()
    assert live_labels(project, "demo", "fe")["v"] == "two"
    assert live_env(project, "demo", "wk") == {"LEVEL": "info"}
    diff = ok(project.doit("diff"))
    assert "differs" not in diff, diff
    again = ok(project.doit("plan"))
    assert "0 to create, 0 to update, 0 to recreate, 0 to delete, 2 unchanged" in again


def test_a_stamp_for_other_bytes_is_not_trusted(project: Project) -> None:
    """doit's own state says the dry run is current, but the stamp records another manifest's
    sha256 (a stamp left from other bytes): the manifest is dry-run again, not reported."""
    with_id(project)
    write(project, "fe.yaml", spec_text("fe", labels={"v": "one"}))
    ok(project.doit("dryrun"))
    stamp_files = list((project.root / ".sentinel" / "cluster" / "dryrun").glob("*.json"))
    assert len(stamp_files) == 1, stamp_files
    stamp = stamp_files[0]
    data = json.loads(stamp.read_text())
    data["sha256"] = "0" * 64
    stamp.write_text(json.dumps(data))
    project.kube.clear_requests()
    again = ok(project.doit("dryrun"))
    assert "demo/fe (specs/fe.yaml): create (server dry run)" in again, again
    assert [r.query.get("dryRun") for r in project.kube.writes()] == ["All"]


# ---------------------------------------------------------------- plan


def test_plan_names_every_action_and_json_is_the_same_plan(project: Project) -> None:
    with_id(project, ns=("demo", "ops"))
    write(project, "same.yaml", spec_text("same"))
    write(project, "inplace.yaml", spec_text("inplace", labels={"v": "one"}))
    write(project, "env.yaml", spec_text("env", env={"LEVEL": "info"}))
    write(project, "gone.yaml", spec_text("gone"))
    ok(project.doit("apply", "--yes"))
    write(project, "inplace.yaml", spec_text("inplace", labels={"v": "two"}))
    write(project, "env.yaml", spec_text("env", env={"LEVEL": "debug"}))
    (project.root / "specs" / "gone.yaml").unlink()
    write(project, "new.yaml", spec_text("new", ns="ops"))
    write(project, "off.yaml", spec_text("off", extra="apply: false\n"))
    project.kube.clear_requests()

    out = ok(project.doit("plan"))
    lines = out.splitlines()
    assert "demo/same (specs/same.yaml): unchanged" in lines
    assert "demo/inplace (specs/inplace.yaml): update: labels" in lines
    assert ("demo/env (specs/env.yaml): recreate: env changes (a Pod cannot change it in place)"
            in lines), out
    assert "demo/gone: delete (orphan: no spec maps to it)" in lines
    assert "ops/new (specs/new.yaml): create" in lines
    assert "demo/off (specs/off.yaml): skipped (apply: false)" in lines
    assert ("plan for context 'fake': 1 to create, 1 to update, 1 to recreate, 1 to delete, "
            "1 unchanged, 1 skipped, 0 error(s)") in lines
    assert project.real_writes() == []  # it changes nothing

    done = sentinel(project, "plan", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    actions = {(p["namespace"], p["name"]): p["action"] for p in doc["pods"]}
    assert actions == {("demo", "same"): "unchanged", ("demo", "inplace"): "update",
                       ("demo", "env"): "recreate", ("demo", "gone"): "delete",
                       ("ops", "new"): "create", ("demo", "off"): "skipped"}
    env = next(p for p in doc["pods"] if p["name"] == "env")
    assert env["fields"] == ["env"]
    assert doc["context"] == "fake"
    assert project.real_writes() == []

    text = sentinel(project, "plan", "env.yaml")
    assert text.returncode == 0
    assert "demo/env (specs/env.yaml): recreate" in text.stdout
    assert "inplace" not in text.stdout


def test_plan_reads_live_pods_once_per_namespace(project: Project) -> None:
    with_id(project, ns=("demo", "ops"))
    for index in range(5):
        write(project, f"a{index}.yaml", spec_text(f"a{index}"))
        write(project, f"b{index}.yaml", spec_text(f"b{index}", ns="ops"))
    ok(project.doit("generate"))
    project.kube.clear_requests()
    ok(project.doit("plan"))
    lists = [r.path for r in project.kube.requests if r.method == "GET"
             and r.path.endswith("/pods")]
    assert sorted(lists) == ["/api/v1/namespaces/demo/pods", "/api/v1/namespaces/ops/pods"]


def test_plan_runs_at_most_two_kubectl_per_namespace_and_one_context_lookup(
        project: Project, tmp_path: Path) -> None:
    """Per namespace with specs: one ``get pods`` (live objects, ownership and orphans from the
    same read) and one dry run; once per context the context lookup; a namespace only the
    ledger names: one ``get`` for its orphans, and none without a project id."""
    with_id(project, ns=("demo", "ops", "old"))
    for index in range(3):
        write(project, f"a{index}.yaml", spec_text(f"a{index}"))
        write(project, f"b{index}.yaml", spec_text(f"b{index}", ns="ops"))
    write(project, "gone.yaml", spec_text("gone", ns="old"))
    write(project, "stale.yaml", spec_text("stale"))
    ok(project.doit("apply", "--yes"))
    (project.root / "specs" / "gone.yaml").unlink()  # old: only the ledger names it now
    (project.root / "specs" / "stale.yaml").unlink()  # an orphan where specs still are
    script, log = counting_kubectl(tmp_path)

    planned = ok(project.doit("plan", SENTINEL_KUBECTL=str(script)))
    assert "old/gone: delete (orphan: no spec maps to it)" in planned, planned
    assert "demo/stale: delete (orphan: no spec maps to it)" in planned
    runs = [line.split(" -f ")[0] for line in log.read_text().splitlines()]
    assert sorted(runs) == sorted([
        "config view --minify -o json",
        "get pods -n demo -o json", "get pods -n ops -o json", "get pods -n old -o json",
        *(f"apply --server-side --field-manager=kube-sentinel --dry-run=server -o json -n {ns}"
          for ns in ("demo", "ops"))]), runs

    log.unlink()
    (project.root / "specs" / "a0.yaml").write_text(spec_text("gone", ns="old"))  # old has a spec
    ok(project.doit("plan", SENTINEL_KUBECTL=str(script)))
    runs = log.read_text().splitlines()
    assert len(runs) == 2 * 3 + 1, runs  # 3 namespaces with specs, the context lookup

    log.unlink()
    for spec in (project.root / "specs").glob("*.yaml"):
        spec.unlink()
    write(project, "fresh.yaml", spec_text("fresh", ns="ops"))
    (project.root / "sentinel.toml").write_text("")  # no project id: no orphans to look for
    planned = ok(project.doit("plan", SENTINEL_KUBECTL=str(script)))
    assert "ops/fresh (specs/fresh.yaml): create" in planned
    runs = [line.split(" -f ")[0] for line in log.read_text().splitlines()]
    dry_ops = "apply --server-side --field-manager=kube-sentinel --dry-run=server -o json -n ops"
    assert runs == ["config view --minify -o json", "get pods -n ops -o json", dry_ops], runs
    # the ledger's demo and old are not read: without an id there are no orphans to find


def test_plan_that_cannot_reach_the_cluster_exits_1(project: Project, tmp_path: Path) -> None:
    with_id(project)
    write(project, "fe.yaml", spec_text("fe"))
    project.kube.close()
    done = sentinel(project, "plan", "--json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["ok"] is False and "127.0.0.1" in doc["error"], doc
    assert "error" in done.stderr


# ---------------------------------------------------------------- recreate


def test_recreate_is_named_in_the_prompt_and_audited(project: Project) -> None:
    with_id(project)
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "info"}))
    ok(project.doit("apply", "--yes"))
    first_uid = project.kube.get_pod("demo", "wk")["metadata"]["uid"]  # type: ignore[index]
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "debug"}))

    code, out = run_on_tty(["doit", "apply"], project.root, project.env, b"n\n")
    assert code != 0
    assert "recreate 1 Pod (delete, then create):" in out
    assert "demo/wk — env changed" in out
    assert live_env(project, "demo", "wk") == {"LEVEL": "info"}  # refused: nothing changed

    project.kube.set_deletion_delay(1.0)
    code, out = run_on_tty(["doit", "apply"], project.root, project.env, b"y\n")
    assert code == 0, out
    assert "demo/wk (specs/wk.yaml): recreated" in out
    pod = project.kube.get_pod("demo", "wk")
    assert pod is not None and pod["metadata"]["uid"] != first_uid
    assert live_env(project, "demo", "wk") == {"LEVEL": "debug"}
    assert [(f"{r.namespace}/{r.name}", r.result) for r in project.audit()][-1] == ("demo/wk", "recreated")


def test_recreate_whose_create_fails_says_so_and_the_next_apply_creates(project: Project) -> None:
    with_id(project)
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "info"}))
    ok(project.doit("apply", "--yes"))
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "debug"}))
    project.kube.inject(500, name="wk", verbs=("patch",), times=1, real_only=True)
    failed = project.doit("apply", "--yes")
    assert failed.returncode != 0
    text = failed.stdout + failed.stderr
    assert "the old Pod was deleted but the new one was not created" in text, text
    assert "run `doit apply` again to create it" in text
    assert "nothing was changed" not in text
    assert ("demo/wk (specs/wk.yaml): old Pod deleted; the new one was not created (see below)"
            in failed.stdout.splitlines()), text
    assert project.kube.get_pod("demo", "wk") is None
    again = ok(project.doit("apply", "--yes"))
    assert "demo/wk (specs/wk.yaml): created" in again
    assert live_env(project, "demo", "wk") == {"LEVEL": "debug"}


def test_recreate_whose_old_pod_is_still_terminating_says_it_was_deleted(
        project: Project) -> None:
    """The old Pod outlives kubectl_timeout (its grace period is longer): it was deleted, the new
    one is not created yet; the report says so plainly (not "nothing was changed"), the audit
    log records it, and once the old Pod is gone the next apply creates the new one."""
    with_id(project)
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "info"}))
    write(project, "old.yaml", spec_text("old"))
    ok(project.doit("apply", "--yes"))
    write(project, "wk.yaml", spec_text("wk", env={"LEVEL": "debug"}))
    (project.root / "specs" / "old.yaml").unlink()
    project.kube.set_deletion_delay(9.0)
    failed = project.doit("apply", "--yes", "--prune", SENTINEL_KUBECTL_TIMEOUT="3")
    assert failed.returncode != 0
    text = failed.stdout + failed.stderr
    assert "nothing was changed" not in text, text
    # a pruned orphan still terminating was deleted all the same: reported, not a failure
    assert ("demo/old: deleted (pruned, orphan: no spec maps to it; still terminating after 3s)"
            in failed.stdout.splitlines()), text
    assert "Pod demo/old" not in failed.stdout.split("TaskFailed", 1)[1]
    assert ("demo/wk (specs/wk.yaml): old Pod deleted, still terminating; the new one is not "
            "created yet") in failed.stdout.splitlines(), text
    assert ("specs/wk.yaml: Pod demo/wk: not recreated yet: the old Pod was deleted and is still "
            "terminating after 3s, so the new one was not created; the next `doit apply` creates "
            "it (once the old Pod is gone)") in text, text
    assert "hint: raise 'kubectl_timeout'" in text
    for name in ("wk", "old"):
        going = project.kube.get_pod("demo", name)
        assert going is not None and going["metadata"].get("deletionTimestamp"), going
    records = {r.name: r for r in project.audit()[-2:]}
    assert (records["wk"].operation, records["wk"].result) == ("apply", "error")
    assert "still terminating" in records["wk"].message
    assert (records["old"].operation, records["old"].result) == ("delete", "deleted")
    deadline = time.monotonic() + 30
    while project.kube.pod_names() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert project.kube.pod_names() == []
    assert "demo/wk (specs/wk.yaml): create" in ok(project.doit("plan")).splitlines()
    again = ok(project.doit("apply", "--yes"))
    assert "demo/wk (specs/wk.yaml): created" in again
    assert live_env(project, "demo", "wk") == {"LEVEL": "debug"}


def test_every_audited_change_has_its_action_and_a_reason(project: Project) -> None:
    with_id(project)
    for name in ("fe", "wk", "old", "bad"):
        write(project, f"{name}.yaml", spec_text(name, labels={"v": "one"},
                                                 env={"LEVEL": "info"}))
    project.kube.inject(403, name="bad", verbs=("patch",), times=1, real_only=True)
    assert project.doit("apply", "--yes").returncode != 0  # bad: forbidden, the others created
    write(project, "fe.yaml", spec_text("fe", labels={"v": "two"}, env={"LEVEL": "info"}))
    write(project, "wk.yaml", spec_text("wk", labels={"v": "one"}, env={"LEVEL": "debug"}))
    (project.root / "specs" / "old.yaml").unlink()
    ok(project.doit("apply", "--yes", "--prune"))
    got = [(r.name, r.operation, r.action, r.result, r.reason) for r in project.audit()]
    assert got[:4] == [
        ("bad", "apply", "create", "error", "not on the cluster"),
        ("fe", "apply", "create", "created", "not on the cluster"),
        ("old", "apply", "create", "created", "not on the cluster"),
        ("wk", "apply", "create", "created", "not on the cluster")]
    assert sorted(got[4:]) == [
        ("bad", "apply", "create", "created", "not on the cluster"),
        ("fe", "apply", "update", "configured", "labels changed"),
        ("old", "delete", "delete", "deleted", "orphan: no spec maps to it"),
        ("wk", "apply", "recreate", "recreated", "env changed")]
    listing = sentinel(project, "audit", "--json")
    assert [(r["action"], r["reason"]) for r in json.loads(listing.stdout)][1] == (
        "create", "not on the cluster")


# ---------------------------------------------------------------- orphans and prune


def hand_made(project: Project, name: str, ns: str = "demo",
              labels: dict[str, str] | None = None) -> None:
    project.kube.put_pod({"metadata": {"name": name, "namespace": ns, "labels": labels or {}},
                          "spec": {"containers": [{"name": name, "image": "busybox:1.36"}]}},
                         manager="kubectl-client-side-apply")


def test_prune_deletes_only_this_projects_orphans(project: Project) -> None:
    with_id(project)
    write(project, "keep.yaml", spec_text("keep"))
    write(project, "old.yaml", spec_text("old"))
    ok(project.doit("apply", "--yes"))
    hand_made(project, "byhand")
    hand_made(project, "theirs", labels={"app.kubernetes.io/managed-by": "kube-sentinel",
                                         "kube-sentinel.io/project": "other-99999999"})
    (project.root / "specs" / "old.yaml").unlink()

    status = ok(project.doit("status"))
    assert any(line.startswith("demo/old ") and "orphan: no spec maps to it" in line
               for line in status.splitlines()), status
    assert "1 orphan Pod(s)" in status
    assert "byhand" not in status and "theirs" not in status

    plan = ok(project.doit("plan"))
    assert "demo/old: delete (orphan: no spec maps to it)" in plan
    assert "byhand" not in plan and "theirs" not in plan

    applied = ok(project.doit("apply", "--yes"))
    assert project.kube.get_pod("demo", "old") is not None
    assert "doit apply --prune" in applied  # how to remove it

    code, out = run_on_tty(["doit", "apply", "--prune"], project.root, project.env, b"n\n")
    assert code != 0 and "delete 1 Pod" in out and "demo/old" in out
    assert project.kube.get_pod("demo", "old") is not None

    pruned = ok(project.doit("apply", "--yes", "--prune"))
    assert "demo/old: deleted" in pruned, pruned
    assert project.kube.pod_names() == ["demo/byhand", "demo/keep", "demo/theirs"]
    assert ("demo/old", "deleted") in [(f"{r.namespace}/{r.name}", r.result) for r in project.audit()]


def test_a_pod_moved_to_another_namespace_leaves_an_orphan_found_by_the_ledger(
        project: Project) -> None:
    with_id(project, ns=("demo", "ops"))
    write(project, "fe.yaml", spec_text("fe"))
    ok(project.doit("apply", "--yes"))
    write(project, "fe.yaml", spec_text("fe", ns="ops"))  # no spec uses demo any more
    plan = ok(project.doit("plan"))
    assert "ops/fe (specs/fe.yaml): create" in plan
    assert "demo/fe: delete (orphan: no spec maps to it)" in plan, plan
    ok(project.doit("apply", "--yes", "--prune"))
    assert project.kube.pod_names() == ["ops/fe"]


def test_prune_without_a_project_id_is_refused(project: Project) -> None:
    project.kube.add_namespace("demo")
    write(project, "fe.yaml", spec_text("fe"))
    done = project.doit("apply", "--yes", "--prune")
    assert done.returncode != 0
    text = done.stdout + done.stderr
    assert "--prune needs a project id" in text and "sentinel.toml" in text, text
    assert project.kube.pod_names() == []
    plan = ok(project.doit("plan"))
    assert "orphans are not tracked: no project id in sentinel.toml" in plan


def test_prune_is_blocked_while_a_spec_is_invalid(project: Project) -> None:
    with_id(project)
    write(project, "a.yaml", spec_text("a"))
    write(project, "b.yaml", spec_text("b"))
    ok(project.doit("apply", "--yes"))
    write(project, "b.yaml", "name: b\nnamespace: demo\nimage: nginx:1.27\nport: 8080\n")
    done = project.doit("apply", "--yes", "--prune")
    assert done.returncode != 0
    assert project.kube.pod_names() == ["demo/a", "demo/b"]  # b is not an orphan: it is broken


def pods_touched(project: Project, *names: str) -> list[str]:
    """Every write (dry runs included) the fake API got for these Pods of ``demo``."""
    paths = {f"/api/v1/namespaces/demo/pods/{n}" for n in names}
    return [f"{r.method} {r.path}" for r in project.kube.writes() if r.path in paths]


def test_a_pod_that_is_not_this_projects_is_never_touched(project: Project) -> None:
    """Issue 8: Pods without this project's id — another project's, hand-made — are never
    changed, even at a spec's namespace/name: the plan names the owner, apply leaves them."""
    project.kube.add_namespace("demo")
    (project.root / "sentinel.toml").write_text('project = "other-99999999"\n')
    write(project, "web.yaml", spec_text("web", env={"LEVEL": "info"}))
    ok(project.doit("apply", "--yes"))  # the other project's own apply made demo/web
    assert live_labels(project, "demo", "web")["kube-sentinel.io/project"] == "other-99999999"
    (project.root / "specs" / "web.yaml").unlink()
    with_id(project)
    write(project, "web.yaml", spec_text("web", env={"LEVEL": "debug"}))  # would be a recreate
    hand_made(project, "tool")
    write(project, "tool.yaml", spec_text("tool"))
    write(project, "fine.yaml", spec_text("fine"))
    before = {n: project.kube.get_pod("demo", n) for n in ("web", "tool")}
    project.kube.clear_requests()

    planned = project.doit("plan")
    assert planned.returncode != 0
    lines = planned.stdout.splitlines()
    assert ("demo/web (specs/web.yaml): error: the live Pod is owned by project other-99999999, "
            f"not this project ({PROJECT_ID}): apply leaves it alone") in lines, planned.stdout
    assert ("demo/tool (specs/tool.yaml): error: the live Pod was not created by kube-sentinel: "
            "apply leaves it alone") in lines, planned.stdout
    assert "demo/fine (specs/fine.yaml): create" in lines
    failure = planned.stdout.split("TaskFailed", 1)[1]
    assert "hint: rename the Pod in specs/web.yaml (name:), or delete that Pod yourself " \
        "(kubectl delete pod -n demo web) if it may go" in failure, failure
    assert f"kube-sentinel.io/project={PROJECT_ID})" in failure  # a hand-made one may be adopted

    doc = json.loads(sentinel(project, "plan", "--json").stdout)
    pods = {p["name"]: p for p in doc["pods"]}
    assert (pods["web"]["action"], pods["web"]["owner"]) == ("error", "other-99999999")
    assert (pods["tool"]["action"], pods["tool"]["owner"]) == ("error", "hand-made")
    assert "owned by project other-99999999" in pods["web"]["reason"]
    assert "kubectl delete pod -n demo tool" in pods["tool"]["hint"]
    assert doc["ok"] is False

    applied = project.doit("apply", "--yes", "--prune")
    assert applied.returncode != 0
    text = applied.stdout + applied.stderr
    assert "demo/fine (specs/fine.yaml): created" in text
    assert "specs/web.yaml: Pod demo/web: the live Pod is owned by project other-99999999" in text
    assert "specs/tool.yaml: Pod demo/tool: the live Pod was not created by kube-sentinel" in text
    assert pods_touched(project, "web", "tool") == []  # not even a dry run
    for name, pod in before.items():
        assert project.kube.get_pod("demo", name) == pod, name
    assert {r.name for r in project.audit()} == {"web", "fine"}  # web: the other project's


def test_a_pod_kube_sentinel_made_before_project_ids_is_adopted(project: Project) -> None:
    """managed-by kube-sentinel but no project label: made by kube-sentinel before projects had
    ids. It is this project's to update; apply adds the project label."""
    project.kube.add_namespace("demo")
    write(project, "web.yaml", spec_text("web", labels={"v": "one"}))
    ok(project.doit("apply", "--yes"))  # no project id yet
    assert "kube-sentinel.io/project" not in live_labels(project, "demo", "web")
    with_id(project)
    write(project, "web.yaml", spec_text("web", labels={"v": "two"}))
    assert "demo/web (specs/web.yaml): update: labels" in ok(project.doit("plan"))
    ok(project.doit("apply", "--yes"))
    labels = live_labels(project, "demo", "web")
    assert (labels["v"], labels["kube-sentinel.io/project"]) == ("two", PROJECT_ID)


# ---------------------------------------------------------------- server-side apply


def test_a_field_owned_by_another_manager_is_a_conflict_until_forced(project: Project) -> None:
    with_id(project)
    write(project, "fe.yaml", spec_text("fe", labels={"tier": "web"}))
    ok(project.doit("apply", "--yes"))
    pod = project.kube.get_pod("demo", "fe")
    assert pod is not None
    pod["metadata"]["labels"]["tier"] = "edge"
    project.kube.put_pod(pod, manager="helm")
    write(project, "fe.yaml", spec_text("fe", labels={"tier": "frontend"}))

    plan = project.doit("plan")
    text = plan.stdout + plan.stderr
    assert "conflict" in text.lower() and "helm" in text, text
    assert "doit apply --force-conflicts" in text
    failed = project.doit("apply", "--yes")
    assert failed.returncode != 0
    assert live_labels(project, "demo", "fe")["tier"] == "edge"

    forced = ok(project.doit("apply", "--yes", "--force-conflicts"))
    assert "demo/fe (specs/fe.yaml): configured" in forced
    assert live_labels(project, "demo", "fe")["tier"] == "frontend"
    assert "kube-sentinel" in project.kube.managers("demo", "fe")


def test_a_pod_created_by_client_side_apply_is_taken_over_without_conflict(
        project: Project) -> None:
    """A Pod first made by client-side ``kubectl apply`` of the rendered manifest: its fields
    belong to ``kubectl-client-side-apply``. Changing one of them (the label ``v``) in the spec
    would be a conflict with that manager, but the server lets server-side apply take over an
    object that carries the last-applied-configuration annotation: no conflict, no force."""
    with_id(project)
    write(project, "fe.yaml", spec_text("fe", labels={"v": "one"}))
    ok(project.doit("generate"))
    manifest = project.root / "manifests" / "demo" / "fe.yaml"
    done = subprocess.run(["kubectl", "apply", "-f", str(manifest)], env=project.env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "kubectl-client-side-apply" in project.kube.managers("demo", "fe")
    assert live_labels(project, "demo", "fe")["v"] == "one"
    write(project, "fe.yaml", spec_text("fe", labels={"v": "two"}))
    planned = ok(project.doit("plan"))
    assert "demo/fe (specs/fe.yaml): update: labels" in planned, planned
    applied = ok(project.doit("apply", "--yes"))
    assert "demo/fe (specs/fe.yaml): configured (labels changed)" in applied, applied
    assert "conflict" not in applied.lower()
    assert live_labels(project, "demo", "fe")["v"] == "two"
    assert "kube-sentinel" in project.kube.managers("demo", "fe")


@pytest.mark.parametrize("flag", ["--prune", "--force-conflicts"])
def test_apply_flags_are_documented_in_doit_help(project: Project, flag: str) -> None:
    done = ok(project.doit("help", "apply"))
    assert flag in done
