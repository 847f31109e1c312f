"""Rules that compare several fields, written against raw (not yet validated) data.

Pydantic runs an "after" validator only when every field below it is valid, so a file with a
bad port number would hide its duplicate port name until the next run. These checks read the
raw input instead — dicts from YAML or JSON, or model instances — skip whatever is malformed
(the field's own error covers it), and are run by ``fields.checked`` whether or not the normal
validation succeeded, so both kinds of problem are reported together.

Each check returns ``Found`` entries: where (below the validated node), what, and which
top-level keys it relied on (``depends``), so the loader can drop a finding that rests on a key
the YAML layer already rejected.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from pydantic import BaseModel

from sentinel.spec.quantity import QuantityError, format_fraction, parse_quantity, quantity_text
from sentinel.spec.rules import (
    Violation,
    check_dns_label,
    check_port_name,
    resource_kind,
    shown,
)

Loc = tuple[str | int, ...]

# The recommended labels kube-sentinel always sets on a Pod: selectors, `doit status` and
# pruning find our Pods by them, so a spec may repeat them but never give them another value.
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGER = "kube-sentinel"
PROJECT_LABEL = "kube-sentinel.io/project"  # set from the ``project`` setting, never by a spec

# Keys of a resource list and of the probes map (parts.py builds its models from these).
RESOURCES = ("cpu", "memory", "ephemeral-storage")
PROBE_KINDS = ("liveness", "readiness", "startup")


class Found(NamedTuple):
    """One cross-field violation, located relative to the node being validated."""

    loc: Loc
    violation: Violation
    depends: tuple[str, ...] = ()


def get(obj: Any, key: str) -> Any:
    """``obj[key]`` for a mapping, the field with that spec key for a model, else None."""
    # Rules run on every node of every spec: plain dicts and models are checked before the
    # (much slower) abstract Mapping.
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, BaseModel):
        name = _field_names(type(obj)).get(key)
        return None if name is None else getattr(obj, name)
    if obj is None or isinstance(obj, str | int | float | list):  # a leaf: not a mapping
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return None


@functools.cache
def _field_names(model: type[BaseModel]) -> dict[str, str]:
    """A model's spec keys (aliases, else field names) → field names; the first one wins."""
    names: dict[str, str] = {}
    for name, info in model.model_fields.items():
        names.setdefault(info.alias or name, name)
    return names


def _items(raw: Any) -> list[Any]:
    if isinstance(raw, list | tuple):
        return list(raw)
    return list(raw) if isinstance(raw, Sequence) and not isinstance(raw, str) else []


def _is_map(raw: Any) -> bool:
    return isinstance(raw, dict | BaseModel | Mapping)  # checked in this order: dict first


def exactly_one(raw: Any, names: tuple[str, ...], what: str) -> list[Found]:
    """Exactly one of ``names`` is set (probe action, volume source, env reference)."""
    if not _is_map(raw):
        return []
    given = [n for n in names if get(raw, n) is not None]
    if len(given) == 1:
        return []
    found = ", ".join(given) if given else "none"
    return [
        Found(
            (),
            Violation(
                f"{what} needs exactly one of {', '.join(names)} (found: {found})",
                f"keep exactly one of {', '.join(names)}",
            ),
        )
    ]


def not_empty(raw: Any, names: tuple[str, ...], what: str) -> list[Found]:
    """At least one of ``names`` is set (YAML cannot write an empty map there, so data neither)."""
    if not _is_map(raw) or any(get(raw, n) is not None for n in names):
        return []
    listed = ", ".join(names)
    return [
        Found(
            (),
            Violation(
                f"{what} needs at least one of {listed}",
                f"add one of {listed}, or leave {what} out",
            ),
        )
    ]


