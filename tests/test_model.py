"""Every spec rule, through the whole loader: a valid and an invalid case each, with its field.

Invalid cases assert the dotted field path and a piece of the message; every problem must carry
a line, a column and a fix hint.
"""

from __future__ import annotations

import re
from fractions import Fraction
from textwrap import dedent

import pytest
from pydantic import ValidationError

from sentinel.errors import Problem, SpecError
from sentinel.spec import PodSpec, load_spec_text, validate_data


def spec(snippet: str) -> str:
    """A spec made of ``snippet`` plus whichever of name/image it does not set."""
    body = dedent(snippet).strip("\n") + "\n"
    if body.startswith("#raw\n"):
        return body
    head = "" if re.search(r"^name:", body, re.MULTILINE) else "name: web\n"
    head += "" if re.search(r"^image:", body, re.MULTILINE) else "image: nginx:1.27\n"
    return head + body


def problems(snippet: str) -> list[Problem]:
    with pytest.raises(SpecError) as info:
        load_spec_text(spec(snippet), "t.yaml")
    return info.value.problems


def load(snippet: str) -> PodSpec:
    return load_spec_text(spec(snippet), "t.yaml").model


VALID = {
    "namespace": "namespace: shop",
    "labels": "labels:\n  app.kubernetes.io/name: web\n  tier: ''\n  version: 1.0",
    "labels-ours-repeated": (
        "labels:\n  app.kubernetes.io/name: web\n  app.kubernetes.io/managed-by: kube-sentinel"
    ),
    "annotations": "annotations:\n  example.com/note: 'any text: here # too'",
    "image-digest": "image: ghcr.io/acme/app@sha256:" + "ab" * 32,
    "image-registry-port": "image: registry.local:5000/team/app:v1.2.3",
    "pull-policy": "imagePullPolicy: Never",
    "command-args": "command:\n  - sh\n  - -c\nargs:\n  - echo hi",
    "working-dir": "workingDir: /srv/app",
    "env-literal": "env:\n  LOG_LEVEL: debug\n  EMPTY:",
    "env-secret": "env:\n  PW:\n    secretKeyRef:\n      name: db.creds\n      key: pass.word\n"
    "      optional: true",
    "env-configmap": "env:\n  Q:\n    configMapKeyRef:\n      name: cfg\n      key: queue",
    "ports": "ports:\n  - name: dns\n    containerPort: 53\n    protocol: UDP\n"
    "  - name: dns-tcp\n    containerPort: 53\n    protocol: TCP\n  - containerPort: 9\n"
    "    protocol: SCTP",
    "resources-equal": "resources:\n  requests:\n    cpu: 500m\n    memory: 1Gi\n  limits:\n"
    "    cpu: 0.5\n    memory: 1024Mi",
    "resources-requests-only": "resources:\n  requests:\n    ephemeral-storage: 2Gi",
    "resources-zero": "resources:\n  limits:\n    cpu: 0",
    "probe-http": "ports:\n  - name: web\n    containerPort: 8443\nprobes:\n  liveness:\n"
    "    http:\n      path: /healthz\n      port: web\n      scheme: HTTPS\n"
    "    initialDelaySeconds: 0\n    periodSeconds: 1\n    timeoutSeconds: 1\n"
    "    failureThreshold: 1\n    successThreshold: 1",
    "probe-tcp-number": "probes:\n  startup:\n    tcp:\n      port: 65535",
    "probe-exec": "probes:\n  readiness:\n    exec:\n      command:\n        - cat\n        - /ok\n"
    "    successThreshold: 3",
    "restart-policy": "restartPolicy: OnFailure",
    "service-account": "serviceAccountName: builder.ci",
    "node-selector": "nodeSelector:\n  kubernetes.io/os: linux\n  disktype: ssd",
    "volumes": "volumes:\n  - name: tmp\n    emptyDir:\n    mountPath: /tmp\n"
    "  - name: mem\n    emptyDir:\n      medium: Memory\n      sizeLimit: 64Mi\n"
    "    mountPath: /mem\n"
    "  - name: conf\n    configMap:\n      name: app-config\n      optional: true\n"
    "    mountPath: /etc/app\n    readOnly: true\n    subPath: app.conf\n"
    "  - name: tls\n    secret:\n      secretName: tls\n    mountPath: /tls\n"
    "  - name: data\n    persistentVolumeClaim:\n      claimName: data\n"
    "      readOnly: false\n    mountPath: /data",
    "baseline-root": "security: baseline\nrunAsUser: 0",
    "restricted-ids": "runAsUser: 1000\nrunAsGroup: 0\nfsGroup: 2147483647",
    "read-only-root": "readOnlyRootFilesystem: true",
    "output-path": "output_path: custom/dir/web.yaml",
    "apply": "apply: false",
}


