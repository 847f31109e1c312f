"""The guards around real cluster changes, end to end through ``doit`` and the real kubectl.

Complements ``test_cluster_tasks.py``: ``apply`` against a context other than the one the dry run
used plans there first and applies nothing that failed there; the gate refuses without a
terminal (also under ``doit -n 2``) before a single real write reaches the API; the ``context`` setting
sends every request to its own server; a real apply that the server refuses is audited as an
error; an audit log that cannot be written is reported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster_project import Project, add_context, run_on_tty
from tests.fakes.kube_api import FakeKubeAPI


@pytest.fixture
def staging(project: Project) -> Iterator[FakeKubeAPI]:
    """A second cluster, context ``staging`` in the project's kubeconfig (current stays ``fake``)."""
    with FakeKubeAPI() as other:
        add_context(project, "staging", other)
        yield other


def calls(api: FakeKubeAPI) -> list[tuple[str, str, str]]:
    """(method, path, dryRun) of every write the server received."""
    return [(r.method, r.path, r.query.get("dryRun", "")) for r in api.writes()]


# ---------------------------------------------------------------- apply follows its dry run


def test_apply_on_another_context_dry_runs_there_first(project: Project,
                                                       staging: FakeKubeAPI) -> None:
    project.spec("web")
    assert project.doit("dryrun").returncode == 0  # passed on 'fake' only
    project.kube.clear_requests()
    done = project.doit("apply", "--yes", SENTINEL_CONTEXT="staging")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(staging) == [("PATCH", "/api/v1/namespaces/default/pods/web", "All"),
                              ("PATCH", "/api/v1/namespaces/default/pods/web", "")]
    assert project.kube.requests == []  # the other context was neither asked nor changed
    assert staging.pod_names() == ["default/web"]


def test_apply_refuses_what_failed_its_dry_run_on_the_new_context(
        project: Project, staging: FakeKubeAPI) -> None:
    project.kube.add_namespace("shop")  # 'shop' exists on 'fake', not on 'staging'
    project.spec("web")
    project.spec("cart", ns="shop")
    assert project.doit("dryrun").returncode == 0
    done = project.doit("--continue", "apply", "--yes", SENTINEL_CONTEXT="staging")
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert 'specs/cart.yaml: Pod shop/cart: namespace "shop" does not exist' in out
    assert staging.pod_names() == ["default/web"]
    assert [(m, p) for m, p, dry in calls(staging) if not dry] == [
        ("PATCH", "/api/v1/namespaces/default/pods/web")]
    assert project.kube.pod_names() == []
    assert [(r.context, r.name) for r in project.audit()] == [("staging", "web")]


