"""The Linux capabilities an imported container keeps when kube-sentinel drops ALL.

A container the Pod does not restrict runs with the container runtime's default capability set
(containerd and CRI-O: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT). kube-sentinel renders
``capabilities: drop: [ALL]`` on every container, which is harmless for a non-root process but
breaks images that start as root and then switch user (nginx's workers, redis through gosu): they
need SETUID, SETGID, CHOWN, …. So a container imported under ``baseline`` that may run as root,
and did not drop ALL itself, gets the default set back in ``capabilities.add`` — the part the
baseline profile allows (``BASELINE_CAPABILITIES``, i.e. all of it but NET_RAW), less what it
dropped itself, after the capabilities it added. ``compare`` accepts these as what the container
already had, not as a change of behaviour.
"""

from __future__ import annotations

import copy
from typing import Any

from sentinel.spec.rules import BASELINE_CAPABILITIES

RUNTIME_DEFAULTS = tuple(sorted(BASELINE_CAPABILITIES))  # the part baseline allows
CONTAINER_LISTS = ("initContainers", "containers")


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def may_run_as_root(container: dict[str, Any], pod_context: dict[str, Any]) -> bool:
    """Whether nothing in the container's or the Pod's securityContext rules out root."""
    own = _map(container.get("securityContext"))
    uid = own["runAsUser"] if "runAsUser" in own else pod_context.get("runAsUser")
    if isinstance(uid, int) and not isinstance(uid, bool) and uid > 0:
        return False
    non_root = own["runAsNonRoot"] if "runAsNonRoot" in own else pod_context.get("runAsNonRoot")
    return non_root is not True


def kept_defaults(container: dict[str, Any], pod_context: dict[str, Any]) -> list[str]:
    """The runtime defaults ``container`` keeps through ``capabilities.add`` ([] for none)."""
    caps = _map(_map(container.get("securityContext")).get("capabilities"))
    dropped, added = _names(caps.get("drop")), _names(caps.get("add"))
    if "ALL" in dropped or not may_run_as_root(container, pod_context):
        return []
    return [cap for cap in RUNTIME_DEFAULTS if cap not in dropped and cap not in added]


def _containers(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every container of a Linux Pod's ``spec`` with its path (Windows has no capabilities)."""
    if _map(spec.get("os")).get("name") == "windows":
        return []
    out = []
    for kind in CONTAINER_LISTS:
        listed = spec.get(kind)
        for i, container in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(container, dict):
                out.append((f"spec.{kind}[{i}]", container))
    return out


def keepers(pod: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(container path, the defaults it keeps) for each container of ``pod`` that keeps some."""
    spec = _map(pod.get("spec"))
    context = _map(spec.get("securityContext"))
    out = []
    for path, container in _containers(spec):
        kept = kept_defaults(container, context)
        if kept:
            out.append((path, kept))
    return out


def with_runtime_defaults(pod: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``pod`` whose containers add the runtime defaults they keep, after their own."""
    pod = copy.deepcopy(pod)
    spec = _map(pod.get("spec"))
    context = _map(spec.get("securityContext"))
    for _, container in _containers(spec):
        kept = kept_defaults(container, context)
        if not kept:
            continue
        if not isinstance(container.get("securityContext"), dict):
            container["securityContext"] = {}
        own = container["securityContext"]
        if not isinstance(own.get("capabilities"), dict):
            own["capabilities"] = {}
        caps = own["capabilities"]
        caps["add"] = _names(caps.get("add")) + kept
    return pod