@pytest.mark.parametrize("snippet", list(VALID.values()), ids=list(VALID))
def test_valid(snippet: str) -> None:
    assert isinstance(load(snippet), PodSpec)


INVALID: dict[str, tuple[str, str, str]] = {  # id: (snippet, field, message part)
    "name-upper": ("name: Web", "name", "not a valid DNS-1123 label"),
    "name-long": ("name: " + "a" * 64, "name", "(max 63)"),
    "name-missing": ("#raw\nimage: nginx", "name", "required key 'name' is missing"),
    "name-empty": ("name:", "name", "must not be empty"),
    "namespace": ("namespace: Shop_1", "namespace", "not a valid DNS-1123 label"),
    "label-key": ("labels:\n  a/b/c: x", "labels['a/b/c']", "more than one '/'"),
    "label-value": ("labels:\n  tier: front end", "labels.tier", "is not valid"),
    "label-not-map": ("labels: tier", "labels", "expected a mapping"),
    "label-name-ours": (
        "labels:\n  app.kubernetes.io/name: shop",
        "labels['app.kubernetes.io/name']",
        "'shop' conflicts with the value kube-sentinel sets: 'web'",
    ),
    "label-managed-by-ours": (
        "labels:\n  app.kubernetes.io/managed-by: helm",
        "labels['app.kubernetes.io/managed-by']",
        "'helm' conflicts with the value kube-sentinel sets: 'kube-sentinel'",
    ),
    "annotation-key": ("annotations:\n  -bad: x", "annotations['-bad']", "annotation key"),
    "annotations-size": ("annotations:\n  big: " + "x" * 262_200, "annotations", "(max 262144)"),
    "image-upper": ("image: Nginx:1", "image", "uppercase"),
    "image-bad": ("image: 'nginx:'", "image", "not a valid image reference"),
    "image-missing": ("#raw\nname: web", "image", "required key 'image'"),
    "pull-policy": (
        "imagePullPolicy: always",
        "imagePullPolicy",
        "expected one of Always, IfNotPresent, Never",
    ),
    "command-scalar": ("command: sh -c x", "command", "expected a list"),
    "args-map": ("args:\n  a: b", "args", "expected a list"),
    "working-dir": ("workingDir: srv", "workingDir", "must be an absolute path"),
    "env-name": ("env:\n  1ST: x", "env['1ST']", "not a valid environment variable name"),
    "env-both-refs": (
        (
            "env:\n  X:\n    secretKeyRef:\n      name: a\n      key: b\n"
            "    configMapKeyRef:\n      name: a\n      key: b"
        ),
        "env.X",
        "exactly one of secretKeyRef, configMapKeyRef",
    ),
    "env-no-ref": (
        "env:\n  X:\n    valueRef:\n      fieldPath: x",
        "env.X.valueRef",
        "unknown key 'valueRef'",
    ),
    "env-ref-key-missing": (
        "env:\n  X:\n    secretKeyRef:\n      name: a",
        "env.X.secretKeyRef.key",
        "required key 'key'",
    ),
    "env-ref-name": (
        "env:\n  X:\n    configMapKeyRef:\n      name: A\n      key: b",
        "env.X.configMapKeyRef.name",
        "not a valid DNS-1123 subdomain",
    ),
    "env-ref-key": (
        "env:\n  X:\n    configMapKeyRef:\n      name: a\n      key: a/b",
        "env.X.configMapKeyRef.key",
        "not a valid ConfigMap/Secret key",
    ),
    "env-optional": (
        ("env:\n  X:\n    secretKeyRef:\n      name: a\n      key: b\n      optional: perhaps"),
        "env.X.secretKeyRef.optional",
        "expected true or false",
    ),
    "port-zero": ("ports:\n  - containerPort: 0", "ports[0].containerPort", "must be ≥ 1"),
    "port-high": ("ports:\n  - containerPort: 65536", "ports[0].containerPort", "≤ 65535"),
    "port-text": (
        "ports:\n  - containerPort: http",
        "ports[0].containerPort",
        "expected a whole number",
    ),
    "port-missing": (
        "ports:\n  - name: http",
        "ports[0].containerPort",
        "required key 'containerPort'",
    ),
    "port-name": (
        "ports:\n  - name: HTTP\n    containerPort: 80",
        "ports[0].name",
        "lowercase letters",
    ),
    "port-protocol": (
        "ports:\n  - containerPort: 80\n    protocol: tcp",
        "ports[0].protocol",
        "expected one of TCP, UDP, SCTP",
    ),
    "port-dup-name": (
        ("ports:\n  - name: web\n    containerPort: 80\n  - name: web\n    containerPort: 81"),
        "ports[1].name",
        "port name 'web' is used twice",
    ),
    "port-dup-number": (
        ("ports:\n  - containerPort: 80\n  - containerPort: 80\n    protocol: TCP"),
        "ports[1].containerPort",
        "80/TCP is listed twice",
    ),
    "quantity": (
        "resources:\n  requests:\n    memory: lots",
        "resources.requests.memory",
        "'lots' is not a Kubernetes quantity",
    ),
    "quantity-negative": (
        "resources:\n  limits:\n    cpu: -1",
        "resources.limits.cpu",
        "is negative",
    ),
    "request-over-limit": (
        "resources:\n  requests:\n    cpu: '2'\n  limits:\n    cpu: 1500m",
        "resources.requests.cpu",
        "request 2 (2) is above the limit 1500m",
    ),
    "request-over-limit-memory": (
        ("resources:\n  requests:\n    memory: 1Gi\n  limits:\n    memory: 1000Mi"),
        "resources.requests.memory",
        "above the limit",
    ),
    "resource-unknown": (
        "resources:\n  limits:\n    gpu: 1",
        "resources.limits.gpu",
        "unknown key 'gpu'",
    ),
    "probe-no-action": (
        "probes:\n  liveness:\n    periodSeconds: 5",
        "probes.liveness",
        "exactly one of http, tcp, exec, grpc (found: none)",
    ),
    "probe-two-actions": (
        (
            "probes:\n  liveness:\n    tcp:\n      port: 80\n    exec:\n"
            "      command:\n        - true"
        ),
        "probes.liveness",
        "(found: tcp, exec)",
    ),
    "probe-named-port": (
        (
            "ports:\n  - name: web\n    containerPort: 80\nprobes:\n  readiness:\n"
            "    http:\n      path: /\n      port: http"
        ),
        "probes.readiness.http.port",
        "probe port 'http' is not a named port (named ports: web)",
    ),
    "probe-port-zero": (
        "probes:\n  readiness:\n    tcp:\n      port: 0",
        "probes.readiness.tcp.port",
        "port 0 is out of range",
    ),
    "probe-port-name": (
        "probes:\n  readiness:\n    tcp:\n      port: Web_1",
        "probes.readiness.tcp.port",
        "lowercase letters",
    ),
    "probe-path": (
        "probes:\n  readiness:\n    http:\n      path: healthz\n      port: 80",
        "probes.readiness.http.path",
        "must be an absolute path",
    ),
    "probe-scheme": (
        ("probes:\n  readiness:\n    http:\n      path: /\n      port: 80\n      scheme: ftp"),
        "probes.readiness.http.scheme",
        "'HTTP' or 'HTTPS'",
    ),
    "probe-exec-empty": (
        "probes:\n  readiness:\n    exec:\n      command:",
        "probes.readiness.exec.command",
        "expected a list",
    ),
    "probe-period": (
        "probes:\n  readiness:\n    tcp:\n      port: 80\n    periodSeconds: 0",
        "probes.readiness.periodSeconds",
        "must be ≥ 1",
    ),
    "probe-delay": (
        "probes:\n  readiness:\n    tcp:\n      port: 80\n    initialDelaySeconds: -1",
        "probes.readiness.initialDelaySeconds",
        "must be ≥ 0",
    ),
    "probe-timeout": (
        "probes:\n  readiness:\n    tcp:\n      port: 80\n    timeoutSeconds: 0",
        "probes.readiness.timeoutSeconds",
        "must be ≥ 1",
    ),
    "probe-failure": (
        "probes:\n  readiness:\n    tcp:\n      port: 80\n    failureThreshold: 0",
        "probes.readiness.failureThreshold",
        "must be ≥ 1",
    ),
    "probe-success-liveness": (
        ("probes:\n  liveness:\n    tcp:\n      port: 80\n    successThreshold: 2"),
        "probes.liveness.successThreshold",
        "must be 1 for a liveness probe",
    ),
    "probe-success-startup": (
        ("probes:\n  startup:\n    tcp:\n      port: 80\n    successThreshold: 3"),
        "probes.startup.successThreshold",
        "must be 1 for a startup probe",
    ),
    "probe-huge": (
        "probes:\n  startup:\n    tcp:\n      port: 80\n    periodSeconds: 2147483648",
        "probes.startup.periodSeconds",
        "must be ≤ 2147483647",
    ),
    "restart-policy": ("restartPolicy: Sometimes", "restartPolicy", "expected one of Always"),
    "service-account": (
        "serviceAccountName: Build_Bot",
        "serviceAccountName",
        "not a valid DNS-1123 subdomain",
    ),
    "node-selector": ("nodeSelector:\n  a b: x", "nodeSelector['a b']", "label key"),
    "volume-no-source": (
        "volumes:\n  - name: a\n    mountPath: /a",
        "volumes[0]",
        "exactly one of emptyDir, configMap, secret, persistentVolumeClaim",
    ),
    "volume-two-sources": (
        (
            "volumes:\n  - name: a\n    emptyDir:\n    secret:\n"
            "      secretName: s\n    mountPath: /a"
        ),
        "volumes[0]",
        "(found: emptyDir, secret)",
    ),
    "volume-dup-name": (
        (
            "volumes:\n  - name: a\n    emptyDir:\n    mountPath: /a\n  - name: a\n"
            "    emptyDir:\n    mountPath: /b"
        ),
        "volumes[1].name",
        "volume name 'a' is used twice",
    ),
    "volume-dup-mount": (
        (
            "volumes:\n  - name: a\n    emptyDir:\n    mountPath: /a\n  - name: b\n"
            "    emptyDir:\n    mountPath: /a/"
        ),
        "volumes[1].mountPath",
        "is used by another volume",
    ),
    "volume-mount-relative": (
        "volumes:\n  - name: a\n    emptyDir:\n    mountPath: data",
        "volumes[0].mountPath",
        "must be an absolute path",
    ),
    "volume-mount-unknown": (
        (
            "volumes:\n  - name: a\n    emptyDir:\n"
            "containers:\n  - name: b\n    image: busybox\n    volumeMounts:\n"
            "      - name: c\n        mountPath: /c"
        ),
        "containers[0].volumeMounts[0].name",
        "volume 'c' is not under volumes (volumes: a)",
    ),
    "volume-subpath-up": (
        ("volumes:\n  - name: a\n    emptyDir:\n    mountPath: /a\n    subPath: x/../.."),
        "volumes[0].subPath",
        "must not contain '..'",
    ),
    "volume-subpath-abs": (
        ("volumes:\n  - name: a\n    emptyDir:\n    mountPath: /a\n    subPath: /x"),
        "volumes[0].subPath",
        "must be relative",
    ),
    "volume-name": (
        "volumes:\n  - name: Data\n    emptyDir:\n    mountPath: /a",
        "volumes[0].name",
        "not a valid DNS-1123 label",
    ),
    "volume-medium": (
        "volumes:\n  - name: a\n    emptyDir:\n      medium: Disk\n    mountPath: /a",
        "volumes[0].emptyDir.medium",
        "expected '' or 'Memory'",
    ),
    "volume-size": (
        ("volumes:\n  - name: a\n    emptyDir:\n      sizeLimit: big\n    mountPath: /a"),
        "volumes[0].emptyDir.sizeLimit",
        "not a Kubernetes quantity",
    ),
    "volume-emptydir-text": (
        "volumes:\n  - name: a\n    emptyDir: yes\n    mountPath: /a",
        "volumes[0].emptyDir",
        "expected an empty value or a mapping",
    ),
    "volume-configmap": (
        "volumes:\n  - name: a\n    configMap:\n      name: A\n    mountPath: /a",
        "volumes[0].configMap.name",
        "not a valid DNS-1123 subdomain",
    ),
    "volume-secret": (
        (
            "volumes:\n  - name: a\n    secret:\n      secretName: s\n      mode: 1\n"
            "    mountPath: /a"
        ),
        "volumes[0].secret.mode",
        "unknown key 'mode'",
    ),
    "volume-pvc": (
        (
            "volumes:\n  - name: a\n    persistentVolumeClaim:\n      claimName: C\n"
            "    mountPath: /a"
        ),
        "volumes[0].persistentVolumeClaim.claimName",
        "not a valid DNS-1123 subdomain",
    ),
    "volumes-not-list": ("volumes:\n  name: a", "volumes", "expected a list"),
    "security": ("security: strict", "security", "expected one of restricted, baseline"),
    "root-restricted": (
        "runAsUser: 0",
        "runAsUser",
        "0 (root) is not allowed under the restricted",
    ),
    "uid-negative": ("runAsUser: -1", "runAsUser", "must be ≥ 0"),
    "gid-huge": ("runAsGroup: 2147483648", "runAsGroup", "must be ≤ 2147483647"),
    "fsgroup-text": ("fsGroup: staff", "fsGroup", "expected a whole number"),
    "read-only-root": (
        "readOnlyRootFilesystem: maybe",
        "readOnlyRootFilesystem",
        "expected true or false",
    ),
    "output-absolute": ("output_path: /etc/web.yaml", "output_path", "must be relative"),
    "output-escape": ("output_path: ../web.yaml", "output_path", "must not contain '..'"),
    "apply": ("apply: sometimes", "apply", "expected true or false"),
    "unknown-top": ("lables:\n  a: b", "lables", "unknown key 'lables'"),
}


