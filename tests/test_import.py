"""``sentinel import``: Pods, workload templates and server output → specs, never losing a field
silently; output files, exit codes and bad input.

Most cases call ``sentinel.cli.main`` in-process; the bad-input cases also run the installed
``sentinel`` to prove no traceback reaches the terminal. ``kubectl get pod -o yaml`` output comes
from the real kubectl against the loopback API (``kube`` fixture).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.cli import main
from sentinel.errors import SpecError
from sentinel.importer import import_text
from sentinel.importer.compare import Difference, compare
from sentinel.render import dump_manifest, render
from sentinel.spec import load_spec, load_spec_text
from sentinel.spec.rules import BASELINE_CAPABILITIES
from tests.conftest import BIN
from tests.fakes.kube_api import FakeKubeAPI

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels:
    tier: front
spec:
  securityContext:
    runAsUser: 101
  containers:
  - name: web
    image: nginxinc/nginx-unprivileged:1.27
    ports:
    - containerPort: 8080
      name: http
    readinessProbe:
      httpGet:
        path: /healthz
        port: http
    volumeMounts:
    - name: cache
      mountPath: /var/cache/nginx
  volumes:
  - name: cache
    emptyDir: {}
"""

# A Pod with something no spec key holds (a container's stdin and a probe's host).
LOSSY = POD.replace("    image: nginxinc", "    stdin: true\n    image: nginxinc").replace(
    "        port: http\n", "        port: http\n        host: 10.0.0.1\n")

# What `kubectl get pod -o yaml` returns for a Pod like POD (the additions listed in
# /work/shared/notes/lifecycle-and-ecosystem.md, "Import").
SERVER = """\
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: |
      {"apiVersion":"v1","kind":"Pod"}
  creationTimestamp: "2026-01-02T03:04:05Z"
  labels:
    tier: front
  name: web
  namespace: shop
  resourceVersion: "4711"
  uid: 0f2d8c3e-1111-2222-3333-444455556666
  managedFields:
  - manager: kubectl
    operation: Apply
spec:
  containers:
  - image: nginxinc/nginx-unprivileged:1.27
    imagePullPolicy: IfNotPresent
    name: web
    ports:
    - containerPort: 8080
      name: http
      protocol: TCP
    readinessProbe:
      failureThreshold: 3
      httpGet:
        path: /healthz
        port: http
        scheme: HTTP
      periodSeconds: 10
      successThreshold: 1
      timeoutSeconds: 1
    resources: {}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - mountPath: /var/cache/nginx
      name: cache
    - mountPath: /var/run/secrets/kubernetes.io/serviceaccount
      name: kube-api-access-x7k2p
      readOnly: true
  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  nodeName: node-1
  preemptionPolicy: PreemptLowerPriority
  priority: 0
  restartPolicy: Always
  schedulerName: default-scheduler
  securityContext:
    runAsUser: 101
  serviceAccount: default
  serviceAccountName: default
  terminationGracePeriodSeconds: 30
  tolerations:
  - effect: NoExecute
    key: node.kubernetes.io/not-ready
    operator: Exists
    tolerationSeconds: 300
  - effect: NoExecute
    key: node.kubernetes.io/unreachable
    operator: Exists
    tolerationSeconds: 300
  volumes:
  - emptyDir: {}
    name: cache
  - name: kube-api-access-x7k2p
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken:
          expirationSeconds: 3607
          path: token
status:
  phase: Running
  podIP: 10.1.2.3
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``sentinel ARGV`` in-process: (exit code, stdout, stderr)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_bin(cwd: Path, *argv: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """The installed ``sentinel`` as a person runs it."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run([str(BIN / "sentinel"), *argv], cwd=cwd, input=data,
                          capture_output=True, timeout=60, check=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def only(text: str) -> str:
    """The one spec imported from ``text`` (asserting it is lossless)."""
    result = import_text(text, "in.yaml")
    assert len(result.pods) == 1
    pod = result.pods[0]
    assert pod.lossless, pod.lost
    return pod.text