def _duplicates(values: list[Any]) -> list[int]:
    seen: set[Any] = set()
    dups = []
    for i, value in enumerate(values):
        if value is not None and value in seen:
            dups.append(i)
        if value is not None:
            seen.add(value)
    return dups


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unique_names(items: list[Any], what: str) -> list[Found]:
    """A problem at each item whose ``name`` an earlier item already has."""
    names = [_text(get(item, "name")) for item in items]
    return [
        Found(
            (i, "name"),
            Violation(
                f"{what} name {shown(names[i] or '')} is used twice",
                f"give each {what} its own name",
            ),
        )
        for i in _duplicates(names)
    ]


def unique_ports(raw: Any) -> list[Found]:
    """Port names are unique, and so is each containerPort/protocol pair."""
    ports = _items(raw)
    out = _unique_names(ports, "port")
    pairs = [
        (n, _text(get(p, "protocol")) or "TCP") if (n := _int(get(p, "containerPort"))) else None
        for p in ports
    ]
    for i in _duplicates(pairs):
        number, protocol = pairs[i] or (0, "")
        out.append(
            Found(
                (i, "containerPort"),
                Violation(
                    f"containerPort {number}/{protocol} is listed twice",
                    "list each port and protocol once",
                ),
            )
        )
    return out


def unique_volumes(raw: Any) -> list[Found]:
    """Volume names and mount paths are unique."""
    volumes = _items(raw)
    out = _unique_names(volumes, "volume")
    paths = [_text(get(v, "mountPath")) for v in volumes]
    for i in _duplicates([(p.rstrip("/") or "/") if p else None for p in paths]):
        out.append(
            Found(
                (i, "mountPath"),
                Violation(
                    f"mountPath {shown(paths[i] or '')} is used by another volume",
                    "mount each volume at its own path",
                ),
            )
        )
    return out


def _quantity(raw: Any) -> Any:
    text = quantity_text(raw)
    try:
        value = parse_quantity(text) if text is not None else None
    except QuantityError:
        return None  # the field's own check reports it, as it does negative values
    return value if value is not None and value >= 0 else None


def _keys(obj: Any) -> list[str]:
    if isinstance(obj, Mapping):
        return [k for k in obj if isinstance(k, str)]
    if isinstance(obj, BaseModel):
        named = [info.alias or name for name, info in type(obj).model_fields.items()
                 if getattr(obj, name) is not None]
        return named + list(obj.model_extra or {})
    return []


def _amount_of(obj: Any, key: str) -> Any:
    if isinstance(obj, BaseModel) and key in (obj.model_extra or {}):
        return (obj.model_extra or {})[key]
    return get(obj, key)


def request_within_limit(raw: Any) -> list[Found]:
    """Each request is at most its limit, compared as exact numbers; extended resources and
    hugepages cannot be overcommitted: a request needs a limit, and the two are equal."""
    requests, limits = get(raw, "requests"), get(raw, "limits")
    keys = list(dict.fromkeys(_keys(requests) + _keys(limits)))
    out = []
    for key in keys:
        if key == "pids":
            continue  # a limit only (podResources); a pids request has its own error
        req, lim = _amount_of(requests, key), _amount_of(limits, key)
        req_v, lim_v = _quantity(req), _quantity(lim)
        if resource_kind(key) in ("extended", "hugepages"):
            out += _not_overcommitted(key, req, lim, req_v, lim_v)
        elif req_v is not None and lim_v is not None and req_v > lim_v:
            out.append(
                Found(
                    ("requests", key),
                    Violation(
                        f"request {req} ({format_fraction(req_v)}) is above the limit {lim} "
                        f"({format_fraction(lim_v)})",
                        f"lower the request or raise limits.{key} to at least {req}",
                    ),
                )
            )
    if any(k.startswith("hugepages-") for k in keys) and not any(
        _amount_of(part, k) is not None for part in (requests, limits) for k in ("cpu", "memory")
    ):
        first = next(k for k in keys if k.startswith("hugepages-"))
        where = "limits" if _amount_of(limits, first) is not None else "requests"
        out.append(Found((where, first), Violation(
            "hugepages need a cpu or memory request or limit",
            "add requests or limits for cpu or memory")))
    return out


