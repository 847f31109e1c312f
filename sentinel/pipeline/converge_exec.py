"""Carry out a confirmed ``ClusterPlan``: exactly the changes its prompt named, audited.

Order, per namespace: the Pods to recreate are deleted and waited for (bounded by
``kubectl_timeout``); then one server-side apply creates, updates and re-creates; then, with
``prune``, orphans are deleted. A recreate whose delete failed is not applied (the old Pod is
still there). One whose old Pod was deleted but is still terminating when the wait ends, or
whose create failed, is said plainly (the old Pod is gone or going, the new one is not there
yet), and the next ``apply`` plans it again and creates it. Every change gets an audit record
with the planned action (create, update, recreate, delete), its reason (``not on the cluster``,
the changed fields, the orphan's reason) and the result: ``created``, ``configured``,
``recreated``, ``deleted`` (a prune), or ``error`` with the message. The namespaces applied to
are remembered per context, so orphans left there are found later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sentinel.config import Settings
from sentinel.errors import SentinelError
from sentinel.kube import audit, ssa
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Outcome, Target
from sentinel.pipeline import nsledger
from sentinel.pipeline.converge import ClusterPlan, Entry, kubectl_for

DONE = {"create": "created", "update": "configured", "recreate": "recreated",
        "delete": "deleted"}


@dataclass
class ExecResult:
    """What apply did: one line per Pod it acted on, and the failures."""

    done: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    records: list[audit.AuditRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every named change was made and audited."""
        return not self.failures

    def lines(self) -> list[str]:
        """The report: what was done, then what failed."""
        return [*self.done, *self.failures]


def _orphan_target(entry: Entry) -> Target:
    return Target(Path("/nonexistent") / entry.namespace / entry.name, entry.namespace,
                  entry.name, "orphan")


def execute(plan: ClusterPlan, settings: Settings, *, prune: bool,
            provenance: Mapping[str, str] | None = None,
            kube: Kubectl | None = None) -> ExecResult:
    """Make the changes ``plan.prompt_lines(prune)`` named; never raises for a Pod's failure."""
    kube = kube or kubectl_for(settings)
    result = ExecResult()
    chosen = plan.changes(prune)
    note = " ".join(f"{k}={v}" for k, v in sorted((provenance or {}).items()))
    try:
        for namespace in sorted({e.namespace for e in chosen}):
            here = [e for e in chosen if e.namespace == namespace]
            try:
                _namespace(kube, plan, namespace, here, result, note)
            except SentinelError as err:  # the run itself failed (kubectl gone, context gone)
                result.failures.append(f"{namespace}: {err}")
    except KeyboardInterrupt:
        _interrupted(plan, chosen, result, note)
    if result.records:
        try:
            audit.append(settings.audit_log, result.records)
        except SentinelError as err:
            result.failures.append(f"the cluster was changed but the audit log was not written: "
                                   f"{err}")
    applied = {e.namespace for e in chosen if e.action in DONE and e.action != "delete"}
    if applied:
        try:
            nsledger.remember(settings.state_dir, plan.context.key(), applied)
        except OSError as exc:
            result.failures.append(f"cannot record the namespaces applied to in "
                                   f"{settings.state_dir}: {exc.strerror}")
    return result


INTERRUPTED = ("interrupted (Ctrl-C) while kubectl ran: may or may not have been changed; "
               "`doit plan` shows where the cluster stands")


def _interrupted(plan: ClusterPlan, chosen: Sequence[Entry], result: ExecResult,
                 note: str) -> None:
    """Ctrl-C while kubectl changed the cluster: which Pods it reached is unknown, so each Pod
    without a result is audited as ``interrupted``; the next apply plans from what is live."""
    reported = {(r.namespace, r.name) for r in result.records}
    pending = [e for e in chosen if (e.namespace, e.name) not in reported]
    result.failures.append(f"apply {INTERRUPTED}:\n" + "\n".join(
        f"  {e.spec}: Pod {e.pod}" if e.spec else f"  orphan Pod {e.pod}" for e in pending))
    result.records += [_record(plan, e, "interrupted", INTERRUPTED, note) for e in pending]


