"""The action of ``doit delete``: every spec's Pod, behind the gate.

One confirmation for every Pod, one kubectl per namespace, one audit record per Pod
(``_change``). Ctrl-C while kubectl changes the cluster is audited too (``interrupted``: which
Pods it reached is unknown). ``apply`` is ``cluster_apply``: it plans from the live cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from doit.exceptions import TaskFailed

from sentinel.errors import ConfirmationRefused, SentinelError, SpecError
from sentinel.kube import audit, batch
from sentinel.kube.kubectl import ContextIdentity, Kubectl
from sentinel.kube.outcomes import Outcome
from sentinel.pipeline import fleet, stamps
from sentinel.pipeline.cluster_actions import (
    Item,
    apply_flag,
    identity,
    kubectl,
    outcome_result,
    record,
    run_failed,
    state_dir,
    zip_outcomes,
)
from sentinel.pipeline.confirm import confirm
from sentinel.pipeline.settings import pipeline_settings

_RUN = {"delete": batch.delete}
_DONE = {"delete": "deleted"}


def _change(operation: str, kube: Kubectl, ident: ContextIdentity, chosen: Sequence[Item],
            shas: dict[str, str], *, yes: bool, interactive: bool,
            ) -> TaskFailed | tuple[list[tuple[Item, Outcome]], TaskFailed | None]:
    """The steps ``apply`` and ``delete`` share: ask once, run kubectl, audit what it did.

    Returns ``TaskFailed`` when nothing (or nothing known) was changed; otherwise each Pod's
    outcome and the audit log's failure, if any (the caller stamps and reports the Pods).
    """
    try:
        confirm(operation, ident.name, [(i.namespace, i.name) for i in chosen], yes=yes,
                interactive=interactive, command=f"doit {operation}")
    except ConfirmationRefused as err:  # names the Pods already
        return TaskFailed(str(err))
    except KeyboardInterrupt:  # before the question took Ctrl-C over: kubectl never ran
        return TaskFailed(f"{operation} cancelled (Ctrl-C); nothing was changed")
    try:
        results = _RUN[operation](kube, [i.target() for i in chosen])
    except SentinelError as err:
        return run_failed(err, f"not {_DONE[operation]}", chosen)
    except KeyboardInterrupt:
        return _interrupted(operation, ident, chosen, shas)
    pairs = zip_outcomes(chosen, results)
    failed = _audit(operation, ident, [(i, *outcome_result(o)) for i, o in pairs], shas)
    if failed is None:
        return pairs, None
    return pairs, TaskFailed(f"the cluster was changed but the audit log was not written: {failed}")


def _audit(operation: str, ident: ContextIdentity, rows: Sequence[tuple[Item, str, str]],
           shas: dict[str, str]) -> SentinelError | None:
    """Append one audit record per (Pod, result, message); the error if the log was not written."""
    user, when = audit.current_user(), audit.now()
    records = [
        audit.AuditRecord(when, user, operation, ident.name, ident.server, i.namespace, i.name,
                          i.spec, shas.get(i.manifest, ""), result, message)
        for i, result, message in rows
    ]
    try:
        audit.append(pipeline_settings().audit_log, records)
    except SentinelError as err:
        return err
    return None


def _interrupted(operation: str, ident: ContextIdentity, items: Sequence[Item],
                 shas: dict[str, str]) -> TaskFailed:
    """Ctrl-C while kubectl was changing the cluster: which Pods it reached is unknown, so each
    is audited as ``interrupted`` and counted as not applied, to be applied again next run."""
    note = f"interrupted (Ctrl-C) while kubectl ran: may or may not have been {_DONE[operation]}"
    failed = _audit(operation, ident, [(i, "interrupted", note) for i in items], shas)
    for item in items:
        if operation == "apply":
            record("apply", item, shas[item.manifest], ident, None,
                   message=f"{item.spec}: Pod {item.pod}: {note}")
        else:
            stamps.remove(state_dir(), "apply", item.manifest, fleet.tag())
    return TaskFailed(f"{operation} {note}; check with `doit diff`:\n"
                      + "\n".join(f"  {i.spec}: Pod {i.pod}" for i in items)
                      + (f"\nthe audit log was not written: {failed}" if failed else ""))


def delete_all(items: list[Item], yes: bool, interactive: bool) -> TaskFailed | None:
    """Action of ``delete``: per context, gate once (the prompt names the context), delete every
    applicable spec's Pod, audit, report."""
    return fleet.each(lambda: _delete(items, yes, interactive))


def _delete(items: list[Item], yes: bool, interactive: bool) -> TaskFailed | None:
    try:
        kube, ident = kubectl(), identity()
    except SentinelError as err:
        return run_failed(err, "not deleted", items)
    chosen: list[Item] = []
    for item in items:
        try:
            wanted = apply_flag(item)
        except SpecError as err:
            return TaskFailed(f"{item.spec}: invalid spec:\n{err}")
        if wanted:
            chosen.append(item)
        else:
            print(f"{item.pod} ({item.spec}): skipped (apply: false in the spec)")
    if not chosen:
        print("nothing to delete")
        return None
    shas = {i.manifest: stamps.sha256_of(Path(i.manifest)) for i in chosen}
    changed = _change("delete", kube, ident, chosen, shas, yes=yes, interactive=interactive)
    if isinstance(changed, TaskFailed):
        return changed
    pairs, audit_failed = changed
    failures = []
    for item, outcome in pairs:
        if outcome.ok:
            stamps.remove(state_dir(), "apply", item.manifest, fleet.tag())  # it must be applied again
            shown = "deleted" if outcome.action == "deleted" else "not found (nothing to delete)"
            print(f"{item.pod} ({item.spec}): {shown}")
        else:
            failures.append(str(outcome.error))
    if audit_failed is not None:  # said as well as the failed Pods, never instead of them
        failures.append(str(audit_failed))
    return TaskFailed("\n".join(failures)) if failures else None
