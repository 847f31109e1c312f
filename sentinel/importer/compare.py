"""Compare an imported Pod with the manifest its spec renders: what is lost, what is added.

This is the import's guarantee that nothing is lost silently. Whatever the conversion did, the
spec is rendered by the real renderer and the result is compared field by field with the input
Pod (after ``clean``): a field of the input that the rendered Pod lacks or spells differently is
*lost*; a field the rendered Pod has and the input does not is *added*, which is fine only when it
is kube-sentinel's hardening or its labels (``HARDENING``) and is a difference otherwise.

Lists of named things are matched by name (env, volumes, init containers, image pull secrets),
mounts by mount path, ports by number, regular containers by position (the main container may be
renamed); other lists by position. Init containers run in list order, so their order is checked
too: a spec renders its plain init containers before its sidecars, and an input that lists a
sidecar first cannot be written as a spec (a difference whose field *is* in the spec, ``kept``).
A container's capabilities are compared as sets: the runtime's default set that an import adds
back under ``baseline`` (``capabilities``) is what the container had, as is an env var's empty
value. Paths use Kubernetes' notation with the input's indexes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sentinel.importer.capabilities import RUNTIME_DEFAULTS

# list path pattern ([*] for an index) → the key its items are matched by
MATCH_BY: dict[str, str] = {
    "spec.volumes": "name",
    "spec.initContainers": "name",
    "spec.imagePullSecrets": "name",
    "spec.containers[*].env": "name",
    "spec.initContainers[*].env": "name",
    "spec.containers[*].volumeMounts": "mountPath",
    "spec.initContainers[*].volumeMounts": "mountPath",
    "spec.containers[*].ports": "containerPort",
    "spec.initContainers[*].ports": "containerPort",
}
# keyed lists whose order is behaviour (init containers run one after the other, in order)
ORDERED = frozenset({"spec.initContainers"})
_CAPABILITIES = ".securityContext.capabilities"
_ENV_VALUE = re.compile(r"spec\.(?:initContainers|containers)\[\*\]\.env\[\*\]\.value\Z")

# What kube-sentinel adds to every Pod it renders (path pattern → why), never a loss.
_C = r"spec\.(?:initContainers|containers)\[\*\]"
HARDENING: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"(?:\..*)?\Z"), why) for pattern, why in (
        (r"(?:apiVersion|kind)", "made explicit (a Pod is v1/Pod)"),
        (r'metadata\.labels\["app\.kubernetes\.io/(?:name|managed-by)"\]',
         "kube-sentinel's label, by which it finds its Pods"),
        (r'metadata\.labels\["kube-sentinel\.io/project"\]', "kube-sentinel's project label"),
        (r"metadata\.namespace", "the namespace made explicit"),
        (r"spec\.automountServiceAccountToken",
         "no service-account token unless the spec names an account"),
        (r"spec\.securityContext\.runAsNonRoot", "hardening: restricted profile"),
        (r"spec\.securityContext\.seccompProfile", "hardening: RuntimeDefault seccomp profile"),
        (_C + r"\.securityContext\.allowPrivilegeEscalation", "hardening: no privilege escalation"),
        (_C + r"\.securityContext\.capabilities\.drop", "hardening: every capability dropped"),
        (_C + r"\.ports\[\*\]\.protocol", "the default protocol (TCP) made explicit"),
    )
)


@dataclass(frozen=True, order=True)
class Difference:
    """One field: its path, and what happened to it; ``kept`` if the spec has the field but
    renders it differently (in another place), so it is not missing from the spec."""

    path: str
    detail: str
    kept: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


def _key(name: Any) -> str:
    text = str(name)
    return f".{text}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", text) else f'["{text}"]'


def pattern_of(path: str) -> str:
    """``path`` with list indexes replaced by ``[*]``."""
    return re.sub(r"\[\d+\]", "[*]", path)


def hardening_reason(path: str) -> str | None:
    """Why kube-sentinel adds the field at ``path``, or None if it is not its hardening."""
    pattern = pattern_of(path)
    return next((why for rx, why in HARDENING if rx.match(pattern)), None)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{...}" if value else "{}"
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) for v in value) and len(str(value)) <= 60:
            return "[" + ", ".join(map(str, value)) + "]"
        return "[...]" if value else "[]"
    return str(value)


class _Diff:
    def __init__(self) -> None:
        self.lost: list[Difference] = []
        self.added: list[Difference] = []

    def gone(self, path: str, value: Any) -> None:
        self.lost.append(Difference(path, f"not expressible in a spec (was {_show(value)})"))

    def extra(self, path: str, value: Any) -> None:
        if isinstance(value, Mapping) and pattern_of(path).endswith(_CAPABILITIES):
            self.capabilities({}, value, path)
            return
        if isinstance(value, Mapping) and value:
            for key, item in value.items():  # one line per field, each with its reason
                self.extra(path + _key(key), item)
            return
        if value == "" and _ENV_VALUE.match(pattern_of(path)):
            self.added.append(Difference(path, "'' (a variable with no value is the empty "
                                               "string)"))
            return
        why = hardening_reason(path)
        if why is None:
            self.lost.append(Difference(path, f"the rendered Pod adds {_show(value)}, which the "
                                              "input does not have"))
        else:
            self.added.append(Difference(path, f"{_show(value)} ({why})"))

    def walk(self, want: Any, got: Any, path: str) -> None:
        if isinstance(want, Mapping) and isinstance(got, Mapping):
            if pattern_of(path).endswith(_CAPABILITIES):
                self.capabilities(want, got, path)
            else:
                self.mapping(want, got, path)
        elif isinstance(want, list) and isinstance(got, list):
            self.lists(want, got, path)
        elif not _same(want, got, path):
            detail = f"renders as {_show(got)}, was {_show(want)}"
            self.lost.append(Difference(path, detail))

    def mapping(self, want: Mapping[str, Any], got: Mapping[str, Any], path: str) -> None:
        for key, value in want.items():
            sub = path + _key(key) if path else str(key)
            if key in got:
                self.walk(value, got[key], sub)
            else:
                self.gone(sub, value)
        for key, value in got.items():
            if key not in want:
                self.extra(path + _key(key) if path else str(key), value)

    def capabilities(self, want: Mapping[str, Any], got: Mapping[str, Any], path: str) -> None:
        """A container's capabilities, as sets: what it can do, not how the lists are spelt."""
        rest = ("add", "drop")
        self.mapping({k: v for k, v in want.items() if k not in rest},
                     {k: v for k, v in got.items() if k not in rest}, path)
        want_add, got_add = _caps(want.get("add")), _caps(got.get("add"))
        want_drop, got_drop = _caps(want.get("drop")), _caps(got.get("drop"))
        if "add" in want and "add" not in got:
            self.gone(f"{path}.add", want["add"])
        elif any(cap not in got_add for cap in want_add) or not _names_only(want.get("add")):
            self.lost.append(Difference(f"{path}.add", f"renders as {_show(got.get('add'))}, "
                                                       f"was {_show(want.get('add'))}"))
        extra = [cap for cap in got_add if cap not in want_add]
        if extra and "ALL" not in want_drop and all(
                cap in RUNTIME_DEFAULTS and cap not in want_drop for cap in extra):
            self.added.append(Difference(
                f"{path}.add", f"[{', '.join(extra)}] (the container runtime's default "
                "capabilities that baseline allows, which the container had: kept, since "
                "kube-sentinel drops ALL)"))
        elif extra:
            self.lost.append(Difference(f"{path}.add", f"the rendered Pod adds {_show(extra)}, "
                                                       "which the input does not have"))
        if "drop" not in want and "drop" not in got:
            return
        # Dropping ALL covers every capability the input dropped, unless the spec adds it back.
        covered = "ALL" in got_drop and all(cap == "ALL" or cap not in got_add
                                            for cap in want_drop)
        if covered and _names_only(want.get("drop")):
            if want_drop != got_drop:
                self.added.append(Difference(f"{path}.drop", f"{_show(got.get('drop'))} "
                                                             "(hardening: every capability "
                                                             "dropped)"))
        elif "drop" not in got:
            self.gone(f"{path}.drop", want["drop"])
        elif want.get("drop") != got.get("drop"):
            self.lost.append(Difference(f"{path}.drop", f"renders as {_show(got['drop'])}, "
                                                        f"was {_show(want.get('drop'))}"))

    def order(self, want: list[Any], got: list[Any], path: str, key: str) -> None:
        """Each item listed before one that renders ahead of it: a difference (``kept``)."""
        at = {item.get(key): j for j, item in enumerate(got)}
        placed = [(i, at[item.get(key)]) for i, item in enumerate(want) if item.get(key) in at]
        for i, j in placed:
            ahead = next((want[k] for k, m in placed if k > i and m < j), None)
            if ahead is None:
                continue
            if want[i].get("restartPolicy") == "Always" and ahead.get("restartPolicy") != "Always":
                detail = (f"a sidecar listed before init container {ahead.get(key)!r}: a spec "
                          "renders init containers first, then sidecars")
            else:
                detail = f"listed before {ahead.get(key)!r}, which renders ahead of it"
            self.lost.append(Difference(f"{path}[{i}]", detail, kept=True))

    def lists(self, want: list[Any], got: list[Any], path: str) -> None:
        if not all(isinstance(v, Mapping) for v in want + got):
            if want != got:
                self.lost.append(Difference(path, f"renders as {got!r}, was {want!r}"))
            return
        key = MATCH_BY.get(pattern_of(path))
        if key is not None:
            wanted = [v.get(key) for v in want]
            rendered = [v.get(key) for v in got]
            keyed = all(isinstance(k, str | int) for k in wanted + rendered)
            if keyed and len(set(wanted)) == len(wanted):
                for i, item in enumerate(want):
                    match = [g for g in got if g.get(key) == item.get(key)]
                    if match:
                        self.walk(item, match[0], f"{path}[{i}]")
                    else:
                        self.gone(f"{path}[{i}]", item)
                for j, item in enumerate(got):
                    if item.get(key) not in wanted:
                        self.extra(f"{path}[{j}]", item)
                if pattern_of(path) in ORDERED:
                    self.order(want, got, path, key)
                return
        for i, item in enumerate(want):
            if i < len(got):
                self.walk(item, got[i], f"{path}[{i}]")
            else:
                self.gone(f"{path}[{i}]", item)
        for j in range(len(want), len(got)):
            self.extra(f"{path}[{j}]", got[j])


def _caps(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _names_only(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _same(want: Any, got: Any, path: str) -> bool:
    if type(want) is type(got) or (isinstance(want, int | float) and isinstance(got, int | float)
                                   and not isinstance(want, bool) and not isinstance(got, bool)):
        return bool(want == got)
    # Quantities: `cpu: 1` in the input is the same amount as the rendered "1".
    if ".resources." in path and isinstance(got, str) and isinstance(want, int | float):
        return str(want) == got
    return False


def compare(pod: Mapping[str, Any], rendered: Mapping[str, Any]) -> tuple[list[Difference],
                                                                         list[Difference]]:
    """(lost, added) between the cleaned input ``pod`` and the ``rendered`` manifest."""
    diff = _Diff()
    diff.walk(pod, rendered, "")
    return diff.lost, diff.added
