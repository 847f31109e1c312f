"""Which fields of a Pod differ between a manifest and the live object, and which of them a Pod
cannot change in place.

The API server decides whether an update is allowed (a 422 "pod updates may not change fields
other than ..." is the verdict); this module only names the fields for people: the recreate
line of a plan says ``env, ports`` rather than quoting the server's list of what *may* change.
A manifest is compared with the live Pod as a subset — the server adds defaults
(``imagePullPolicy``, ``protocol: TCP`` …) that the manifest never sets — and keys the renderer
can write are also compared the other way, so removing ``env`` from a spec is named too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What a Pod can change in place (Kubernetes' list): containers' and init containers' image,
# activeDeadlineSeconds, additions to tolerations, terminationGracePeriodSeconds.
MUTABLE_CONTAINER = frozenset({"image"})
MUTABLE_POD = frozenset({"activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"})
# Keys the API server fills in on every Pod: absent from a manifest, they are no change.
DEFAULTED_CONTAINER = frozenset({"terminationMessagePath", "terminationMessagePolicy",
                                 "imagePullPolicy", "resources"})
DEFAULTED_POD = frozenset({"dnsPolicy", "enableServiceLinks", "nodeName", "preemptionPolicy",
                           "priority", "restartPolicy", "schedulerName", "serviceAccount",
                           "serviceAccountName", "terminationGracePeriodSeconds", "tolerations",
                           "securityContext"})
CONTAINER_LISTS = ("initContainers", "containers")


def covers(wanted: Any, live: Any) -> bool:
    """True if ``live`` holds everything ``wanted`` says (extra keys in ``live`` allowed)."""
    if isinstance(wanted, Mapping):
        return isinstance(live, Mapping) and all(k in live and covers(v, live[k])
                                                  for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(live, list) and len(wanted) == len(live) and all(
            covers(w, v) for w, v in zip(wanted, live))
    return bool(wanted == live)


def _keys_changed(wanted: Mapping[str, Any], live: Mapping[str, Any],
                  defaulted: frozenset[str]) -> list[str]:
    changed = [k for k, v in wanted.items() if not covers(v, live.get(k))]
    changed += [k for k in live if k not in wanted and k not in defaulted]
    return changed


def changed_fields(manifest: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """Names of the Pod-spec fields that differ (container fields by their own name), in order."""
    want_spec = manifest.get("spec") or {}
    live_spec = live.get("spec") or {}
    names: list[str] = []
    for key in CONTAINER_LISTS:
        wanted = {c.get("name"): c for c in want_spec.get(key) or []}
        have = {c.get("name"): c for c in live_spec.get(key) or []}
        if set(wanted) != set(have):
            names.append(key)
            continue
        for name, container in wanted.items():
            names += _keys_changed(container, have[name], DEFAULTED_CONTAINER)
    pod_want = {k: v for k, v in want_spec.items() if k not in CONTAINER_LISTS}
    pod_live = {k: v for k, v in live_spec.items() if k not in CONTAINER_LISTS}
    names += _keys_changed(pod_want, pod_live, DEFAULTED_POD)
    return list(dict.fromkeys(names))


def forcing_recreate(manifest: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """The changed fields a Pod cannot take in place (what makes an update a recreate)."""
    return [f for f in changed_fields(manifest, live)
            if f not in MUTABLE_CONTAINER and f not in MUTABLE_POD]


IGNORED_METADATA = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp",
                    "selfLink")


def comparable(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object without what the server changes on every write (status, versions, ownership)."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in IGNORED_METADATA}
    return {"metadata": meta, "spec": obj.get("spec") or {}}


def update_fields(stored: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
    """What an in-place update changes: ``labels``/``annotations`` and the Pod-spec fields."""
    a, b = comparable(stored), comparable(live)
    names = [k for k in ("labels", "annotations")
             if (a["metadata"].get(k) or {}) != (b["metadata"].get(k) or {})]
    if a["spec"] != b["spec"]:
        spec_names = changed_fields({"spec": a["spec"]}, {"spec": b["spec"]})
        names += spec_names or ["spec"]
    others = {k for k in set(a["metadata"]) | set(b["metadata"])
              if k not in ("labels", "annotations") and a["metadata"].get(k) != b["metadata"].get(k)}
    names += sorted(others)
    return names
