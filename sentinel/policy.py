"""Pod Security Standards checks (baseline, restricted) on plain manifest dicts.

The renderer runs ``check`` on every Pod it builds, so a bug in the renderer can never emit a Pod
that the cluster's pod-security admission would refuse or that breaks the project's promise of
"secure by default". The checks follow ``k8s.io/pod-security-admission/policy/check_*.go`` at
their current versions (see ``/work/shared/notes/kubernetes.md``) and work on any manifest that
carries a Pod template — Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
PodTemplate — not only on ours. Input is untrusted: wrong types are treated as "unset" rather
than crashing, because the shape of arbitrary YAML is the schema validator's business, not ours.

Each violation is ``(field path, reason)``; paths use Kubernetes' own notation, e.g.
``spec.containers[0].securityContext.allowPrivilegeEscalation``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Violation = tuple[str, str]

BASELINE = "baseline"
RESTRICTED = "restricted"
PROFILES: tuple[str, ...] = (BASELINE, RESTRICTED)

# check_capabilities_baseline.go
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
# check_capabilities_restricted.go
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})

# check_sysctls.go: the 1.0 set, plus ip_local_reserved_ports (1.27), the four TCP keepalive /
# fin_timeout knobs (1.29) and tcp_rmem/tcp_wmem (1.32) — all namespaced per Pod.
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
})

# check_restrictedVolumes.go (image volumes since Kubernetes 1.33)
RESTRICTED_VOLUME_TYPES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
    "projected", "secret",
})

# check_seLinuxOptions.go
SELINUX_TYPES = frozenset({
    "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t",
})
SECCOMP_RESTRICTED = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_TYPES = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

# Where each workload kind keeps its Pod template (metadata path, spec path).
_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Pod": (),
    "PodTemplate": ("template",),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def check(manifest: Mapping[str, Any], profile: str) -> list[Violation]:
    """Return every (field path, reason) by which ``manifest`` breaks ``profile``; [] if none."""
    if profile not in PROFILES:
        raise ValueError(f"unknown Pod Security profile {profile!r}; expected one of {PROFILES}")
    pod = _pod_template(manifest)
    if pod is None:
        return []  # a kind without a Pod template has nothing to check
    prefix, meta, spec = pod
    target = _Pod(prefix, meta, spec)
    found: list[Violation] = []
    checks = _BASELINE_CHECKS + (_RESTRICTED_CHECKS if profile == RESTRICTED else ())
    for rule in checks:
        if profile == RESTRICTED and rule in _OVERRIDDEN_BY_RESTRICTED:
            continue
        found.extend(rule(target))
    return found


class _Pod:
    """A Pod template located inside a manifest: where it is, its metadata and its spec."""

    def __init__(self, prefix: str, meta: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
        self.prefix = prefix  # "" for a Pod, "spec.template." for a Deployment, ...
        self.meta = meta
        self.spec = spec

    def path(self, rest: str) -> str:
        """Full field path of ``rest`` (relative to the Pod object)."""
        return self.prefix + rest

    @property
    def security_context(self) -> Mapping[str, Any]:
        """The Pod-level securityContext (empty when unset or malformed)."""
        return _map(self.spec.get("securityContext"))

    @property
    def is_windows(self) -> bool:
        """Pods declaring ``os.name: windows`` are exempt from the Linux-only restricted checks."""
        return _map(self.spec.get("os")).get("name") == "windows"

    def security_contexts(self) -> list[tuple[str, Mapping[str, Any]]]:
        """The Pod's securityContext, then every container's, each with its path."""
        contexts = [(self.path("spec.securityContext"), self.security_context)]
        contexts += [(f"{where}.securityContext", _sc(c)) for where, c in self.containers()]
        return contexts

    def containers(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Every container of every kind, with its path (``spec.initContainers[1]``)."""
        for kind in CONTAINER_LISTS:
            for index, container in enumerate(_list(self.spec.get(kind))):
                if isinstance(container, Mapping):
                    yield self.path(f"spec.{kind}[{index}]"), container


