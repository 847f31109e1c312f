"""The output folder as a kustomize base: ``<output_dir>/kustomization.yaml``.

After the ``generate`` sub-tasks, the hidden task ``_kustomization`` writes a deterministic
``kustomization.yaml`` at the root of the output folder listing every manifest there (sorted,
relative paths), so the folder can be committed and synced by Argo CD or Flux, or rendered with
``kubectl kustomize``. It lists the manifests that exist once generation is done — a spec that
was never valid has none, one whose spec is now invalid keeps its last manifest, as ``generate``
does — and only those inside the output folder (kustomize refuses files outside its root). It is
rewritten, atomically, only when its bytes change; with no manifest it lists none
(``resources: []``, a valid, empty base). doit does not run it in a run where a sub-task failed
(it depends on them), so ``prune`` also takes the manifests it removes out of the file: it never
names a file that is gone; new manifests join it with the next run that fully succeeds.
``doit clean`` removes it with the manifests.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from doit.dependency import UptodateCalculator

from sentinel.fsutil import atomic_write

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # same bytes, C speed where available
FILE = "kustomization.yaml"
HEADER = ("# Written by kube-sentinel (doit generate): every generated manifest, so this folder is\n"
          "# a kustomize base (kubectl kustomize, Argo CD, Flux). Edits are overwritten.\n")


def body(output_dir: Path, targets: Iterable[str]) -> bytes:
    """The file's bytes for the manifests of ``targets`` that exist inside ``output_dir``."""
    # Checked on every run, also a no-op one, for every manifest: plain os.path and libyaml's
    # emitter keep that a small part of the run (pathlib and the pure-Python dumper did not).
    root = os.path.abspath(output_dir)
    prefix = os.path.join(root, "")
    resources = set()
    for target in targets:
        path = os.path.abspath(target)
        if path.startswith(prefix) and os.path.isfile(path):
            resources.add(Path(os.path.relpath(path, root)).as_posix())
    doc = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
           "resources": sorted(resources)}
    return (HEADER + yaml.dump(doc, Dumper=_DUMPER, sort_keys=False,
                               default_flow_style=False)).encode()


def write(output_dir: str, targets: list[str]) -> None:
    """Action of ``_kustomization``: write the file if its bytes would change."""
    path = Path(output_dir) / FILE
    data = body(Path(output_dir), targets)
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write(path, data, sync_folder=False)  # the generate group syncs the folder


def drop(output_dir: Path, removed: Iterable[Path]) -> None:
    """Take pruned manifests out of an existing file (``prune`` calls it: if a sub-task fails,
    ``_kustomization`` does not run, and the file must not name files that are gone)."""
    path = output_dir / FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list):
        return
    root = output_dir.absolute()
    gone = {Path(r).absolute().relative_to(root).as_posix() for r in removed
            if Path(r).absolute().is_relative_to(root)}
    kept = [str(r) for r in doc["resources"] if r not in gone]
    if len(kept) != len(doc["resources"]):
        atomic_write(path, body(output_dir, [str(output_dir / r) for r in kept]),
                     sync_folder=False)  # the generate group syncs the folder


class Current(UptodateCalculator):  # type: ignore[misc]  # doit is untyped
    """``uptodate`` entry: the file holds exactly what ``write`` would write now (checked after
    the ``generate`` sub-tasks ran, so it sees the manifests they left)."""

    __signature__ = inspect.Signature([
        inspect.Parameter("task", inspect.Parameter.POSITIONAL_OR_KEYWORD)])

    def __init__(self, output_dir: str, targets: list[str]) -> None:
        super().__init__()
        self.output_dir, self.targets = output_dir, targets

    def __call__(self, task: Any) -> bool:
        try:
            existing = (Path(self.output_dir) / FILE).read_bytes()
        except OSError:
            return False
        return existing == body(Path(self.output_dir), self.targets)


def task(output_dir: str, targets: list[str], after: list[str], shown: str) -> dict[str, Any]:
    """The ``_kustomization`` task: after ``after`` (the generate sub-tasks); ``shown`` is the
    file's path as messages show it."""
    return {
        "basename": "_kustomization",
        "doc": f"write {FILE} listing every manifest (a kustomize base)",
        "actions": [(write, [output_dir, targets])],
        "task_dep": after,
        "targets": [shown],
        "uptodate": [Current(output_dir, targets)],
        "clean": True,
    }