@pytest.mark.parametrize(("snippet", "field", "message"), list(INVALID.values()), ids=list(INVALID))
def test_invalid(snippet: str, field: str, message: str) -> None:
    found = problems(snippet)
    assert [p.field for p in found] == [field], [p.format() for p in found]
    (problem,) = found
    assert message in problem.message
    assert problem.line is not None and problem.column is not None and problem.hint
    assert problem.severity == "error"


def test_required_key_reported_at_top() -> None:
    (problem,) = problems("#raw\nname: web")
    assert (problem.line, problem.column, problem.hint) == (
        1,
        1,
        "add 'image: ...' at the top of the file",
    )


def test_env_names_outside_c_identifiers_warn() -> None:
    loaded = load_spec_text(spec("env:\n  my.var: x\n  OK_1: y"), "t.yaml")
    (warning,) = loaded.warnings
    assert (warning.severity, warning.field, warning.line, warning.column) == (
        "warning",
        "env['my.var']",
        4,
        3,
    )
    assert "not a C identifier" in warning.message
    assert warning.format().startswith("t.yaml:4:3: warning: env['my.var']: ")


def test_warnings_travel_with_errors() -> None:
    found = problems("name: Web\nenv:\n  my.var: x\n  9bad: y")
    assert [(p.severity, p.field) for p in found] == [
        ("error", "name"),
        ("warning", "env['my.var']"),
        ("error", "env['9bad']"),
    ]


