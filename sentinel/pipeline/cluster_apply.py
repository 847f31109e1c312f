"""The actions of ``doit plan`` and ``doit apply``: plan from the live cluster, ask, converge.

``apply`` always plans first (it never trusts doit's list of changed files or a stamp), prints
the plan, asks once with a prompt that lists every create, update, recreate and (with
``--prune``) delete, and then makes exactly those changes (``converge_exec``). Without
``--prune`` orphans are listed and left alone, with the command that removes them. A refused
prompt changes nothing. With several contexts (a fleet) each is planned, its plan printed under
``context 'name':``; the one prompt has a block per context with changes; a context that cannot
be planned is reported and the others go on.
"""

from __future__ import annotations

import dataclasses

from doit.exceptions import TaskFailed

from sentinel.config import kube_contexts
from sentinel.errors import ConfirmationRefused, SentinelError
from sentinel.pipeline.cluster_actions import Item, run_failed
from sentinel.pipeline.confirm import ask
from sentinel.pipeline.converge import NO_PROJECT_HINT, ClusterPlan, build_plans
from sentinel.pipeline.converge_exec import execute
from sentinel.pipeline.settings import pipeline_settings


def _errors(plan: ClusterPlan) -> list[str]:
    """Why some Pods could not be planned (each with its hint), for the task's failure."""
    lines = [entry.detail for entry in plan.of("error")]
    lines += [f"invalid spec: {msg}" for msg in plan.invalid]
    return lines


def _plans(items: list[Item], force_conflicts: bool, what: str
           ) -> tuple[list[tuple[str | None, ClusterPlan]], list[str]]:
    """The plan of every context, printed (under a heading per context in a fleet), and the
    failures of the contexts that could not be planned at all."""
    plans, failures = [], []
    fleet = len(kube_contexts(pipeline_settings())) > 1
    for context, plan in build_plans(pipeline_settings(), force_conflicts=force_conflicts):
        name = context or "current"
        if fleet:
            print(f"context '{name}':")
        if isinstance(plan, SentinelError):
            failed = run_failed(plan, what, items).message
            if fleet:  # the others' plans follow; say here why this one has none
                print(f"cannot plan: {str(plan).splitlines()[0]}")
            failures.append(f"[{name}] {failed}" if fleet else failed)
            continue
        print("\n".join(plan.lines()))
        plans.append((context, plan))
    return plans, failures


def plan_show(items: list[Item], force_conflicts: bool) -> TaskFailed | None:
    """Action of ``doit plan``: print the plan of every context; fail when some Pod (or some
    context) could not be planned."""
    planned, failures = _plans(items, force_conflicts, "not planned")
    for _, plan in planned:
        if not plan.ok:
            failures.append(f"{plan.count('error') + len(plan.invalid)} Pod(s) could not be "
                            f"planned in context '{plan.context.name}':\n"
                            + "\n".join(_errors(plan)))
    return TaskFailed("\n".join(failures)) if failures else None


def prune_refused() -> TaskFailed:
    """``--prune`` without a project id: there is no safe way to tell orphans."""
    return TaskFailed("--prune needs a project id: without one, Pods of deleted specs cannot be "
                      "told from Pods this project never made; nothing was changed\n"
                      f"  hint: {NO_PROJECT_HINT}")


def converge_apply(items: list[Item], yes: bool, interactive: bool, prune: bool,
                   force_conflicts: bool) -> TaskFailed | None:
    """Action of ``apply``: plan every context, ask once (the prompt names every context and
    every change), change exactly what the prompt named, report."""
    settings = pipeline_settings()
    if prune and settings.project is None:
        return prune_refused()
    try:
        planned, failures = _plans(items, force_conflicts, "not applied")
    except KeyboardInterrupt:
        return TaskFailed("apply cancelled (Ctrl-C) while planning; nothing was changed")
    plans = [plan for _, plan in planned]
    for plan in plans:
        failures += _errors(plan)
    changing = [(c, p) for c, p in planned if p.has_changes(prune)]
    if changing:
        try:
            ask("apply", "\n".join(line for _, p in changing for line in p.prompt_lines(prune)),
                yes=yes, interactive=interactive,
                command="doit apply" + (" --prune" if prune else ""))
        except ConfirmationRefused as err:
            return TaskFailed(str(err))
        done: list[str] = []
        for context, plan in changing:
            one = dataclasses.replace(settings, context=context, contexts=())
            result = execute(plan, one, prune=prune)
            tag = f"[{plan.context.name}] " if len(kube_contexts(settings)) > 1 else ""
            done += [f"{tag}{line}" for line in result.done]
            failures = [f"{tag}{line}" for line in result.failures] + failures
        print("\n".join(done) if done else "nothing was changed")
    elif failures or any(p.of("delete") for p in plans):
        print("nothing to apply")
    else:
        print("nothing to apply: the cluster already matches the specs")
    for plan in plans:
        orphans = plan.of("delete")
        if orphans and (not prune or plan.prune_blocked):
            why = "a spec is invalid" if prune else "run `doit apply --prune` to delete them"
            where = (f" in context '{plan.context.name}'" if len(kube_contexts(settings)) > 1
                     else "")
            print(f"{len(orphans)} orphan Pod(s) left in place{where} ({why}): "
                  + ", ".join(e.pod for e in orphans))
    return TaskFailed("\n".join(failures)) if failures else None
