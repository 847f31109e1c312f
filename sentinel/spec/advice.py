"""Production advice: things a valid spec allows that usually hurt in production.

Advice is never an error (unless ``sentinel validate --strict`` or the ``strict`` setting turns
warnings into failures) and never changes the manifest. Each piece of advice has a stable code
(documented in the README), the line of the field it is about and a hint; a spec silences codes
with ``ignore: [W104, ...]``. Every container is checked: the main one, ``containers``,
``sidecars`` and (for what applies to them) ``initContainers``.

The codes live here, beside the checks, so ``PodSpec`` can refuse an unknown code in ``ignore``
with a did-you-mean; this module imports the model only for type hints.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, WithJsonSchema

from sentinel.errors import Problem
from sentinel.spec.fields import fail
from sentinel.spec.rules import Violation

if TYPE_CHECKING:
    from sentinel.spec.shape import Loc
    from sentinel.spec.yamlparse import Pos

#: code → (short title, what it means); the README table lists the same.
CODES: dict[str, tuple[str, str]] = {
    "W100": ("env-name", "an env name that is not a C identifier (older clusters reject it)"),
    "W101": ("no-requests", "a container requests no cpu/memory (scheduler can overcommit)"),
    "W102": ("no-memory-limit", "a container has no memory limit (can starve its node)"),
    "W103": ("no-readiness-probe", "a container has ports but no readiness probe"),
    "W104": ("mutable-image", "an image without a tag or tagged :latest, and no digest"),
    "W105": ("default-namespace", "the Pod goes to the 'default' namespace"),
    "W106": ("secret-in-env", "a Secret passed as environment instead of a mounted file"),
}


def unknown_code_hint(code: str) -> str:
    """The hint for an unknown code in ``ignore``: the closest code, or the list of codes."""
    close = difflib.get_close_matches(code.upper(), list(CODES), n=1, cutoff=0.5)
    if close:
        return f"did you mean {close[0]!r}? ({CODES[close[0]][0]})"
    return "known codes: " + ", ".join(CODES)


def _known_code(value: str) -> str:
    if value not in CODES:
        fail(Violation(f"unknown advice code {value!r} in ignore", unknown_code_hint(value)))
    return value


#: One entry of the spec's ``ignore:`` list: a code of ``CODES``.
AdviceCode = Annotated[str, AfterValidator(_known_code),
                       WithJsonSchema({"type": "string", "enum": list(CODES)})]


@dataclass(frozen=True)
class _Box:
    """One container of the spec: where it sits (loc prefix) and its fields."""

    loc: tuple[str | int, ...]  # () for the main container, ("containers", 0) etc.
    label: str  # "the main container" or "container 'log'"
    fields: Any  # the model object carrying image/env/ports/resources/probes (PodSpec or Container)
    probes_allowed: bool


def _boxes(model: Any) -> Iterator[_Box]:
    yield _Box((), "the main container", model, True)
    for key, probes in (("containers", True), ("sidecars", True), ("initContainers", False)):
        for i, c in enumerate(getattr(model, key, None) or []):
            kind = {"containers": "container", "sidecars": "sidecar",
                    "initContainers": "init container"}[key]
            yield _Box((key, i), f"{kind} {c.name!r}", c, probes)


def _mutable_image(image: str) -> str | None:
    """Why ``image`` can change under the same name, or None when it is pinned."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "is tagged :latest"
    return None


class _Advisor:
    def __init__(self, source: str, positions: Mapping[Loc, Pos],
                 key_positions: Mapping[Loc, Pos]) -> None:
        self.source = source
        self.positions = positions
        self.key_positions = key_positions
        self.out: list[Problem] = []

    def where(self, *locs: tuple[str | int, ...]) -> tuple[int | None, int | None]:
        """Position of the first of ``locs`` known (a key's position, else its value's)."""
        for loc in locs:
            pos = self.key_positions.get(loc) or self.positions.get(loc)
            if pos is not None:
                return pos
        return (1, 1)

    def add(self, code: str, field: tuple[str | int, ...], at: tuple[int | None, int | None],
            message: str, hint: str) -> None:
        self.out.append(Problem(self.source, at[0], at[1], _dotted(field), message, hint,
                                "warning", code))


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _has(resources: Any, kind: str, name: str) -> bool:
    group = getattr(resources, kind, None) if resources is not None else None
    return group is not None and getattr(group, name, None) is not None


def advise(model: Any, source: str, positions: Mapping[Loc, Pos],
           key_positions: Mapping[Loc, Pos]) -> list[Problem]:
    """Every piece of advice for a valid spec, minus the codes its ``ignore`` lists, in line
    order."""
    a = _Advisor(source, positions, key_positions)
    pod_res = getattr(model, "podResources", None)
    pod_requests = _has(pod_res, "requests", "cpu") or _has(pod_res, "requests", "memory")
    pod_memory_limit = _has(pod_res, "limits", "memory")
    for box in _boxes(model):
        c, loc = box.fields, box.loc
        res = c.resources
        start = a.where(loc + ("name",), loc + ("image",)) if loc else a.where(("image",))
        if not pod_requests and not (_has(res, "requests", "cpu") or
                                     _has(res, "requests", "memory")):
            a.add("W101", loc + ("resources", "requests"),
                  a.where(loc + ("resources",)) if res is not None else start,
                  f"{box.label} requests no cpu or memory",
                  "set resources.requests (e.g. cpu: 100m, memory: 128Mi) so the scheduler "
                  "reserves room for it")
        if not pod_memory_limit and not _has(res, "limits", "memory"):
            a.add("W102", loc + ("resources", "limits", "memory"),
                  a.where(loc + ("resources",)) if res is not None else start,
                  f"{box.label} has no memory limit",
                  "set resources.limits.memory so a leak cannot starve the node")
        if box.probes_allowed and c.ports and (c.probes is None or c.probes.readiness is None):
            a.add("W103", loc + ("probes", "readiness"),
                  a.where(loc + ("probes",), loc + ("ports",)),
                  f"{box.label} has ports but no readiness probe",
                  "add probes.readiness so traffic only reaches it once it is ready")
        why = _mutable_image(c.image)
        if why:
            a.add("W104", loc + ("image",), a.where(loc + ("image",)),
                  f"image {c.image!r} {why}; the same spec can run different code",
                  "pin a version tag (e.g. :1.27) or a digest (@sha256:...)")
        for name, value in (c.env or {}).items():
            if getattr(value, "secretKeyRef", None) is not None:
                a.add("W106", loc + ("env", name), a.where(loc + ("env", name)),
                      f"Secret {value.secretKeyRef.name!r} is passed as environment ({name})",
                      "mount the Secret as a file (a secret volume): env leaks into logs, "
                      "crash dumps and child processes")
        for i, src in enumerate(c.envFrom or []):
            if src.secretRef is not None:
                a.add("W106", loc + ("envFrom", i), a.where(loc + ("envFrom", i)),
                      f"Secret {src.secretRef.name!r} is passed as environment (envFrom)",
                      "mount the Secret as a file (a secret volume) instead of envFrom")
    if model.namespace == "default":
        a.add("W105", ("namespace",), a.where(("namespace",), ("name",)),
              "the Pod goes to the 'default' namespace",
              "set namespace: to a namespace of its own (quotas, RBAC and clean-up per app)")
    ignored = set(model.ignore)
    return sorted(p for p in a.out if p.code not in ignored)
