"""The actions that change the cluster: ``_apply_batch`` and ``delete``, each behind the gate.

Both take the same path (``_change``): one confirmation for every Pod, one kubectl per
namespace, one audit record per Pod. ``apply`` acts only on manifests whose dry run passed with
the same content and context, and records an ``apply`` stamp per manifest; ``delete`` forgets the
``apply`` stamps of the Pods it removed, so they are applied again next run. Ctrl-C while
kubectl changes the cluster is audited too (``interrupted``: which Pods it reached is unknown),
and those Pods are applied again next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from doit.exceptions import TaskFailed

from sentinel.errors import ConfirmationRefused, SentinelError, SpecError
from sentinel.kube import audit, batch
from sentinel.kube.kubectl import ContextIdentity, Kubectl
from sentinel.kube.outcomes import Outcome
from sentinel.pipeline import stamps
from sentinel.pipeline.cluster_actions import (
    Item,
    apply_flag,
    identity,
    kubectl,
    outcome_result,
    record,
    run_failed,
    state_dir,
    to_run,
    zip_outcomes,
)
from sentinel.pipeline.confirm import confirm
from sentinel.pipeline.settings import pipeline_settings


def apply_batch(items: list[Item], yes: bool, interactive: bool, force: bool,
                changed: list[str]) -> TaskFailed | None:
    """Action of ``_apply_batch``: gate once, then apply what passed its dry run."""
    if not items:
        return None
    state = state_dir()
    try:
        kube, ident = kubectl(), identity()
        todo = to_run("apply", items, changed, ident.key(), force=force)
    except SentinelError as err:
        return run_failed(err, "not applied", items)
    ready: list[Item] = []
    shas: dict[str, str] = {}
    for item in todo:
        sha = shas[item.manifest] = stamps.sha256_of(Path(item.manifest))
        try:
            wanted = apply_flag(item)
        except SpecError as err:
            record("apply", item, sha, ident, None, message=f"{item.spec}: invalid spec:\n{err}")
            continue
        if not wanted:  # its sub-task says so
            record("apply", item, sha, ident, None, result="skipped (apply: false in the spec)")
            continue
        dry = stamps.read(state, "dryrun", item.manifest)
        if dry is None or not dry.ok or dry.sha256 != sha or dry.context != ident.key():
            record("apply", item, sha, ident, None, message=_not_dry_run(item, dry, sha, ident))
            continue
        ready.append(item)
    if not ready:
        return None
    outcome_ = _change("apply", kube, ident, ready, shas, yes=yes, interactive=interactive)
    if isinstance(outcome_, TaskFailed):
        return outcome_
    pairs, audit_failed = outcome_
    for item, outcome in pairs:
        record("apply", item, shas[item.manifest], ident, outcome)
    return audit_failed


_RUN = {"apply": batch.apply, "delete": batch.delete}
_DONE = {"apply": "applied", "delete": "deleted"}


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


def _not_dry_run(item: Item, dry: stamps.Stamp | None, sha: str, ident: ContextIdentity) -> str:
    """Why a manifest is not applied: its dry run of this content on this context failed (with
    the dry run's own message), or there is no such dry run."""
    where = f"{item.spec}: Pod {item.pod}: "
    if dry is not None and not dry.ok and dry.sha256 == sha and dry.context == ident.key():
        return (f"{where}not applied: its dry run against context '{ident.name}' failed: "
                + dry.message.removeprefix(where))
    return (f"{where}not applied: it did not pass a dry run with this content against context "
            f"'{ident.name}'")


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
            stamps.remove(state_dir(), "apply", item.manifest)
    return TaskFailed(f"{operation} {note}; check with `doit diff`:\n"
                      + "\n".join(f"  {i.spec}: Pod {i.pod}" for i in items)
                      + (f"\nthe audit log was not written: {failed}" if failed else ""))


def delete_all(items: list[Item], yes: bool, interactive: bool) -> TaskFailed | None:
    """Action of ``delete``: gate once, delete every applicable spec's Pod, audit, report."""
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
            stamps.remove(state_dir(), "apply", item.manifest)  # it must be applied again
            shown = "deleted" if outcome.action == "deleted" else "not found (nothing to delete)"
            print(f"{item.pod} ({item.spec}): {shown}")
        else:
            failures.append(str(outcome.error))
    if audit_failed is not None:  # said as well as the failed Pods, never instead of them
        failures.append(str(audit_failed))
    return TaskFailed("\n".join(failures)) if failures else None
