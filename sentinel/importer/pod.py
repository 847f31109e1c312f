"""Import one Pod: clean it, choose its profile, convert, validate, render, compare, explain.

The spec text is produced by ``sentinel.spec.dump_spec`` (the one spec writer) and read back by
the real loader; the manifest it renders is compared with the input (``compare``), so what an
import reports as lost, and as added by kube-sentinel, is what rendering the written spec really
does. A spec value the validator refuses (a port name Kubernetes would refuse too, a key the spec
spells differently) is taken out, its reason kept, and shows up as lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sentinel.errors import Problem, SpecError
from sentinel.importer.clean import clean
from sentinel.importer.compare import Difference, compare
from sentinel.importer.convert import to_spec_data
from sentinel.importer.documents import Found
from sentinel.importer.profile import choose_profile
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
    profile, reasons = choose_profile(pod)
    data = to_spec_data(pod, profile)
    body, refused = _valid_text(data, label)
    spec = load_spec_text(body, label)
    lost, added = compare(pod, render(spec.model, source=label))
    text = header(found, profile, reasons, dropped, lost, added, refused) + body
    load_spec_text(text, label)  # the file as written must load too
    return Imported(found.origin, name, text, profile, reasons, dropped, lost, added, refused,
                    list(found.workload_fields))


def _block(title: str, lines: list[str]) -> list[str]:
    return [f"# {title}", *(f"#   {line}" for line in lines)] if lines else []


def header(found: Found, profile: str, reasons: list[str], dropped: list[str],
           lost: list[Difference], added: list[Difference], refused: list[str]) -> str:
    """The comment at the top of an imported spec: where it came from and what changed."""
    out = [f"# Imported by 'sentinel import' from {found.origin}."]
    out += _block("Workload fields left out (a spec describes the Pod):", found.workload_fields)
    if profile != "restricted":
        out += _block("security: baseline, because as written it would not pass restricted:",
                      reasons)
    out += _block("Dropped (added by the server, or a Kubernetes default):", dropped)
    out += _block("NOT IMPORTED (no spec key for them; imported with --allow-loss):",
                  [str(d) for d in lost])
    out += _block("Refused by the spec's rules:", refused)
    out += _block("kube-sentinel adds when rendering:", [str(d) for d in added])
    return "\n".join(line.rstrip() for line in out) + "\n"