# ---------------------------------------------------------------- lossless


def test_lossless_pod_renders_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "pod.yaml", POD)
    code, out, err = run(capsys, "import", str(source))
    assert code == 0, err
    spec = load_spec_text(out, "imported.yaml")  # the real loader reads what import printed
    model = spec.model
    assert (model.name, model.namespace, model.image) == ("web", "shop", POD.split("image: ")[1]
                                                          .split("\n")[0])
    assert model.security == "restricted"  # runAsUser 101 is evidence of a non-root user
    manifest = render(model)
    container = manifest["spec"]["containers"][0]
    assert container["readinessProbe"] == {"httpGet": {"path": "/healthz", "port": "http"}}
    assert container["volumeMounts"] == [{"name": "cache", "mountPath": "/var/cache/nginx"}]
    assert manifest["metadata"]["labels"]["tier"] == "front"
    # the comment names what kube-sentinel adds
    assert "spec.securityContext.runAsNonRoot: true (hardening: restricted profile)" in out
    assert "allowPrivilegeEscalation: false" in out


def test_output_file_is_written_and_never_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "pod.yaml", POD)
    target = tmp_path / "specs" / "web.yaml"
    code, out, err = run(capsys, "import", str(source), "-o", str(target))
    assert code == 0, err
    assert out == "" and f"wrote {target}" in err
    assert load_spec(target).model.name == "web"
    before = target.read_bytes()
    code, _, err = run(capsys, "import", str(source), "-o", str(target))
    assert code == 1
    assert f"{target} already exists" in err and "nothing written" in err
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["web.yaml"]  # no temp file left


def test_stdin(tmp_path: Path) -> None:
    done = run_bin(tmp_path, "import", "-", stdin=POD)
    assert done.returncode == 0, done.stderr
    assert load_spec_text(done.stdout.decode(), "x").model.name == "web"


# ---------------------------------------------------------------- never lose a field silently


def test_lossy_import_is_refused_naming_each_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "pod.yaml", LOSSY)
    target = tmp_path / "out.yaml"
    code, out, err = run(capsys, "import", str(source), "-o", str(target))
    assert code == 1
    assert out == ""
    assert "spec.containers[0].stdin: not expressible in a spec (was true)" in err
    assert "spec.containers[0].readinessProbe.httpGet.host" in err
    assert "--allow-loss" in err and "nothing written" in err
    assert not target.exists()


def test_allow_loss_writes_the_lost_paths_in_the_comment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "pod.yaml", LOSSY)
    target = tmp_path / "out.yaml"
    code, _, err = run(capsys, "import", str(source), "-o", str(target), "--allow-loss")
    assert code == 0, err
    assert "warning: " in err and "2 field(s) not imported" in err
    text = target.read_text()
    header = text.split("\nname:")[0]
    assert "NOT IMPORTED" in header
    assert "spec.containers[0].stdin" in header
    assert "spec.containers[0].readinessProbe.httpGet.host: not expressible" in header
    load_spec(target)


def test_explain_lists_hardening_and_round_trip(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "pod.yaml", POD)
    code, out, _ = run(capsys, "import", "--explain", str(source))
    assert code == 0
    assert "added by kube-sentinel when rendering:" in out
    assert "spec.containers[0].securityContext.capabilities.drop: [ALL]" in out
    assert "spec.automountServiceAccountToken: false" in out
    assert "round trip:" in out
    code, out, _ = run(capsys, "import", "--explain", str(write(tmp_path / "l.yaml", LOSSY)))
    assert code == 1 and "lost (a spec cannot express it):" in out and "round trip" not in out
    code, _, err = run(capsys, "import", "--explain", str(source), "-o", str(tmp_path / "x"))
    assert code == 2 and "takes no -o" in err


# ---------------------------------------------------------------- server output, defaults


