"""The loopback Kubernetes API behaves as the real kubectl needs: checked through kubectl itself.

If the fake drifted from what kubectl sends and expects, every cluster test would test the fake's
bugs; these tests pin its behaviour (discovery, OpenAPI, dry runs, patches, Status errors, Tables,
control endpoint) with the real binary, plus a few direct HTTP checks of Status bodies.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import kube_ssa as ssa
from tests.fakes.kube_api import FakeKubeAPI
from tests.fakes.kube_objects import pod_manifest, strategic_merge


def kubectl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real kubectl from the venv."""
    return subprocess.run(["kubectl", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)


def pod_file(folder: Path, name: str, ns: str = "default", image: str = "nginx:1.27") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(pod_manifest(name, ns, image))
    return path


def test_server_dry_run_creates_nothing(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    done = kubectl("apply", "--dry-run=server", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "pod/web created (server dry run)"
    assert kube.pod_names() == []
    posts = [r for r in kube.requests if r.method == "POST"]
    assert [(r.path, r.query.get("dryRun")) for r in posts] == [
        ("/api/v1/namespaces/default/pods", "All")]
    paths = [r.path for r in kube.requests]
    assert "/openapi/v3" in paths and "/api/v1" in paths  # discovery and OpenAPI were served


def test_apply_create_unchanged_configured(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    assert kubectl("apply", "-f", "web.yaml", cwd=tmp_path).stdout.strip() == "pod/web created"
    assert kube.pod_names() == ["default/web"]
    assert kubectl("apply", "-f", "web.yaml", cwd=tmp_path).stdout.strip() == "pod/web unchanged"
    pod_file(tmp_path, "web", image="nginx:1.28")
    kube.clear_requests()
    assert kubectl("apply", "-f", "web.yaml", cwd=tmp_path).stdout.strip() == "pod/web configured"
    patch = next(r for r in kube.requests if r.method == "PATCH")
    assert patch.headers["content-type"] == "application/strategic-merge-patch+json"
    stored = kube.get_pod("default", "web")
    assert stored is not None
    assert stored["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_server_side_apply(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    done = kubectl("apply", "--server-side", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "serverside-applied" in done.stdout
    patch = next(r for r in kube.requests if r.method == "PATCH")
    assert patch.headers["content-type"] == "application/apply-patch+yaml"
    assert kube.pod_names() == ["default/web"]
    pod_file(tmp_path, "web", image="nginx:1.28")
    dry = kubectl("apply", "--server-side", "--dry-run=server", "-f", "web.yaml", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert kube.get_pod("default", "web")["spec"]["containers"][0]["image"] == "nginx:1.27"  # type: ignore[index]
    kube.clear_requests()
    done = kubectl("apply", "--server-side", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [(r.method, r.status) for r in kube.writes()] == [("PATCH", 200)]
    assert kube.get_pod("default", "web")["spec"]["containers"][0]["image"] == "nginx:1.28"  # type: ignore[index]


def test_server_dry_run_of_a_delete_keeps_the_pod(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    done = kubectl("delete", "--dry-run=server", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(server dry run)" in done.stdout
    last = kube.writes()[-1]  # kubectl sends a delete's dryRun in the body, not the query
    assert (last.method, last.body["dryRun"]) == ("DELETE", ["All"])
    assert kube.pod_names() == ["default/web"]


def test_diff_shows_only_the_change(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    assert kubectl("diff", "-f", "web.yaml", cwd=tmp_path).returncode == 0
    pod_file(tmp_path, "web", image="nginx:1.28")
    done = kubectl("diff", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 1
    changed = [ln for ln in done.stdout.splitlines() if ln[:1] in "+-" and ln[:3] not in "+++---"]
    assert changed == ["-  - image: nginx:1.27", "+  - image: nginx:1.28"]
    assert kube.get_pod("default", "web")["spec"]["containers"][0]["image"] == "nginx:1.27"  # type: ignore[index]


def test_delete_and_table_get(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    kube.set_pod_status("default", "web", phase="Running", ready=False, restarts=2,
                        reason="CrashLoopBackOff")
    table = kubectl("get", "pods", cwd=tmp_path).stdout.split()
    assert table[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[5:9] == ["web", "0/1", "CrashLoopBackOff", "2"]
    done = kubectl("delete", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'pod "web" deleted' in done.stdout
    assert kube.pod_names() == []


@pytest.mark.parametrize(
    ("setup", "file_ns", "expected"),
    [
        ("none", "nosuchns", ('Error from server (NotFound): error when creating "web.yaml": '
                             'namespaces "nosuchns" not found')),
        ("403", "default", "Error from server (Forbidden)"),
        ("409", "default", "Error from server (AlreadyExists)"),
        ("422", "default", 'Pod "web" is invalid: metadata.labels'),
    ],
)
def test_status_errors_as_kubectl_prints_them(kube: FakeKubeAPI, tmp_path: Path, setup: str,
                                              file_ns: str, expected: str) -> None:
    pod_file(tmp_path, "web", ns=file_ns)
    if setup == "403":
        kube.inject(403, name="web")
    elif setup == "409":
        kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
        done = kubectl("create", "-f", "web.yaml", cwd=tmp_path)
        assert done.returncode == 1 and expected in done.stderr, done.stderr
        return
    elif setup == "422":
        kube.inject(422, name="web")
    done = kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert expected in done.stderr


def test_invalid_name_gives_422_with_causes(kube: FakeKubeAPI) -> None:
    body = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
                       "spec": {"containers": [{"name": "main", "image": ""}]}}).encode()
    req = urllib.request.Request(f"{kube.url}/api/v1/namespaces/default/pods", data=body,
                                 method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    status = json.loads(info.value.read())
    assert info.value.code == 422
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    assert [c["field"] for c in status["details"]["causes"]] == [
        "metadata.name", "spec.containers[0].image"]


def test_conflicting_resource_version_is_409(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    body = json.dumps({"metadata": {"resourceVersion": "1"}}).encode()
    req = urllib.request.Request(
        f"{kube.url}/api/v1/namespaces/default/pods/web", data=body, method="PATCH",
        headers={"Content-Type": "application/merge-patch+json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 409
    assert json.loads(info.value.read())["reason"] == "Conflict"


def test_pod_spec_is_immutable_except_image(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    text = (tmp_path / "web.yaml").read_text() + "    workingDir: /srv\n"
    (tmp_path / "web.yaml").write_text(text)
    done = kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert "pod updates may not change fields" in done.stderr


def test_strategic_merge_directives() -> None:
    live = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
                     "volumes": [{"name": "v", "emptyDir": {}}]}}
    patch = {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                      "containers": [{"name": "a", "image": "z"}],
                      "volumes": [{"name": "v", "$patch": "delete"}]}}
    merged = strategic_merge(live, patch)
    assert merged["spec"]["containers"] == [{"name": "b", "image": "y"}, {"name": "a", "image": "z"}]
    assert merged["spec"]["volumes"] == []


def test_kube_ctl_drives_the_control_endpoint(kube: FakeKubeAPI, tmp_path: Path,
                                              repo: Path) -> None:
    pod_file(tmp_path, "web")
    kubectl("apply", "-f", "web.yaml", cwd=tmp_path)
    script = str(repo / "tests/fakes/kube_ctl.py")
    env = dict(os.environ, FAKE_KUBE_URL=kube.url)

    def ctl(*args: str) -> str:
        done = subprocess.run([sys.executable, script, *args], env=env, capture_output=True,
                              text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    ctl("pod-status", "default", "web", "--phase", "Running", "--restarts", "5",
        "--reason", "ImagePullBackOff", "--message", "pull failed")
    status = kube.get_pod("default", "web")["status"]  # type: ignore[index]
    assert status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert status["containerStatuses"][0]["restartCount"] == 5
    ctl("namespace", "shop")
    pod_file(tmp_path, "cart", ns="shop")
    assert kubectl("apply", "-f", "cart.yaml", cwd=tmp_path).returncode == 0
    assert ctl("pods").split() == ["default/web", "shop/cart"]
    assert "POST /api/v1/namespaces/shop/pods 201" in ctl("requests", "--writes")
    ctl("clear-requests")
    assert kube.requests == [] and ctl("requests") == ""
    ctl("inject", "403", "--namespace", "shop")
    assert "Forbidden" in kubectl("delete", "-f", "cart.yaml", cwd=tmp_path).stderr
    missing = subprocess.run([sys.executable, script, "pod-status", "default", "nope"], env=env,
                             capture_output=True, text=True, timeout=30, check=False)
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_delay_makes_requests_slow(kube: FakeKubeAPI) -> None:
    kube.set_delay(5)
    with pytest.raises(OSError):  # urllib's timeout (socket.timeout / URLError)
        urllib.request.urlopen(f"{kube.url}/api/v1/namespaces", timeout=0.3)


def _apply_ssa(folder: Path, labels: dict[str, str], annotations: dict[str, str],
               *flags: str) -> subprocess.CompletedProcess[str]:
    """``kubectl apply --server-side --field-manager=mine`` of Pod ``web`` with these labels."""
    meta: dict[str, object] = {"name": "web", "namespace": "default", "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}
    (folder / "web.json").write_text(json.dumps(pod))
    return kubectl("apply", "--server-side", "--field-manager=mine", *flags, "-f", "web.json",
                   cwd=folder)


def test_server_side_apply_removes_only_what_its_manager_alone_set(kube: FakeKubeAPI,
                                                                   tmp_path: Path) -> None:
    def meta() -> dict[str, dict[str, str]]:
        pod = kube.get_pod("default", "web")
        assert pod is not None
        return {k: pod["metadata"].get(k) or {} for k in ("labels", "annotations")}

    assert _apply_ssa(tmp_path, {"app": "web", "gone": "x"}, {"note": "n"}).returncode == 0
    assert kubectl("label", "pod", "web", "keep=y", cwd=tmp_path).returncode == 0
    # the apply sets keep to kubectl-label's value (shared, no conflict) and drops gone and note
    done = _apply_ssa(tmp_path, {"app": "web", "keep": "y"}, {})
    assert done.returncode == 0, done.stderr
    assert meta() == {"labels": {"app": "web", "keep": "y"}, "annotations": {}}
    assert kube.managers("default", "web") == {"mine": "Apply", "kubectl-label": "Update"}
    # dropping keep from the apply leaves it: kubectl-label still owns it
    assert _apply_ssa(tmp_path, {"app": "web"}, {}).returncode == 0
    assert meta()["labels"] == {"app": "web", "keep": "y"}


def test_server_side_apply_conflicts_with_an_overwritten_label_until_forced(
        kube: FakeKubeAPI, tmp_path: Path) -> None:
    assert _apply_ssa(tmp_path, {"app": "web", "v": "one"}, {}).returncode == 0
    done = kubectl("label", "pod", "web", "v=hacked", "--overwrite", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    refused = _apply_ssa(tmp_path, {"app": "web", "v": "one"}, {})
    assert refused.returncode == 1
    assert 'conflict with "kubectl-label"' in refused.stderr and ".metadata.labels.v" in refused.stderr
    assert kube.get_pod("default", "web")["metadata"]["labels"]["v"] == "hacked"  # type: ignore[index]
    forced = _apply_ssa(tmp_path, {"app": "web", "v": "one"}, {}, "--force-conflicts")
    assert forced.returncode == 0, forced.stderr
    assert kube.get_pod("default", "web")["metadata"]["labels"]["v"] == "one"  # type: ignore[index]
    assert kube.managers("default", "web") == {"mine": "Apply"}
    # a label removed by another manager is nobody's: the next apply sets it again, no conflict
    assert kubectl("label", "pod", "web", "v-", cwd=tmp_path).returncode == 0
    assert _apply_ssa(tmp_path, {"app": "web", "v": "one"}, {}).returncode == 0
    assert kube.get_pod("default", "web")["metadata"]["labels"]["v"] == "one"  # type: ignore[index]


def test_server_side_apply_drops_its_own_list_item_and_keeps_anothers() -> None:
    def pod(env: list[tuple[str, str]]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "p", "image": "x", "env": [
                    {"name": k, "value": v} for k, v in env]}]}}

    owners = ssa.Owners()
    first = owners.apply(None, pod([("X", "1"), ("Y", "2")]), "mine", False)
    edited = copy.deepcopy(first)
    edited["spec"]["containers"][0]["env"].append({"name": "Z", "value": "3"})
    owners.update(first, edited, "other")
    after = owners.apply(edited, pod([("X", "1")]), "mine", False)
    assert after["spec"]["containers"][0]["env"] == [{"name": "X", "value": "1"},
                                                     {"name": "Z", "value": "3"}]
    # the item is found by its merge key: it goes last, whatever order a set iterates in
    item = ("spec", "env", 'k:{"name":"Y"}')
    assert ssa.removal_order({(*item, "name"), (*item, "value")}) == [
        (*item, "value"), (*item, "name")]
    partly = {"spec": {"env": [{"name": "Y", "value": "2", "valueFrom": "z"}]}}
    ssa.remove(partly, (*item, "name"))  # another field of the item is left: the key stays
    assert partly == {"spec": {"env": [{"name": "Y", "value": "2", "valueFrom": "z"}]}}
