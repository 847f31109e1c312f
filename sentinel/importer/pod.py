"""Import one Pod: clean it, choose its profile, convert, validate, render, compare, explain.

The spec text is produced by ``sentinel.spec.dump_spec`` (the one spec writer) and read back by
the real loader; the manifest it renders is compared with the input (``compare``), so what an
import reports as lost, and as added by kube-sentinel, is what rendering the written spec really
does. A spec value the validator refuses (a port name Kubernetes would refuse too, a key the spec
spells differently) is taken out, its reason kept, and shows up as lost. The profile counts only
what the spec holds: when every reason a Pod would not pass ``restricted`` is about a field that
is not imported, it is imported again as ``restricted`` (``_profile``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from sentinel import policy
from sentinel.errors import Problem, SpecError
from sentinel.importer.capabilities import keepers
from sentinel.importer.clean import clean
from sentinel.importer.compare import Difference, compare
from sentinel.importer.convert import to_spec_data
from sentinel.importer.documents import Found
from sentinel.importer.profile import choose_profile, without
from sentinel.render import render
from sentinel.spec import dump_spec, load_spec_text

REQUIRED = ("name", "image")
MAX_REFUSALS = 200


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Imported:
    """The outcome of importing one Pod; ``text`` is the spec file, header comment included."""

    origin: str
    name: str
    text: str
    profile: str
    profile_reasons: list[str]
    dropped: list[str]
    lost: list[Difference]
    added: list[Difference]
    refused: list[str] = field(default_factory=list)  # spec values the validator refused, why
    workload_fields: list[str] = field(default_factory=list)
    # profile reasons about fields the spec does not hold (lost), so not counted
    uncounted: list[str] = field(default_factory=list)
    # containers (path and name) whose capabilities.add keeps the runtime's defaults
    kept_capabilities: list[str] = field(default_factory=list)

    @property
    def lossless(self) -> bool:
        """Whether rendering the spec gives back the input Pod, hardening aside."""
        return not self.lost


def _segments(path: str) -> list[str]:
    return [part for part in re.split(r"\.|\[(\d+)\]", path) if part]


def _locate(data: Any, path: str) -> list[tuple[Any, Any]]:
    """The (container, key) pairs along ``path`` (a problem's field path) that exist in data."""
    steps: list[tuple[Any, Any]] = []
    node, rest = data, path
    while rest:
        rest = rest.lstrip(".")
        if isinstance(node, list):
            m = re.match(r"\[(\d+)\]", rest)
            if not m or int(m.group(1)) >= len(node):
                break
            key: Any = int(m.group(1))
            rest = rest[m.end():]
        elif isinstance(node, dict):
            # keys may hold dots (label keys): take the longest key the path starts with
            keys = [k for k in node if isinstance(k, str) and (rest == k or rest.startswith(
                (k + ".", k + "[")))]
            if not keys:
                break
            key = max(keys, key=len)
            rest = rest[len(key):]
        else:
            break
        steps.append((node, key))
        node = node[key]
    return steps


def _refuse(data: dict[str, Any], problem: Problem) -> str:
    """Take the value ``problem`` is about out of ``data``; the reason, for the report."""
    steps = _locate(data, problem.field)
    if not steps or (len(steps) == 1 and steps[0][1] in REQUIRED):
        raise SpecError([problem])
    parent, key = steps[-1]
    del parent[key]
    return f"{problem.field}: {problem.message}"


def _valid_text(data: dict[str, Any], source: str) -> tuple[str, list[str]]:
    refused: list[str] = []
    seen: list[str] = []
    while True:
        try:
            return dump_spec(data, source=source), refused
        except SpecError as err:
            if len(seen) > MAX_REFUSALS:
                raise
            problem = err.errors[0]
            why = _refuse(data, problem)
            # Taking a value out can leave its parent empty, which is refused next: that echo
            # says nothing new, so only the first refusal under a path is reported.
            if not any(path.startswith(problem.field) for path in seen):
                refused.append(why)
            seen.append(problem.field)


@dataclass(frozen=True)
class _Attempt:
    """The spec of a Pod under one profile, and how its rendering differs from the Pod."""

    body: str
    refused: list[str]
    lost: list[Difference]
    added: list[Difference]


def _attempt(pod: dict[str, Any], profile: str, label: str) -> _Attempt:
    body, refused = _valid_text(to_spec_data(pod, profile), label)
    spec = load_spec_text(body, label)
    lost, added = compare(pod, render(spec.model, source=label))
    return _Attempt(body, refused, lost, added)


def _profile(pod: dict[str, Any], label: str) -> tuple[str, list[str], list[str], _Attempt]:
    """(profile, its reasons, reasons about fields not imported, the spec under the profile).

    The profile is decided from what the spec holds: reasons about lost fields do not count,
    and when none else remain the Pod is imported again as ``restricted``."""
    profile, reasons = choose_profile(pod)
    done = _attempt(pod, profile, label)
    gone = [d.path for d in done.lost if not d.kept]
    if profile == policy.RESTRICTED or not gone:
        return profile, reasons, [], done
    _, counted = choose_profile(without(pod, gone))
    uncounted = [r for r in reasons if r not in counted]
    if counted:
        return profile, counted, uncounted, done
    try:
        strict = _attempt(pod, policy.RESTRICTED, label)
    except SpecError:
        return profile, reasons, [], done
    if {d.path for d in strict.lost} <= {d.path for d in done.lost}:
        return policy.RESTRICTED, [], uncounted, strict
    return profile, reasons, [], done  # restricted would lose more: keep what works


def import_pod(found: Found, source: str) -> Imported:
    """Import ``found`` (one Pod of ``source``); ``SpecError`` if it cannot become a spec at all."""
    pod, dropped = clean(found.pod)
    meta = _map(pod.get("metadata"))
    name = meta.get("name")
    label = f"{source}: {found.origin}"
    if not isinstance(name, str) or not name:
        raise SpecError([Problem(source, None, None, "metadata.name",
                                 f"{found.origin}: the Pod has no name",
                                 "give it metadata.name (a spec names its Pod)")])
    profile, reasons, uncounted, done = _profile(pod, label)
    kept = [f"{path} ({_container_name(pod, path)})" for path, _ in keepers(pod)
            if any(d.path == f"{path}.securityContext.capabilities.add" for d in done.added)]
    result = Imported(found.origin, name, "", profile, reasons, dropped, done.lost, done.added,
                      done.refused, list(found.workload_fields), uncounted, kept)
    text = header(found, result) + done.body
    load_spec_text(text, label)  # the file as written must load too
    return replace(result, text=text)


def _container_name(pod: dict[str, Any], path: str) -> str:
    kind, index = path.removeprefix("spec.").rstrip("]").split("[")
    return str(pod["spec"][kind][int(index)].get("name"))


def _block(title: str, lines: list[str]) -> list[str]:
    return [f"# {title}", *(f"#   {line}" for line in lines)] if lines else []


CAPABILITIES_NOTE = (
    "Capabilities: kube-sentinel drops ALL, so these containers, which may run as root, keep the",
    "container runtime's default capabilities that baseline allows in capabilities.add (images",
    "that start as root and switch user, like nginx or redis, need SETUID, SETGID, CHOWN, ...;",
    "NET_RAW, also a runtime default, is not allowed under baseline).",
    "Trim each list to what the image needs:",
)


def header(found: Found, pod: Imported) -> str:
    """The comment at the top of an imported spec: where it came from and what changed."""
    out = [f"# Imported by 'sentinel import' from {found.origin}."]
    out += _block("Workload fields left out (a spec describes the Pod):", pod.workload_fields)
    if pod.profile != policy.RESTRICTED:
        out += _block("security: baseline, because as written it would not pass restricted:",
                      pod.profile_reasons)
    out += _block(f"Not counted for the profile (security: {pod.profile}), since not imported:",
                  pod.uncounted)
    if pod.kept_capabilities:
        out += [f"# {line}" for line in CAPABILITIES_NOTE[:-1]]
        out += _block(CAPABILITIES_NOTE[-1], pod.kept_capabilities)
    out += _block("Dropped (added by the server, or a Kubernetes default):", pod.dropped)
    out += _block("NOT IMPORTED as written (a spec cannot express them; imported with "
                  "--allow-loss):", [str(d) for d in pod.lost])
    out += _block("Refused by the spec's rules:", pod.refused)
    out += _block("kube-sentinel adds when rendering:", [str(d) for d in pod.added])
    return "\n".join(line.rstrip() for line in out) + "\n"
