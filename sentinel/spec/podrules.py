"""Rules across the containers of a Pod, written against raw data like ``crossfield.py``.

A spec's main container is its top level; ``containers``, ``initContainers`` and ``sidecars``
hold the others. Names must be unique across all of them, and ports across the Pod; a probe's or
hook's named port must be its own container's; mounts must name a volume of the Pod; capabilities
and users must suit the Pod Security profile (``security``); a lifecycle ``sleep`` must end within
the grace period; an emptyDir of huge pages needs its page size requested. Each check returns
``Found`` entries located from the spec's root.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

from sentinel.spec.crossfield import Found, Loc, _keys, get, probe_ports_exist
from sentinel.spec.quantity import QuantityError, parse_quantity, quantity_text
from sentinel.spec.rules import (
    BASELINE_CAPABILITIES,
    PAGE_SIZE,
    RESTRICTED_CAPABILITIES,
    Violation,
    check_capability,
    check_port_name,
    resource_kind,
    shown,
)

CONTAINER_LISTS = ("containers", "initContainers", "sidecars")
DEFAULT_GRACE_SECONDS = 30
_CPU_DIVISORS = ("1m", "1")
_BYTE_DIVISORS = ("1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi",
                  "1Ei")
_HUGE_MEDIUM = re.compile(rf"HugePages(?:-({PAGE_SIZE}))?")  # a misspelling has its own error


def _items(raw: Any) -> list[Any]:
    if isinstance(raw, list | tuple):  # the usual case, before the slower abstract Sequence
        return list(raw)
    return list(raw) if isinstance(raw, Sequence) and not isinstance(raw, str) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def main_name(raw: Any) -> str | None:
    """The main container's name: ``containerName``, else the Pod's ``name``."""
    return _text(get(raw, "containerName")) or _text(get(raw, "name"))


def containers(raw: Any) -> Iterator[tuple[Loc, Any]]:
    """Every container of a spec with where it is: the main one (``()``) first, then the lists."""
    yield (), raw
    for kind in CONTAINER_LISTS:
        for i, entry in enumerate(_items(get(raw, kind))):
            if isinstance(entry, dict | Mapping) or hasattr(entry, "model_fields"):
                yield (kind, i), entry


def _label(loc: Loc, name: str | None) -> str:
    return f"container {shown(name)}" if name else "the main container" if not loc else "another"


def unique_container_names(raw: Any) -> list[Found]:
    """Container names are unique across the main container and every list."""
    seen: dict[str, Loc] = {}
    out = []
    for loc, entry in containers(raw):
        name = main_name(raw) if not loc else _text(get(entry, "name"))
        if name is None:
            continue
        if name in seen and loc:
            first = "the main container" if not seen[name] else f"{seen[name][0]}[{seen[name][1]}]"
            hint = ("set containerName to rename the main container, or give this one another name"
                    if not seen[name] else "give each container its own name")
            out.append(Found((*loc, "name"), Violation(
                f"container name {shown(name)} is already used by {first}", hint),
                ("name", "containerName")))
        seen.setdefault(name, loc)
    return out


def unique_pod_ports(raw: Any) -> list[Found]:
    """A port number/protocol and a port name are used by one container of the Pod only."""
    numbers: dict[tuple[int, str], tuple[Loc, str | None]] = {}
    names: dict[str, tuple[Loc, str | None]] = {}
    out = []
    for loc, entry in containers(raw):
        who = main_name(raw) if not loc else _text(get(entry, "name"))
        for j, port in enumerate(_items(get(entry, "ports"))):
            number = _int(get(port, "containerPort"))
            pair = (number, _text(get(port, "protocol")) or "TCP") if number else None
            if pair is not None:
                owner = numbers.setdefault(pair, (loc, who))
                if owner[0] != loc:
                    out.append(Found((*loc, "ports", j, "containerPort"), Violation(
                        f"containerPort {pair[0]}/{pair[1]} is already used by "
                        f"{_label(owner[0], owner[1])}",
                        "containers of a Pod share its network: give each its own port")))
            name = _text(get(port, "name"))
            if name is not None:
                owner = names.setdefault(name, (loc, who))
                if owner[0] != loc:
                    out.append(Found((*loc, "ports", j, "name"), Violation(
                        f"port name {shown(name)} is already used by {_label(owner[0], owner[1])}",
                        "give each port of the Pod its own name")))
    return out


def mounts_name_volumes(raw: Any) -> list[Found]:
    """Every ``volumeMounts`` entry names a volume under ``volumes``."""
    volumes = {n for v in _items(get(raw, "volumes")) if (n := _text(get(v, "name")))}
    known = ", ".join(sorted(volumes)) or "none"
    out = []
    for loc, entry in containers(raw):
        for k, mount in enumerate(_items(get(entry, "volumeMounts"))):
            name = _text(get(mount, "name"))
            if name is not None and name not in volumes:
                out.append(Found((*loc, "volumeMounts", k, "name"), Violation(
                    f"volume {shown(name)} is not under volumes (volumes: {known})",
                    f"add a volume with name: {name} under volumes, or use one listed"),
                    ("volumes",)))
    return out


def mount_paths_unique(raw: Any) -> list[Found]:
    """One container mounts at most one volume at each path (for a ``volumeMounts`` list)."""
    seen: set[str] = set()
    out = []
    for k, mount in enumerate(_items(raw)):
        path = _text(get(mount, "mountPath"))
        if path is None:
            continue
        key = path.rstrip("/") or "/"
        if key in seen:
            out.append(Found((k, "mountPath"), Violation(
                f"mountPath {shown(path)} is used by another mount of this container",
                "mount each volume at its own path")))
        seen.add(key)
    return out


def main_mount_paths_unique(raw: Any) -> list[Found]:
    """The main container's further ``volumeMounts`` use paths no volume's mountPath uses."""
    taken = {p.rstrip("/") or "/": i for i, v in enumerate(_items(get(raw, "volumes")))
             if (p := _text(get(v, "mountPath")))}
    out = []
    for k, mount in enumerate(_items(get(raw, "volumeMounts"))):
        path = _text(get(mount, "mountPath"))
        if path is not None and (path.rstrip("/") or "/") in taken:
            out.append(Found(("volumeMounts", k, "mountPath"), Violation(
                f"mountPath {shown(path)} is already the mountPath of volumes"
                f"[{taken[path.rstrip('/') or '/']}]", "mount each volume at its own path")))
    return out


def _profile(raw: Any) -> str:
    return _text(get(raw, "security")) or "restricted"


def security_per_profile(raw: Any) -> list[Found]:
    """Each container's capabilities and user suit the Pod Security profile."""
    profile = _profile(raw)
    allowed = RESTRICTED_CAPABILITIES if profile == "restricted" else BASELINE_CAPABILITIES
    out = []
    for loc, entry in containers(raw):
        context = get(entry, "securityContext")
        for k, cap in enumerate(_items(get(get(context, "capabilities"), "add"))):
            if not isinstance(cap, str) or cap in allowed or check_capability(cap) is not None:
                continue  # a malformed name has its own error
            if profile == "restricted" and cap in BASELINE_CAPABILITIES:
                hint = f"set security: baseline to add {cap}, or remove it"
            else:
                hint = ("the baseline profile allows only " + ", ".join(sorted(BASELINE_CAPABILITIES))
                        + "; remove it")
            out.append(Found((*loc, "securityContext", "capabilities", "add", k), Violation(
                f"capability {shown(cap)} may not be added under the {profile} profile", hint),
                ("security",)))
        if profile != "restricted":
            continue
        if _int(get(context, "runAsUser")) == 0:
            out.append(Found((*loc, "securityContext", "runAsUser"), Violation(
                "0 (root) is not allowed under the restricted profile",
                "use a non-zero UID, or set security: baseline"), ("security",)))
        if get(context, "runAsNonRoot") is False:
            out.append(Found((*loc, "securityContext", "runAsNonRoot"), Violation(
                "false is not allowed under the restricted profile",
                "remove it (kube-sentinel sets runAsNonRoot: true), or set security: baseline"),
                ("security",)))
    return out


