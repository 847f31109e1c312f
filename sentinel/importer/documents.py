"""Read the manifests given to ``sentinel import`` and find the Pods in them.

Input is untrusted YAML from anywhere: a Pod, a workload (Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob) whose Pod template is imported, a ``List`` or
``PodList`` (``kubectl get pods -o yaml``), several of these as a multi-document stream. Other
kinds (a Service next to the Deployment) are skipped and named. Anything that is not YAML, or a
document of the right kind in the wrong shape, is a ``SpecError`` with the line it was found at.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from sentinel.errors import Problem, SpecError

MAX_INPUT_BYTES = 16 * 1024 * 1024

# kind → the path of the Pod template inside it
WORKLOAD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
LIST_KINDS = frozenset({"List", "PodList"})
APP_LABEL = "app.kubernetes.io/name"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Found:
    """One Pod to import: where it came from, the Pod itself, and what around it is not a Pod."""

    origin: str  # e.g. "Deployment/web (document 2)"
    pod: dict[str, Any]  # apiVersion/kind/metadata/spec, a deep copy
    workload_fields: list[str] = field(default_factory=list)  # e.g. spec.replicas


@dataclass(frozen=True)
class Documents:
    """Every Pod found, in input order, and the documents skipped (kind/name, why)."""

    pods: list[Found]
    skipped: list[str]


def _problem(source: str, message: str, hint: str, line: int | None = None,
             column: int | None = None) -> SpecError:
    return SpecError([Problem(source, line, column, "", message, hint)])


def decode(raw: bytes, source: str) -> str:
    """The text of an input manifest, or ``SpecError`` saying why it cannot be one."""
    if len(raw) > MAX_INPUT_BYTES:
        raise _problem(source, "input is over 16 MiB", "import fewer manifests at a time")
    if b"\x00" in raw:
        raise _problem(source, "binary data (contains NUL bytes), not YAML",
                       "give a Kubernetes manifest in YAML or JSON",
                       line=raw[: raw.index(b"\x00")].count(b"\n") + 1)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _problem(source, f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})",
                       "save the file as UTF-8",
                       line=raw[: exc.start].count(b"\n") + 1) from None


def _parse(text: str, source: str) -> list[tuple[int, Any]]:
    """Every document of ``text`` with its 1-based starting line; nulls (``---`` alone) skipped."""
    out: list[tuple[int, Any]] = []
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            if data is not None:
                out.append((node.start_mark.line + 1, data))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{exc.problem}" if exc.problem else str(exc)
        raise _problem(source, f"not valid YAML: {where}",
                       "check the indentation and quoting around this line",
                       line=mark.line + 1 if mark else None,
                       column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise _problem(source, f"not valid YAML: {exc}", "give a Kubernetes manifest") from None
    finally:
        loader.dispose()
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _name(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return f"{doc.get('kind')}/{name}" if isinstance(name, str) else str(doc.get("kind"))


def _at(doc: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = doc
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _workload_fields(doc: Mapping[str, Any], template: tuple[str, ...]) -> list[str]:
    """The fields of a workload that describe the workload, not its Pods: its own metadata but
    its name and namespace (which the Pod takes when its template has none), its status, and
    what its spec holds beside the Pod template."""
    out: list[str] = []
    for key in _mapping(doc.get("metadata")):
        if key not in ("name", "namespace"):
            out.append(f"metadata.{key} (the workload's own: the spec keeps the Pod template's "
                       "metadata)")
    for key in doc:
        if key not in ("apiVersion", "kind", "metadata", "spec"):
            why = "set by the server" if key == "status" else "not part of a Pod"
            out.append(f"{key} (the workload's, {why})")
    node: Any = doc
    for depth, key in enumerate(template[:-1]):
        node = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping):
            break
        prefix = ".".join(template[: depth + 1])
        out += [f"{prefix}.{k}" for k in node if k != template[depth + 1]]
    return out


def _pods(doc: Any, where: str, source: str, line: int) -> Iterator[Found | str]:
    if not isinstance(doc, Mapping):
        yield f"{where}: not a Kubernetes object (a {type(doc).__name__}), skipped"
        return
    kind = doc.get("kind") if isinstance(doc.get("kind"), str) else None
    if kind in LIST_KINDS:
        items = doc.get("items")
        if not isinstance(items, list):
            raise _problem(source, f"a {kind} needs an 'items' list", "check the file",
                           line=line)
        for i, item in enumerate(items):
            yield from _pods(item, f"{where} item {i}", source, line)
        return
    if kind == "Pod":
        if not isinstance(doc.get("spec"), Mapping):
            raise _problem(source, f"{_name(doc)} has no 'spec' mapping",
                           "a Pod needs spec.containers", line=line)
        yield Found(f"{_name(doc)} ({where})", copy.deepcopy(dict(doc)))
        return
    if kind in WORKLOAD_TEMPLATES:
        path = WORKLOAD_TEMPLATES[kind]
        template = _at(doc, path)
        if not isinstance(template, Mapping) or not isinstance(template.get("spec"), Mapping):
            raise _problem(source, f"{_name(doc)} has no Pod template at "
                           f"{'.'.join(path)}.spec", "check the workload's spec", line=line)
        meta = dict(_mapping(template.get("metadata")))
        outer = _mapping(doc.get("metadata"))
        notes = _workload_fields(doc, path)
        # A template has no name of its own (its Pods get generated ones): the spec is named
        # after the app.kubernetes.io/name label when the template has one, since kube-sentinel
        # sets that label to the spec's name, else after the workload.
        app = _mapping(meta.get("labels")).get(APP_LABEL)
        if "name" not in meta and isinstance(app, str) and app:
            meta["name"] = app
            notes.append(f"metadata.name: named {app!r} after the template's {APP_LABEL} label")
        for key in ("name", "namespace"):
            if key not in meta and key in outer:
                meta[key] = outer[key]
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": copy.deepcopy(meta),
               "spec": copy.deepcopy(dict(template["spec"]))}
        yield Found(f"{_name(doc)} ({where}, {'.'.join(path)})", pod, notes)
        return
    yield f"{_name(doc)} ({where}): not a Pod or a workload with a Pod template, skipped"


def find_pods(text: str, source: str) -> Documents:
    """Every Pod in ``text`` (a YAML stream); ``SpecError`` if it is not YAML or holds none."""
    pods: list[Found] = []
    skipped: list[str] = []
    docs = _parse(text, source)
    for n, (line, doc) in enumerate(docs, 1):
        where = f"document {n}, line {line}" if len(docs) > 1 else f"line {line}"
        for item in _pods(doc, where, source, line):
            (pods.append if isinstance(item, Found) else skipped.append)(item)  # type: ignore[arg-type]
    if not pods:
        kinds = "; ".join(skipped) if skipped else "the input is empty"
        raise _problem(source, f"no Pod or workload Pod template found ({kinds})",
                       "give a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or "
                       "CronJob manifest, or the output of 'kubectl get pod NAME -o yaml'")
    return Documents(pods, skipped)
