"""Rendering: golden manifests, strict Kubernetes schema, Pod Security, determinism, atomic writes.

Every ``samples/valid`` and ``specs`` file is rendered and compared byte for byte with
``tests/golden/<name>.yaml`` (regenerate by hand with ``tests/golden/regenerate.py``), validated
with ``kubernetes-validate`` in strict mode against the newest Kubernetes version it ships, and
checked with ``sentinel.policy`` for its profile.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sentinel import policy, render
from sentinel.errors import PathEscapeError, PolicyViolation, RenderError
from sentinel.spec import LoadedSpec, load_spec, load_spec_text
from tests.golden.regenerate import GOLDEN, golden_for, sources

REPO = Path(__file__).resolve().parent.parent
SOURCES = sources()
IDS = [f"{p.parent.name}/{p.name}" for p in SOURCES]
# The newest Kubernetes version kubernetes-validate ships schemas for ("1.37.0" with 1.37.x).
KUBERNETES_VERSION = kubernetes_validate.latest_version()


def spec_of(text: str) -> LoadedSpec:
    """Load a spec from text (dedented), as the chat tools do."""
    return load_spec_text(textwrap.dedent(text), "test.yaml")


def rendered(text: str) -> dict[str, Any]:
    """The manifest of a spec given as text."""
    return render.render(spec_of(text).model)


def container(manifest: dict[str, Any]) -> dict[str, Any]:
    """The one container of a rendered Pod."""
    [only] = manifest["spec"]["containers"]
    result: dict[str, Any] = only
    return result


# --- every sample and spec ----------------------------------------------------------------------


def test_there_are_samples_and_specs() -> None:
    folders = {p.parent.name for p in SOURCES}
    assert folders == {"valid", "specs"}
    assert len(SOURCES) >= 14


def test_golden_files_match_sources_one_to_one() -> None:
    names = [golden_for(p).name for p in SOURCES]
    assert len(names) == len(set(names)), "two sources would share a golden file"
    assert sorted(p.name for p in GOLDEN.glob("*.yaml")) == sorted(names), (
        "golden files without a source or sources without a golden file: "
        "run tests/golden/regenerate.py")


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_golden(source: Path) -> None:
    loaded = load_spec(source)
    assert loaded.warnings == []
    data = render.dump_manifest(render.render(loaded.model))
    expected = golden_for(source).read_bytes()
    assert data == expected, (
        f"{source.name} renders differently from {golden_for(source)}; if the change is "
        "intended, run tests/golden/regenerate.py and review the diff")


def test_regenerate_script_check_mode_agrees(tmp_path: Path) -> None:
    """The documented regeneration tool runs and, in --check mode, finds nothing to change."""
    script = GOLDEN / "regenerate.py"
    run = subprocess.run([sys.executable, str(script), "--check"], check=False, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout) == (0, "golden manifests are up to date\n"), run.stderr


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_kubernetes_validate_strict(source: Path) -> None:
    manifest = render.render(load_spec(source).model)
    reloaded = yaml.safe_load(render.dump_manifest(manifest))
    assert reloaded == manifest  # what is written is exactly what was rendered
    assert kubernetes_validate.validate(reloaded, KUBERNETES_VERSION, strict=True) == (
        KUBERNETES_VERSION.rsplit(".", 1)[0])


def test_strict_validation_catches_a_bad_manifest() -> None:
    """The schema check above can fail: an unknown field is refused in strict mode."""
    manifest = render.render(spec_of("name: a\nimage: busybox\n").model)
    container(manifest)["securityContex"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_pod_security_for_its_profile(source: Path) -> None:
    model = load_spec(source).model
    manifest = render.render(model)
    assert policy.check(manifest, model.security) == []
    restricted = policy.check(manifest, "restricted")
    if model.security == "restricted":
        assert restricted == []
    else:
        # baseline differs from restricted only in letting the image's (root) user run
        assert [path for path, _ in restricted] == [
            "spec.containers[0].securityContext.runAsNonRoot"]


# --- what the manifest holds --------------------------------------------------------------------


def test_minimal_spec_is_secure_by_default() -> None:
    manifest = rendered("name: hello\nimage: nginxinc/nginx-unprivileged:1.27\n")
    assert list(manifest) == ["apiVersion", "kind", "metadata", "spec"]
    assert manifest["apiVersion"] == "v1" and manifest["kind"] == "Pod"
    assert manifest["metadata"] == {
        "name": "hello",
        "namespace": "default",
        "labels": {"app.kubernetes.io/name": "hello",
                   "app.kubernetes.io/managed-by": "kube-sentinel"},
    }
    assert manifest["spec"] == {
        "containers": [{
            "name": "hello",
            "image": "nginxinc/nginx-unprivileged:1.27",
            "securityContext": {"allowPrivilegeEscalation": False,
                                "capabilities": {"drop": ["ALL"]}},
        }],
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    }


def test_baseline_drops_only_run_as_non_root() -> None:
    manifest = rendered("""\
        name: legacy
        image: python:3.12-slim
        security: baseline
        runAsUser: 0
        readOnlyRootFilesystem: false
    """)
    assert manifest["spec"]["securityContext"] == {
        "runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}}
    assert container(manifest)["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": False,
    }


def test_ids_and_read_only_root_under_restricted() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        runAsUser: 1000
        runAsGroup: 3000
        fsGroup: 2000
        readOnlyRootFilesystem: true
    """)
    assert manifest["spec"]["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000,
        "seccompProfile": {"type": "RuntimeDefault"}}
    assert container(manifest)["securityContext"]["readOnlyRootFilesystem"] is True