def test_server_output_drops_server_fields_and_defaults() -> None:
    result = import_text(SERVER, "get.yaml").pods[0]
    assert result.lossless, result.lost
    header = result.text.split("\nname:")[0]
    for dropped in ("status (set by the server)", "metadata.uid", "metadata.managedFields",
                    "metadata.resourceVersion", "metadata.creationTimestamp",
                    "last-applied-configuration", "spec.nodeName",
                    "injected service-account token", "mount of the injected token",
                    "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable",
                    "terminationMessagePath (Kubernetes default /dev/termination-log)",
                    "terminationMessagePolicy", "spec.dnsPolicy", "spec.schedulerName",
                    "spec.enableServiceLinks", "spec.restartPolicy",
                    "spec.terminationGracePeriodSeconds", "spec.containers[0].resources",
                    "ports[0].protocol", "imagePullPolicy", "readinessProbe.periodSeconds",
                    "readinessProbe.httpGet.scheme"):
        assert dropped in header, dropped
    # what is left is exactly the hand-written Pod
    assert result.text.split("\nname:")[1] == only(POD).split("\nname:")[1]


def test_kubectl_get_pod_output_imports(kube: FakeKubeAPI, tmp_path: Path) -> None:
    pod = yaml.safe_load(POD)
    kube.put_pod(pod)
    got = subprocess.run([str(BIN / "kubectl"), "get", "pod", "web", "-n", "shop", "-o", "yaml"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert "uid:" in got and "status:" in got  # it really is server output
    result = import_text(got, "kubectl").pods[0]
    assert result.lossless, result.lost
    assert any(d.startswith("status") for d in result.dropped)
    assert result.text.split("\nname:")[1] == only(POD).split("\nname:")[1]


def test_explicit_defaults_in_a_written_manifest_are_dropped_and_listed() -> None:
    text = POD.replace("    image: nginxinc", "    terminationMessagePolicy: File\n"
                       "    imagePullPolicy: IfNotPresent\n    image: nginxinc")
    spec = only(text)
    assert "spec.containers[0].terminationMessagePolicy (Kubernetes default File)" in spec
    assert "imagePullPolicy" not in spec.split("\nname:")[1]


# ---------------------------------------------------------------- workloads, lists, documents


TEMPLATE = {
    "metadata": {"labels": {"tier": "batch"}},
    "spec": {"restartPolicy": "OnFailure", "securityContext": {"runAsNonRoot": True},
             "containers": [{"name": "job", "image": "busybox:1.36",
                             "command": ["sh", "-c", "date"]}]},
}


@pytest.mark.parametrize(("kind", "path"), [
    ("Deployment", "spec.template"), ("StatefulSet", "spec.template"),
    ("DaemonSet", "spec.template"), ("ReplicaSet", "spec.template"),
    ("Job", "spec.template"), ("CronJob", "spec.jobTemplate.spec.template"),
])
def test_workload_pod_templates(kind: str, path: str) -> None:
    node: dict[str, object] = TEMPLATE
    for key in reversed(path.split(".")):
        node = {key: node}
    node["spec"]["replicas"] = 2  # type: ignore[index]
    doc = {"apiVersion": "x/v1", "kind": kind, "metadata": {"name": "nightly", "namespace": "ops"},
           **node}
    result = import_text(yaml.safe_dump(doc), "w.yaml").pods[0]
    assert result.lossless, result.lost
    model = load_spec_text(result.text, "w").model
    assert (model.name, model.namespace, model.restartPolicy) == ("nightly", "ops", "OnFailure")
    assert model.command == ["sh", "-c", "date"] and model.labels == {"tier": "batch"}
    assert model.security == "restricted"
    assert "spec.replicas" in result.text.split("\nname:")[0]
    assert result.origin.startswith(f"{kind}/nightly") and path in result.origin


def test_multi_document_input_writes_one_spec_per_pod(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = POD.replace("name: web\n  namespace", "name: api\n  namespace")
    service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    source = write(tmp_path / "all.yaml", f"{POD}---\n{service}---\n{other}")
    out_dir = tmp_path / "specs"
    code, _, err = run(capsys, "import", str(source), "-o", f"{out_dir}/")
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["api.yaml", "web.yaml"]
    assert "Service/web (document 2, line 28): not a Pod" in err
    assert load_spec(out_dir / "api.yaml").model.name == "api"
    code, _, err = run(capsys, "import", str(source), "-o", str(tmp_path / "one.yaml"))
    assert code == 2 and "holds 2 Pods" in err


def test_pod_list_and_name_collision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pod = yaml.safe_load(POD)
    listing = yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [pod, pod]})
    source = write(tmp_path / "list.yaml", listing)
    assert len(import_text(listing, "l").pods) == 2
    code, _, err = run(capsys, "import", str(source), "-o", f"{tmp_path / 'out'}/")
    assert code == 1 and "would both be written to" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the profile a Pod keeps


def test_root_user_imports_as_baseline_with_the_reason() -> None:
    text = POD.replace("runAsUser: 101", "runAsUser: 0")
    result = import_text(text, "r").pods[0]
    assert result.profile == "baseline" and result.lossless, result.lost
    assert any("runAsUser: must not be 0 (root)" in r for r in result.profile_reasons)
    assert "security: baseline, because" in result.text
    assert load_spec_text(result.text, "r").model.security == "baseline"


def test_image_without_non_root_evidence_imports_as_baseline() -> None:
    text = POD.replace("  securityContext:\n    runAsUser: 101\n", "")
    result = import_text(text, "n").pods[0]
    assert result.profile == "baseline" and result.lossless
    assert "no evidence it runs as non-root (image nginxinc/nginx-unprivileged:1.27)" in \
        result.text


def test_capability_keeps_its_profile_or_is_lost() -> None:
    ok = POD.replace("    volumeMounts:\n    - name: cache",
                     "    securityContext:\n      capabilities:\n        add: [NET_BIND_SERVICE]\n"
                     "    volumeMounts:\n    - name: cache", 1)
    result = import_text(ok, "c").pods[0]
    assert result.profile == "restricted" and result.lossless, result.lost
    bad = ok.replace("NET_BIND_SERVICE", "NET_ADMIN")
    result = import_text(bad, "c").pods[0]
    assert [d.path for d in result.lost] == ["spec.containers[0].securityContext.capabilities.add"]
    # NET_ADMIN is not in the spec, so it keeps the spec from restricted no more: it is named
    # as not counted, and the rest (runAsUser 101) passes restricted
    assert result.profile == "restricted" and result.profile_reasons == []
    assert any("NET_ADMIN" in r for r in result.uncounted)
    assert "Not counted for the profile (security: restricted), since not imported:" in \
        result.text


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("text", "code", "message"), [
    ("a: [unclosed\n", 1, "in.yaml:2:1: not valid YAML"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n", 1,
     "no Pod or workload Pod template found (ConfigMap/c (line 1): not a Pod"),
    ("", 1, "the input is empty"),
    ("- just\n- a list\n", 1, "not a Kubernetes object"),
    ("kind: Pod\nmetadata:\n  name: x\n", 1, "in.yaml:1: Pod/x has no 'spec' mapping"),
    ("kind: Pod\nspec:\n  containers:\n  - name: a\n    image: busybox\n", 1,
     "the Pod has no name"),
    ("kind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n", 1,
     "has no Pod template at spec.template.spec"),
    (("kind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers:\n  - name: a\n"
      "    image: busybox\n"), 1, "name: 'Bad_Name'"),
])
def test_bad_input(tmp_path: Path, text: str, code: int, message: str) -> None:
    source = write(tmp_path / "in.yaml", text)
    done = run_bin(tmp_path, "import", source.name, "-o", "out.yaml")
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.yaml").exists()