def test_a_pod_spec_change_the_cluster_refuses_is_a_recreate(project: Project) -> None:
    project.spec("web")
    assert project.doit("apply", "--yes").returncode == 0
    uid = project.kube.get_pod("default", "web")["metadata"]["uid"]
    project.spec("web", extra="args:\n  - --verbose\n")  # not changeable in a live Pod
    refused = project.doit("apply")
    assert refused.returncode == 1
    assert ("default/web (specs/web.yaml): recreate: args changes (a Pod cannot change it in "
            "place)") in refused.stdout
    assert "  recreate 1 Pod (delete, then create): default/web — args changed" in refused.stdout
    assert project.kube.get_pod("default", "web")["metadata"]["uid"] == uid  # refused: untouched
    project.kube.clear_requests()
    done = project.doit("apply", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "default/web (specs/web.yaml): recreated (args changed)" in done.stdout
    live = project.kube.get_pod("default", "web")
    assert live["metadata"]["uid"] != uid and live["spec"]["containers"][0]["args"] == ["--verbose"]
    assert [m for m, _, dry in calls(project.kube) if not dry] == ["DELETE", "PATCH"]
    assert [(r.result, r.message) for r in project.audit()] == [
        ("created", ""), ("recreated", "args changed")]


# ---------------------------------------------------------------- the gate, before any write


@pytest.mark.parametrize("jobs", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_gate_without_terminal_sends_no_write(project: Project, jobs: list[str]) -> None:
    project.spec("web")
    assert project.doit("dryrun").returncode == 0
    project.kube.clear_requests()
    done = project.doit(*jobs, "apply")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "refusing to apply without confirmation" in out
    assert "run `doit apply --yes` to confirm without a prompt" in out
    assert project.real_writes() == []  # the plan's dry runs only
    assert not (project.root / ".sentinel" / "audit.jsonl").exists()


def test_delete_gate_without_terminal_sends_no_delete(project: Project) -> None:
    project.spec("web")
    assert project.doit("apply", "--yes").returncode == 0
    project.kube.clear_requests()
    for jobs in ([], ["-n", "2"]):
        done = project.doit(*jobs, "delete")
        assert done.returncode == 1
        assert "run `doit delete --yes`" in done.stdout + done.stderr
    assert project.kube.writes() == []
    assert project.kube.pod_names() == ["default/web"]
    assert [r.operation for r in project.audit()] == ["apply"]


def test_interactive_delete_under_two_workers(project: Project) -> None:
    project.kube.add_namespace("shop")
    project.spec("web")
    project.spec("cart", ns="shop")
    assert project.doit("apply", "--yes").returncode == 0
    code, out = run_on_tty(["doit", "-n", "2", "delete"], project.root, project.env, b"yes\n")
    assert code == 0, out
    assert "Delete 2 Pod(s) in context 'fake', namespace(s): default, shop" in out
    assert "  default: web\n  shop: cart\nProceed? [y/N]" in out
    assert project.kube.pod_names() == []
    assert [(r.operation, r.result) for r in project.audit()][2:] == [
        ("delete", "deleted"), ("delete", "deleted")]


@pytest.mark.parametrize("jobs", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_ctrl_c_at_the_prompt_cancels_without_a_traceback(project: Project,
                                                         jobs: list[str]) -> None:
    project.spec("web")
    code, out = run_on_tty(["doit", *jobs, "apply"], project.root, project.env, b"\x03")
    assert code == 1, out
    assert "Proceed? [y/N] ^C" in out
    assert "apply cancelled (Ctrl-C); nothing was changed" in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert project.real_writes() == []


# ---------------------------------------------------------------- context and audit


def test_context_setting_sends_every_request_to_its_server(project: Project,
                                                           staging: FakeKubeAPI) -> None:
    project.spec("web")
    (project.root / "sentinel.toml").write_text('context = "staging"\n')
    for args in (["dryrun"], ["apply", "--yes"], ["diff"], ["status"], ["delete", "--yes"]):
        done = project.doit(*args)
        assert done.returncode == 0, (args, done.stdout + done.stderr)
    assert project.kube.requests == []
    assert [m for m, _, dry in calls(staging) if not dry] == ["PATCH", "DELETE"]
    assert {r.context for r in project.audit()} == {"staging"}


@pytest.mark.parametrize(("args", "what"), [
    (["dryrun"], "not dry-run"), (["apply", "--yes"], "not applied"), (["diff"], "not compared"),
    (["delete", "--yes"], "not deleted"), (["status"], "not read")])
def test_unknown_context_names_the_setting_and_the_pods(project: Project, args: list[str],
                                                        what: str) -> None:
    project.spec("web")
    done = project.doit(*args, SENTINEL_CONTEXT="elsewhere")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "elsewhere" in out and "'context'" in out
    assert f"1 Pod(s) {what}:\n  specs/web.yaml: Pod default/web" in out
    assert project.kube.requests == []


def test_refused_real_apply_is_audited_as_an_error(project: Project) -> None:
    project.spec("web")
    project.spec("cache")
    project.kube.inject(403, name="web", verbs=("patch",), real_only=True)  # dry runs pass
    done = project.doit("apply", "--yes")
    assert done.returncode == 1
    assert "specs/web.yaml: Pod default/web: not created: forbidden (403)" in done.stdout
    assert project.kube.pod_names() == ["default/cache"]
    records = {r.name: r for r in project.audit()}
    assert (records["cache"].result, records["web"].result) == ("created", "error")
    assert records["web"].message.startswith(
        "specs/web.yaml: Pod default/web: not created: forbidden (403)")


def test_refused_delete_is_audited_and_the_pod_stays_applied(project: Project) -> None:
    project.spec("web")
    project.spec("cache")
    assert project.doit("apply", "--yes").returncode == 0
    project.kube.inject(403, name="web", verbs=("delete",))
    done = project.doit("delete", "--yes")
    out = done.stdout + done.stderr
    assert done.returncode == 1
    assert "specs/web.yaml: Pod default/web: forbidden (403)" in out
    assert "default/cache (specs/cache.yaml): deleted" in out
    assert project.kube.pod_names() == ["default/web"]
    assert [(r.operation, r.name, r.result) for r in project.audit()][2:] == [
        ("delete", "cache", "deleted"), ("delete", "web", "error")]
    again = project.doit("apply", "--yes")  # only the deleted one needs applying again
    assert "default/cache (specs/cache.yaml): created" in again.stdout
    assert "default/web (specs/web.yaml): unchanged" in again.stdout


@pytest.mark.parametrize("operation", ["apply", "delete"])
def test_ctrl_c_while_kubectl_changes_the_cluster_is_audited(project: Project,
                                                             operation: str) -> None:
    project.spec("web")
    if operation == "delete":
        assert project.doit("apply", "--yes").returncode == 0
    project.kube.set_delay(60, real_writes_only=True)  # kubectl hangs in the real change
    project.kube.clear_requests()
    proc = subprocess.Popen(["doit", operation, "--yes"], cwd=project.root, env=project.env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not project.real_writes() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        out, _ = proc.communicate(timeout=60)
    finally:
        project.kube.set_delay(0)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    assert f"{operation} interrupted (Ctrl-C) while kubectl ran" in out
    assert "  specs/web.yaml: Pod default/web" in out
    [last] = project.audit()[-1:]
    assert (last.operation, last.name, last.result) == (operation, "web", "interrupted")
    project.kube.clear_requests()
    again = project.doit("apply", "--yes")  # unknown outcome: apply runs kubectl again
    assert again.returncode == 0, again.stdout + again.stderr
    expected = {"apply": "created", "delete": "unchanged"}[operation]  # still there if deleted
    assert f"default/web (specs/web.yaml): {expected}" in again.stdout


def test_unwritable_audit_log_is_reported(project: Project, tmp_path: Path) -> None:
    project.spec("web")
    folder = tmp_path / "log-is-a-folder"
    folder.mkdir()
    done = project.doit("apply", "--yes", SENTINEL_AUDIT_LOG=str(folder))
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "the cluster was changed but the audit log was not written" in out
    assert f"cannot write the audit log {folder}" in out


def test_unwritable_audit_log_is_reported_beside_a_failed_delete(project: Project,
                                                                 tmp_path: Path) -> None:
    project.spec("web")
    project.spec("cache")
    assert project.doit("apply", "--yes").returncode == 0
    project.kube.inject(403, name="web", verbs=("delete",))
    folder = tmp_path / "log-is-a-folder"
    folder.mkdir()
    done = project.doit("delete", "--yes", SENTINEL_AUDIT_LOG=str(folder))
    out = done.stdout + done.stderr
    assert done.returncode == 1
    assert "specs/web.yaml: Pod default/web: forbidden (403)" in out
    assert "the cluster was changed but the audit log was not written" in out
