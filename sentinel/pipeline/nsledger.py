"""The namespaces a project has applied Pods to, per context: where its orphans can be.

A Pod whose spec was moved to another namespace, or whose last spec in a namespace was deleted,
is still this project's and must be found to be pruned; the specs alone no longer name that
namespace. ``<state_dir>/cluster/namespaces.json`` maps each context (``name@server``) to the
sorted namespaces ``apply`` ever sent a Pod to. It only grows; written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sentinel.fsutil import atomic_write

LEDGER = Path("cluster") / "namespaces.json"


def _read_all(state_dir: Path) -> dict[str, list[str]]:
    try:
        data = json.loads((state_dir / LEDGER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): [str(n) for n in v] for k, v in data.items() if isinstance(v, list)}


def namespaces(state_dir: Path, context: str) -> set[str]:
    """The namespaces recorded for ``context`` (empty if none or the file is unreadable)."""
    return set(_read_all(state_dir).get(context, []))


def remember(state_dir: Path, context: str, used: Iterable[str]) -> None:
    """Add ``used`` to ``context``'s namespaces (no write when nothing is new)."""
    data = _read_all(state_dir)
    known = set(data.get(context, []))
    new = known | set(used)
    if new == known:
        return
    data[context] = sorted(new)
    atomic_write(state_dir / LEDGER, json.dumps(data, indent=2, sort_keys=True) + "\n")
