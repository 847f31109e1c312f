"""The actions behind the cluster tasks: batched kubectl runs, stamps, the gate, the audit log.

A batch action (``_dryrun_batch``, ``_apply_batch``) gets doit's ``changed`` list, adds every
manifest whose last stamp is not a success for the current context, and hands those to kubectl
in one run per namespace. It records one stamp per manifest and fails only for what concerns the
whole run (no kubectl, no usable context, gate refused). Each per-manifest sub-task then reports
its own stamp, so a bad Pod fails its own sub-task and nothing else. Actions return
``TaskFailed`` with a message naming the Pod and its spec file; they never raise for an expected
failure. Ctrl-C while kubectl changes the cluster is audited too (``interrupted``: which Pods it
reached is unknown), and those Pods are applied again next run.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from doit.exceptions import TaskFailed

from sentinel.errors import ConfirmationRefused, SentinelError, SpecError
from sentinel.kube import audit, batch
from sentinel.kube.kubectl import ContextIdentity, Kubectl
from sentinel.kube.outcomes import Outcome, Target
from sentinel.pipeline import stamps
from sentinel.pipeline.confirm import confirm
from sentinel.pipeline.plan import load_once
from sentinel.pipeline.settings import pipeline_settings


@dataclass(frozen=True)
class Item:
    """One spec's Pod as the cluster tasks see it (paths as doit knows them)."""

    task: str
    spec: str
    manifest: str
    namespace: str
    name: str

    @property
    def pod(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def target(self) -> Target:
        """The kube-layer view; absolute path so kubectl's messages can be matched back."""
        return Target(Path(self.manifest).absolute(), self.namespace, self.name, self.spec)


def kubectl() -> Kubectl:
    """kubectl as the settings configure it (raises ``KubectlNotFound``)."""
    s = pipeline_settings()
    return Kubectl.from_settings(s.kubectl, s.context, s.kubectl_timeout)


@lru_cache(maxsize=1)
def identity() -> ContextIdentity:
    """The target context of this run (once per process: it reads the kubeconfig via kubectl)."""
    return kubectl().identity()


def _state() -> Path:
    return pipeline_settings().state_dir


def stamps_current(kind: str, items: Sequence[Item], mode: str = "") -> Callable[[], bool]:
    """Up-to-date check: every item has a success stamp of ``kind`` for the current context."""

    def check() -> bool:
        try:
            key = identity().key()
        except SentinelError:
            return False  # let the action run and report the problem properly
        for item in items:
            stamp = stamps.read(_state(), kind, item.manifest)
            if stamp is None or not stamp.matches(None, key, mode):
                return False
        return True

    return check


def stamp_current(kind: str, item: Item, mode: str = "") -> Callable[[Any, dict[str, Any]], bool]:
    """Up-to-date check of one sub-task: success stamp for this content and context, already
    reported (``values`` holds the run id its ``report`` action returned)."""

    def check(task: Any, values: dict[str, Any]) -> bool:
        try:
            key = identity().key()
        except SentinelError:
            return False
        stamp = stamps.read(_state(), kind, item.manifest)
        return (stamp is not None and values.get("run") == stamp.run
                and stamp.matches(stamps.sha256_of(Path(item.manifest)), key, mode))

    return check


def _todo(kind: str, items: Sequence[Item], changed: Sequence[str], key: str,
          mode: str = "", force: bool = False) -> list[Item]:
    """Items doit saw change, plus items without a success stamp for this context (all of
    them with ``force``)."""
    if force:
        return list(items)
    touched = set(changed)
    todo = []
    for item in items:
        stamp = stamps.read(_state(), kind, item.manifest)
        if item.manifest in touched or item.spec in touched or stamp is None \
                or not stamp.matches(None, key, mode):
            todo.append(item)
    return todo


RUN_ID = uuid.uuid4().hex  # this process's batch run


def _stamp(kind: str, item: Item, sha: str, ident: ContextIdentity, outcome: Outcome | None,
           *, result: str = "", message: str = "", mode: str = "") -> None:
    ok = outcome.ok if outcome else not message
    if outcome is not None:
        result, message = _result(outcome)
    stamps.write(_state(), kind, stamps.Stamp(
        item.manifest, item.spec, item.namespace, item.name, sha, ident.key(), ok, result,
        message, mode, RUN_ID))


def dryrun_batch(items: list[Item], mode: str, force: bool,
                 changed: list[str]) -> TaskFailed | None:
    """Action of ``_dryrun_batch``: dry-run what changed, one kubectl per namespace."""
    if mode not in batch.DRY_RUN_MODES:
        return TaskFailed(f"dry-run mode must be server or client, not {mode!r} "
                          "(doit dryrun --mode, or the dryrun_mode setting)")
    if not items:
        return None
    try:
        kube, ident = kubectl(), identity()
        todo = _todo("dryrun", items, changed, ident.key(), mode, force)
        if not todo:
            return None
        shas = {i.manifest: stamps.sha256_of(Path(i.manifest)) for i in todo}
        results = batch.dry_run(kube, [i.target() for i in todo], mode)
    except SentinelError as err:
        return run_failed(err, "not dry-run", items)
    for item, outcome in zip_outcomes(todo, results):
        _stamp("dryrun", item, shas[item.manifest], ident, outcome, mode=mode)
    return None


SHOWN = 20  # Pods listed under a failure of the whole run; more are counted


def run_failed(err: SentinelError, what: str, items: Sequence[Item]) -> TaskFailed:
    """A failure before kubectl acted on any Pod (no kubectl, no usable context): the error, then
    which Pods it left untouched, by spec file, so the message says what the run was for."""
    lines = [f"  {i.spec}: Pod {i.pod}" for i in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"  ... and {len(items) - SHOWN} more")
    return TaskFailed(f"{err}\n{len(items)} Pod(s) {what}:\n" + "\n".join(lines))


def zip_outcomes(items: Sequence[Item], results: Sequence[Outcome]) -> list[tuple[Item, Outcome]]:
    """Pair each item with its outcome (batch results come back grouped by namespace)."""
    by_manifest = {r.target.manifest: r for r in results}
    return [(i, by_manifest[i.target().manifest]) for i in items]


def report(kind: str, item: Item, mode: str = "") -> TaskFailed | dict[str, str]:
    """Action of a per-manifest sub-task: show this manifest's recorded result; doit saves the
    returned run id, so the sub-task is up to date until a batch records a new result."""
    stamp = stamps.read(_state(), kind, item.manifest)
    if stamp is None:
        return TaskFailed(f"{item.spec}: Pod {item.pod}: no {kind} result was recorded")
    if not stamp.ok:
        return TaskFailed(stamp.message)
    suffix = f" ({mode} dry run)" if kind == "dryrun" else ""
    print(f"{item.pod} ({item.spec}): {stamp.result}{suffix}")
    return {"run": stamp.run}


def apply_flag(item: Item) -> bool:
    """The spec's ``apply:`` flag (loads the spec; only for the specs a task acts on)."""
    return bool(load_once(Path(item.spec)).model.apply)


def apply_batch(items: list[Item], yes: bool, interactive: bool, force: bool,
                changed: list[str]) -> TaskFailed | None:
    """Action of ``_apply_batch``: gate once, then apply what passed its dry run."""
    if not items:
        return None
    state = _state()
    try:
        kube, ident = kubectl(), identity()
        todo = _todo("apply", items, changed, ident.key(), force=force)
    except SentinelError as err:
        return run_failed(err, "not applied", items)
    ready: list[Item] = []
    shas: dict[str, str] = {}
    for item in todo:
        sha = shas[item.manifest] = stamps.sha256_of(Path(item.manifest))
        try:
            wanted = apply_flag(item)
        except SpecError as err:
            _stamp("apply", item, sha, ident, None, message=f"{item.spec}: invalid spec:\n{err}")
            continue
        if not wanted:  # its sub-task says so
            _stamp("apply", item, sha, ident, None, result="skipped (apply: false in the spec)")
            continue
        dry = stamps.read(state, "dryrun", item.manifest)
        if dry is None or not dry.ok or dry.sha256 != sha or dry.context != ident.key():
            _stamp("apply", item, sha, ident, None, message=_not_dry_run(item, dry, sha, ident))
            continue
        ready.append(item)
    if not ready:
        return None
    outcome_ = _change("apply", kube, ident, ready, shas, yes=yes, interactive=interactive)
    if isinstance(outcome_, TaskFailed):
        return outcome_
    pairs, audit_failed = outcome_
    for item, outcome in pairs:
        _stamp("apply", item, shas[item.manifest], ident, outcome)
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
    failed = _audit(operation, ident, [(i, *_result(o)) for i, o in pairs], shas)
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


def _result(outcome: Outcome) -> tuple[str, str]:
    """(result, message) of one Pod's outcome, as stamps and the audit log record it."""
    if outcome.ok:
        return outcome.action or "done", ""
    return "error", str(outcome.error)


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
            _stamp("apply", item, shas[item.manifest], ident, None,
                   message=f"{item.spec}: Pod {item.pod}: {note}")
        else:
            stamps.remove(_state(), "apply", item.manifest)
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
            stamps.remove(_state(), "apply", item.manifest)  # it must be applied again
            shown = "deleted" if outcome.action == "deleted" else "not found (nothing to delete)"
            print(f"{item.pod} ({item.spec}): {shown}")
        else:
            failures.append(str(outcome.error))
    if audit_failed is not None:  # said as well as the failed Pods, never instead of them
        failures.append(str(audit_failed))
    return TaskFailed("\n".join(failures)) if failures else None
