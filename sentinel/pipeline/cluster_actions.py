"""The actions behind the cluster tasks: batched dry runs, stamps, per-manifest reports.

A batch action (``_dryrun_batch``, and ``_apply_batch`` in ``cluster_changes``) gets doit's
``changed`` list, adds every manifest whose last stamp is not a success for the current context,
and hands those to kubectl in one run per namespace. It records one stamp per manifest and fails
only for what concerns the whole run (no kubectl, no usable context, gate refused). Each
per-manifest sub-task then reports its own stamp, so a bad Pod fails its own sub-task and nothing
else. Actions return ``TaskFailed`` with a message naming the Pod and its spec file; they never
raise for an expected failure. The parts here are shared by ``cluster_changes`` (apply, delete)
and ``cluster_report`` (diff, status).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from doit.exceptions import TaskFailed

from sentinel.errors import SentinelError
from sentinel.kube import batch
from sentinel.kube.kubectl import ContextIdentity, Kubectl
from sentinel.kube.outcomes import Outcome, Target
from sentinel.pipeline import fleet, stamps
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
    """kubectl for the context being worked on (raises ``KubectlNotFound``)."""
    s = pipeline_settings()
    return Kubectl.from_settings(s.kubectl, fleet.current(), s.kubectl_timeout)


def identity() -> ContextIdentity:
    """The context being worked on (once per process and context: it reads the kubeconfig via
    kubectl)."""
    return _identity(fleet.current())


@lru_cache(maxsize=16)
def _identity(context: str | None) -> ContextIdentity:
    s = pipeline_settings()
    return Kubectl.from_settings(s.kubectl, context, s.kubectl_timeout).identity()


def state_dir() -> Path:
    """Where the stamps live (the ``state_dir`` setting)."""
    return pipeline_settings().state_dir


def stamps_current(kind: str, items: Sequence[Item], mode: str = "") -> Callable[[], bool]:
    """Up-to-date check: every item has a success stamp of ``kind`` for the manifest's current
    bytes and the current context."""

    def check() -> bool:
        for context in fleet.contexts():
            with fleet.on(context):
                try:
                    key = identity().key()
                except SentinelError:
                    return False  # let the action run and report the problem properly
                for item in items:
                    stamp = stamps.read(state_dir(), kind, item.manifest, fleet.tag())
                    sha = stamps.sha256_of(Path(item.manifest))
                    if stamp is None or not stamp.matches(sha, key, mode):
                        return False
        return True

    return check


def stamp_current(kind: str, item: Item, mode: str = "") -> Callable[[Any, dict[str, Any]], bool]:
    """Up-to-date check of one sub-task: success stamp for this content and context, already
    reported (``values`` holds the run id its ``report`` action returned)."""

    def check(task: Any, values: dict[str, Any]) -> bool:
        runs = values.get("run", "").split(",")
        contexts = fleet.contexts()
        if len(runs) != len(contexts):
            return False
        for context, run in zip(contexts, runs, strict=True):
            with fleet.on(context):
                try:
                    key = identity().key()
                except SentinelError:
                    return False
                stamp = stamps.read(state_dir(), kind, item.manifest, fleet.tag())
                if not (stamp is not None and run == stamp.run and stamp.matches(
                        stamps.sha256_of(Path(item.manifest)), key, mode)):
                    return False
        return True

    return check


def to_run(kind: str, items: Sequence[Item], changed: Sequence[str], key: str,
          mode: str = "", force: bool = False) -> list[Item]:
    """Items doit saw change, plus every item without a success stamp for the manifest's
    current sha256 and this context (all of them with ``force``).

    doit's ``changed`` list alone is not enough: a manifest that went away and came back with
    other bytes, or one whose last run was against another context, is not in it."""
    if force:
        return list(items)
    touched = set(changed)
    todo = []
    for item in items:
        stamp = stamps.read(state_dir(), kind, item.manifest, fleet.tag())
        sha = stamps.sha256_of(Path(item.manifest))
        if item.manifest in touched or item.spec in touched or stamp is None \
                or not stamp.matches(sha, key, mode):
            todo.append(item)
    return todo


RUN_ID = uuid.uuid4().hex  # this process's batch run


def record(kind: str, item: Item, sha: str, ident: ContextIdentity, outcome: Outcome | None,
           *, result: str = "", message: str = "", mode: str = "") -> None:
    """Write ``item``'s ``kind`` stamp: from kubectl's ``outcome``, else ``result``/``message``
    (a message means failure)."""
    ok = outcome.ok if outcome else not message
    if outcome is not None:
        result, message = outcome_result(outcome)
    stamps.write(state_dir(), kind, stamps.Stamp(
        item.manifest, item.spec, item.namespace, item.name, sha, ident.key(), ok, result,
        message, mode, RUN_ID), fleet.tag())


def dryrun_batch(items: list[Item], mode: str, force: bool,
                 changed: list[str]) -> TaskFailed | None:
    """Action of ``_dryrun_batch``: dry-run what changed, one kubectl per namespace."""
    if mode not in batch.DRY_RUN_MODES:
        return TaskFailed(f"dry-run mode must be server or client, not {mode!r} "
                          "(doit dryrun --mode, or the dryrun_mode setting)")
    if not items:
        return None
    failures = []
    for context in fleet.contexts():
        with fleet.on(context):
            failed = _dryrun_context(items, mode, force, changed)
            if failed is not None:
                failures.append(f"{fleet.prefix()}{failed.message}")
    return TaskFailed("\n".join(failures)) if failures else None


def _dryrun_context(items: list[Item], mode: str, force: bool,
                    changed: list[str]) -> TaskFailed | None:
    """The dry run against the context being worked on."""
    try:
        kube, ident = kubectl(), identity()
        todo = to_run("dryrun", items, changed, ident.key(), mode, force)
        if not todo:
            return None
        shas = {i.manifest: stamps.sha256_of(Path(i.manifest)) for i in todo}
        if mode == "server":
            _server_dry_run(kube, ident, todo, shas)
            return None
        results = batch.dry_run(kube, [i.target() for i in todo], mode)
    except SentinelError as err:
        return run_failed(err, "not dry-run", items)
    for item, outcome in zip_outcomes(todo, results):
        record("dryrun", item, shas[item.manifest], ident, outcome, mode=mode)
    return None


def _server_dry_run(kube: Kubectl, ident: ContextIdentity, todo: Sequence[Item],
                    shas: dict[str, str]) -> None:
    """The server dry run is the plan's (server-side apply with ``dryRun=All`` against the live
    Pods), so it says what ``apply`` would do: create, update, recreate or unchanged."""
    from sentinel.pipeline.converge import Desired, plan_pods

    desired = [Desired(i.spec, i.manifest, i.namespace, i.name, Path(i.manifest).read_bytes())
               for i in todo]
    entries = {(e.namespace, e.name): e for e in
               plan_pods(kube, desired, project=pipeline_settings().project, orphans=False)}
    for item in todo:
        entry = entries[(item.namespace, item.name)]
        sha = shas[item.manifest]
        if entry.action == "error":
            record("dryrun", item, sha, ident, None, message=entry.detail, mode="server")
        else:
            record("dryrun", item, sha, ident, None, result=entry.describe(), mode="server")


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
    runs, failures = [], []
    for context in fleet.contexts():
        with fleet.on(context):
            stamp = stamps.read(state_dir(), kind, item.manifest, fleet.tag())
            if stamp is None:
                failures.append(f"{fleet.prefix()}{item.spec}: Pod {item.pod}: no {kind} result "
                                "was recorded")
            elif not stamp.ok:
                failures.append(f"{fleet.prefix()}{stamp.message}")
            else:
                suffix = f" ({mode} dry run)" if kind == "dryrun" else ""
                print(f"{fleet.prefix()}{item.pod} ({item.spec}): {stamp.result}{suffix}")
                runs.append(stamp.run)
    if failures:
        return TaskFailed("\n".join(failures))
    return {"run": ",".join(runs)}


def apply_flag(item: Item) -> bool:
    """The spec's ``apply:`` flag (loads the spec; only for the specs a task acts on)."""
    return bool(load_once(Path(item.spec)).model.apply)


def outcome_result(outcome: Outcome) -> tuple[str, str]:
    """(result, message) of one Pod's outcome, as stamps and the audit log record it."""
    if outcome.ok:
        return outcome.action or "done", ""
    return "error", str(outcome.error)
