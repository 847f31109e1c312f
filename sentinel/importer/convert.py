"""Map a cleaned Pod onto spec data: Kubernetes field names in, spec keys out.

The first regular container is the spec's main container, whose fields are the spec's top-level
keys (``image``, ``env``, ``probes``, …); the Pod's volumes join their first mount in the main
container as the spec's ``volumes`` entries, and its further mounts (a volume mounted again) are
the spec's ``volumeMounts``. Further containers, init containers and sidecars go
to their own keys when the spec has them (a spec renders its init containers before its
sidecars: ``compare`` reports an input that lists a sidecar first). Under ``baseline``, a
container that may run as root keeps the runtime's default capabilities (``capabilities``). An
env var with a name and no value is the empty string, as in Kubernetes. Everything else is
copied to the spec key of the same name, fitted to the spec's model (``fit``), when one exists.

Nothing here decides what is lost: what the spec cannot hold is simply not copied, and
``compare`` finds it missing from the rendered Pod.
"""

from __future__ import annotations

import functools
from typing import Any

from sentinel.importer.capabilities import with_runtime_defaults
from sentinel.importer.fit import field_keys, fit, item_annotation
from sentinel.spec import MANAGED_BY_LABEL, MANAGER, NAME_LABEL
from sentinel.spec.model import PodSpec, Volume

PROBES = {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}
PROBE_ACTIONS = {"httpGet": "http", "tcpSocket": "tcp", "exec": "exec", "grpc": "grpc"}
# Pod fields the converter maps itself; `resources` is the main container's key in a spec: the
# Pod-level resources of Kubernetes 1.32+ are the spec's `podResources`.
POD_HANDLED = frozenset({"containers", "initContainers", "volumes", "securityContext",
                         "resources"})
POD_CONTEXT_KEYS = ("runAsUser", "runAsGroup", "fsGroup", "supplementalGroups",
                    "supplementalGroupsPolicy", "appArmorProfile")
CONTAINER_CONTEXT_KEYS = ("readOnlyRootFilesystem",)


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@functools.cache
def _fields() -> dict[str, str]:
    return field_keys(PodSpec)


def _annotation(key: str) -> Any:
    return PodSpec.model_fields[_fields()[key]].annotation