def test_service_account_keeps_its_token() -> None:
    manifest = rendered("name: agent\nimage: busybox\nserviceAccountName: agent\n")
    assert manifest["spec"]["serviceAccountName"] == "agent"
    assert "automountServiceAccountToken" not in manifest["spec"]


def test_labels_annotations_and_node_selector_are_sorted() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        labels:
          zeta: z
          alpha: a
        annotations:
          z.example.com/x: "2"
          a.example.com/y: "1"
        nodeSelector:
          node-pool: batch
          kubernetes.io/arch: arm64
    """)
    assert list(manifest["metadata"]["labels"].items()) == [
        ("app.kubernetes.io/name", "app"), ("app.kubernetes.io/managed-by", "kube-sentinel"),
        ("alpha", "a"), ("zeta", "z")]
    assert list(manifest["metadata"]["annotations"]) == ["a.example.com/y", "z.example.com/x"]
    assert list(manifest["spec"]["nodeSelector"]) == ["kubernetes.io/arch", "node-pool"]


def test_user_labels_cannot_replace_ours() -> None:
    # The loader refuses such a spec with its line (test_loader); the renderer still guards
    # models that never went through the loader, e.g. copied with other labels.
    valid = spec_of("name: app\nimage: busybox\n").model
    model = valid.model_copy(update={"labels": {"app.kubernetes.io/managed-by": "helm"}})
    with pytest.raises(RenderError, match="app.kubernetes.io/managed-by") as caught:
        render.render(model)
    assert caught.value.hint and "remove" in caught.value.hint
    # repeating our own value is harmless
    same = rendered("name: app\nimage: busybox\nlabels:\n  app.kubernetes.io/name: app\n")
    assert same["metadata"]["labels"]["app.kubernetes.io/name"] == "app"


def test_env_keeps_spec_order_and_maps_references() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        env:
          Z_FIRST: one
          A_SECOND:
            secretKeyRef:
              name: creds
              key: token
              optional: true
          M_THIRD:
            configMapKeyRef:
              name: settings
              key: mode
          URL: http://$(Z_FIRST)
    """)
    assert container(manifest)["env"] == [
        {"name": "Z_FIRST", "value": "one"},
        {"name": "A_SECOND",
         "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token", "optional": True}}},
        {"name": "M_THIRD", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
        {"name": "URL", "value": "http://$(Z_FIRST)"},
    ]


