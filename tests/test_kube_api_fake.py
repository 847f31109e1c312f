"""The loopback Kubernetes API behaves as the real kubectl needs: checked through kubectl itself.

If the fake drifted from what kubectl sends and expects, every cluster test would test the fake's
bugs; these tests pin its behaviour (discovery, OpenAPI, dry runs, patches, Status errors, Tables,
control endpoint) with the real binary, plus a few direct HTTP checks of Status bodies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

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