def _pod_template(manifest: Mapping[str, Any]) -> tuple[str, Mapping[str, Any], Mapping[str, Any]] | None:
    if not isinstance(manifest, Mapping):
        return None
    route = _TEMPLATES.get(str(manifest.get("kind", "")))
    if route is None:
        return None
    node: Any = manifest
    for key in route:
        node = _map(node).get(key)
    node = _map(node)
    prefix = "".join(f"{key}." for key in route)
    return prefix, _map(node.get("metadata")), _map(node.get("spec"))


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _sc(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return _map(container.get("securityContext"))


# --- baseline -------------------------------------------------------------------------------


def _host_namespaces(pod: _Pod) -> Iterator[Violation]:
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(field) is True:
            yield pod.path(f"spec.{field}"), "host namespaces are forbidden; must be unset or false"


def _privileged(pod: _Pod) -> Iterator[Violation]:
    for where, container in pod.containers():
        if _sc(container).get("privileged") is True:
            yield (f"{where}.securityContext.privileged",
                   "privileged containers are forbidden; must be unset or false")


def _capabilities_baseline(pod: _Pod) -> Iterator[Violation]:
    for where, container in pod.containers():
        added = _list(_map(_sc(container).get("capabilities")).get("add"))
        for index, cap in enumerate(added):
            if cap not in BASELINE_CAPABILITIES:
                yield (f"{where}.securityContext.capabilities.add[{index}]",
                       f"capability {cap!r} is not in the baseline set")


def _host_path_volumes(pod: _Pod) -> Iterator[Violation]:
    for index, volume in enumerate(_list(pod.spec.get("volumes"))):
        if _map(volume).get("hostPath") is not None:
            yield pod.path(f"spec.volumes[{index}].hostPath"), "hostPath volumes are forbidden"


def _host_ports(pod: _Pod) -> Iterator[Violation]:
    for where, container in pod.containers():
        for index, port in enumerate(_list(container.get("ports"))):
            if _map(port).get("hostPort") not in (None, 0):
                yield (f"{where}.ports[{index}].hostPort",
                       "hostPort is forbidden; must be unset or 0")


def _app_armor(pod: _Pod) -> Iterator[Violation]:
    for key, value in sorted(_map(pod.meta.get("annotations")).items()):
        allowed = value in ("", None, "runtime/default") or str(value).startswith("localhost/")
        if str(key).startswith(APPARMOR_ANNOTATION) and not allowed:
            yield (pod.path(f"metadata.annotations[{key}]"),
                   "AppArmor profile must be runtime/default or localhost/*")
    for where, context in pod.security_contexts():
        profile_type = _map(context.get("appArmorProfile")).get("type")
        if profile_type is not None and profile_type not in APPARMOR_TYPES:
            yield (f"{where}.appArmorProfile.type",
                   "AppArmor profile type must be RuntimeDefault or Localhost")


def _se_linux(pod: _Pod) -> Iterator[Violation]:
    for where, context in pod.security_contexts():
        options = _map(context.get("seLinuxOptions"))
        if (options.get("type") or "") not in SELINUX_TYPES:
            yield (f"{where}.seLinuxOptions.type",
                   "SELinux type must be unset or one of " + ", ".join(sorted(SELINUX_TYPES)[1:]))
        for field in ("user", "role"):
            if options.get(field) not in ("", None):
                yield f"{where}.seLinuxOptions.{field}", f"SELinux {field} must be unset"


def _proc_mount(pod: _Pod) -> Iterator[Violation]:
    for where, container in pod.containers():
        if _sc(container).get("procMount") not in (None, "Default"):
            yield (f"{where}.securityContext.procMount",
                   "procMount must be unset or Default")


def _seccomp_baseline(pod: _Pod) -> Iterator[Violation]:
    for where, context in pod.security_contexts():
        if _map(context.get("seccompProfile")).get("type") == "Unconfined":
            yield f"{where}.seccompProfile.type", "seccomp profile must not be Unconfined"


def _sysctls(pod: _Pod) -> Iterator[Violation]:
    for index, sysctl in enumerate(_list(pod.security_context.get("sysctls"))):
        name = _map(sysctl).get("name")
        if name not in SAFE_SYSCTLS:
            yield (pod.path(f"spec.securityContext.sysctls[{index}].name"),
                   f"sysctl {name!r} is not in the safe set")


def _windows_host_process(pod: _Pod) -> Iterator[Violation]:
    for where, context in pod.security_contexts():
        if _map(context.get("windowsOptions")).get("hostProcess") is True:
            yield (f"{where}.windowsOptions.hostProcess",
                   "Windows HostProcess containers are forbidden")


def _probe_and_lifecycle_hosts(pod: _Pod) -> Iterator[Violation]:
    for where, container in pod.containers():
        handlers = [(probe, _map(container.get(probe))) for probe in PROBES]
        lifecycle = _map(container.get("lifecycle"))
        handlers += [(f"lifecycle.{hook}", _map(lifecycle.get(hook)))
                     for hook in ("postStart", "preStop")]
        for name, handler in handlers:
            for action in ("httpGet", "tcpSocket"):
                if _map(handler.get(action)).get("host") not in (None, ""):
                    yield (f"{where}.{name}.{action}.host",
                           "probes and lifecycle handlers may not target another host")


# --- restricted -----------------------------------------------------------------------------


def _restricted_volumes(pod: _Pod) -> Iterator[Violation]:
    for index, volume in enumerate(_list(pod.spec.get("volumes"))):
        sources = [key for key in _map(volume) if key != "name"]
        if any(key in RESTRICTED_VOLUME_TYPES for key in sources):
            continue
        kind = sources[0] if sources else "unknown"
        yield (pod.path(f"spec.volumes[{index}].{kind}"),
               f"volume type {kind!r} is not allowed; use one of "
               + ", ".join(sorted(RESTRICTED_VOLUME_TYPES)))


def _allow_privilege_escalation(pod: _Pod) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for where, container in pod.containers():
        if _sc(container).get("allowPrivilegeEscalation") is not False:
            yield (f"{where}.securityContext.allowPrivilegeEscalation",
                   "must be set to false")


def _run_as_non_root(pod: _Pod) -> Iterator[Violation]:
    pod_level = pod.security_context.get("runAsNonRoot")
    if pod_level is False:
        yield pod.path("spec.securityContext.runAsNonRoot"), "must be true, not false"
    for where, container in pod.containers():
        value = _sc(container).get("runAsNonRoot")
        if value is False:
            yield f"{where}.securityContext.runAsNonRoot", "must be true, not false"
        elif value is None and pod_level is not True:
            yield (f"{where}.securityContext.runAsNonRoot",
                   "must be true here or in spec.securityContext.runAsNonRoot")


def _run_as_user(pod: _Pod) -> Iterator[Violation]:
    if pod.security_context.get("runAsUser") == 0:
        yield pod.path("spec.securityContext.runAsUser"), "must not be 0 (root)"
    for where, container in pod.containers():
        if _sc(container).get("runAsUser") == 0:
            yield f"{where}.securityContext.runAsUser", "must not be 0 (root)"


def _seccomp_restricted(pod: _Pod) -> Iterator[Violation]:
    if pod.is_windows:
        yield from _seccomp_baseline(pod)
        return
    pod_type = _map(pod.security_context.get("seccompProfile")).get("type")
    if pod_type is not None and pod_type not in SECCOMP_RESTRICTED:
        yield (pod.path("spec.securityContext.seccompProfile.type"),
               "must be RuntimeDefault or Localhost")
    for where, container in pod.containers():
        own = _map(_sc(container).get("seccompProfile")).get("type")
        if own is not None and own not in SECCOMP_RESTRICTED:
            yield f"{where}.securityContext.seccompProfile.type", "must be RuntimeDefault or Localhost"
        elif own is None and pod_type is None:
            yield (f"{where}.securityContext.seccompProfile.type",
                   "must be RuntimeDefault or Localhost here or in spec.securityContext")


def _capabilities_restricted(pod: _Pod) -> Iterator[Violation]:
    if pod.is_windows:
        yield from _capabilities_baseline(pod)
        return
    for where, container in pod.containers():
        caps = _map(_sc(container).get("capabilities"))
        if "ALL" not in _list(caps.get("drop")):
            yield f"{where}.securityContext.capabilities.drop", "must include ALL"
        for index, cap in enumerate(_list(caps.get("add"))):
            if cap not in RESTRICTED_CAPABILITIES:
                yield (f"{where}.securityContext.capabilities.add[{index}]",
                       f"capability {cap!r} may not be added; only NET_BIND_SERVICE")


_Check = Callable[[_Pod], Iterator[Violation]]

_BASELINE_CHECKS: tuple[_Check, ...] = (
    _host_namespaces, _privileged, _capabilities_baseline, _host_path_volumes, _host_ports,
    _app_armor, _se_linux, _proc_mount, _seccomp_baseline, _sysctls, _windows_host_process,
    _probe_and_lifecycle_hosts,
)
_RESTRICTED_CHECKS: tuple[_Check, ...] = (
    _restricted_volumes, _allow_privilege_escalation, _run_as_non_root, _run_as_user,
    _seccomp_restricted, _capabilities_restricted,
)
# As in pod-security-admission: the stricter check replaces the baseline one (no double reports).
# Windows Pods, exempt from the restricted seccomp/capability rules, still get the baseline ones.
_OVERRIDDEN_BY_RESTRICTED = frozenset({_host_path_volumes, _capabilities_baseline, _seccomp_baseline})
