"""Convergence: what it takes to make the cluster match the specs, decided from the live objects.

``build_plan`` renders every valid spec (in memory, exactly as ``generate`` writes it), reads the
live Pods of every namespace involved (one ``kubectl get`` each, which also finds the orphans)
and asks the API server what a server-side apply would do (one dry run per namespace with
specs). With the context lookup (``kubectl config view``, once per context) a plan runs
``2 × namespaces + 1`` kubectl processes, plus one ``get`` per namespace that only the ledger
names. Each Pod gets one action:

- ``create`` — no live Pod; ``update`` — the dry run stores something different (in place);
- ``recreate`` — the server refuses the update because a Pod cannot change those fields in place:
  apply deletes it, waits until it is gone, and creates it;
- ``unchanged`` — the dry run stores exactly the live object; ``skipped`` — ``apply: false``;
- ``delete`` — an orphan: a live Pod labelled ``managed-by: kube-sentinel`` with this project's id
  that no current ``apply: true`` spec maps to, in a namespace the specs or the namespace ledger
  name. Pods without this project's id are never orphans;
- ``error`` — the dry run failed (namespace missing, forbidden, a conflict with another manager),
  or the live Pod at the spec's namespace/name is not this project's (see ``foreign_owner``):
  apply never touches such a Pod.

Nothing here trusts doit's idea of what changed or a stamp: every decision is made from the
manifest's bytes and the live object, against the context named in the plan. ``execute`` (in
``converge_exec``) performs exactly the changes ``prompt_lines`` names.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sentinel.config import Settings, kube_contexts
from sentinel.errors import RenderError, SentinelError, SpecError
from sentinel.kube import ssa
from sentinel.kube.kubectl import ContextIdentity, Kubectl
from sentinel.kube.live import LivePods, labels_of, live_pods
from sentinel.kube.outcomes import Target, is_immutable
from sentinel.kube.podfields import forcing_recreate, update_fields
from sentinel.pipeline import nsledger
from sentinel.pipeline.plan import display, load_once, plan
from sentinel.spec import MANAGED_BY_LABEL, MANAGER, PROJECT_LABEL

ACTIONS = ("create", "update", "recreate", "delete", "unchanged", "skipped", "error")
CHANGES = ("create", "update", "recreate")


@dataclass(frozen=True)
class Desired:
    """One valid spec's Pod: the rendered manifest and whether ``apply`` manages it."""

    spec: str  # as shown to people (relative to the project)
    manifest: str  # where generate writes it (relative), the key kubectl's messages map back to
    namespace: str
    name: str
    data: bytes
    apply: bool = True

    @property
    def pod(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def sha256(self) -> str:
        """sha256 of the manifest's bytes (what the audit log records)."""
        return hashlib.sha256(self.data).hexdigest()

    def target(self) -> Target:
        """The kube layer's view of this Pod."""
        return Target(Path(self.manifest).absolute(), self.namespace, self.name, self.spec)

    def parsed(self) -> dict[str, Any]:
        """The manifest as an object."""
        return dict(yaml.safe_load(self.data))


@dataclass(frozen=True)
class Entry:
    """One Pod's line of the plan."""

    action: str
    namespace: str
    name: str
    spec: str = ""  # empty for an orphan
    fields: tuple[str, ...] = ()
    reason: str = ""  # why (an orphan's reason, an error's message on one line)
    hint: str = ""
    detail: str = ""  # an error's full message, with its hint
    owner: str = ""  # a live Pod that is not this project's: whose it is (``foreign_owner``)
    desired: Desired | None = field(default=None, compare=False, repr=False)

    @property
    def pod(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def who(self) -> str:
        """``ns/name (spec)``, or ``ns/name`` for an orphan."""
        return f"{self.pod} ({self.spec})" if self.spec else self.pod

    def where(self) -> str:
        """The prefix of an error message about this Pod (``spec: Pod ns/name``)."""
        return f"{self.spec}: Pod {self.pod}" if self.spec else f"orphan Pod {self.pod}"

    def describe(self) -> str:
        """The action with its reason, as the plan shows it."""
        names = ", ".join(self.fields)
        if self.action == "recreate":
            them = "it" if len(self.fields) == 1 else "them"
            verb = "changes" if len(self.fields) == 1 else "change"
            return (f"recreate: {names} {verb} (a Pod cannot change {them} in place)" if names
                    else "recreate: a field changes that a Pod cannot change in place")
        if self.action == "update":
            return f"update: {names}" if names else "update"
        if self.action == "delete":
            return f"delete ({self.reason})"
        if self.action == "skipped":
            return "skipped (apply: false)"
        if self.action == "error":
            return f"error: {self.reason}"
        return self.action

    def line(self) -> str:
        """One line of ``doit plan``."""
        return f"{self.who()}: {self.describe()}"

    def to_json(self) -> dict[str, Any]:
        """This entry for ``sentinel plan --json``."""
        data: dict[str, Any] = {"action": self.action, "namespace": self.namespace,
                                "name": self.name, "spec": self.spec or None,
                                "fields": list(self.fields), "reason": self.reason or None}
        if self.desired is not None:
            data["manifest"] = self.desired.manifest
            data["manifest_sha256"] = self.desired.sha256
        if self.hint:
            data["hint"] = self.hint
        if self.owner:
            data["owner"] = self.owner
        return data


NO_PROJECT = "orphans are not tracked: no project id in sentinel.toml"
NO_PROJECT_HINT = ('add `project = "<name>-<8 hex digits>"` to sentinel.toml (new projects get '
                   'one from `sentinel init`)')


@dataclass(frozen=True)
class ClusterPlan:
    """What apply would do against one context, Pod by Pod."""

    context: ContextIdentity
    project: str | None
    entries: tuple[Entry, ...]
    invalid: tuple[str, ...] = ()  # specs that could not be planned (their messages)
    force_conflicts: bool = False
    scoped: bool = False  # planned for some specs only: orphans were not looked for

    def count(self, action: str) -> int:
        """How many entries have ``action``."""
        return sum(1 for e in self.entries if e.action == action)

    def of(self, action: str) -> list[Entry]:
        """The entries with ``action``."""
        return [e for e in self.entries if e.action == action]

    @property
    def namespaces(self) -> list[str]:
        """Every namespace the plan covers, sorted."""
        return sorted({e.namespace for e in self.entries})

    @property
    def ok(self) -> bool:
        """True when every Pod could be planned (no dry-run error, no invalid spec)."""
        return not self.invalid and not self.count("error")

    @property
    def prune_blocked(self) -> bool:
        """True when orphans must not be deleted: an invalid spec's Pod would look orphaned."""
        return bool(self.invalid)

    def changes(self, prune: bool) -> list[Entry]:
        """The entries apply acts on: creates, updates, recreates, and deletes with ``prune``
        (unless an invalid spec blocks pruning)."""
        wanted = CHANGES + (("delete",) if prune and not self.prune_blocked else ())
        return [e for e in self.entries if e.action in wanted]

    def has_changes(self, prune: bool) -> bool:
        """True if apply (with or without ``prune``) would change anything."""
        return bool(self.changes(prune))

    def summary(self) -> str:
        """The counts line."""
        parts = [f"{self.count('create')} to create", f"{self.count('update')} to update",
                 f"{self.count('recreate')} to recreate", f"{self.count('delete')} to delete",
                 f"{self.count('unchanged')} unchanged", f"{self.count('skipped')} skipped",
                 f"{self.count('error') + len(self.invalid)} error(s)"]
        return f"plan for context '{self.context.name}': " + ", ".join(parts)

    def notes(self) -> list[str]:
        """What the plan could not cover, said once at the end."""
        lines = [f"invalid spec, not planned: {msg}" for msg in self.invalid]
        if self.invalid and self.count("delete"):
            lines.append("orphans are not pruned while a spec is invalid (its Pod would look "
                         "orphaned): fix the spec first")
        if self.project is None and not self.scoped:
            lines.append(f"{NO_PROJECT} (hint: {NO_PROJECT_HINT})")
        return lines

    def lines(self) -> list[str]:
        """What ``doit plan`` prints: one line per Pod, then the counts and notes."""
        return [e.line() for e in self.entries] + [self.summary(), *self.notes()]

    def to_json(self) -> dict[str, Any]:
        """One document for scripts (``sentinel plan --json``)."""
        return {
            "context": self.context.name, "server": self.context.server,
            "project": self.project, "namespaces": self.namespaces,
            "force_conflicts": self.force_conflicts, "orphans_tracked": self.project is not None
            and not self.scoped,
            "counts": {a: self.count(a) for a in ACTIONS},
            "pods": [e.to_json() for e in self.entries],
            "invalid_specs": list(self.invalid), "ok": self.ok,
        }

    def prompt_lines(self, prune: bool) -> list[str]:
        """The confirmation text: every change apply will make, by kind, with context and
        namespaces. Only what is listed here is changed."""
        chosen = self.changes(prune)
        namespaces = sorted({e.namespace for e in chosen})
        lines = [(f"Apply to context '{self.context.name}' ({self.context.server}), "
                  f"namespace(s): {', '.join(namespaces)}")]
        for action, verb, how in (("create", "create", ""), ("update", "update (in place)", ""),
                                  ("recreate", "recreate", " (delete, then create)"),
                                  ("delete", "delete", " (prune)")):
            items = [_prompt_item(e) for e in chosen if e.action == action]
            if not items:
                continue
            noun = "Pod" if len(items) == 1 else "Pods"
            if len(items) == 1:
                lines.append(f"  {verb} 1 {noun}{how}: {items[0]}")
            else:
                lines.append(f"  {verb} {len(items)} {noun}{how}:")
                lines += [f"    {item}" for item in items]
        return lines


def _prompt_item(entry: Entry) -> str:
    """One Pod in the confirmation, with why it changes."""
    if entry.action == "delete":
        return f"{entry.pod} — {entry.reason}"
    if entry.fields:
        changed = " changed" if entry.action == "recreate" else ""
        return f"{entry.pod} — {', '.join(entry.fields)}{changed}"
    return entry.pod


def desired_pods(settings: Settings, specs: Sequence[str] | None = None
                 ) -> tuple[list[Desired], list[str]]:
    """Every valid spec's rendered Pod (``specs``: only these file names), and a message per
    spec that cannot be rendered. Raises ``SentinelError`` for a name that is no spec."""
    from sentinel.render import dump_manifest, render

    if not settings.specs_dir.is_dir():
        raise SentinelError(f"no specs folder: {display(settings.specs_dir)}",
                            hint="create it, or set 'specs_dir' in sentinel.toml")
    plans = plan(settings.specs_dir, settings.output_dir)
    if specs is not None:
        plans = _only(plans, specs, settings.specs_dir)
    found: list[Desired] = []
    invalid: list[str] = []
    for p in plans:
        if p.problems or p.target is None:
            invalid.append(f"{p.spec}: " + (p.problems[0].message if p.problems else "no manifest"))
            continue
        try:
            loaded = load_once(Path(p.spec))
            data = dump_manifest(render(loaded.model, source=loaded.source,
                                        project=settings.project))
        except SpecError as err:
            first = err.errors[0] if err.errors else None
            invalid.append(first.format() if first else f"{p.spec}: invalid")
            continue
        except RenderError as err:
            invalid.append(f"{p.spec}: {err}")
            continue
        found.append(Desired(str(display(p.spec)), str(display(p.target)), loaded.model.namespace,
                             loaded.model.name, data, bool(loaded.model.apply)))
    return found, invalid


def _only(plans: list[Any], names: Sequence[str], specs_dir: Path) -> list[Any]:
    by_name: dict[str, Any] = {}
    for p in plans:
        rel = Path(p.spec).resolve().relative_to(specs_dir.resolve()).as_posix() \
            if Path(p.spec).resolve().is_relative_to(specs_dir.resolve()) else p.spec
        by_name[rel] = by_name[Path(p.spec).name] = p
    missing = [n for n in names if n.removeprefix("specs/") not in by_name]
    if missing:
        raise SentinelError(f"no spec named {', '.join(missing)} in {display(specs_dir)}",
                            hint="name spec files relative to the specs folder, e.g. web.yaml")
    chosen = {id(by_name[n.removeprefix("specs/")]): by_name[n.removeprefix("specs/")]
              for n in names}
    return [p for p in plans if id(p) in chosen]


def kubectl_for(settings: Settings) -> Kubectl:
    """kubectl as the settings configure it (raises ``KubectlNotFound``)."""
    return Kubectl.from_settings(settings.kubectl, settings.context, settings.kubectl_timeout)


def build_plan(settings: Settings, *, specs: Sequence[str] | None = None,
               force_conflicts: bool = False, kube: Kubectl | None = None) -> ClusterPlan:
    """Plan apply for every spec (or only ``specs``: then orphans are not looked for).

    Raises ``SentinelError`` when it cannot plan at all (no kubectl, no usable context, the
    cluster unreachable); per-Pod failures are ``error`` entries.
    """
    desired, invalid = desired_pods(settings, specs)
    kube = kube or kubectl_for(settings)
    ident = kube.identity()
    scoped = specs is not None
    # Namespaces only the ledger names are read for orphans alone: without a project id there
    # are none to find, so they are not read at all.
    orphans = not scoped and settings.project is not None
    extra = nsledger.namespaces(settings.state_dir, ident.key()) if orphans else set()
    entries = plan_pods(kube, desired, project=settings.project, force=force_conflicts,
                        orphans=orphans, extra_namespaces=extra)
    return ClusterPlan(ident, settings.project, tuple(entries), tuple(invalid), force_conflicts,
                       scoped)


def build_plans(settings: Settings, *, specs: Sequence[str] | None = None,
                force_conflicts: bool = False
                ) -> list[tuple[str | None, ClusterPlan | SentinelError]]:
    """One plan per context of the settings (several with ``contexts``: a fleet), in their
    order; a context that cannot be planned at all gives its error instead of a plan."""
    plans: list[tuple[str | None, ClusterPlan | SentinelError]] = []
    for context in kube_contexts(settings):
        one = dataclasses.replace(settings, context=context, contexts=())
        try:
            plans.append((context, build_plan(one, specs=specs,
                                              force_conflicts=force_conflicts)))
        except SentinelError as err:
            plans.append((context, err))
    return plans


def plan_pods(kube: Kubectl, desired: Sequence[Desired], *, project: str | None,
              force: bool = False, orphans: bool = True,
              extra_namespaces: set[str] | None = None) -> list[Entry]:
    """The entries of ``desired`` (and, with ``orphans``, of this project's orphans in their
    namespaces and ``extra_namespaces``).

    kubectl runs: per namespace of ``desired`` one ``get pods`` — the same read serves the
    live objects, the ownership check and the orphan search — and one dry run; a namespace
    only ``extra_namespaces`` names is read for its orphans (one ``get``, no dry run).
    """
    namespaces = {d.namespace for d in desired} | (extra_namespaces or set())
    entries: list[Entry] = []
    for namespace in sorted(namespaces):
        here = [d for d in desired if d.namespace == namespace]
        live = live_pods(kube, namespace, [d.target() for d in here])
        entries += _plan_namespace(kube, namespace, here, live, force, project)
        if orphans and project is not None:
            entries += _orphans(namespace, here, live, project)
    order = {a: n for n, a in enumerate(ACTIONS)}
    return sorted(entries, key=lambda e: (e.namespace, e.name, order[e.action]))


def _plan_namespace(kube: Kubectl, namespace: str, here: Sequence[Desired], live: LivePods,
                    force: bool, project: str | None) -> list[Entry]:
    entries = [Entry("skipped", d.namespace, d.name, d.spec, desired=d) for d in here
               if not d.apply]
    wanted: list[Desired] = []
    for d in here:  # a live Pod that is not this project's is never dry-run, let alone applied
        current = live.get(d.name)
        owner = foreign_owner(current, project) if current is not None and d.apply else None
        if owner is not None:
            entries.append(_blocked(d, owner, project))
        elif d.apply:
            wanted.append(d)
    if not wanted:
        return entries
    runs = ssa.dry_run(kube, namespace, [ssa.Manifest(d.target(), d.data) for d in wanted],
                       force=force)
    for d, result in zip(wanted, runs):
        current = live.get(d.name)
        if result.error is not None:
            if current is not None and is_immutable(result.error):
                fields = tuple(forcing_recreate(d.parsed(), current))
                entries.append(Entry("recreate", d.namespace, d.name, d.spec, fields, desired=d))
            else:
                entries.append(Entry("error", d.namespace, d.name, d.spec,
                                     reason=_own_words(str(result.error), d),
                                     hint=result.error.hint or "", detail=str(result.error),
                                     desired=d))
        elif current is None:
            entries.append(Entry("create", d.namespace, d.name, d.spec, desired=d))
        else:
            changed = update_fields(result.obj or {}, current)
            action = "update" if changed else "unchanged"
            entries.append(Entry(action, d.namespace, d.name, d.spec, tuple(changed), desired=d))
    return entries


HAND_MADE = "hand-made"  # the owner of a live Pod without managed-by: kube-sentinel


def foreign_owner(pod: dict[str, Any], project: str | None) -> str | None:
    """Whose a live Pod is when it is not this project's, or ``None`` when apply may change it.

    Without ``app.kubernetes.io/managed-by: kube-sentinel`` it is ``HAND_MADE`` (by hand or by
    another tool). With it and another ``kube-sentinel.io/project`` id, it is that project's
    (the id is returned). With it and no project label, kube-sentinel made it before project ids
    existed: it is adopted (``None``), and apply adds this project's label.
    """
    labels = labels_of(pod)
    if labels.get(MANAGED_BY_LABEL) != MANAGER:
        return HAND_MADE
    theirs = labels.get(PROJECT_LABEL)
    return None if theirs is None or theirs == project else theirs


def _blocked(d: Desired, owner: str, project: str | None) -> Entry:
    """The error entry of a spec whose namespace/name is taken by a live Pod that is not this
    project's: planned, reported, never dry-run nor changed."""
    ours = f"this project ({project})" if project else "this project (no project id)"
    if owner == HAND_MADE:
        reason = "the live Pod was not created by kube-sentinel: apply leaves it alone"
        adopt = (f", or label it as this project's to take it over (kubectl label pod -n "
                 f"{d.namespace} {d.name} {MANAGED_BY_LABEL}={MANAGER} {PROJECT_LABEL}="
                 f"{project})" if project else "")
    else:
        reason = f"the live Pod is owned by project {owner}, not {ours}: apply leaves it alone"
        adopt = ""
    hint = (f"rename the Pod in {d.spec} (name:), or delete that Pod yourself (kubectl delete "
            f"pod -n {d.namespace} {d.name}) if it may go{adopt}")
    return Entry("error", d.namespace, d.name, d.spec, reason=reason, hint=hint,
                 detail=f"{d.target().where()}: {reason}\n  hint: {hint}", desired=d,
                 owner=owner)


def _own_words(message: str, d: Desired) -> str:
    """An error's message without the ``spec: Pod ns/name:`` prefix the line already shows;
    its hint is kept apart (``Entry.hint``)."""
    text = message.split("\n  hint: ")[0]
    return text.removeprefix(f"{d.target().where()}: ").replace("\n", " ")


def _orphans(namespace: str, here: Sequence[Desired], live: LivePods, project: str) -> list[Entry]:
    return find_orphans(namespace, live, project, {d.name for d in here if d.apply},
                        {d.name: d.spec for d in here if not d.apply})


def find_orphans(namespace: str, live: LivePods, project: str, applied: set[str],
                 skipped: dict[str, str]) -> list[Entry]:
    """This project's live Pods in ``namespace`` that no ``apply: true`` spec maps to
    (``applied``: those specs' Pod names; ``skipped``: name → spec of ``apply: false`` ones)."""
    found = []
    for name, pod in sorted(live.items()):
        labels = labels_of(pod)
        if name in applied or labels.get(MANAGED_BY_LABEL) != MANAGER \
                or labels.get(PROJECT_LABEL) != project:
            continue
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            continue  # already going
        reason = (f"orphan: {skipped[name]} has apply: false" if name in skipped
                  else "orphan: no spec maps to it")
        found.append(Entry("delete", namespace, name, reason=reason))
    return found