def root_filesystem_once(raw: Any) -> list[Found]:
    """The main container's readOnlyRootFilesystem is given at the top or in securityContext."""
    inner = get(get(raw, "securityContext"), "readOnlyRootFilesystem")
    if inner is not None and get(raw, "readOnlyRootFilesystem") is not None:
        return [Found(("securityContext", "readOnlyRootFilesystem"), Violation(
            "readOnlyRootFilesystem is also given at the top level",
            "keep only one of the two"), ("readOnlyRootFilesystem",))]
    return []


def _resource_refs(raw: Any) -> Iterator[tuple[Loc, Any]]:
    """Every ``resourceFieldRef`` of the spec (env of each container, downward-API files)."""
    for loc, entry in containers(raw):
        env = get(entry, "env")
        for var, value in (env.items() if isinstance(env, Mapping) else ()):
            yield (*loc, "env", var, "resourceFieldRef"), get(value, "resourceFieldRef")
    for i, volume in enumerate(_items(get(raw, "volumes"))):
        files: list[tuple[Loc, Any]] = [(("downwardAPI",), get(volume, "downwardAPI"))]
        for j, source in enumerate(_items(get(get(volume, "projected"), "sources"))):
            files.append((("projected", "sources", j, "downwardAPI"), get(source, "downwardAPI")))
        for where, downward in files:
            for k, item in enumerate(_items(get(downward, "items"))):
                yield ("volumes", i, *where, "items", k, "resourceFieldRef"), get(
                    item, "resourceFieldRef")


