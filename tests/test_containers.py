"""Several containers in one Pod: init containers, native sidecars, further containers, and the
container parts they share with the main one (envFrom, downward-API env, lifecycle, gRPC probes,
HTTP headers, per-container securityContext, capabilities), through the whole loader and renderer.

Invalid cases pin the exact problem lines (file:line:column, field path, message, hint).
"""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import kubernetes_validate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel import policy, render
from sentinel.errors import SpecError
from sentinel.spec import load_spec_text
from sentinel.spec.rules import BASELINE_CAPABILITIES, RESTRICTED_CAPABILITIES

KUBERNETES_VERSION = kubernetes_validate.latest_version()


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(dedent(text), "t.yaml")
    return [p.format() for p in info.value.problems]


def manifest(text: str) -> dict[str, Any]:
    """The rendered Pod of a valid spec text, checked strictly against the Kubernetes schema."""
    loaded = load_spec_text(dedent(text), "t.yaml")
    assert loaded.warnings == []
    out = render.render(loaded.model)
    kubernetes_validate.validate(out, KUBERNETES_VERSION, strict=True)
    assert policy.check(out, loaded.model.security) == []
    return out


# --- valid Pods -----------------------------------------------------------------------------------


def test_init_containers_then_sidecars_then_main_and_further_containers() -> None:
    pod = manifest("""\
        name: app
        image: busybox:1.36
        containerName: main
        containers:
          - name: helper
            image: busybox:1.36
        initContainers:
          - name: first
            image: busybox:1.36
          - name: second
            image: busybox:1.36
        sidecars:
          - name: proxy
            image: envoyproxy/envoy:v1.31.0
        """)["spec"]
    assert [c["name"] for c in pod["containers"]] == ["main", "helper"]
    assert [(c["name"], c.get("restartPolicy")) for c in pod["initContainers"]] == [
        ("first", None), ("second", None), ("proxy", "Always")]
    for c in pod["containers"] + pod["initContainers"]:
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_container_name_defaults_to_the_pod_name() -> None:
    assert manifest("name: app\nimage: busybox:1.36\n")["spec"]["containers"][0]["name"] == "app"


def test_mounts_by_volume_name_and_a_volume_only_a_sidecar_mounts() -> None:
    pod = manifest("""\
        name: app
        image: busybox:1.36
        volumes:
          - name: shared
            emptyDir:
            mountPath: /shared
          - name: sidecar-only
            configMap:
              name: conf
        sidecars:
          - name: shipper
            image: busybox:1.36
            volumeMounts:
              - name: shared
                mountPath: /in
                readOnly: true
              - name: sidecar-only
                mountPath: /etc/conf
                subPath: app.conf
        """)["spec"]
    assert pod["containers"][0]["volumeMounts"] == [{"name": "shared", "mountPath": "/shared"}]
    assert pod["initContainers"][0]["volumeMounts"] == [
        {"name": "shared", "mountPath": "/in", "readOnly": True},
        {"name": "sidecar-only", "mountPath": "/etc/conf", "subPath": "app.conf"},
    ]