def test_unreadable_inputs_are_usage_errors(tmp_path: Path) -> None:
    write(tmp_path / "afile", "x")
    for arg, message in (("missing.yaml", "missing.yaml: no such file"),
                         (".", ". is a folder"),
                         ("afile/pod.yaml", "afile/pod.yaml: cannot read it")):
        done = run_bin(tmp_path, "import", arg)
        err = done.stderr.decode()
        assert done.returncode == 2, err
        assert message in err and "Traceback" not in err
    done = run_bin(tmp_path, "import", "-", stdin=b"kind: Pod\x00\xff")
    assert done.returncode == 1 and b"binary data" in done.stderr
    done = run_bin(tmp_path, "import", "-", stdin=b"kind: \xff\n")
    assert done.returncode == 1 and b"not valid UTF-8" in done.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70000) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "image", "containers", "spec", "metadata", "kind",
                                       "env", "ports", "volumes", "volumeMounts", "value",
                                       "securityContext", "livenessProbe", "httpGet", "port",
                                       "tolerations", "operator", "mode", "defaultMode",
                                       "emptyDir", "projected", "sources", "reference",
                                       "clusterTrustBundle", "podCertificate", "signerName",
                                       "resources", "limits", "pids", "mountPath"]),
                      inner, max_size=4),
    max_leaves=20))
