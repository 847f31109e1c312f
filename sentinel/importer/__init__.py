"""``sentinel import``: existing Pod manifests and workload Pod templates → spec files.

The package is a layer of its own beside render and policy: it reads untrusted manifests
(``documents``), drops what the server added and what only spells out a default (``clean``),
keeps the Pod's security profile (``profile``) and, under baseline, the capabilities its root
containers had (``capabilities``), maps Kubernetes fields onto spec keys (``convert`` with
``fit``), and proves the result by rendering it and comparing (``compare``), so that a field
the spec cannot hold is never lost silently. It imports ``spec``, ``render``, ``policy``,
``errors`` and ``fsutil`` only, never ``pipeline``, ``chat`` or ``kube`` (tests/test_layers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sentinel.importer.compare import Difference
from sentinel.importer.documents import MAX_INPUT_BYTES, decode, find_pods
from sentinel.importer.pod import Imported, import_pod

__all__ = ["MAX_INPUT_BYTES", "Difference", "Imported", "Imports", "decode", "import_text"]


@dataclass(frozen=True)
class Imports:
    """Every Pod imported from one input, in order, and the documents that were skipped."""

    pods: list[Imported]
    skipped: list[str]


def import_text(text: str, source: str) -> Imports:
    """Import every Pod in ``text``; ``SpecError`` if it is not YAML, holds no Pod, or a Pod
    cannot become a spec at all (no name, an invalid name or image)."""
    found = find_pods(text, source)
    return Imports([import_pod(pod, source) for pod in found.pods], found.skipped)