def _not_overcommitted(key: str, req: Any, lim: Any, req_v: Any, lim_v: Any) -> list[Found]:
    if req_v is not None and lim is None:
        return [Found(("requests", key), Violation(
            f"{key} has a request but no limit; it cannot be overcommitted",
            f"set limits.{key}: {req} (or give only the limit)"))]
    if req_v is not None and lim_v is not None and req_v != lim_v:
        return [Found(("requests", key), Violation(
            f"request {req} of {key} differs from its limit {lim}; it cannot be overcommitted",
            f"make the request equal to the limit ({lim}), or leave the request out"))]
    return []


def success_threshold(raw: Any) -> list[Found]:
    """successThreshold is 1 for liveness and startup probes."""
    out = []
    for kind in ("liveness", "startup"):
        value = _int(get(get(raw, kind), "successThreshold"))
        if value is not None and value != 1:
            out.append(
                Found(
                    (kind, "successThreshold"),
                    Violation(
                        f"must be 1 for a {kind} probe", "set successThreshold: 1 or remove it"
                    ),
                )
            )
    return out


def probe_ports_exist(raw: Any) -> list[Found]:
    """A probe port given by name names a port under ``ports``."""
    names = {n for p in _items(get(raw, "ports")) if (n := _text(get(p, "name")))}
    probes = get(raw, "probes")
    out = []
    for kind in PROBE_KINDS:
        probe = get(probes, kind)
        for action in ("http", "tcp"):
            port = _text(get(get(probe, action), "port"))
            if port is not None and port not in names and check_port_name(port) is None:
                known = ", ".join(sorted(names)) or "none"
                out.append(
                    Found(
                        ("probes", kind, action, "port"),
                        Violation(
                            f"probe port {shown(port)} is not a named port (named ports: {known})",
                            f"add a port with name: {port} under ports, or use the port number",
                        ),
                        ("ports",),
                    )
                )
    return out


def no_root_when_restricted(raw: Any) -> list[Found]:
    """runAsUser 0 only under the baseline profile."""
    security = get(raw, "security")
    if _int(get(raw, "runAsUser")) == 0 and security in (None, "restricted"):
        return [
            Found(
                ("runAsUser",),
                Violation(
                    "0 (root) is not allowed under the restricted profile",
                    "use a non-zero UID, or set security: baseline",
                ),
                ("security",),
            )
        ]
    return []


def reserved_labels(raw: Any) -> list[Found]:
    """``labels`` may repeat, but not change, the name and managed-by labels we always set."""
    labels = get(raw, "labels")
    if not isinstance(labels, Mapping):
        return []
    name = _text(get(raw, "name"))
    if name is not None and check_dns_label(name) is not None:
        name = None  # the name's own error comes first; compare against a valid one only
    ours = {
        NAME_LABEL: (name, "the spec's name"),
        MANAGED_BY_LABEL: (MANAGER, ""),
    }
    out = []
    if PROJECT_LABEL in labels:
        out.append(Found(("labels", PROJECT_LABEL), Violation(
            "is set by kube-sentinel from the 'project' setting",
            f"remove {PROJECT_LABEL} from labels; set 'project' in sentinel.toml instead")))
    for key, (value, why) in ours.items():
        given = labels.get(key)
        if not isinstance(given, str) or value is None or given == value:
            continue
        origin = f" ({why})" if why else ""
        out.append(
            Found(
                ("labels", key),
                Violation(
                    f"{shown(given)} conflicts with the value kube-sentinel sets: "
                    f"{shown(value)}{origin}",
                    f"remove {key} from labels; kube-sentinel always sets it to {shown(value)}",
                ),
                ("name",) if key == NAME_LABEL else (),
            )
        )
    return out
