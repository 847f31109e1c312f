"""The cluster tasks end to end: the installed ``doit`` in a project folder, the real kubectl, the
loopback API. Covers dry runs (modes, up-to-date per manifest and per context, batching), the
confirmation gate (refusal, ``--yes``, a real pseudo-terminal answering y and N, ``-n 2``),
apply/diff/delete/status, the audit trail, and every error as the user sees it."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.cluster_project import Project, counting_kubectl, run_on_tty
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.ports import refused_port

# ---------------------------------------------------------------- dryrun


def test_dryrun_creates_nothing_and_tracks_manifest_and_context(project: Project,
                                                                tmp_path: Path) -> None:
    project.spec("web")
    done = project.doit("dryrun")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default/web (specs/web.yaml): create (server dry run)" in done.stdout
    assert project.kube.pod_names() == []
    assert [(r.method, r.query.get("dryRun"), r.query.get("fieldManager"))
            for r in project.kube.writes()] == [("PATCH", "All", "kube-sentinel")]

    project.kube.clear_requests()
    again = project.doit("dryrun")
    assert "-- dryrun:web.yaml" in again.stdout
    assert project.kube.requests == []  # up to date: kubectl never called the cluster

    with FakeKubeAPI() as other:  # same context name, another server: not up to date
        config = other.write_kubeconfig(tmp_path / "other-kubeconfig")
        moved = project.doit("dryrun", KUBECONFIG=str(config))
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert ".  dryrun:web.yaml" in moved.stdout
        assert [r.method for r in other.writes()] == ["PATCH"]


def test_dryrun_client_mode_by_param_and_setting(project: Project) -> None:
    project.spec("web")
    done = project.doit("dryrun", "--mode", "client")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(client dry run)" in done.stdout
    assert project.kube.writes() == []  # client mode never sends the object
    server = project.doit("dryrun")  # mode changed: not up to date
    assert "(server dry run)" in server.stdout
    (project.root / "sentinel.toml").write_text('dryrun_mode = "client"\n')
    assert "(client dry run)" in project.doit("dryrun").stdout
    bad = project.doit("dryrun", "--mode", "sideways")
    assert bad.returncode == 1 and "must be server or client" in bad.stdout + bad.stderr


def test_dryrun_failure_is_attributed_and_retried_alone(project: Project) -> None:
    project.spec("web")
    project.spec("api", ns="nosuchns")
    done = project.doit("--continue", "dryrun")
    assert done.returncode == 2  # doit's code for "a task failed, dependents not run"
    out = done.stdout + done.stderr
    assert 'specs/api.yaml: Pod nosuchns/api: namespace "nosuchns" does not exist' in out
    assert "default/web (specs/web.yaml): create (server dry run)" in out
    project.kube.clear_requests()
    again = project.doit("--continue", "dryrun")
    assert again.returncode == 2
    assert "-- dryrun:web.yaml" in again.stdout
    assert [r.path for r in project.kube.writes()] == ["/api/v1/namespaces/nosuchns/pods/api"]


def test_batches_one_kubectl_per_namespace_and_only_changed(project: Project,
                                                            tmp_path: Path) -> None:
    project.kube.add_namespace("shop")
    for name, ns in (("a", "default"), ("b", "default"), ("c", "shop"), ("d", "shop")):
        project.spec(name, ns=ns)
    script, log = counting_kubectl(tmp_path)
    done = project.doit("dryrun", SENTINEL_KUBECTL=str(script))
    assert done.returncode == 0, done.stdout + done.stderr
    runs = log.read_text().splitlines()
    applies = [ln for ln in runs if ln.startswith("apply")]
    assert sorted(ln.split(" -n ")[1].split()[0] for ln in applies) == ["default", "shop"]
    assert all("--server-side --field-manager=kube-sentinel --dry-run=server" in ln
               for ln in applies)
    assert sorted(ln for ln in runs if ln.startswith("get")) == [
        "get pods -n default -o json", "get pods -n shop -o json"]
    assert len([r for r in project.kube.writes() if r.query.get("dryRun") == "All"]) == 4
    log.unlink()
    project.kube.clear_requests()
    project.spec("c", ns="shop", tag="1.28")
    done = project.doit("dryrun", SENTINEL_KUBECTL=str(script))
    applies = [ln for ln in log.read_text().splitlines() if ln.startswith("apply")]
    assert len(applies) == 1 and " -n shop " in applies[0]
    assert [r.path for r in project.kube.writes()] == ["/api/v1/namespaces/shop/pods/c"]
    log.unlink()
    project.kube.clear_requests()
    done = project.doit("apply", "--yes", SENTINEL_KUBECTL=str(script))
    assert done.returncode == 0, done.stdout + done.stderr
    runs = [ln for ln in log.read_text().splitlines() if not ln.startswith("config")]
    assert len(runs) == 6  # per namespace: read the Pods, one dry run, one apply
    real = [r for r in project.kube.writes() if r.query.get("dryRun") != "All"]
    assert sorted(r.path.rsplit("/", 1)[1] for r in real) == ["a", "b", "c", "d"]


# ---------------------------------------------------------------- apply and the gate


def test_apply_refused_without_terminal_changes_nothing(project: Project) -> None:
    project.spec("web")
    done = project.doit("apply")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "refusing to apply without confirmation" in out
    assert "run `doit apply --yes` to confirm" in out
    assert f"Apply to context 'fake' ({project.kube.url}), namespace(s): default" in out
    assert "  create 1 Pod: default/web" in out
    assert project.real_writes() == []
    assert not (project.root / ".sentinel" / "audit.jsonl").exists()


def test_apply_yes_then_up_to_date_then_unchanged(project: Project) -> None:
    project.spec("web")
    done = project.doit("apply", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default/web (specs/web.yaml): created" in done.stdout
    assert project.kube.pod_names() == ["default/web"]
    [rec] = project.audit()
    assert (rec.operation, rec.context, rec.namespace, rec.name, rec.result) == (
        "apply", "fake", "default", "web", "created")
    assert rec.spec == "specs/web.yaml" and rec.server == project.kube.url
    manifest = project.root / "manifests" / "default" / "web.yaml"
    assert rec.manifest_sha256 == hashlib.sha256(manifest.read_bytes()).hexdigest()

    project.kube.clear_requests()
    again = project.doit("apply", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "default/web (specs/web.yaml): unchanged" in again.stdout
    assert "nothing to apply: the cluster already matches the specs" in again.stdout
    assert project.real_writes() == []  # it asked the cluster, and changed nothing
    assert [r.result for r in project.audit()] == ["created"]
    project.kube.clear_requests()
    redo = project.doit("dryrun", "--force")
    assert "default/web (specs/web.yaml): unchanged (server dry run)" in redo.stdout
    assert "/api/v1/namespaces/default/pods/web" in [r.path for r in project.kube.requests]


def test_apply_only_what_passed_its_dry_run_and_skips_apply_false(project: Project) -> None:
    project.spec("web")
    project.spec("canary", extra="apply: false\n")
    project.spec("api", ns="nosuchns")
    done = project.doit("apply", "--yes")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "default/canary (specs/canary.yaml): skipped (apply: false)" in out
    assert 'nosuchns/api (specs/api.yaml): error: namespace "nosuchns" does not exist' in out
    assert 'specs/api.yaml: Pod nosuchns/api: namespace "nosuchns" does not exist' in out
    assert "default/web (specs/web.yaml): created" in out
    assert project.kube.pod_names() == ["default/web"]
    assert [r.name for r in project.audit()] == ["web"]


def test_edit_redoes_the_dry_run_before_applying(project: Project) -> None:
    project.spec("web")
    project.doit("apply", "--yes")
    project.spec("web", tag="1.28")
    project.kube.clear_requests()
    done = project.doit("apply", "--yes")
    assert "default/web (specs/web.yaml): update: image" in done.stdout
    assert "default/web (specs/web.yaml): configured (image changed)" in done.stdout
    patches = [r.query.get("dryRun", "real") for r in project.kube.writes()]
    assert patches == ["All", "real"]  # dry run first, then the change
    assert [r.result for r in project.audit()] == ["created", "configured"]


@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "n2"])
def test_interactive_prompt_yes(project: Project, parallel: bool) -> None:
    project.spec("web")
    project.spec("cache")
    argv = ["doit", *(["-n", "2"] if parallel else []), "apply"]
    code, out = run_on_tty(argv, project.root, project.env, b"y\n")
    assert code == 0, out
    assert "Apply to context 'fake'" in out and "namespace(s): default" in out
    assert "  create 2 Pods:\n    default/cache\n    default/web" in out
    assert "Proceed? [y/N]" in out
    assert project.kube.pod_names() == ["default/cache", "default/web"]


def test_interactive_prompt_no_changes_nothing(project: Project) -> None:
    project.spec("web")
    code, out = run_on_tty(["doit", "apply"], project.root, project.env, b"n\n")
    assert code == 1
    assert "apply not confirmed; nothing was changed" in out
    assert project.real_writes() == [] and project.kube.pod_names() == []


# ---------------------------------------------------------------- diff, delete, status


def test_diff_after_an_edit(project: Project) -> None:
    project.spec("web")
    project.spec("cache")
    project.doit("apply", "--yes")
    same = project.doit("diff")
    assert same.returncode == 0 and "default/web (specs/web.yaml): same" in same.stdout
    project.spec("web", tag="1.28")
    done = project.doit("diff")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "-  - image: nginxinc/nginx-unprivileged:1.27" in done.stdout
    assert "+  - image: nginxinc/nginx-unprivileged:1.28" in done.stdout
    assert "default/web (specs/web.yaml): differs" in done.stdout
    assert "default/cache (specs/cache.yaml): same" in done.stdout
    project.kube.inject(403, name="cache", verbs=("get", "patch"))
    failed = project.doit("diff")
    assert failed.returncode == 1
    assert "specs/cache.yaml: Pod default/cache: forbidden (403)" in failed.stdout + failed.stderr


def test_diff_skips_specs_apply_leaves_out(project: Project) -> None:
    project.spec("web")
    project.spec("canary", extra="apply: false\n")
    project.doit("apply", "--yes")
    project.kube.clear_requests()
    done = project.doit("diff")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default/canary (specs/canary.yaml): skipped (apply: false in the spec)" in done.stdout
    assert "default/web (specs/web.yaml): same" in done.stdout
    assert "v1.Pod.default.canary" not in done.stdout
    assert "canary" not in " ".join(r.path for r in project.kube.requests)


def test_delete_is_confirmed_audited_and_reapplies(project: Project) -> None:
    project.spec("web")
    project.doit("apply", "--yes")
    refused = project.doit("delete")
    assert refused.returncode == 1 and "run `doit delete --yes`" in refused.stdout + refused.stderr
    assert project.kube.pod_names() == ["default/web"]
    done = project.doit("delete", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default/web (specs/web.yaml): deleted" in done.stdout
    assert project.kube.pod_names() == []
    assert [(r.operation, r.result) for r in project.audit()] == [
        ("apply", "created"), ("delete", "deleted")]
    back = project.doit("apply", "--yes")
    assert "default/web (specs/web.yaml): created" in back.stdout


def test_status_running_failing_missing_and_wait(project: Project) -> None:
    project.spec("web")
    project.spec("worker")
    project.spec("ghost", extra="apply: false\n")
    project.doit("apply", "--yes")
    project.kube.set_pod_status("default", "web", phase="Running", ready=True)
    project.kube.set_pod_status("default", "worker", phase="Running", ready=False, restarts=4,
                                reason="CrashLoopBackOff", message="back-off 40s")
    done = project.doit("status")
    assert done.returncode == 0
    rows = [ln.split(None, 4) for ln in done.stdout.splitlines() if ln.startswith("default/")]
    assert rows == [
        ["default/ghost", "-", "-", "-", "not found (apply: false)"],
        ["default/web", "Running", "yes", "0"],
        ["default/worker", "Running", "no", "4", "CrashLoopBackOff: back-off 40s"],
    ]
    waited = project.doit("status", "--wait", "--timeout", "1", "--interval", "0.2")
    assert waited.returncode == 1
    out = waited.stdout + waited.stderr
    assert "1 Pod(s) not Ready after 1s" in out  # apply: false specs are not waited for
    assert "specs/worker.yaml: Pod default/worker: CrashLoopBackOff: back-off 40s" in out
    project.kube.set_pod_status("default", "worker", phase="Running", ready=True)
    ok = project.doit("status", "--wait", "--timeout", "5")
    assert ok.returncode == 0 and "all 2 applied Pod(s) Ready" in ok.stdout
    project.spec("late")
    project.doit("apply", "--yes")

    def ready_soon() -> None:
        time.sleep(1.0)
        project.kube.set_pod_status("default", "late", phase="Running", ready=True)

    waiter = threading.Thread(target=ready_soon)
    waiter.start()
    polled = project.doit("status", "--wait", "--timeout", "20", "--interval", "0.2")
    waiter.join()
    assert polled.returncode == 0 and "all 3 applied Pod(s) Ready" in polled.stdout


def test_status_wait_counts_completed_pods_and_stops_at_failed_ones(project: Project) -> None:
    project.spec("web")
    project.spec("report", extra="restartPolicy: Never\n")
    project.doit("apply", "--yes")
    project.kube.set_pod_status("default", "web", phase="Running", ready=True)
    project.kube.set_pod_status("default", "report", phase="Succeeded", ready=False)
    done = project.doit("status", "--wait", "--timeout", "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ["default/report", "Succeeded", "no", "0", "Completed"] in [
        ln.split() for ln in done.stdout.splitlines()]
    assert "all 2 applied Pod(s) done: 1 Ready, 1 completed" in done.stdout
    project.kube.set_pod_status("default", "report", phase="Failed", ready=False)
    # far past doit()'s own 120 s limit: a wait for what cannot happen fails the test
    failed = project.doit("status", "--wait", "--timeout", "3600")
    assert failed.returncode == 1
    out = failed.stdout + failed.stderr
    assert "1 Pod(s) failed and will not become Ready:\nspecs/report.yaml: Pod default/report: " \
        "Error" in out


# ---------------------------------------------------------------- errors as the user sees them


def test_unreachable_cluster(project: Project, tmp_path: Path) -> None:
    project.spec("web")
    config = project.root / "kubeconfig"
    with refused_port() as port:
        config.write_text(config.read_text().replace(project.kube.url, f"http://127.0.0.1:{port}"))
        done = project.doit("dryrun")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert (f"specs/web.yaml: Pod default/web: cannot reach the cluster at "
            f"127.0.0.1:{port}: connection refused") in out
    assert "memcache.go" not in out  # kubectl's own noise is not echoed


@pytest.mark.parametrize(
    ("code", "words"),
    [(403, "forbidden (403): pods \"web\" is forbidden"),
     (409, "conflict (409): Operation cannot be fulfilled"),
     (422, "the cluster rejected the object as invalid (422):\n  metadata.labels: Invalid value")],
)
def test_server_refusals_through_doit(project: Project, code: int, words: str) -> None:
    project.spec("web")
    project.spec("cache")
    project.kube.inject(code, name="web")
    done = project.doit("--continue", "dryrun")
    out = done.stdout + done.stderr
    assert done.returncode == 2  # the failed sub-task's group cannot finish
    assert f"specs/web.yaml: Pod default/web: {words}" in out
    assert "default/cache (specs/cache.yaml): create (server dry run)" in out
    assert "Error from server" not in out and "Please review" not in out


def test_no_specs_is_not_an_error(project: Project) -> None:
    done = project.doit("dryrun", KUBECONFIG="/nonexistent")
    assert done.returncode == 0, done.stdout + done.stderr


def test_timeout_is_a_setting(project: Project) -> None:
    project.spec("web")
    project.kube.set_delay(10)
    done = project.doit("dryrun", SENTINEL_KUBECTL_TIMEOUT="1.5")
    assert done.returncode == 1
    assert ("specs/web.yaml: Pod default/web: kubectl did not finish within 1.5s"
            in done.stdout + done.stderr)


def test_kubectl_missing_and_no_context(project: Project, tmp_path: Path) -> None:
    project.spec("web")
    missing = project.doit("dryrun", SENTINEL_KUBECTL=str(tmp_path / "no" / "kubectl"))
    assert missing.returncode == 1
    assert "kubectl not found: setting 'kubectl'" in missing.stdout + missing.stderr
    assert "1 Pod(s) not dry-run:\n  specs/web.yaml: Pod default/web" in missing.stdout
    nocontext = project.doit("status", KUBECONFIG=str(tmp_path / "none"))
    assert nocontext.returncode == 1
    assert "no usable kube context" in nocontext.stdout + nocontext.stderr
    assert "1 Pod(s) not read:\n  specs/web.yaml: Pod default/web" in nocontext.stdout
    other = project.doit("dryrun", SENTINEL_CONTEXT="elsewhere")
    assert other.returncode == 1
    assert "'context'" in other.stdout + other.stderr


def test_context_setting_selects_the_cluster(project: Project, tmp_path: Path) -> None:
    project.spec("web")
    with FakeKubeAPI() as staging:
        config = yaml.safe_load((project.root / "kubeconfig").read_text())
        config["clusters"].append({"name": "staging", "cluster": {"server": staging.url}})
        config["contexts"].append({"name": "staging", "context": {"cluster": "staging",
                                                                  "user": "fake"}})
        (project.root / "kubeconfig").write_text(yaml.safe_dump(config))
        done = project.doit("apply", "--yes", SENTINEL_CONTEXT="staging")
        assert done.returncode == 0, done.stdout + done.stderr
        assert staging.pod_names() == ["default/web"]
        assert project.kube.pod_names() == []  # the current context was not touched
        [rec] = project.audit()
        assert (rec.context, rec.server) == ("staging", staging.url)


def test_stamps_record_sha_and_context(project: Project) -> None:
    project.spec("web")
    project.doit("dryrun")
    [stamp] = (project.root / ".sentinel" / "cluster" / "dryrun").glob("*.json")
    data = json.loads(stamp.read_text())
    assert data["context"] == f"fake@{project.kube.url}" and data["ok"] is True
    assert data["mode"] == "server" and len(data["sha256"]) == 64