def test_container_parts_render_with_kubernetes_field_names() -> None:
    [main] = manifest("""\
        name: app
        image: busybox:1.36
        terminationGracePeriodSeconds: 60
        ports:
          - name: admin
            containerPort: 9000
        env:
          NODE:
            fieldRef:
              fieldPath: spec.nodeName
              apiVersion: v1
          MEM:
            resourceFieldRef:
              resource: requests.memory
              divisor: 1Mi
              containerName: app
        envFrom:
          - configMapRef:
              name: settings
              optional: true
          - secretRef:
              name: creds
            prefix: CREDS_
        probes:
          liveness:
            grpc:
              port: 9090
              service: health
          readiness:
            http:
              path: /ready
              port: admin
              httpHeaders:
                - name: Authorization
                  value: Bearer probe
        lifecycle:
          postStart:
            httpGet:
              path: /warm
              port: admin
          preStop:
            sleep:
              seconds: 60
        securityContext:
          runAsUser: 1000
          runAsGroup: 1000
          runAsNonRoot: true
          readOnlyRootFilesystem: true
          capabilities:
            add:
              - NET_BIND_SERVICE
        """)["spec"]["containers"]
    assert main["env"] == [
        {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
        {"name": "MEM", "valueFrom": {"resourceFieldRef": {
            "containerName": "app", "divisor": "1Mi", "resource": "requests.memory"}}},
    ]
    assert main["envFrom"] == [
        {"configMapRef": {"name": "settings", "optional": True}},
        {"prefix": "CREDS_", "secretRef": {"name": "creds"}},
    ]
    assert main["livenessProbe"] == {"grpc": {"port": 9090, "service": "health"}}
    assert main["readinessProbe"]["httpGet"]["httpHeaders"] == [
        {"name": "Authorization", "value": "Bearer probe"}]
    assert main["lifecycle"] == {"postStart": {"httpGet": {"path": "/warm", "port": "admin"}},
                                 "preStop": {"sleep": {"seconds": 60}}}
    assert main["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
        "readOnlyRootFilesystem": True, "runAsGroup": 1000, "runAsNonRoot": True,
        "runAsUser": 1000,
    }


def test_sidecars_may_have_probes_and_lifecycle() -> None:
    [proxy] = manifest("""\
        name: app
        image: busybox:1.36
        sidecars:
          - name: proxy
            image: busybox:1.36
            ports:
              - name: proxy
                containerPort: 15001
            probes:
              readiness:
                tcp:
                  port: proxy
            lifecycle:
              preStop:
                exec:
                  command:
                    - sleep
                    - "5"
        """)["spec"]["initContainers"]
    assert proxy["readinessProbe"] == {"tcpSocket": {"port": "proxy"}}
    assert proxy["lifecycle"]["preStop"] == {"exec": {"command": ["sleep", "5"]}}


@pytest.mark.parametrize("cap", sorted(BASELINE_CAPABILITIES))
def test_baseline_capabilities_are_allowed_under_baseline(cap: str) -> None:
    pod = manifest(f"""\
        name: app
        image: busybox:1.36
        security: baseline
        containers:
          - name: other
            image: busybox:1.36
            securityContext:
              capabilities:
                add:
                  - {cap}
        """)
    added = pod["spec"]["containers"][1]["securityContext"]["capabilities"]["add"]
    assert added == [cap]
    restricted = policy.check(pod, "restricted")
    assert (cap in RESTRICTED_CAPABILITIES) == (
        "spec.containers[1].securityContext.capabilities.add[0]" not in dict(restricted))


def test_the_capability_sets_agree_with_the_policy_check() -> None:
    assert BASELINE_CAPABILITIES == policy.BASELINE_CAPABILITIES
    assert RESTRICTED_CAPABILITIES == policy.RESTRICTED_CAPABILITIES


def test_baseline_allows_root_containers() -> None:
    pod = manifest("""\
        name: app
        image: busybox:1.36
        security: baseline
        initContainers:
          - name: chown
            image: busybox:1.36
            securityContext:
              runAsUser: 0
              runAsNonRoot: false
        """)
    assert pod["spec"]["initContainers"][0]["securityContext"]["runAsUser"] == 0


# --- refused --------------------------------------------------------------------------------------


def test_names_unique_across_every_container() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        containers:
          - name: app
            image: busybox:1.36
        initContainers:
          - name: setup
            image: busybox:1.36
        sidecars:
          - name: setup
            image: busybox:1.36
        """) == [
        ("t.yaml:4:11: containers[0].name: container name 'app' is already used by the main "
        "container (hint: set containerName to rename the main container, or give this one "
        "another name)"),
        ("t.yaml:10:11: sidecars[0].name: container name 'setup' is already used by "
        "initContainers[0] (hint: give each container its own name)"),
    ]


def test_ports_unique_across_the_pod() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        ports:
          - name: http
            containerPort: 8080
        sidecars:
          - name: proxy
            image: busybox:1.36
            ports:
              - name: http
                containerPort: 8080
              - containerPort: 8080
                protocol: UDP
        """) == [
        ("t.yaml:10:15: sidecars[0].ports[0].name: port name 'http' is already used by container "
        "'app' (hint: give each port of the Pod its own name)"),
        ("t.yaml:11:24: sidecars[0].ports[0].containerPort: containerPort 8080/TCP is already used "
        "by container 'app' (hint: containers of a Pod share its network: give each its own port)"),
    ]