def _namespace(kube: Kubectl, plan: ClusterPlan, namespace: str, here: Sequence[Entry],
               result: ExecResult, note: str) -> None:
    recreates = [e for e in here if e.action == "recreate"]
    gone: set[str] = set()
    if recreates:
        for entry, outcome in zip(recreates, ssa.delete_and_wait(
                kube, namespace, [_target(e) for e in recreates])):
            if outcome.ok:
                gone.add(entry.name)
            elif outcome.action == ssa.TERMINATING:  # deleted: the cluster did change
                result.done.append(f"{entry.who()}: old Pod deleted, still terminating; the new "
                                   "one is not created yet")
                _fail(result, plan, entry, f"{entry.where()}: not recreated yet: the old Pod was "
                      f"deleted and is still terminating after {_seconds(kube)}s, so the new one "
                      "was not created; the next `doit apply` creates it (once the old Pod is "
                      f"gone)\n  hint: {_hint(outcome)}", note)
            else:
                _fail(result, plan, entry, f"{entry.where()}: not recreated: deleting the old Pod "
                      f"failed: {_words(outcome, entry)}", note)
    to_apply = [e for e in here if e.action in ("create", "update")
                or (e.action == "recreate" and e.name in gone)]
    if to_apply:
        manifests = [ssa.Manifest(_target(e), _data(e)) for e in to_apply]
        for entry, outcome in zip(to_apply, ssa.apply(kube, namespace, manifests,
                                                       force=plan.force_conflicts)):
            if outcome.ok:
                _done(result, plan, entry, note)
            elif entry.action == "recreate":
                result.done.append(f"{entry.who()}: old Pod deleted; the new one was not "
                                   "created (see below)")
                _fail(result, plan, entry, f"{entry.where()}: the old Pod was deleted but the new "
                      f"one was not created: {_words(outcome, entry)}; run `doit apply` again to "
                      "create it", note)
            else:
                _fail(result, plan, entry, f"{entry.where()}: not {DONE[entry.action]}: "
                      f"{_words(outcome, entry)}", note)
    orphans = [e for e in here if e.action == "delete"]
    if orphans:
        for entry, outcome in zip(orphans, ssa.delete_and_wait(
                kube, namespace, [_orphan_target(e) for e in orphans])):
            if outcome.ok:
                _done(result, plan, entry, note)
            elif outcome.action == ssa.TERMINATING:  # deleted: it goes when its grace ends
                why = f"{_why(entry)}; still terminating after {_seconds(kube)}s"
                result.done.append(f"{entry.who()}: deleted ({why})")
                result.records.append(_record(plan, entry, DONE["delete"], why, note))
            else:
                _fail(result, plan, entry, f"{entry.where()}: not deleted: "
                      f"{_words(outcome, entry)}", note)


def _seconds(kube: Kubectl) -> int:
    """How long ``delete_and_wait`` waited."""
    return max(1, int(kube.timeout))


def _hint(outcome: Outcome) -> str:
    return (outcome.error.hint if outcome.error is not None else None) or ""


def _target(entry: Entry) -> Target:
    assert entry.desired is not None  # every spec entry carries its manifest
    return entry.desired.target()


def _data(entry: Entry) -> bytes:
    assert entry.desired is not None
    return entry.desired.data


def _words(outcome: Outcome, entry: Entry) -> str:
    text = str(outcome.error)
    for prefix in (f"{entry.spec}: Pod {entry.pod}: ", f"orphan: Pod {entry.pod}: "):
        text = text.removeprefix(prefix)
    return text


def _why(entry: Entry) -> str:
    """What the report line shows in parentheses after the result (nothing for a create)."""
    if entry.action == "delete":
        return f"pruned, {entry.reason}"
    if entry.fields:
        return f"{', '.join(entry.fields)} changed"
    return ""


def reason(entry: Entry) -> str:
    """Why the plan named this change, for the audit log: never empty."""
    if entry.action == "create":
        return "not on the cluster"
    if entry.action == "delete":
        return entry.reason or "orphan: no spec maps to it"
    if entry.fields:
        return f"{', '.join(entry.fields)} changed"
    if entry.action == "recreate":
        return "a field changed that a Pod cannot change in place"
    return "the server would store the Pod differently"


def _done(result: ExecResult, plan: ClusterPlan, entry: Entry, note: str) -> None:
    shown = DONE[entry.action]
    why = _why(entry)
    result.done.append(f"{entry.who()}: {shown}" + (f" ({why})" if why else ""))
    result.records.append(_record(plan, entry, shown, why, note))


def _fail(result: ExecResult, plan: ClusterPlan, entry: Entry, message: str, note: str) -> None:
    result.failures.append(message)
    result.records.append(_record(plan, entry, "error", message, note))


def _record(plan: ClusterPlan, entry: Entry, result: str, message: str,
            note: str) -> audit.AuditRecord:
    operation = "delete" if entry.action == "delete" else "apply"
    sha = entry.desired.sha256 if entry.desired is not None else ""
    spec_sha = ""
    if entry.spec:
        try:
            spec_sha = hashlib.sha256(Path(entry.spec).read_bytes()).hexdigest()
        except OSError:
            spec_sha = ""
    return audit.AuditRecord(audit.now(), audit.current_user(), operation, plan.context.name,
                             plan.context.server, entry.namespace, entry.name, entry.spec, sha,
                             result, message, note, spec_sha, entry.action, reason(entry))
