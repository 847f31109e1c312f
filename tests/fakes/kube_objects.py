"""Object rules of the loopback Kubernetes API: validation, patches, Status bodies, Tables.

Kept apart from the HTTP plumbing in ``kube_api.py`` so each half stays small. Everything here
mirrors what the real API server does closely enough that the real kubectl prints what it prints
against a cluster (see ``/work/shared/notes/kubectl-test-server.md``).
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from typing import Any

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# Strategic-merge keys of the Pod fields kubectl sends (from the Go struct tags of core/v1).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "ports": "containerPort",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
}

# Fields of a running Pod's spec the API server lets an update change.
MUTABLE_POD_FIELDS = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


class ApiError(Exception):
    """An API error to be answered as a ``Status`` body."""

    def __init__(self, code: int, reason: str, message: str, *, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        """The ``Status`` object the real API server would send."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


POD_MANIFEST = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
spec:
  containers:
  - name: main
    image: {image}
"""


def pod_manifest(name: str, ns: str = "default", image: str = "nginx:1.27") -> str:
    """A minimal valid Pod manifest, as the tests hand it to kubectl."""
    return POD_MANIFEST.format(name=name, ns=ns, image=image)


def not_found(resource: str, name: str) -> ApiError:
    """404 for a missing namespace or pod."""
    kind = "pods" if resource == "pods" else "namespaces"
    return ApiError(404, "NotFound", f'{kind} "{name}" not found',
                    details={"name": name, "kind": kind})


def forbidden(verb: str, namespace: str, name: str | None) -> ApiError:
    """403 as RBAC words it for an anonymous user."""
    what = f'pods "{name}" is forbidden' if name else "pods is forbidden"
    return ApiError(
        403, "Forbidden",
        f'{what}: User "system:anonymous" cannot {verb} resource "pods" in API group "" '
        f'in the namespace "{namespace}"',
        details={"name": name or "", "kind": "pods"},
    )


def conflict(name: str) -> ApiError:
    """409 for a stale resourceVersion."""
    return ApiError(
        409, "Conflict",
        f'Operation cannot be fulfilled on pods "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        details={"name": name, "kind": "pods"},
    )


def already_exists(name: str) -> ApiError:
    """409 for creating a Pod that exists."""
    return ApiError(409, "AlreadyExists", f'pods "{name}" already exists',
                    details={"name": name, "kind": "pods"})


def invalid(name: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 with ``(field, reason, message)`` causes, worded like the API server."""
    text = ", ".join(f"{field}: {message}" for field, _, message in causes)
    if len(causes) > 1:
        text = f"[{text}]"
    return ApiError(
        422, "Invalid", f'Pod "{name}" is invalid: {text}',
        details={
            "name": name,
            "kind": "Pod",
            "causes": [{"reason": r, "message": m, "field": f} for f, r, m in causes],
        },
    )


