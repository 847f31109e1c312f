"""Pod-level ``podResources`` against the containers' own resources (Kubernetes 1.32+ rules).

The Pod's requests are a budget the containers share: the containers' effective requests (the
regular containers and sidecars together, or the largest init container, whichever is more; in
a spec every plain init container runs before the sidecars start) may not exceed the Pod's
request, and no container's limit may be above the Pod's limit. Located from the spec's root.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sentinel.spec.crossfield import Found, _amount_of, _keys, _quantity, get
from sentinel.spec.podrules import containers, main_name
from sentinel.spec.quantity import format_fraction, quantity_text
from sentinel.spec.rules import Violation, resource_kind, shown

_KINDS = ("requests", "limits")


def _amounts(container: Any, kind: str) -> dict[str, tuple[Fraction, str]]:
    """Each parsable amount of ``kind`` with the text it was written as."""
    listed = get(get(container, "resources"), kind)
    out = {}
    for key in _keys(listed):
        raw = _amount_of(listed, key)
        value, text = _quantity(raw), quantity_text(raw)
        if value is not None and text is not None:
            out[key] = (value, text)
    return out


def _name(loc: tuple[Any, ...], container: Any, raw: Any) -> str:
    name = main_name(raw) if not loc else get(container, "name")
    return shown(name) if isinstance(name, str) else "?"


def pod_budget(raw: Any) -> list[Found]:
    """The containers' requests fit the Pod's requests; their limits are within the Pod's."""
    budget = get(raw, "podResources")
    if budget is None:
        return []
    out: list[Found] = []
    pod_requests = _amounts({"resources": budget}, "requests")
    pod_limits = _amounts({"resources": budget}, "limits")
    running: dict[str, Fraction] = {}
    largest_init: dict[str, Fraction] = {}
    for loc, container in containers(raw):
        amounts = _amounts(container, "requests")
        target = largest_init if loc[:1] == ("initContainers",) else running
        for key, (value, _) in amounts.items():
            target[key] = max(target.get(key, Fraction(0)), value) if target is largest_init \
                else target.get(key, Fraction(0)) + value
        for key, (value, text) in _amounts(container, "limits").items():
            if resource_kind(key) is None:
                continue  # not a container resource (pids, a typo): reported on its own
            limit = pod_limits.get(key)
            if limit is not None and value > limit[0]:
                out.append(Found((*loc, "resources", "limits", key), Violation(
                    f"container {_name(loc, container, raw)}: {key} limit {shown(text)} is "
                    f"above the Pod's limit {shown(limit[1])}",
                    f"lower it to at most podResources.limits.{key}")))
    for key, (cap, text) in pod_requests.items():
        need = max(running.get(key, Fraction(0)), largest_init.get(key, Fraction(0)))
        if need > cap:
            out.append(Found(("podResources", "requests", key), Violation(
                f"the containers request {format_fraction(need)} of {key} in all, more than "
                f"the Pod's request {shown(text)}",
                f"raise podResources.requests.{key} or lower the containers' requests")))
    return out