def test_arbitrary_pod_shapes_never_crash(spec: object) -> None:
    """Whatever a Pod's spec holds, import gives a result or a SpecError, never another error."""
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    try:
        result = import_text(yaml.safe_dump(doc), "fuzz")
    except SpecError:
        return
    for pod in result.pods:
        load_spec_text(pod.text, "fuzz")  # whatever is produced is a loadable spec


@pytest.mark.parametrize("doc", [
    {"kind": {"name": "x"}, "metadata": {"name": "p"}, "spec": {}},
    {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": True}},
    {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"initContainers": 3, "containers": [
        {"name": "a", "image": "busybox:1.36", "env": [{"name": {"x": 1}}, {"name": "B"}]}]}},
    {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "busybox:1.36", "ports": [{"containerPort": {}}]}]}},
], ids=["kind-mapping", "containers-bool", "odd-lists", "port-mapping"])
def test_malformed_shapes_found_by_fuzzing(doc: dict[str, object]) -> None:
    """Shapes that once crashed the importer: now a SpecError or a result that names the loss."""
    try:
        result = import_text(yaml.safe_dump(doc), "odd")
    except SpecError as err:
        assert err.problems
        return
    assert result.pods
    for pod in result.pods:
        load_spec_text(pod.text, "odd")  # the spec it wrote is valid


def test_a_rendered_manifest_imports_back_to_its_spec() -> None:
    """kube-sentinel's own labels and the default namespace go back to the renderer."""
    spec_text = only(POD.replace("namespace: shop", "namespace: default"))
    manifest = dump_manifest(render(load_spec_text(spec_text, "s").model)).decode()
    again = only(manifest)
    assert again.split("\nname:")[1] == spec_text.split("\nname:")[1]
    body = again.split("\nname:")[1]
    assert "namespace:" not in body and "managed-by" not in body


# ---------------------------------------------------------------- order, capabilities, env


SIDECAR_FIRST = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsUser: 1000
  initContainers:
  - name: proxy
    image: envoyproxy/envoy:v1.31.0
    restartPolicy: Always
  - name: migrate
    image: example.com/app:1.0
    command: [migrate]
  containers:
  - name: app
    image: example.com/app:1.0
