"""Pod Security Standards checks: each rule with a compliant and a violating manifest.

Every case starts from a Pod that passes ``restricted``, changes one thing, and pins exactly which
field paths each profile reports — so a check that stops firing, fires on the wrong field or
fires on a compliant value fails here.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sentinel import policy

Manifest = dict[str, Any]
C0 = "spec.containers[0]"
SC0 = f"{C0}.securityContext"


def restricted_pod() -> Manifest:
    """A Pod that satisfies the restricted profile (and therefore baseline)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "web",
                "image": "nginxinc/nginx-unprivileged:1.27",
                "ports": [{"containerPort": 8080}],
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                },
            }],
            "volumes": [{"name": "tmp", "emptyDir": {}}],
        },
    }


def _spec(m: Manifest) -> Manifest:
    spec: Manifest = m["spec"]
    return spec


def _c0(m: Manifest) -> Manifest:
    container: Manifest = m["spec"]["containers"][0]
    return container


def _csc(m: Manifest) -> Manifest:
    sc: Manifest = _c0(m)["securityContext"]
    return sc


def _psc(m: Manifest) -> Manifest:
    sc: Manifest = m["spec"]["securityContext"]
    return sc


Mutation = Callable[[Manifest], object]

# (id, mutation, paths reported under baseline, paths reported under restricted)
CASES: list[tuple[str, Mutation, set[str], set[str]]] = [
    ("compliant", lambda m: None, set(), set()),
    # host namespaces
    ("hostNetwork", lambda m: _spec(m).update(hostNetwork=True),
     {"spec.hostNetwork"}, {"spec.hostNetwork"}),
    ("hostPID", lambda m: _spec(m).update(hostPID=True), {"spec.hostPID"}, {"spec.hostPID"}),
    ("hostIPC", lambda m: _spec(m).update(hostIPC=True), {"spec.hostIPC"}, {"spec.hostIPC"}),
    ("host namespaces false", lambda m: _spec(m).update(hostNetwork=False, hostPID=False,
                                                         hostIPC=False), set(), set()),
    # privileged
    ("privileged", lambda m: _csc(m).update(privileged=True),
     {f"{SC0}.privileged"}, {f"{SC0}.privileged"}),
    ("privileged false", lambda m: _csc(m).update(privileged=False), set(), set()),
    # capabilities
    ("add SYS_ADMIN", lambda m: _csc(m)["capabilities"].update(add=["CHOWN", "SYS_ADMIN"]),
     {f"{SC0}.capabilities.add[1]"},
     {f"{SC0}.capabilities.add[0]", f"{SC0}.capabilities.add[1]"}),
    ("add CHOWN", lambda m: _csc(m)["capabilities"].update(add=["CHOWN"]),
     set(), {f"{SC0}.capabilities.add[0]"}),
    ("add NET_BIND_SERVICE", lambda m: _csc(m)["capabilities"].update(add=["NET_BIND_SERVICE"]),
     set(), set()),
    ("no drop ALL", lambda m: _csc(m)["capabilities"].update(drop=["NET_RAW"]),
     set(), {f"{SC0}.capabilities.drop"}),
    ("no capabilities", lambda m: _csc(m).pop("capabilities"),
     set(), {f"{SC0}.capabilities.drop"}),
    # volumes
    ("hostPath", lambda m: _spec(m)["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
     {"spec.volumes[1].hostPath"}, {"spec.volumes[1].hostPath"}),
    ("nfs", lambda m: _spec(m)["volumes"].append({"name": "n", "nfs": {"server": "s", "path": "/"}}),
     set(), {"spec.volumes[1].nfs"}),
    ("allowed volume types", lambda m: _spec(m)["volumes"].extend(
        {"name": t, t: {}} for t in sorted(policy.RESTRICTED_VOLUME_TYPES)), set(), set()),
    ("volume without source", lambda m: _spec(m)["volumes"].append({"name": "x"}),
     set(), {"spec.volumes[1].unknown"}),
    # host ports
    ("hostPort", lambda m: _c0(m)["ports"][0].update(hostPort=8080),
     {f"{C0}.ports[0].hostPort"}, {f"{C0}.ports[0].hostPort"}),
    ("hostPort 0", lambda m: _c0(m)["ports"][0].update(hostPort=0), set(), set()),
    # AppArmor
    ("apparmor annotation unconfined", lambda m: m["metadata"].update(annotations={
        "container.apparmor.security.beta.kubernetes.io/web": "unconfined"}),
     {"metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]"},
     {"metadata.annotations[container.apparmor.security.beta.kubernetes.io/web]"}),
    ("apparmor annotations allowed", lambda m: m["metadata"].update(annotations={
        "container.apparmor.security.beta.kubernetes.io/web": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/side": "localhost/prof"}), set(), set()),
    ("apparmor profile unconfined", lambda m: _csc(m).update(
        appArmorProfile={"type": "Unconfined"}),
     {f"{SC0}.appArmorProfile.type"}, {f"{SC0}.appArmorProfile.type"}),
    ("apparmor profile localhost", lambda m: _psc(m).update(
        appArmorProfile={"type": "Localhost", "localhostProfile": "p"}), set(), set()),
    # SELinux
    ("selinux type spc_t", lambda m: _psc(m).update(seLinuxOptions={"type": "spc_t"}),
     {"spec.securityContext.seLinuxOptions.type"}, {"spec.securityContext.seLinuxOptions.type"}),
    ("selinux user", lambda m: _csc(m).update(seLinuxOptions={"user": "root", "role": "r"}),
     {f"{SC0}.seLinuxOptions.user", f"{SC0}.seLinuxOptions.role"},
     {f"{SC0}.seLinuxOptions.user", f"{SC0}.seLinuxOptions.role"}),
    ("selinux container_t", lambda m: _csc(m).update(
        seLinuxOptions={"type": "container_t", "level": "s0:c1"}), set(), set()),
    # procMount
    ("procMount Unmasked", lambda m: _csc(m).update(procMount="Unmasked"),
     {f"{SC0}.procMount"}, {f"{SC0}.procMount"}),
    ("procMount Default", lambda m: _csc(m).update(procMount="Default"), set(), set()),
    # seccomp
    ("seccomp pod Unconfined", lambda m: _psc(m).update(seccompProfile={"type": "Unconfined"}),
     {"spec.securityContext.seccompProfile.type"},
     {"spec.securityContext.seccompProfile.type"}),
    ("seccomp container Unconfined", lambda m: _csc(m).update(
        seccompProfile={"type": "Unconfined"}),
     {f"{SC0}.seccompProfile.type"}, {f"{SC0}.seccompProfile.type"}),
    ("seccomp unset", lambda m: _psc(m).pop("seccompProfile"),
     set(), {f"{SC0}.seccompProfile.type"}),
    ("seccomp on container only", lambda m: (
        _psc(m).pop("seccompProfile"),
        _csc(m).update(seccompProfile={"type": "Localhost", "localhostProfile": "p.json"})),
     set(), set()),
    # sysctls
    ("unsafe sysctl", lambda m: _psc(m).update(sysctls=[
        {"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "1"}]),
     {"spec.securityContext.sysctls[1].name"}, {"spec.securityContext.sysctls[1].name"}),
    ("safe sysctls", lambda m: _psc(m).update(sysctls=[
        {"name": n, "value": "1"} for n in sorted(policy.SAFE_SYSCTLS)]), set(), set()),
    # Windows HostProcess
    ("hostProcess", lambda m: _psc(m).update(windowsOptions={"hostProcess": True}),
     {"spec.securityContext.windowsOptions.hostProcess"},
     {"spec.securityContext.windowsOptions.hostProcess"}),
    # probe / lifecycle hosts
    ("probe host", lambda m: _c0(m).update(
        livenessProbe={"httpGet": {"port": 8080, "host": "evil.example"}},
        lifecycle={"preStop": {"tcpSocket": {"port": 1, "host": "10.0.0.1"}}}),
     {f"{C0}.livenessProbe.httpGet.host", f"{C0}.lifecycle.preStop.tcpSocket.host"},
     {f"{C0}.livenessProbe.httpGet.host", f"{C0}.lifecycle.preStop.tcpSocket.host"}),
    ("probe without host", lambda m: _c0(m).update(
        readinessProbe={"tcpSocket": {"port": 8080, "host": ""}}), set(), set()),
    # allowPrivilegeEscalation
    ("allowPrivilegeEscalation unset", lambda m: _csc(m).pop("allowPrivilegeEscalation"),
     set(), {f"{SC0}.allowPrivilegeEscalation"}),
    ("allowPrivilegeEscalation true", lambda m: _csc(m).update(allowPrivilegeEscalation=True),
     set(), {f"{SC0}.allowPrivilegeEscalation"}),
    # runAsNonRoot
    ("runAsNonRoot unset", lambda m: _psc(m).pop("runAsNonRoot"),
     set(), {f"{SC0}.runAsNonRoot"}),
    ("runAsNonRoot false on pod", lambda m: _psc(m).update(runAsNonRoot=False),
     set(), {"spec.securityContext.runAsNonRoot", f"{SC0}.runAsNonRoot"}),
    ("runAsNonRoot false on container", lambda m: _csc(m).update(runAsNonRoot=False),
     set(), {f"{SC0}.runAsNonRoot"}),
    ("runAsNonRoot on container only", lambda m: (
        _psc(m).pop("runAsNonRoot"), _csc(m).update(runAsNonRoot=True)), set(), set()),
    # runAsUser
    ("runAsUser 0 pod", lambda m: _psc(m).update(runAsUser=0),
     set(), {"spec.securityContext.runAsUser"}),
    ("runAsUser 0 container", lambda m: _csc(m).update(runAsUser=0),
     set(), {f"{SC0}.runAsUser"}),
    ("runAsUser 1000", lambda m: (_psc(m).update(runAsUser=1000), _csc(m).update(runAsUser=1001)),
     set(), set()),
    # other container lists are checked too
    ("init container", lambda m: _spec(m).update(initContainers=[{"name": "init", "image": "busybox"}]),
     set(), {"spec.initContainers[0].securityContext.allowPrivilegeEscalation",
             "spec.initContainers[0].securityContext.capabilities.drop"}),
    ("ephemeral container privileged", lambda m: _spec(m).update(ephemeralContainers=[{
        "name": "dbg", "image": "busybox",
        "securityContext": {"privileged": True, "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}}}]),
     {"spec.ephemeralContainers[0].securityContext.privileged"},
     {"spec.ephemeralContainers[0].securityContext.privileged"}),
    # Windows Pods are exempt from the Linux-only restricted checks
    ("windows pod", lambda m: (
        _spec(m).update(os={"name": "windows"}), _psc(m).pop("seccompProfile"),
        _c0(m).update(securityContext={})),
     set(), set()),
    ("windows pod keeps baseline rules", lambda m: (
        _spec(m).update(os={"name": "windows"}),
        _csc(m).update(seccompProfile={"type": "Unconfined"},
                       capabilities={"add": ["SYS_ADMIN"]})),
     {f"{SC0}.seccompProfile.type", f"{SC0}.capabilities.add[0]"},
     {f"{SC0}.seccompProfile.type", f"{SC0}.capabilities.add[0]"}),
]


@pytest.mark.parametrize(("name", "mutate", "baseline", "restricted"), CASES,
                         ids=[case[0] for case in CASES])
def test_each_check(
    name: str, mutate: Mutation, baseline: set[str], restricted: set[str]
) -> None:
    manifest = restricted_pod()
    mutate(manifest)
    for profile, expected in (("baseline", baseline), ("restricted", restricted)):
        found = policy.check(manifest, profile)
        assert {path for path, _ in found} == expected, (profile, found)
        assert len(found) == len(expected), f"duplicate reports under {profile}: {found}"
        assert all(reason for _, reason in found)


def test_root_pod_passes_baseline_but_not_restricted() -> None:
    manifest = restricted_pod()
    del manifest["spec"]["securityContext"]["runAsNonRoot"]
    manifest["spec"]["securityContext"]["runAsUser"] = 0
    assert policy.check(manifest, "baseline") == []
    assert {p for p, _ in policy.check(manifest, "restricted")} == {
        "spec.securityContext.runAsUser", f"{SC0}.runAsNonRoot"}


def test_reasons_are_specific() -> None:
    manifest = restricted_pod()
    _csc(manifest)["capabilities"]["add"] = ["SYS_ADMIN"]
    [(path, reason)] = policy.check(manifest, "baseline")
    assert path == f"{SC0}.capabilities.add[0]"
    assert "SYS_ADMIN" in reason


def _as_template(kind: str, route: tuple[str, ...]) -> Manifest:
    pod = restricted_pod()
    template: Manifest = {"metadata": {"labels": {"app": "web"}}, "spec": pod["spec"]}
    template["spec"]["hostNetwork"] = True
    node: Manifest = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"}}
    outer = node
    for key in route[:-1]:
        outer = outer.setdefault(key, {})
    outer[route[-1]] = template
    return node


@pytest.mark.parametrize(("kind", "route"), [
    ("Deployment", ("spec", "template")),
    ("StatefulSet", ("spec", "template")),
    ("DaemonSet", ("spec", "template")),
    ("Job", ("spec", "template")),
    ("CronJob", ("spec", "jobTemplate", "spec", "template")),
    ("PodTemplate", ("template",)),
])
def test_workload_templates_are_checked(kind: str, route: tuple[str, ...]) -> None:
    manifest = _as_template(kind, route)
    prefix = "".join(f"{key}." for key in route)
    assert policy.check(manifest, "baseline") == [
        (f"{prefix}spec.hostNetwork", "host namespaces are forbidden; must be unset or false")]
    del manifest_pod_spec(manifest, route)["hostNetwork"]
    assert policy.check(manifest, "restricted") == []


def manifest_pod_spec(manifest: Manifest, route: tuple[str, ...]) -> Manifest:
    node: Any = manifest
    for key in route:
        node = node[key]
    spec: Manifest = node["spec"]
    return spec


def test_template_annotations_use_template_path() -> None:
    manifest = _as_template("Deployment", ("spec", "template"))
    manifest["spec"]["template"]["spec"].pop("hostNetwork")
    manifest["spec"]["template"]["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/web": "unconfined"}
    [(path, _)] = policy.check(manifest, "baseline")
    assert path == ("spec.template.metadata.annotations"
                    "[container.apparmor.security.beta.kubernetes.io/web]")


def test_kinds_without_pods_have_nothing_to_check() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},
                  "data": {"hostNetwork": "true"}}
    assert policy.check(config_map, "restricted") == []


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="privileged"):
        policy.check(restricted_pod(), "privileged")


_C1 = "spec.containers[1].securityContext"


@pytest.mark.parametrize(("broken", "restricted"), [
    ({"kind": "Pod", "spec": "not a map"}, set()),
    ({"kind": "Pod", "spec": {"containers": "web", "volumes": [None, 3]}},
     {"spec.volumes[0].unknown", "spec.volumes[1].unknown"}),
    # the only container-shaped entry has no usable securityContext: it must still prove itself
    ({"kind": "Pod", "spec": {"containers": [None, {"securityContext": ["x"]}]}},
     {f"{_C1}.allowPrivilegeEscalation", f"{_C1}.runAsNonRoot", f"{_C1}.seccompProfile.type",
      f"{_C1}.capabilities.drop"}),
    ({"kind": "Pod", "spec": {"securityContext": {"sysctls": "x", "seLinuxOptions": None}}}, set()),
    ({"kind": "Deployment", "spec": None}, set()),
    ({"kind": ["Pod"]}, set()),
])
def test_malformed_manifests_do_not_crash(broken: Manifest, restricted: set[str]) -> None:
    assert policy.check(broken, "baseline") == []
    assert {path for path, _ in policy.check(broken, "restricted")} == restricted


def test_check_does_not_modify_the_manifest() -> None:
    manifest = restricted_pod()
    _csc(manifest)["privileged"] = True
    before = copy.deepcopy(manifest)
    policy.check(manifest, "restricted")
    assert manifest == before