def test_unset_fields_have_kubernetes_defaults() -> None:
    model = load("ports:\n  - containerPort: 80")
    assert model.ports[0].protocol == "TCP"
    assert model.security == "restricted" and model.namespace == "default" and model.apply
    assert model.resolved_output_path == "default/web.yaml"
    assert load("output_path: x/y.yaml").resolved_output_path == "x/y.yaml"


def test_quantity_accessor_is_exact() -> None:
    model = load("resources:\n  requests:\n    ephemeral-storage: 1Gi\n  limits:\n    cpu: 250m")
    assert model.quantity("requests", "ephemeral-storage") == 2**30
    assert model.quantity("limits", "cpu") == Fraction(1, 4)
    assert model.quantity("limits", "memory") is None
    assert load("").quantity("requests", "cpu") is None


def test_model_attributes_mirror_spec_keys() -> None:
    model = load(VALID["volumes"] + "\n" + VALID["resources-requests-only"])
    assert model.volumes[1].emptyDir is not None and model.volumes[1].emptyDir.medium == "Memory"
    assert model.resources is not None and model.resources.requests is not None
    assert model.resources.requests.ephemeral_storage == "2Gi"
    dumped = model.model_dump(by_alias=True, exclude_unset=True)
    assert dumped["resources"] == {"requests": {"ephemeral-storage": "2Gi"}}


