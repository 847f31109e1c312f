"""Drop what the API server adds to a Pod and what only spells out a Kubernetes default.

``kubectl get pod -o yaml`` returns much more than anyone wrote: ``status``, bookkeeping in
``metadata`` (uid, resourceVersion, managedFields, …), the injected service-account token volume
``kube-api-access-*`` and its mounts, the node it runs on, and every defaulted field
(``terminationMessagePath: /dev/termination-log``, ``dnsPolicy: ClusterFirst``, ports'
``protocol: TCP``, …). None of it belongs in a spec. Server-only fields are dropped when the
input looks like server output (it has ``status`` or server metadata); a field whose value is
exactly the Kubernetes default is dropped from any input, since leaving it out changes nothing.
Every dropped field is returned by path, for the comment at the top of the spec.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation",
                   "ownerReferences", "selfLink", "deletionTimestamp",
                   "deletionGracePeriodSeconds")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
TOKEN_VOLUME_PREFIX = "kube-api-access-"

# Pod-level fields the API server fills in, with their default values.
POD_DEFAULTS: dict[str, Any] = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "enableServiceLinks": True,
    "terminationGracePeriodSeconds": 30,
    "securityContext": {},
}
# Pod-level fields only the server sets (only dropped from server output).
SERVER_POD: dict[str, Callable[[Any], bool]] = {
    "nodeName": lambda v: True,
    "serviceAccount": lambda v: True,  # deprecated copy of serviceAccountName
    "serviceAccountName": lambda v: v == "default",
    "preemptionPolicy": lambda v: v == "PreemptLowerPriority",
    "priority": lambda v: v == 0,
}
CONTAINER_DEFAULTS: dict[str, Any] = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "resources": {},
    "securityContext": {},
}
PROBE_DEFAULTS: dict[str, Any] = {
    "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3,
}
# The tolerations the DefaultTolerationSeconds admission plugin adds to every Pod.
DEFAULT_TOLERATION_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
CONTAINER_LISTS = ("initContainers", "containers")


def is_server_output(pod: dict[str, Any]) -> bool:
    """Whether ``pod`` was read back from a cluster (``kubectl get -o yaml``), not written."""
    meta = pod.get("metadata")
    return "status" in pod or (isinstance(meta, dict) and any(k in meta for k in SERVER_METADATA))


def default_pull_policy(image: Any) -> str | None:
    """The imagePullPolicy Kubernetes gives ``image``: Always for :latest or no tag."""
    if not isinstance(image, str):
        return None
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    return "Always" if tag in (None, "latest") else "IfNotPresent"


class _Dropper:
    def __init__(self) -> None:
        self.dropped: list[str] = []

    def drop(self, parent: dict[str, Any], key: str, path: str, why: str) -> None:
        del parent[key]
        self.dropped.append(f"{path} ({why})")

    def defaults(self, parent: dict[str, Any], defaults: dict[str, Any], prefix: str) -> None:
        for key, value in defaults.items():
            if key in parent and parent[key] == value and type(parent[key]) is type(value):
                self.drop(parent, key, f"{prefix}{key}", f"Kubernetes default {_show(value)}")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "{}" if value == {} else str(value)


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def clean(pod: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``pod`` without server-added and defaulted fields, and those fields' paths."""
    pod = copy.deepcopy(pod)
    out = _Dropper()
    server = is_server_output(pod)
    for key in [k for k in pod if k not in ("apiVersion", "kind", "metadata", "spec")]:
        out.drop(pod, key, key, "set by the server" if key == "status" else "not part of a Pod")
    meta = _dict(pod.get("metadata"))
    if meta is not None:
        for key in SERVER_METADATA:
            if key in meta:
                out.drop(meta, key, f"metadata.{key}", "set by the server")
        if server and "generateName" in meta and "name" in meta:
            out.drop(meta, "generateName", "metadata.generateName", "the Pod has its name")
        notes = _dict(meta.get("annotations"))
        if notes is not None and LAST_APPLIED in notes:
            del notes[LAST_APPLIED]
            out.dropped.append(f'metadata.annotations["{LAST_APPLIED}"] (written by kubectl)')
            if not notes:
                del meta["annotations"]
    spec = _dict(pod.get("spec"))
    if spec is None:
        return pod, out.dropped
    out.defaults(spec, POD_DEFAULTS, "spec.")
    if server:
        for key, is_server in SERVER_POD.items():
            if key in spec and is_server(spec[key]):
                out.drop(spec, key, f"spec.{key}", "set by the server")
        _drop_token_volume(spec, out)
        _drop_default_tolerations(spec, out)
    for kind in CONTAINER_LISTS:
        containers = spec.get(kind)
        if isinstance(containers, list):
            for i, container in enumerate(containers):
                if isinstance(container, dict):
                    _clean_container(container, f"spec.{kind}[{i}].", out)
    return pod, out.dropped