def now() -> str:
    """RFC 3339 UTC timestamp, seconds precision, as Kubernetes writes them."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def prune(value: Any) -> Any:
    """Drop ``null`` fields, as the API server does (``emptyDir: {}`` and the like stay)."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def validate_pod(obj: dict[str, Any], namespace: str) -> None:
    """Reject what admission would reject in the fields kubectl sends."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    if obj.get("kind") != "Pod":
        raise ApiError(400, "BadRequest", f"kind {obj.get('kind')!r} is not Pod")
    if meta.get("namespace") not in (None, namespace):
        raise ApiError(400, "BadRequest",
                       "the namespace of the provided object does not match the namespace "
                       "sent on the request")
    causes: list[tuple[str, str, str]] = []
    if not name:
        causes.append(("metadata.name", "FieldValueRequired",
                       "Required value: name or generateName is required"))
    elif len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        causes.append((
            "metadata.name", "FieldValueInvalid",
            (f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
            "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
        ))
    containers = (obj.get("spec") or {}).get("containers") or []
    if not containers:
        causes.append(("spec.containers", "FieldValueRequired", "Required value"))
    for index, container in enumerate(containers):
        cname = str(container.get("name") or "")
        if not DNS_LABEL.match(cname) or len(cname) > 63:
            causes.append((f"spec.containers[{index}].name", "FieldValueInvalid",
                           (f'Invalid value: "{cname}": a lowercase RFC 1123 label must consist '
                           "of lower case alphanumeric characters or '-'")))
        if not str(container.get("image") or "").strip():
            causes.append((f"spec.containers[{index}].image", "FieldValueRequired",
                           "Required value"))
    if causes:
        raise invalid(name, causes)


def check_pod_update(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Pods are mostly immutable: only images and a few scheduling fields may change."""

    def comparable(spec: dict[str, Any]) -> dict[str, Any]:
        spec = copy.deepcopy(spec)
        for field in MUTABLE_POD_FIELDS:
            spec.pop(field, None)
        for key in ("containers", "initContainers"):
            for container in spec.get(key) or []:
                container.pop("image", None)
        return spec

    if comparable(prune(old.get("spec") or {})) != comparable(prune(new.get("spec") or {})):
        name = str((new.get("metadata") or {}).get("name", ""))
        raise invalid(name, [(
            "spec", "FieldValueForbidden",
            ("Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
            "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
            "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
            "(allow it to be set to 1 if it was previously negative)"),
        )])


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def strategic_merge(original: Any, patch: Any) -> Any:
    """Strategic merge patch with the directives kubectl's three-way patches use."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    patch = dict(patch)
    if patch.pop("$patch", None) == "replace":
        return strategic_merge({}, patch)
    result: dict[str, Any] = copy.deepcopy(original) if isinstance(original, dict) else {}
    retain = patch.pop("$retainKeys", None)
    orders: dict[str, list[Any]] = {}
    for key in [k for k in patch if k.startswith("$")]:
        directive, _, field = key.partition("/")
        value = patch.pop(key)
        if directive == "$setElementOrder":
            orders[field] = value
        elif directive == "$deleteFromPrimitiveList":
            result[field] = [x for x in result.get(field, []) if x not in value]
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = strategic_merge(result.get(key), value)
        elif isinstance(value, list) and key in MERGE_KEYS:
            result[key] = _merge_list(result.get(key) or [], value, MERGE_KEYS[key])
        else:
            result[key] = copy.deepcopy(value)
    for field, order in orders.items():
        if field in result and field in MERGE_KEYS:
            result[field] = _reorder(result[field], order, MERGE_KEYS[field])
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(original: list[Any], patch: list[Any], key: str) -> list[Any]:
    out = [copy.deepcopy(x) for x in original]
    for item in patch:
        item = dict(item)
        directive = item.pop("$patch", None)
        index = next((i for i, x in enumerate(out) if x.get(key) == item.get(key)), None)
        if directive == "delete":
            if index is not None:
                out.pop(index)
        elif index is None:
            out.append(strategic_merge({}, item))
        else:
            out[index] = strategic_merge(out[index], item)
    return out


def _reorder(items: list[Any], order: list[Any], key: str) -> list[Any]:
    rank = {entry.get(key): n for n, entry in enumerate(order)}
    return sorted(items, key=lambda x: rank.get(x.get(key), len(rank)))


def pod_row(pod: dict[str, Any]) -> list[Any]:
    """NAME READY STATUS RESTARTS AGE cells of ``kubectl get pods``."""
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(int(s.get("restartCount", 0)) for s in statuses)
    shown = status.get("phase", "Pending")
    for s in statuses:
        waiting = (s.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            shown = waiting["reason"]
    return [pod["metadata"]["name"], f"{ready}/{total}", shown, restarts, "1m"]


def table(kind: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``meta.k8s.io/v1`` Table, which ``kubectl get`` asks for when printing columns."""
    if kind == "pods":
        names = ["Name", "Ready", "Status", "Restarts", "Age"]
        rows = [pod_row(o) for o in objects]
    else:
        names = ["Name", "Status", "Age"]
        rows = [[o["metadata"]["name"], "Active", "1m"] for o in objects]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": [
            {"name": n, "type": "integer" if n == "Restarts" else "string", "format": "",
             "description": n, "priority": 0}
            for n in names
        ],
        "rows": [
            {"cells": cells, "object": {
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"]}}
            for cells, obj in zip(rows, objects)
        ],
    }


def pod_status(pod: dict[str, Any], *, phase: str, ready: bool, restarts: int,
               reason: str | None, message: str | None) -> dict[str, Any]:
    """A Pod ``status`` as the kubelet would report it for one container."""
    containers = (pod.get("spec") or {}).get("containers") or [{"name": "main"}]
    if reason:
        state: dict[str, Any] = {"waiting": {"reason": reason, "message": message or ""}}
    elif phase == "Running":
        state = {"running": {"startedAt": now()}}
    elif phase in ("Succeeded", "Failed"):
        state = {"terminated": {"exitCode": 0 if phase == "Succeeded" else 1,
                                "reason": "Completed" if phase == "Succeeded" else "Error"}}
    else:
        state = {"waiting": {"reason": "ContainerCreating"}}
    flag = "True" if ready else "False"
    status: dict[str, Any] = prune({
        "phase": phase,
        "conditions": [{"type": "Ready", "status": flag}, {"type": "ContainersReady", "status": flag}],
        "containerStatuses": [
            {"name": c.get("name", "main"), "image": c.get("image", ""), "ready": ready,
             "restartCount": restarts, "state": state}
            for c in containers
        ],
        "message": message if phase == "Failed" else None,
    })
    return status