"""


def test_sidecar_before_an_init_container_is_a_loss(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A spec renders init containers, then sidecars: [proxy (sidecar), migrate] would become
    [migrate, proxy], and migrate would run before the proxy it may need."""
    result = import_text(SIDECAR_FIRST, "s").pods[0]
    assert not result.lossless
    assert [str(d) for d in result.lost] == [
        ("spec.initContainers[0]: a sidecar listed before init container 'migrate': a spec "
         "renders init containers first, then sidecars")]
    source = write(tmp_path / "pod.yaml", SIDECAR_FIRST)
    code, out, err = run(capsys, "import", str(source))
    assert code == 1 and out == "" and "spec.initContainers[0]: a sidecar listed" in err
    code, out, _ = run(capsys, "import", "--explain", str(source))
    assert code == 1 and "round trip" not in out and "spec.initContainers[0]: a sidecar" in out
    code, out, err = run(capsys, "import", "--allow-loss", str(source))
    assert code == 0 and "1 field(s) not imported" in err
    header = out.split("\nname:")[0]
    assert "NOT IMPORTED as written" in header
    assert "#   spec.initContainers[0]: a sidecar listed before init container 'migrate'" in header
    # the spec keeps both containers (only their order changed), and the profile is restricted
    assert result.profile == "restricted" and result.uncounted == []
    model = load_spec_text(out, "s").model
    assert [c.name for c in model.initContainers or ()] == ["migrate"]
    assert [c.name for c in model.sidecars or ()] == ["proxy"]


def test_init_containers_in_renderable_order_are_lossless() -> None:
    text = SIDECAR_FIRST.replace(
        "  - name: proxy\n    image: envoyproxy/envoy:v1.31.0\n    restartPolicy: Always\n", "")
    text = text.replace("    command: [migrate]\n", "    command: [migrate]\n  - name: proxy\n"
                        "    image: envoyproxy/envoy:v1.31.0\n    restartPolicy: Always\n")
    spec = only(text)
    manifest = render(load_spec_text(spec, "s").model)
    assert [(c["name"], c.get("restartPolicy")) for c in manifest["spec"]["initContainers"]] == [
        ("migrate", None), ("proxy", "Always")]


def test_compare_checks_the_order_of_containers_and_init_containers() -> None:
    def pod(inits: list[str], containers: list[str]) -> dict[str, object]:
        return {"spec": {"initContainers": [{"name": n, "image": "i"} for n in inits],
                         "containers": [{"name": n, "image": "i"} for n in containers]}}

    lost, _ = compare(pod(["a", "b", "c"], ["m"]), pod(["b", "c", "a"], ["m"]))
    assert lost == [Difference("spec.initContainers[0]", "listed before 'b', which renders "
                                                         "ahead of it")]
    assert lost[0].kept  # the container is in the spec: only its place differs
    lost, _ = compare(pod([], ["m", "x", "y"]), pod([], ["m", "y", "x"]))
    assert [d.path for d in lost] == ["spec.containers[1].name", "spec.containers[2].name"]
    assert compare(pod(["a", "b"], ["m"]), pod(["a", "b"], ["m"]))[0] == []


ROOT_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
  - name: chown
    image: busybox:1.36
    command: [chown, -R, "101", /cache]
  - name: exporter
    image: nginx/nginx-prometheus-exporter:1.3
    restartPolicy: Always
    securityContext:
      runAsUser: 65534
  containers:
  - name: web
    image: nginx:1.27
  - name: cache
    image: redis:7.4
    securityContext:
      capabilities:
        add: [SYS_NICE]
        drop: [NET_RAW, MKNOD]
  - name: tidy
    image: busybox:1.36
    securityContext:
      capabilities:
        drop: [ALL]