def env_containers_exist(raw: Any) -> list[Found]:
    """A ``resourceFieldRef.containerName`` names a container of the Pod."""
    names = {main_name(raw)} | {
        n for loc, e in containers(raw) if loc and (n := _text(get(e, "name")))}
    out = []
    for loc, ref in _resource_refs(raw):
        target = _text(get(ref, "containerName"))
        if target is not None and target not in names:
            known = ", ".join(sorted(n for n in names if n))
            out.append(Found((*loc, "containerName"),
                             Violation(f"container {shown(target)} is not in this Pod "
                                       f"(containers: {known})",
                                       "name a container of this Pod"
                                       + (", or leave it out" if "env" in loc else "")),
                             ("name", "containerName", *CONTAINER_LISTS)))
    return out


def no_host_path(raw: Any) -> list[Found]:
    """hostPath volumes are refused: both Pod Security profiles forbid them."""
    profile = _profile(raw)
    return [
        Found(("volumes", i, "hostPath"), Violation(
            f"hostPath volumes are not allowed under the {profile} profile: they expose the "
            "node's files (Pod Security baseline and restricted both forbid them)",
            "use emptyDir, a persistentVolumeClaim or an ephemeral volume instead"),
            ("security",))
        for i, volume in enumerate(_items(get(raw, "volumes")))
        if get(volume, "hostPath") is not None
    ]


def sleep_within_grace(raw: Any) -> list[Found]:
    """A lifecycle ``sleep`` lasts at most ``terminationGracePeriodSeconds`` (default 30)."""
    grace = _int(get(raw, "terminationGracePeriodSeconds"))
    limit = DEFAULT_GRACE_SECONDS if grace is None else grace
    out = []
    for loc, entry in containers(raw):
        for hook in ("postStart", "preStop"):
            seconds = _int(get(get(get(get(entry, "lifecycle"), hook), "sleep"), "seconds"))
            if seconds is not None and seconds > limit:
                out.append(Found((*loc, "lifecycle", hook, "sleep", "seconds"), Violation(
                    f"sleeps {seconds}s, longer than the grace period of {limit}s",
                    f"sleep at most {limit}s, or raise terminationGracePeriodSeconds"),
                    ("terminationGracePeriodSeconds",)))
    return out


def _page_sizes(raw: Any) -> dict[Fraction, str]:
    """Each huge page size the Pod requests → the first ``hugepages-<size>`` name asking for it."""
    # The kubelet reads every container's and init container's (so sidecar's) requests, and the
    # Pod-level ones; a limit alone counts, as the API server defaults the request to it.
    lists = [get(raw, "podResources"), *(get(entry, "resources") for _, entry in containers(raw))]
    sizes: dict[Fraction, str] = {}
    for resources in lists:
        for kind in ("requests", "limits"):
            for key in _keys(get(resources, kind)):
                if resource_kind(key) != "hugepages":
                    continue
                try:
                    sizes.setdefault(parse_quantity(key.removeprefix("hugepages-")), key)
                except QuantityError:
                    continue  # the resource name's own check reports it
    return dict(sorted(sizes.items()))