def test_ports_and_every_probe_kind() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        ports:
          - name: http
            containerPort: 8080
          - containerPort: 9000
            protocol: UDP
        probes:
          liveness:
            http:
              path: /healthz
              port: http
              scheme: HTTPS
            initialDelaySeconds: 3
            periodSeconds: 7
            timeoutSeconds: 2
            failureThreshold: 4
            successThreshold: 1
          readiness:
            tcp:
              port: 8080
          startup:
            exec:
              command:
                - cat
                - /tmp/ready
    """)
    c = container(manifest)
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                         {"containerPort": 9000, "protocol": "UDP"}]
    assert c["livenessProbe"] == {
        "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTPS"},
        "initialDelaySeconds": 3, "periodSeconds": 7, "timeoutSeconds": 2,
        "successThreshold": 1, "failureThreshold": 4}
    assert c["readinessProbe"] == {"tcpSocket": {"port": 8080}}
    assert c["startupProbe"] == {"exec": {"command": ["cat", "/tmp/ready"]}}
    assert [k for k in c if k.endswith("Probe")] == [
        "startupProbe", "readinessProbe", "livenessProbe"]


def test_resources_keep_quantity_text() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        resources:
          requests:
            memory: 0.5Gi
            cpu: 100m
          limits:
            ephemeral-storage: 2Gi
            cpu: "1"
    """)
    assert container(manifest)["resources"] == {
        "requests": {"cpu": "100m", "memory": "0.5Gi"},
        "limits": {"cpu": "1", "ephemeral-storage": "2Gi"}}


def test_volumes_and_mounts() -> None:
    manifest = rendered("""\
        name: app
        image: busybox
        volumes:
          - name: scratch
            emptyDir:
            mountPath: /scratch
          - name: shm
            emptyDir:
              medium: Memory
              sizeLimit: 64Mi
            mountPath: /dev/shm
          - name: conf
            configMap:
              name: app-conf
              optional: true
            mountPath: /etc/app/app.conf
            subPath: app.conf
            readOnly: true
          - name: tls
            secret:
              secretName: app-tls
            mountPath: /etc/tls
            readOnly: false
          - name: data
            persistentVolumeClaim:
              claimName: app-data
              readOnly: true
            mountPath: /data
    """)
    assert manifest["spec"]["volumes"] == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "conf", "configMap": {"name": "app-conf", "optional": True}},
        {"name": "tls", "secret": {"secretName": "app-tls"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "app-data", "readOnly": True}},
    ]
    assert container(manifest)["volumeMounts"] == [
        {"name": "scratch", "mountPath": "/scratch"},
        {"name": "shm", "mountPath": "/dev/shm"},
        {"name": "conf", "mountPath": "/etc/app/app.conf", "subPath": "app.conf",
         "readOnly": True},
        {"name": "tls", "mountPath": "/etc/tls"},
        {"name": "data", "mountPath": "/data"},
    ]
    assert kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_command_args_working_dir_pull_policy_restart_policy() -> None:
    manifest = rendered("""\
        name: job
        image: busybox
        imagePullPolicy: IfNotPresent
        command:
          - sh
          - -c
        args:
          - echo done
        workingDir: /work
        restartPolicy: Never
    """)
    c = container(manifest)
    assert (c["imagePullPolicy"], c["command"], c["args"], c["workingDir"]) == (
        "IfNotPresent", ["sh", "-c"], ["echo done"], "/work")
    assert manifest["spec"]["restartPolicy"] == "Never"


# --- the policy guard ---------------------------------------------------------------------------