"""
DEFAULTS = sorted(BASELINE_CAPABILITIES)


def test_root_containers_under_baseline_keep_the_runtime_default_capabilities() -> None:
    """nginx and redis start as root and switch user (SETUID, SETGID, CHOWN, ...): drop ALL
    alone would break them, so the import adds back the defaults that baseline allows."""
    result = import_text(ROOT_POD, "r").pods[0]
    assert result.profile == "baseline"
    # SYS_NICE is beyond baseline: refused, and the only loss
    assert [d.path for d in result.lost] == ["spec.containers[1].securityContext.capabilities.add"]
    manifest = render(load_spec_text(result.text, "r").model)
    caps = {c["name"]: c["securityContext"]["capabilities"]
            for kind in ("initContainers", "containers") for c in manifest["spec"][kind]}
    assert caps["web"] == {"add": DEFAULTS, "drop": ["ALL"]}
    assert caps["chown"] == {"add": DEFAULTS, "drop": ["ALL"]}
    assert caps["cache"] == {"add": [c for c in DEFAULTS if c not in ("MKNOD",)],
                             "drop": ["ALL"]}  # less what it dropped itself
    assert caps["exporter"] == {"drop": ["ALL"]}  # runs as 65534: needs none
    assert caps["tidy"] == {"drop": ["ALL"]}  # dropped ALL itself
    header = result.text.split("\nname:")[0]
    assert "Capabilities: kube-sentinel drops ALL" in header
    assert "Trim each list to what the image needs:" in header
    for line in ("spec.initContainers[0] (chown)", "spec.containers[0] (web)",
                 "spec.containers[1] (cache)"):
        assert f"#   {line}\n" in header
    assert "(exporter)" not in header and "(tidy)" not in header
    assert ("spec.containers[0].securityContext.capabilities.add: [" + ", ".join(DEFAULTS)
            + "] (the container runtime's default capabilities") in header


def test_runtime_default_capabilities_keep_the_containers_own_and_the_round_trip() -> None:
    text = ROOT_POD.replace("add: [SYS_NICE]", "add: [NET_BIND_SERVICE, SYS_CHROOT]")
    result = import_text(text, "r").pods[0]
    assert result.lossless, result.lost
    model = load_spec_text(result.text, "r").model
    cache = next(c for c in model.containers or () if c.name == "cache")
    assert cache.securityContext is not None and cache.securityContext.capabilities is not None
    own = ["NET_BIND_SERVICE", "SYS_CHROOT"]
    assert cache.securityContext.capabilities.add == own + [
        c for c in DEFAULTS if c not in own and c != "MKNOD"]
    assert model.securityContext is not None and model.securityContext.capabilities is not None
    assert model.securityContext.capabilities.add == DEFAULTS  # the main container (web)


def test_restricted_and_non_root_containers_get_no_capabilities() -> None:
    assert "capabilities" not in only(POD).split("\nname:")[1]
    text = ROOT_POD.replace("spec:\n  initContainers:", "spec:\n  securityContext:\n"
                            "    runAsNonRoot: true\n  initContainers:")
    result = import_text(text, "r").pods[0]
    assert result.profile == "restricted" and result.kept_capabilities == []
    windows = ROOT_POD.replace("spec:\n  initContainers:", "spec:\n  os:\n    name: windows\n"
                               "  initContainers:")  # a Windows Pod has no Linux capabilities
    result = import_text(windows, "w").pods[0]
    assert result.kept_capabilities == [] and "capabilities.add: [AUDIT" not in result.text


def test_compare_refuses_capabilities_beyond_the_runtime_defaults() -> None:
    def pod(caps: dict[str, list[str]] | None) -> dict[str, object]:
        context = {} if caps is None else {"securityContext": {"capabilities": caps}}
        return {"spec": {"containers": [{"name": "a", "image": "i", **context}]}}

    lost, added = compare(pod(None), pod({"add": ["CHOWN"], "drop": ["ALL"]}))
    assert lost == [] and [d.path for d in added] == [
        "spec.containers[0].securityContext.capabilities.add",
        "spec.containers[0].securityContext.capabilities.drop"]
    for want, got in (
            (None, {"add": ["SYS_ADMIN"], "drop": ["ALL"]}),  # not a runtime default
            ({"drop": ["CHOWN"]}, {"add": ["CHOWN"], "drop": ["ALL"]}),  # it dropped CHOWN
            ({"drop": ["ALL"]}, {"add": ["CHOWN"], "drop": ["ALL"]}),  # it dropped ALL
            ({"add": ["KILL"]}, {"drop": ["ALL"]})):  # its own capability is gone
        lost, _ = compare(pod(want), pod(got))
        assert lost, (want, got)
    lost, _ = compare(pod({"drop": ["NET_RAW"]}), pod({"add": ["CHOWN"], "drop": ["ALL"]}))
    assert lost == []


def test_a_workloads_own_metadata_and_status_are_listed() -> None:
    doc = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "shop", "labels": {"team": "a"},
                        "annotations": {"deployment.kubernetes.io/revision": "3"}},
           "spec": {"replicas": 2, "template": TEMPLATE}, "status": {"replicas": 2}}
    result = import_text(yaml.safe_dump(doc), "d").pods[0]
    header = result.text.split("\nname:")[0]
    for line in ("metadata.labels (the workload's own: the spec keeps the Pod template's metadata)",
                 "metadata.annotations (the workload's own",
                 "status (the workload's, set by the server)", "spec.replicas"):
        assert f"#   {line}" in header, line
    assert "metadata.name (" not in header and "metadata.namespace (" not in header
    model = load_spec_text(result.text, "d").model
    assert model.labels == {"tier": "batch"} and not model.annotations  # the template's


PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  hostNetwork: true
  securityContext:
    runAsUser: 1000
  containers:
  - name: agent
    image: example.com/agent:2.1
    securityContext:
      privileged: true
"""