def test_a_probes_named_port_must_be_its_own_containers() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        ports:
          - name: http
            containerPort: 8080
        containers:
          - name: other
            image: busybox:1.36
            probes:
              readiness:
                http:
                  path: /
                  port: http
        """) == [
        ("t.yaml:13:17: containers[0].probes.readiness.http.port: probe port 'http' is not a named "
        "port (named ports: none) (hint: add a port with name: http under ports, or use the port "
        "number)"),
    ]


def test_init_containers_take_no_probes_or_hooks() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        initContainers:
          - name: setup
            image: busybox:1.36
            probes:
              startup:
                exec:
                  command:
                    - "true"
            lifecycle:
              preStop:
                sleep:
                  seconds: 1
        """) == [
        ("t.yaml:7:7: initContainers[0].probes: probes are not allowed on an init container (it "
        "runs to completion) (hint: remove probes, or move the container to sidecars (which may "
        "have probes))"),
        ("t.yaml:12:7: initContainers[0].lifecycle: lifecycle hooks are not allowed on an init "
        "container (it runs to completion) (hint: remove lifecycle, or move the container to "
        "sidecars (which may have lifecycle))"),
    ]


def test_capabilities_and_users_per_profile() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        securityContext:
          runAsNonRoot: false
          capabilities:
            add:
              - CHOWN
              - SYS_ADMIN
              - CAP_NET_RAW
        sidecars:
          - name: s
            image: busybox:1.36
            securityContext:
              runAsUser: 0
        """) == [
        ("t.yaml:4:17: securityContext.runAsNonRoot: false is not allowed under the restricted "
        "profile (hint: remove it (kube-sentinel sets runAsNonRoot: true), or set security: "
        "baseline)"),
        ("t.yaml:7:9: securityContext.capabilities.add[0]: capability 'CHOWN' may not be added "
        "under the restricted profile (hint: set security: baseline to add CHOWN, or remove it)"),
        ("t.yaml:8:9: securityContext.capabilities.add[1]: capability 'SYS_ADMIN' may not be added "
        "under the restricted profile (hint: the baseline profile allows only AUDIT_WRITE, CHOWN, "
        "DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, "
        "SETUID, SYS_CHROOT; remove it)"),
        ("t.yaml:9:9: securityContext.capabilities.add[2]: 'CAP_NET_RAW' has the CAP_ prefix "
        "(hint: write 'NET_RAW')"),
        ("t.yaml:14:18: sidecars[0].securityContext.runAsUser: 0 (root) is not allowed under the "
        "restricted profile (hint: use a non-zero UID, or set security: baseline)"),
    ]


def test_baseline_refuses_what_is_outside_its_list() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        security: baseline
        securityContext:
          capabilities:
            add:
              - NET_ADMIN
        """) == [
        ("t.yaml:7:9: securityContext.capabilities.add[0]: capability 'NET_ADMIN' may not be added "
        "under the baseline profile (hint: the baseline profile allows only AUDIT_WRITE, CHOWN, "
        "DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, "
        "SETUID, SYS_CHROOT; remove it)"),
    ]