def test_guard_names_the_failing_field() -> None:
    manifest = rendered("name: app\nimage: busybox\n")
    container(manifest)["securityContext"]["allowPrivilegeEscalation"] = True
    with pytest.raises(PolicyViolation) as caught:
        render.guard(manifest, "restricted", source="specs/app.yaml")
    err = caught.value
    assert err.profile == "restricted"
    assert err.violations == [("spec.containers[0].securityContext.allowPrivilegeEscalation",
                               "must be set to false")]
    assert "specs/app.yaml" in str(err)
    assert "spec.containers[0].securityContext.allowPrivilegeEscalation" in str(err)
    render.guard(manifest, "baseline")  # baseline does not require it


def test_render_runs_the_guard_for_the_specs_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """render() really consults sentinel.policy with the spec's profile and refuses on findings."""
    seen: list[str] = []

    def strict_check(manifest: Any, profile: str) -> list[tuple[str, str]]:
        seen.append(profile)
        return [("spec.hostNetwork", "planted violation")]

    monkeypatch.setattr(policy, "check", strict_check)
    spec = spec_of("name: app\nimage: busybox\nsecurity: baseline\n")
    with pytest.raises(PolicyViolation, match="planted violation"):
        render.render(spec.model, source="x.yaml")
    assert seen == ["baseline"]


# --- dumping ------------------------------------------------------------------------------------


def test_dump_is_block_style_utf8_with_one_trailing_newline() -> None:
    spec = load_spec(REPO / "samples/valid/env-refs.yaml")
    data = render.dump_manifest(render.render(spec.model))
    text = data.decode("utf-8")
    assert "Grüße, 世界" in text  # unicode written as is, not escaped
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert text.startswith("apiVersion: v1\nkind: Pod\nmetadata:\n")
    assert "{" not in text and "[" not in text  # no flow collections (no empty maps here)
    assert "&" not in text and "*" not in text  # no anchors or aliases


def test_dump_orders_top_level_keys_and_writes_shared_values_without_aliases() -> None:
    shared = {"type": "RuntimeDefault"}
    manifest = {"spec": {"a": shared, "b": shared}, "metadata": {"name": "x"}, "kind": "Pod",
                "apiVersion": "v1"}
    text = render.dump_manifest(manifest).decode()
    assert text == ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n"
                    "  a:\n    type: RuntimeDefault\n  b:\n    type: RuntimeDefault\n")


def test_dump_never_folds_long_values() -> None:
    long_value = "https://runbooks.example.com/" + "x" * 300
    manifest = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"annotations": {"example.com/runbook": long_value}}}
    text = render.dump_manifest(manifest).decode()
    assert f"    example.com/runbook: {long_value}\n" in text


def test_dump_quotes_strings_that_look_like_other_types() -> None:
    manifest = {"apiVersion": "v1", "kind": "Pod",
                "spec": {"args": ["yes", "3600", "null", "1e3", "on"]}}
    assert yaml.safe_load(render.dump_manifest(manifest)) == manifest


def test_dump_refuses_what_yaml_cannot_hold() -> None:
    with pytest.raises(RenderError, match="cannot be written as YAML"):
        render.dump_manifest({"apiVersion": "v1", "kind": "Pod", "spec": {"x": object()}})


def test_no_empty_maps_except_empty_dir() -> None:
    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if not node:
                assert path.endswith(".emptyDir"), f"empty map at {path}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            assert node, f"empty list at {path}"
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    for source in SOURCES:
        walk(render.render(load_spec(source).model), source.name)


_RENDER_ALL = """
import sys
from pathlib import Path
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec
for name in sys.argv[1:]:
    sys.stdout.buffer.write(dump_manifest(render(load_spec(Path(name)).model)))
    sys.stdout.buffer.write(b"---\\n")
"""


