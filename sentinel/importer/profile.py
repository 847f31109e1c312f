"""Choose the Pod Security profile an imported Pod keeps: ``restricted`` only if it already could.

kube-sentinel hardens every Pod it renders (no privilege escalation, every capability dropped,
the RuntimeDefault seccomp profile, and under ``restricted`` ``runAsNonRoot: true``). The last
one changes what a Pod does if its image runs as root, so an import keeps ``restricted`` only for
Pods that already show they run as non-root (``runAsNonRoot: true`` or a non-zero ``runAsUser``)
and ask for nothing else the profile forbids; any other Pod imports as ``security: baseline``
with the reasons named, which is how it runs today.

The profile is decided from what the spec holds: a field the import cannot express (``hostNetwork``,
a ``privileged`` container, listed as lost) is not in the spec, so ``without`` takes it out of
the Pod before the profile is chosen again, and it keeps no Pod from ``restricted``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from sentinel import policy


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _hardened(pod: dict[str, Any]) -> dict[str, Any]:
    """``pod`` with the hardening kube-sentinel applies under both profiles, where it is unset."""
    pod = copy.deepcopy(pod)
    spec = _map(pod.get("spec"))
    context = spec.setdefault("securityContext", {})
    if isinstance(context, dict):
        context.setdefault("seccompProfile", {"type": "RuntimeDefault"})
        _non_root_by_uid(context)
    for kind in ("initContainers", "containers"):
        containers = spec.get(kind)
        for container in containers if isinstance(containers, list) else []:
            if not isinstance(container, dict):
                continue
            sc = container.setdefault("securityContext", {})
            if not isinstance(sc, dict):
                continue
            sc.setdefault("allowPrivilegeEscalation", False)
            _non_root_by_uid(sc)
            caps = sc.setdefault("capabilities", {})
            if isinstance(caps, dict):  # the renderer drops ALL whatever else is dropped
                drop: list[Any] = caps["drop"] if isinstance(caps.get("drop"), list) else []
                if "ALL" not in drop:
                    caps["drop"] = [*drop, "ALL"]
    return pod


def _non_root_by_uid(context: dict[str, Any]) -> None:
    # A non-zero runAsUser is evidence enough: with it, runAsNonRoot: true changes nothing.
    uid = context.get("runAsUser")
    if isinstance(uid, int) and not isinstance(uid, bool) and uid > 0:
        context.setdefault("runAsNonRoot", True)


def _image(pod: dict[str, Any], path: str) -> str:
    # path is like spec.containers[0].securityContext.runAsNonRoot
    head = path.split(".securityContext", 1)[0]
    try:
        kind, index = head.removeprefix("spec.").rstrip("]").split("[")
        image = pod["spec"][kind][int(index)].get("image")
    except (KeyError, ValueError, IndexError, TypeError, AttributeError):
        return ""
    return f" (image {image})" if isinstance(image, str) else ""


def choose_profile(pod: dict[str, Any]) -> tuple[str, list[str]]:
    """``restricted`` if the hardened Pod passes it as written, else ``baseline`` and why not."""
    reasons: list[str] = []
    for path, reason in policy.check(_hardened(pod), policy.RESTRICTED):
        if path.endswith("runAsNonRoot"):
            reasons.append(f"{path.split('.securityContext')[0]}: no evidence it runs as non-root"
                           f"{_image(pod, path)}: set runAsNonRoot: true or a non-zero "
                           "runAsUser to import it as restricted")
        else:
            reasons.append(f"{path}: {reason}")
    return (policy.BASELINE, reasons) if reasons else (policy.RESTRICTED, [])


_STEP = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]*)"\]')
# What the restricted profile renders itself: lost under baseline only because baseline does not.
_RESTRICTED_RENDERS = {"spec.securityContext.runAsNonRoot": True}


def _steps(path: str) -> list[str | int] | None:
    steps: list[str | int] = []
    at = 0
    while at < len(path):
        m = _STEP.match(path, at)
        if m is None:
            return None
        key, index, quoted = m.groups()
        steps.append(int(index) if index is not None else key if key is not None else quoted)
        at = m.end()
    return steps


def without(pod: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """A copy of ``pod`` without the fields at ``paths`` (the import's notation); a list item
    becomes None, so the paths of the items after it stay the same."""
    pod = copy.deepcopy(pod)
    for path in paths:
        steps = _steps(path)
        if not steps:
            continue
        node: Any = pod
        for step in steps[:-1]:
            node = node[step] if _has(node, step) else None
        last = steps[-1]
        if not _has(node, last):
            continue
        if isinstance(node, list) and isinstance(last, int):
            node[last] = None
        elif not (path in _RESTRICTED_RENDERS and node[last] == _RESTRICTED_RENDERS[path]):
            del node[last]  # (what restricted renders itself is kept for it)
    return pod


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and step < len(node)