# --- plain data (chat tools): strict types, same rules -------------------------------------------


def test_validate_data_accepts_json_shapes() -> None:
    model = validate_data(
        {"name": "web", "image": "nginx", "resources": {"requests": {"cpu": 0.5, "memory": 1024}}},
        "chat",
    )
    assert model.resources is not None and model.resources.requests is not None
    assert (model.resources.requests.cpu, model.resources.requests.memory) == ("0.5", "1024")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "web", "image": "x", "ports": [{"containerPort": "80"}]},
            "ports[0].containerPort",
            "Input should be a valid integer",
        ),
        ({"name": "web", "image": "x", "apply": "yes"}, "apply", "Input should be a valid boolean"),
        ({"name": "web", "image": "x", "runAsUser": True}, "runAsUser", "valid integer"),
        ({"name": "web", "image": "x", "env": {"A": 5}}, "env.A", "an env value must be text"),
        (
            {"name": "web", "image": "x", "resources": {"limits": {"cpu": True}}},
            "resources.limits.cpu",
            "expected a quantity",
        ),
        (
            {"name": "web", "image": "x", "resources": {"limits": {"cpu": float("nan")}}},
            "resources.limits.cpu",
            "got nan",
        ),
        (
            {"name": "web", "image": "x", "probes": {"startup": {"tcp": {"port": 1.5}}}},
            "probes.startup.tcp.port",
            "port must be a number or a port name",
        ),
        ({"name": "web", "image": "x", "command": []}, "command", "must not be empty"),
        ({"name": "web", "image": "x", "colour": "blue"}, "colour", "unknown key 'colour'"),
        ({"image": "x"}, "name", "required key 'name' is missing"),
        (
            {"name": "web", "image": "x", "runAsUser": 10**5000},
            "runAsUser",
            "must be ≤ 2147483647, found a number too long to show",
        ),
        (
            {"name": "web", "image": "x", "security": "lax"},
            "security",
            "expected 'restricted' or 'baseline', found 'lax'",
        ),
        (
            {"name": "web", "image": "x", "resources": {"limits": {"cpu": 10**5000}}},
            "resources.limits.cpu",
            "got a number with too many digits",
        ),
        (
            {
                "name": "web",
                "image": "x",
                "resources": {"requests": {"cpu": 2.5}, "limits": {"cpu": 2}},
            },
            "resources.requests.cpu",
            "request 2.5 (2.5) is above the limit 2 (2)",
        ),
        ({"name": "web", "image": "x", "probes": {}}, "probes", "needs at least one of liveness"),
        (
            {"name": "web", "image": "x", "labels": {"app.kubernetes.io/name": "other"}},
            "labels['app.kubernetes.io/name']",
            "'other' conflicts with the value kube-sentinel sets: 'web'",
        ),
        (
            {"name": "web", "image": "x", "resources": {}},
            "resources",
            "needs at least one of requests",
        ),
        (
            {"name": "web", "image": "x", "resources": {"limits": {}}},
            "resources.limits",
            "needs at least one of cpu, memory, ephemeral-storage",
        ),
    ],
)
def test_validate_data_refuses(data: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        validate_data(data, "chat")
    (problem,) = info.value.problems
    assert (problem.file, problem.field, problem.line) == ("chat", field, None)
    assert message in problem.message and problem.hint


def test_cross_field_rules_hold_for_models_built_in_python() -> None:
    from sentinel.spec.model import ResourceList, Resources

    with pytest.raises(ValidationError) as info:
        Resources(requests=ResourceList(cpu="2"), limits=ResourceList(cpu="1"))
    assert info.value.errors()[0]["ctx"]["violations"][0][0] == ("requests", "cpu")
    model = load(VALID["probe-http"])
    assert PodSpec.model_validate(model) == model


def test_format_reference_in_the_model_docstring_is_a_valid_spec() -> None:
    import sentinel.spec.model as module

    doc = module.__doc__ or ""
    example = dedent(doc.split("::\n", 1)[1])
    loaded = load_spec_text(example, "model.py docstring")
    model = loaded.model
    spec_keys = {f.alias or n for n, f in PodSpec.model_fields.items()}
    written = {k[0] for k in loaded.positions if len(k) == 1}
    assert written == spec_keys, "the reference example shows every key"
    assert model.probes is not None and model.probes.readiness is not None