def test_same_bytes_across_processes(tmp_path: Path) -> None:
    """Two fresh interpreters with different hash seeds render every source identically."""
    names = [str(p) for p in SOURCES]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", _RENDER_ALL, *names], cwd=tmp_path, env=env,
                             capture_output=True, check=True, timeout=120)
        outputs.append(run.stdout)
    here = b"".join(render.dump_manifest(render.render(load_spec(p).model)) + b"---\n"
                    for p in SOURCES)
    assert outputs[0] == outputs[1] == here


# --- paths and writing --------------------------------------------------------------------------


def test_manifest_path_default_and_output_path(tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    default = spec_of("name: web\nnamespace: shop\nimage: busybox\n")
    assert render.manifest_path(default, out) == out.resolve() / "shop" / "web.yaml"
    custom = spec_of("name: web\nimage: busybox\noutput_path: team/web-pod.yaml\n")
    assert render.manifest_path(custom, out) == out.resolve() / "team" / "web-pod.yaml"


def test_manifest_path_cannot_escape_through_a_symlink(tmp_path: Path) -> None:
    out = tmp_path / "manifests"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    spec = spec_of("name: web\nimage: busybox\noutput_path: link/web.yaml\n")
    with pytest.raises(PathEscapeError):
        render.manifest_path(spec, out)
    with pytest.raises(PathEscapeError):
        render.write_manifest(spec, out)
    assert list(elsewhere.iterdir()) == []


def test_write_manifest_writes_the_dumped_bytes(tmp_path: Path) -> None:
    spec = load_spec(REPO / "specs/web.yaml")
    path = render.write_manifest(spec, tmp_path / "out")
    assert path == (tmp_path / "out").resolve() / "shop" / "web.yaml"
    assert path.read_bytes() == golden_for(REPO / "specs/web.yaml").read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == ["web.yaml"]  # no temp file left


def test_failed_render_leaves_the_previous_manifest_untouched(tmp_path: Path) -> None:
    good = spec_of("name: app\nimage: busybox\n")
    path = render.write_manifest(good, tmp_path)
    before = path.read_bytes()
    bad = dataclasses.replace(
        good, model=good.model.model_copy(update={"labels": {"app.kubernetes.io/name": "x"}})
    )
    with pytest.raises(RenderError):
        render.write_manifest(bad, tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["app.yaml"]


_WRITE_LOOP = """
import sys
from pathlib import Path
from sentinel.render import write_manifest
from sentinel.spec import load_spec_text
out = Path(sys.argv[1])
big = "\\n".join(f"  example.com/k{i}: {'v' * 1500}" for i in range(120))
specs = [load_spec_text(f"name: app\\nimage: busybox:{tag}\\nannotations:\\n{big}\\n", "loop.yaml")
         for tag in ("1.36", "1.37")]
print("ready", flush=True)
i = 0
while True:
    write_manifest(specs[i % 2], out)
    i += 1
"""


def test_a_killed_writer_never_leaves_a_partial_manifest(tmp_path: Path) -> None:
    """SIGKILL a process rewriting a large manifest in a loop: the file is always whole."""
    big = "\n".join(f"  example.com/k{i}: {'v' * 1500}" for i in range(120))
    expected = {
        render.dump_manifest(render.render(spec_of(
            f"name: app\nimage: busybox:{tag}\nannotations:\n{big}\n").model))
        for tag in ("1.36", "1.37")
    }
    target = tmp_path / "default" / "app.yaml"
    for delay in (0.05, 0.13, 0.31):
        proc = subprocess.Popen([sys.executable, "-c", _WRITE_LOOP, str(tmp_path)],
                                stdout=subprocess.PIPE)
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
            deadline = time.monotonic() + 60
            while not target.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(delay)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            if proc.stdout is not None:
                proc.stdout.close()
        assert target.read_bytes() in expected
    # leftovers of a killed write are hidden temp files, never something that looks like a manifest
    leftovers = [p.name for p in target.parent.iterdir() if p != target]
    assert all(name.startswith(".app.yaml.") and name.endswith(".tmp") for name in leftovers)