def test_the_profile_counts_only_what_the_spec_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """hostNetwork and privileged are not imported: the spec as written passes restricted."""
    result = import_text(PRIVILEGED, "p").pods[0]
    assert sorted(d.path for d in result.lost) == [
        "spec.containers[0].securityContext.privileged", "spec.hostNetwork"]
    assert result.profile == "restricted" and result.profile_reasons == []
    assert [r.split(":")[0] for r in result.uncounted] == [
        "spec.hostNetwork", "spec.containers[0].securityContext.privileged"]
    code, out, _ = run(capsys, "import", "--allow-loss", str(write(tmp_path / "p.yaml",
                                                                    PRIVILEGED)))
    assert code == 0
    assert "security: baseline" not in out
    assert "# Not counted for the profile (security: restricted), since not imported:\n" \
           "#   spec.hostNetwork: host namespaces are forbidden" in out
    assert load_spec_text(out, "p").model.security == "restricted"
    code, out, _ = run(capsys, "import", "--explain", str(tmp_path / "p.yaml"))
    assert "security: restricted" in out and "not counted for the profile" in out
    # a root image keeps baseline, for that reason only; Pod-level runAsNonRoot: true (which only
    # restricted renders) is evidence enough
    root = PRIVILEGED.replace("  securityContext:\n    runAsUser: 1000\n", "")
    result = import_text(root, "p").pods[0]
    assert result.profile == "baseline"
    assert [r.split(":")[0] for r in result.profile_reasons] == ["spec.containers[0]"]
    assert "no evidence it runs as non-root" in result.profile_reasons[0]
    assert len(result.uncounted) == 2
    evidence = PRIVILEGED.replace("runAsUser: 1000", "runAsNonRoot: true")
    result = import_text(evidence, "p").pods[0]
    assert result.profile == "restricted"
    assert sorted(d.path for d in result.lost) == [
        "spec.containers[0].securityContext.privileged", "spec.hostNetwork"]


def test_env_var_without_a_value_is_the_empty_string() -> None:
    text = POD.replace("    ports:\n", "    env:\n    - name: EMPTY\n    - name: SET\n"
                       "      value: x\n    ports:\n", 1)
    result = import_text(text, "e").pods[0]
    assert result.lossless, result.lost
    model = load_spec_text(result.text, "e").model
    assert model.env == {"EMPTY": "", "SET": "x"}
    assert render(model)["spec"]["containers"][0]["env"] == [
        {"name": "EMPTY", "value": ""}, {"name": "SET", "value": "x"}]
    assert "spec.containers[0].env[0].value: '' (a variable with no value is the empty string)" \
        in result.text
