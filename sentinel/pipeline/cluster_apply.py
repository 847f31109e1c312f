"""The actions of ``doit plan`` and ``doit apply``: plan from the live cluster, ask, converge.

``apply`` always plans first (it never trusts doit's list of changed files or a stamp), prints
the plan, asks once with a prompt that lists every create, update, recreate and (with
``--prune``) delete, and then makes exactly those changes (``converge_exec``). Without
``--prune`` orphans are listed and left alone, with the command that removes them. A refused
prompt changes nothing.
"""

from __future__ import annotations

from doit.exceptions import TaskFailed

from sentinel.errors import ConfirmationRefused, SentinelError
from sentinel.pipeline.cluster_actions import Item, run_failed
from sentinel.pipeline.confirm import ask
from sentinel.pipeline.converge import NO_PROJECT_HINT, ClusterPlan, build_plan
from sentinel.pipeline.converge_exec import execute
from sentinel.pipeline.settings import pipeline_settings


def _errors(plan: ClusterPlan) -> list[str]:
    """Why some Pods could not be planned (each with its hint), for the task's failure."""
    lines = [entry.detail for entry in plan.of("error")]
    lines += [f"invalid spec: {msg}" for msg in plan.invalid]
    return lines


def plan_show(items: list[Item], force_conflicts: bool) -> TaskFailed | None:
    """Action of ``doit plan``: print the plan; fail when some Pod could not be planned."""
    try:
        plan = build_plan(pipeline_settings(), force_conflicts=force_conflicts)
    except SentinelError as err:
        return run_failed(err, "not planned", items)
    print("\n".join(plan.lines()))
    if not plan.ok:
        return TaskFailed(f"{plan.count('error') + len(plan.invalid)} Pod(s) could not be "
                          "planned:\n" + "\n".join(_errors(plan)))
    return None


def prune_refused() -> TaskFailed:
    """``--prune`` without a project id: there is no safe way to tell orphans."""
    return TaskFailed("--prune needs a project id: without one, Pods of deleted specs cannot be "
                      "told from Pods this project never made; nothing was changed\n"
                      f"  hint: {NO_PROJECT_HINT}")


def converge_apply(items: list[Item], yes: bool, interactive: bool, prune: bool,
                   force_conflicts: bool) -> TaskFailed | None:
    """Action of ``apply``: plan, confirm, change exactly what the prompt named, report."""
    settings = pipeline_settings()
    if prune and settings.project is None:
        return prune_refused()
    try:
        plan = build_plan(settings, force_conflicts=force_conflicts)
    except SentinelError as err:
        return run_failed(err, "not applied", items)
    except KeyboardInterrupt:
        return TaskFailed("apply cancelled (Ctrl-C) while planning; nothing was changed")
    print("\n".join(plan.lines()))
    failures = _errors(plan)
    if plan.has_changes(prune):
        try:
            ask("apply", "\n".join(plan.prompt_lines(prune)), yes=yes, interactive=interactive,
                command="doit apply" + (" --prune" if prune else ""))
        except ConfirmationRefused as err:
            return TaskFailed(str(err))
        result = execute(plan, settings, prune=prune)
        print("\n".join(result.done) if result.done else "nothing was changed")
        failures = result.failures + failures
    else:
        print("nothing to apply: the cluster already matches the specs")
    orphans = plan.of("delete")
    if orphans and (not prune or plan.prune_blocked):
        why = "a spec is invalid" if prune else "run `doit apply --prune` to delete them"
        print(f"{len(orphans)} orphan Pod(s) left in place ({why}): "
              + ", ".join(e.pod for e in orphans))
    return TaskFailed("\n".join(failures)) if failures else None