def _clean_container(container: dict[str, Any], prefix: str, out: _Dropper) -> None:
    out.defaults(container, CONTAINER_DEFAULTS, prefix)
    policy = default_pull_policy(container.get("image"))
    if policy is not None and container.get("imagePullPolicy") == policy:
        out.drop(container, "imagePullPolicy", f"{prefix}imagePullPolicy",
                 f"Kubernetes default {policy} for this image's tag")
    ports = container.get("ports")
    if isinstance(ports, list):
        for i, port in enumerate(ports):
            if isinstance(port, dict):
                out.defaults(port, {"protocol": "TCP"}, f"{prefix}ports[{i}].")
    mounts = container.get("volumeMounts")
    if isinstance(mounts, list):
        for i, mount in enumerate(mounts):
            if isinstance(mount, dict):
                out.defaults(mount, {"readOnly": False}, f"{prefix}volumeMounts[{i}].")
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = _dict(container.get(kind))
        if probe is None:
            continue
        out.defaults(probe, PROBE_DEFAULTS, f"{prefix}{kind}.")
        action = _dict(probe.get("httpGet"))
        if action is not None:
            out.defaults(action, {"scheme": "HTTP"}, f"{prefix}{kind}.httpGet.")


def _drop_token_volume(spec: dict[str, Any], out: _Dropper) -> None:
    """The projected service-account token volume the server injects, and its mounts."""
    volumes = spec.get("volumes")
    if not isinstance(volumes, list):
        return
    names = {v["name"] for v in volumes if isinstance(v, dict) and isinstance(v.get("name"), str)
             and v["name"].startswith(TOKEN_VOLUME_PREFIX) and "projected" in v}
    if not names:
        return
    kept = []
    for i, volume in enumerate(volumes):
        if isinstance(volume, dict) and volume.get("name") in names:
            out.dropped.append(f"spec.volumes[{i}] ({volume['name']}: injected service-account "
                               "token)")
        else:
            kept.append(volume)
    if kept:
        spec["volumes"] = kept
    else:
        del spec["volumes"]
    for kind in CONTAINER_LISTS:
        containers = spec.get(kind)
        for c, container in enumerate(containers if isinstance(containers, list) else []):
            mounts = container.get("volumeMounts") if isinstance(container, dict) else None
            if not isinstance(mounts, list):
                continue
            rest = [m for m in mounts if not (isinstance(m, dict) and m.get("name") in names)]
            for j, mount in enumerate(mounts):
                if mount not in rest:
                    out.dropped.append(f"spec.{kind}[{c}].volumeMounts[{j}] (mount of the "
                                       "injected token)")
            if rest:
                container["volumeMounts"] = rest
            else:
                del container["volumeMounts"]


def _drop_default_tolerations(spec: dict[str, Any], out: _Dropper) -> None:
    tolerations = spec.get("tolerations")
    if not isinstance(tolerations, list):
        return
    kept = []
    for i, tol in enumerate(tolerations):
        if (isinstance(tol, dict) and tol.get("key") in DEFAULT_TOLERATION_KEYS
                and tol.get("operator") == "Exists" and tol.get("effect") == "NoExecute"
                and tol.get("tolerationSeconds") == 300):
            out.dropped.append(f"spec.tolerations[{i}] ({tol['key']}: added by the server)")
        else:
            kept.append(tol)
    if kept:
        spec["tolerations"] = kept
    else:
        del spec["tolerations"]