def huge_page_media_requested(raw: Any) -> list[Found]:
    """An emptyDir of ``HugePages-<size>`` has that page size requested in the Pod; one of plain
    ``HugePages`` has exactly one size requested (the kubelet's getPageSizeMountOption)."""
    media = [(i, medium, match[1]) for i, volume in enumerate(_items(get(raw, "volumes")))
             if isinstance(medium := get(get(volume, "emptyDir"), "medium"), str)
             and (match := _HUGE_MEDIUM.fullmatch(medium))]
    if not media:
        return []
    sizes = _page_sizes(raw)
    sized = " or ".join(f"HugePages-{k.removeprefix('hugepages-')}" for k in sizes.values())
    out = []
    for i, medium, size in media:
        if size is not None and parse_quantity(size) not in sizes:
            message = f"{medium} needs a container requesting hugepages-{size}; none does"
            hint = f"add resources.requests/limits hugepages-{size} to the container that mounts it"
            hint += f", or use the size the Pod requests: {sized}" if sizes else ""
        elif size is None and len(sizes) != 1:
            if sizes:
                message = ("HugePages needs the Pod to request one huge page size; it requests "
                           + " and ".join(sizes.values()))
                hint = f"name the size: {sized}"
            else:
                message = "HugePages needs a container requesting hugepages-<size>; none does"
                hint = ("add resources.requests/limits hugepages-<size> (e.g. hugepages-2Mi) to "
                        "the container that mounts it")
        else:
            continue
        out.append(Found(("volumes", i, "emptyDir", "medium"), Violation(
            f"{message} (the kubelet cannot mount it)", hint),
            ("resources", "podResources", *CONTAINER_LISTS)))
    return out


def pod_rules(raw: Any) -> list[Found]:
    """Every rule across the Pod's containers."""
    return (unique_container_names(raw) + unique_pod_ports(raw) + mounts_name_volumes(raw)
            + security_per_profile(raw) + root_filesystem_once(raw) + env_containers_exist(raw)
            + sleep_within_grace(raw) + no_host_path(raw) + huge_page_media_requested(raw))


# --- one container ------------------------------------------------------------------------------


def hook_ports_exist(raw: Any) -> list[Found]:
    """A lifecycle ``httpGet`` port given by name names a port of the same container."""
    names = {n for p in _items(get(raw, "ports")) if (n := _text(get(p, "name")))}
    out = []
    for hook in ("postStart", "preStop"):
        port = _text(get(get(get(get(raw, "lifecycle"), hook), "httpGet"), "port"))
        if port is not None and port not in names and check_port_name(port) is None:
            known = ", ".join(sorted(names)) or "none"
            out.append(Found(("lifecycle", hook, "httpGet", "port"), Violation(
                f"hook port {shown(port)} is not a named port of this container "
                f"(named ports: {known})",
                f"add a port with name: {port} under this container's ports, or use the number"),
                ("ports",)))
    return out


def container_rules(raw: Any) -> list[Found]:
    """Rules inside one container entry: named probe and hook ports are its own."""
    return probe_ports_exist(raw) + hook_ports_exist(raw)


def not_on_init_container(raw: Any) -> list[Found]:
    """A plain init container runs to completion: no probes, no lifecycle hooks."""
    out = []
    for key in ("probes", "lifecycle"):
        if get(raw, key) is not None:
            out.append(Found((key,), Violation(
                f"{key} are not allowed on an init container (it runs to completion)"
                if key == "probes" else
                "lifecycle hooks are not allowed on an init container (it runs to completion)",
                f"remove {key}, or move the container to sidecars (which may have {key})")))
    return out


def divisor_fits(raw: Any) -> list[Found]:
    """A ``resourceFieldRef.divisor`` is 1m or 1 for cpu, a power-of-ten/two unit for bytes."""
    resource, divisor = _text(get(raw, "resource")), quantity_text(get(raw, "divisor"))
    if resource is None or divisor is None:
        return []
    choices = _CPU_DIVISORS if resource.endswith(".cpu") else _BYTE_DIVISORS
    try:
        value = parse_quantity(divisor)
    except QuantityError:
        return []  # the field's own check reports it
    if any(parse_quantity(c) == value for c in choices):
        return []
    return [Found(("divisor",), Violation(
        f"divisor {shown(divisor)} does not suit {resource}", "use one of " + ", ".join(choices)))]