def _env(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        if "valueFrom" in item:
            out[item["name"]] = item["valueFrom"]
        elif "value" in item:
            out[item["name"]] = item["value"]
        else:  # a name alone: Kubernetes sets the variable to the empty string
            out[item["name"]] = ""
    return out


def _probe(probe: Any) -> Any:
    if not isinstance(probe, dict):
        return probe
    return {PROBE_ACTIONS.get(key, key): value for key, value in probe.items()}


def _quantities(resources: Any) -> Any:
    # `cpu: 1` or `memory: 1e9` are numbers in YAML; a spec writes every quantity as text.
    if not isinstance(resources, dict):
        return resources
    return {part: ({k: (str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)
                    for k, v in amounts.items()} if isinstance(amounts, dict) else amounts)
            for part, amounts in resources.items()}


def container_keys(container: dict[str, Any]) -> dict[str, Any]:
    """A Kubernetes container in spec spelling (env map, ``probes``), not yet fitted."""
    out: dict[str, Any] = {k: v for k, v in container.items() if k not in PROBES}
    if "env" in container:
        out["env"] = _env(container["env"])
    if "resources" in container:
        out["resources"] = _quantities(container["resources"])
    probes = {PROBES[k]: _probe(v) for k, v in container.items() if k in PROBES}
    if probes:
        out["probes"] = probes
    return out


def _main(container: dict[str, Any], pod_name: str, fields: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    keys = container_keys(container)
    if "containerName" in fields and keys.get("name") != pod_name:
        data["containerName"] = keys.get("name")
    for key, value in keys.items():
        if key in fields and key not in ("name", "volumeMounts", "securityContext"):
            data[key] = fit(value, _annotation(key))
    context = container.get("securityContext")
    if isinstance(context, dict):
        if "securityContext" in fields:
            fitted = fit(context, _annotation("securityContext"))
            if fitted:  # e.g. only allowPrivilegeEscalation: false, which every Pod gets
                data["securityContext"] = fitted
        else:
            for key in CONTAINER_CONTEXT_KEYS:
                if key in context and key in fields:
                    data[key] = context[key]
    return data


def _volumes(volumes: Any, mounts: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """The spec's volume entries, each Pod volume with its mount in the main container where
    the order allows; and the main container's other mounts, for ``volumeMounts``.

    A spec renders the volumes' own mounts first (in volume order), then ``volumeMounts``. So
    only the leading run of mounts that name distinct volumes in volume order becomes the
    volumes' ``mountPath``; every later mount stays in ``volumeMounts``, in its place. The
    rendered container then lists its mounts exactly as the input did (server-side apply keys
    them by path, and a reordered list would make a live Pod look changed).
    """
    if not isinstance(volumes, list):
        return [], []
    mounts = [m for m in mounts if isinstance(m, dict)] if isinstance(mounts, list) else []
    mount_optional = not Volume.model_fields["mountPath"].is_required()
    index = {v.get("name"): n for n, v in enumerate(volumes) if isinstance(v, dict)}
    lead: dict[Any, int] = {}  # volume name -> its mount's index, for the leading run
    last = -1
    for i, mount in enumerate(mounts):
        at = index.get(mount.get("name"))
        if at is None or at <= last or mount.get("name") in lead:
            break
        lead[mount.get("name")] = i
        last = at
    out = []
    for volume in volumes:
        if not isinstance(volume, dict):
            continue
        entry = fit(volume, Volume)
        if volume.get("name") in lead:
            mount = mounts[lead[volume.get("name")]]
            for key in ("mountPath", "readOnly", "subPath"):
                if key in mount:
                    entry[key] = mount[key]
        elif not mount_optional:
            continue  # not mounted by the main container: compare reports it lost
        out.append(entry)
    taken = set(lead.values())
    again = [m for i, m in enumerate(mounts) if i not in taken]
    if again and "volumeMounts" in _fields():
        return out, fit(again, _annotation("volumeMounts"))
    return out, []


def _entries(containers: list[Any], key: str, fields: dict[str, str]) -> None | list[Any]:
    if key not in fields or not containers:
        return None
    return [fit(container_keys(c), _item(key)) for c in containers if isinstance(c, dict)]


def _item(key: str) -> Any:
    return item_annotation(_annotation(key))


def to_spec_data(pod: dict[str, Any], profile: str) -> dict[str, Any]:
    """Spec data (not yet validated) for the cleaned Pod ``pod`` under ``profile``."""
    if profile != "restricted":  # containers that may run as root keep the runtime's defaults
        pod = with_runtime_defaults(pod)
    fields = _fields()
    meta = _map(pod.get("metadata"))
    spec = _map(pod.get("spec"))
    name = meta.get("name")
    data: dict[str, Any] = {"name": name}
    for key in ("namespace", "labels", "annotations"):
        if key in meta:
            data[key] = meta[key]
    if data.get("namespace") == "default":
        del data["namespace"]  # the spec's default; the manifest spells it out anyway
    labels = data.get("labels")
    if isinstance(labels, dict):
        # The labels kube-sentinel sets itself, with the values it sets (a Pod it rendered, read
        # back from the cluster): the spec leaves them to the renderer.
        ours = {NAME_LABEL: name, MANAGED_BY_LABEL: MANAGER}
        kept = {k: v for k, v in labels.items() if not (k in ours and ours[k] == v)}
        if kept:
            data["labels"] = kept
        else:
            del data["labels"]
    containers = spec["containers"] if isinstance(spec.get("containers"), list) else []
    main = containers[0] if containers and isinstance(containers[0], dict) else {}
    data.update(_main(main, str(name), fields))
    volumes, again = _volumes(spec.get("volumes"), main.get("volumeMounts"))
    if volumes:
        data["volumes"] = volumes
    if again:
        data["volumeMounts"] = again
    for key, value in spec.items():
        if key in fields and key not in POD_HANDLED and key not in data:
            data[key] = fit(value, _annotation(key))
    if "resources" in spec and "podResources" in fields:
        data["podResources"] = fit(_quantities(spec["resources"]), _annotation("podResources"))
    context = spec.get("securityContext")
    if isinstance(context, dict):
        for key in POD_CONTEXT_KEYS:
            if key in context and key in fields:
                data[key] = context[key]
    extra = _entries(containers[1:], "containers", fields)
    if extra:
        data["containers"] = extra
    listed = spec.get("initContainers")
    inits = [c for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
    sidecars = [c for c in inits if c.get("restartPolicy") == "Always"]
    if sidecars and "sidecars" in fields:
        inits = [c for c in inits if c.get("restartPolicy") != "Always"]
        data["sidecars"] = _entries(
            [{k: v for k, v in c.items() if k != "restartPolicy"} for c in sidecars],
            "sidecars", fields)
    if inits:
        found = _entries(inits, "initContainers", fields)
        if found:
            data["initContainers"] = found
    if profile != "restricted":
        data["security"] = profile
    return data