def test_env_sources_lifecycle_and_headers() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        env:
          A:
            fieldRef:
              fieldPath: spec.containers
          B:
            resourceFieldRef:
              resource: limits.cpu
              divisor: 1Mi
              containerName: ghost
        envFrom:
          - prefix: X_
        lifecycle:
          preStop:
            sleep:
              seconds: 31
        probes:
          liveness:
            http:
              path: /
              port: 80
              httpHeaders:
                - name: Bad Header
                  value: x
        """) == [
        ("t.yaml:6:18: env.A.fieldRef.fieldPath: 'spec.containers' is not a field the downward API "
        "can read (hint: use one of metadata.name, metadata.namespace, metadata.uid, "
        "spec.nodeName, spec.serviceAccountName, status.hostIP, status.hostIPs, status.podIP, "
        "status.podIPs, metadata.labels['KEY'], metadata.annotations['KEY'])"),
        ("t.yaml:10:16: env.B.resourceFieldRef.divisor: divisor '1Mi' does not suit limits.cpu "
        "(hint: use one of 1m, 1)"),
        ("t.yaml:11:22: env.B.resourceFieldRef.containerName: container 'ghost' is not in this Pod "
        "(containers: app) (hint: name a container of this Pod, or leave it out)"),
        ("t.yaml:13:5: envFrom[0]: an envFrom entry needs exactly one of configMapRef, secretRef "
        "(found: none) (hint: keep exactly one of configMapRef, secretRef)"),
        ("t.yaml:17:16: lifecycle.preStop.sleep.seconds: sleeps 31s, longer than the grace period "
        "of 30s (hint: sleep at most 30s, or raise terminationGracePeriodSeconds)"),
        ("t.yaml:24:17: probes.liveness.http.httpHeaders[0].name: 'Bad Header' is not a valid HTTP "
        "header name (hint: use letters, digits and '-', e.g. X-Custom-Header)"),
    ]


def test_shape_errors_inside_a_container_list() -> None:
    assert lines("""\
        name: app
        image: busybox:1.36
        sidecars:
          - name: s
            imag: busybox:1.36
            probes:
              readiness:
                grpc:
                  port: grpc
        """) == [
        "t.yaml:5:5: sidecars[0].imag: unknown key 'imag' (hint: did you mean 'image'?)",
        ("t.yaml:9:17: sidecars[0].probes.readiness.grpc.port: expected a whole number, found "
        "'grpc' (hint: write a whole number, e.g. 8080)"),
    ]


# --- fuzzing: generated Pods with several containers ---------------------------------------------

NAMES = st.sampled_from(["app", "web", "proxy", "init", "logs", "db"])
PORTS = st.lists(st.tuples(st.sampled_from(["http", "grpc", "admin"]),
                           st.sampled_from([80, 8080, 9090])), max_size=2)


def _entry(name: str, ports: list[tuple[str, int]], probe: str | None, cap: str | None) -> str:
    out = [f"  - name: {name}", "    image: busybox:1.36"]
    if ports:
        out.append("    ports:")
        for port_name, number in ports:
            out += [f"      - name: {port_name}", f"        containerPort: {number}"]
    if probe:
        out += ["    probes:", "      readiness:", "        tcp:", f"          port: {probe}"]
    if cap:
        out += ["    securityContext:", "      capabilities:", "        add:", f"          - {cap}"]
    return "\n".join(out)


ENTRY = st.tuples(NAMES, PORTS, st.one_of(st.none(), st.sampled_from(["http", "grpc", "8080"])),
                  st.one_of(st.none(), st.sampled_from(["NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN"])))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["containers", "initContainers", "sidecars"]),
                       st.lists(ENTRY, min_size=1, max_size=3), max_size=3),
       st.sampled_from(["restricted", "baseline"]))
def test_generated_pods_load_and_render_or_say_why(
    lists: dict[str, list[Any]], profile: str
) -> None:
    text = f"name: app\nimage: busybox:1.36\nsecurity: {profile}\n"
    for key, entries in lists.items():
        text += f"{key}:\n" + "\n".join(_entry(*e) for e in entries) + "\n"
    try:
        loaded = load_spec_text(text, "gen.yaml")
    except SpecError as exc:
        assert all(p.line is not None and p.hint for p in exc.problems), exc.problems
        return
    pod = render.render(loaded.model)
    assert policy.check(pod, profile) == []
    every = pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
    names = [c["name"] for c in every]
    assert len(names) == len(set(names))
    ports = [(p["containerPort"], p["protocol"]) for c in every for p in c.get("ports", [])]
    assert len(ports) == len(set(ports))
    for entry in loaded.model.initContainers or ():
        assert entry.probes is None and entry.lifecycle is None
