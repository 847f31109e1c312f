"""The read-only cluster tasks' actions: ``diff`` (live vs manifest) and ``status`` (live Pods).

Neither changes the cluster, so neither has a gate, stamps or audit records; both always run.
``status --wait`` polls until every Pod is Ready or the timeout passes, then fails naming the
Pods that are not ready and why.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from doit.exceptions import TaskFailed

from sentinel.errors import SentinelError, SpecError
from sentinel.kube import batch
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.live import LivePods, live_pods
from sentinel.kube.outcomes import Target, is_immutable
from sentinel.kube.status import PodState, pod_states, summarize
from sentinel.pipeline import fleet
from sentinel.pipeline.cluster_actions import (
    Item,
    apply_flag,
    identity,
    kubectl,
    run_failed,
    zip_outcomes,
)
from sentinel.pipeline.settings import pipeline_settings

HEADER = ("POD", "PHASE", "READY", "RESTARTS", "REASON")


def diff_all(items: list[Item]) -> TaskFailed | None:
    """Action of ``diff``: show how the live Pods differ from the manifests that ``apply`` would
    apply (an ``apply: false`` spec is skipped, as ``apply`` and ``delete`` skip it), per
    context."""
    return fleet.each(lambda: _diff(items))


def _diff(items: list[Item]) -> TaskFailed | None:
    try:
        skipped = [i for i in items if not apply_flag(i)]
    except SpecError as err:
        return TaskFailed(str(err))
    for item in skipped:
        print(f"{item.pod} ({item.spec}): skipped (apply: false in the spec)")
    items = [i for i in items if i not in skipped]
    if not items:
        print("no manifests to compare")
        return None
    try:
        result = batch.diff(kubectl(), [i.target() for i in items])
    except SentinelError as err:
        return run_failed(err, "not compared", items)
    if result.text:
        print(result.text, end="" if result.text.endswith("\n") else "\n")
    failures = []
    for item, outcome in zip_outcomes(items, result.outcomes):
        if outcome.ok:
            print(f"{item.pod} ({item.spec}): {outcome.action}")
        elif is_immutable(outcome.error):
            print(f"{item.pod} ({item.spec}): differs in fields a Pod cannot change in place "
                  "(`doit plan` names them; `doit apply` recreates the Pod)")
        else:
            failures.append(str(outcome.error))
    return TaskFailed("\n".join(failures)) if failures else None


def table(states: Sequence[PodState]) -> str:
    """The status table, columns padded to fit."""
    rows = [HEADER, *(s.row() for s in states)]
    widths = [max(len(r[c]) for r in rows) for c in range(len(HEADER) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def status_all(items: list[Item], wait: bool, timeout: float, interval: float) -> TaskFailed | None:
    """Action of ``status``: one table of the live Pods per context; with ``wait``, poll until
    every Pod that ``doit apply`` manages (``apply: true``) is Ready or has run to completion; a
    Pod that failed for good (phase Failed) ends the wait early, as it never becomes Ready."""
    return fleet.each(lambda: _status(items, wait, timeout, interval))


def _status(items: list[Item], wait: bool, timeout: float, interval: float) -> TaskFailed | None:
    if not items:
        print("no specs")
        return None
    try:
        managed = _abs({i.manifest for i in items if apply_flag(i)})
    except SpecError as err:
        return TaskFailed(str(err))
    deadline = time.monotonic() + timeout
    try:
        kube = kubectl()
        identity()  # a missing kubeconfig/context is a configuration problem, say so first
        while True:
            reads: dict[str, LivePods] = {}  # each namespace listed once a round, reused below
            states = [_unmanaged(s, managed)
                      for s in pod_states(kube, [i.target() for i in items], reads)]
            waiting = [s for s in states if not s.done and s.target.manifest in managed]
            if not wait or all(s.stuck for s in waiting) or time.monotonic() >= deadline:
                break
            time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
        orphans = _orphan_states(kube, items, managed, reads)
    except SentinelError as err:
        return run_failed(err, "not read", items)
    print(table([*states, *orphans]))
    if orphans:
        print(f"{len(orphans)} orphan Pod(s): this project's, but no spec applies them; "
              "`doit apply --prune` deletes them")
    if wait and waiting:
        lines = [f"{s.target.where()}: {s.row()[4] or 'not ready'}" for s in waiting]
        why = ("failed and will not become Ready" if all(s.stuck for s in waiting)
               else f"not Ready after {timeout:g}s")
        return TaskFailed(f"{len(waiting)} Pod(s) {why}:\n" + "\n".join(lines))
    if wait:
        completed = sum(1 for s in states if s.phase == "Succeeded" and s.target.manifest in managed)
        print(f"all {len(managed)} applied Pod(s) Ready" if not completed else
              f"all {len(managed)} applied Pod(s) done: {len(managed) - completed} Ready, "
              f"{completed} completed")
    return None


def _orphan_states(kube: Kubectl, items: Sequence[Item], managed: set[Path],
                   reads: dict[str, LivePods]) -> list[PodState]:
    """Rows for this project's orphans (none without a project id): live Pods with its labels
    that no ``apply: true`` spec maps to, in the specs' and the ledger's namespaces (a
    namespace already listed for the states, in ``reads``, is not listed again)."""
    from sentinel.pipeline import nsledger
    from sentinel.pipeline.converge import find_orphans

    settings = pipeline_settings()
    if settings.project is None:
        return []
    namespaces = {i.namespace for i in items} | nsledger.namespaces(settings.state_dir,
                                                                      identity().key())
    rows = []
    for namespace in sorted(namespaces):
        here = [i for i in items if i.namespace == namespace]
        applied = {i.name for i in here if Path(i.manifest).absolute() in managed}
        skipped = {i.name: i.spec for i in here if i.name not in applied}
        live = reads[namespace] if namespace in reads else live_pods(kube, namespace)
        for entry in find_orphans(namespace, live, settings.project, applied, skipped):
            target = Target(Path("/nonexistent") / namespace / entry.name, namespace,
                            entry.name, "orphan")
            state = summarize(target, live[entry.name])
            rows.append(replace(state, reason=f"{entry.reason} (doit apply --prune deletes it)"))
    return rows


def _abs(manifests: set[str]) -> set[Path]:
    return {Path(m).absolute() for m in manifests}


def _unmanaged(state: PodState, managed: set[Path]) -> PodState:
    """Say why a spec that ``apply`` leaves out has no Pod."""
    if state.found or state.target.manifest in managed:
        return state
    return replace(state, reason="not found (apply: false)")
