"""The chat's one cluster-changing tool, ``apply_specs``: the plan, the user's y, then apply.

Tier ``cluster-write``. It is ``doit apply`` for the named specs (or every spec), on the same
code path: ``build_plans`` reads the live Pods and dry-runs on the server; the plan and the
confirmation text (``ClusterPlan.lines`` and ``prompt_lines``: the context, its server, every
namespace and every Pod by kind of change) are shown on the terminal itself (``/dev/tty``, by
``sentinel.pipeline.confirm.ask``) and only the answer ``y`` proceeds. Anything else, Ctrl-C at
the question, or no terminal at all (stdin piped, an MCP client) refuses: nothing is changed
and the model is told it was refused. There is no argument or setting that approves for the
user. ``converge_exec.execute`` then makes exactly the changes the prompt named and audits each
with the provenance ``conversation=… message=… origin=chat`` beside the spec's and the
manifest's sha256 — the chain chat turn → spec → manifest → cluster.

``prune`` deletes this project's orphans, as ``doit apply --prune``; it needs a project id and
the whole project's plan (orphans are only found when every spec is planned), so it cannot be
combined with a list of specs. The tool runs without a deadline (``NO_TIMEOUT``: it waits on a
person) in the calling thread, so Ctrl-C while kubectl changes the cluster reaches ``execute``,
which reports and audits what it interrupted.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sentinel.chat.spec_folder import SpecFolder
from sentinel.chat.tools import NO_TIMEOUT, Tool, ToolContext, ToolFailed
from sentinel.config import Settings, kube_contexts
from sentinel.errors import ConfirmationRefused, SentinelError
from sentinel.pipeline.confirm import TTY, ask, has_terminal
from sentinel.pipeline.converge import NO_PROJECT_HINT, ClusterPlan, build_plans
from sentinel.pipeline.converge_exec import execute

MAX_SPECS = 200
NOT_AGAIN = ("do not call apply_specs again for this change unless the user asks; they can also "
             "run `doit apply` themselves")


@dataclass(frozen=True)
class SpecApplier:
    """The handler, bound to one project's settings and to how it asks the user."""

    settings: Settings
    interactive: Callable[[], bool] = has_terminal  # is there a person at a terminal to ask?
    tty_path: str = TTY

    def apply_specs(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """Plan, ask the user on the terminal, and apply exactly what they confirmed."""
        names = [str(n) for n in args.get("specs", [])]
        prune = bool(args.get("prune", False))
        if prune and names:
            raise ToolFailed("prune needs the whole project's plan (orphans are only found when "
                             "every spec is planned), so it cannot be combined with specs",
                             hint="call apply_specs with prune: true and no specs")
        if prune and self.settings.project is None:
            raise ToolFailed("prune needs a project id: without one, Pods of deleted specs "
                             "cannot be told from Pods this project never made; nothing was "
                             "changed", hint=f"the user must {NO_PROJECT_HINT}")
        specs = SpecFolder.of(self.settings).file_names(names) if names else None
        with_context, failed = self._plans(specs)
        planned = [plan for _, plan in with_context]
        problems = [f"{p.context.name}: {line}" for p in planned for line in _problems(p)]
        changing = [(c, p) for c, p in with_context if p.has_changes(prune)]
        base: dict[str, Any] = {"not_planned": failed + problems,
                                "orphans_left": _orphans_left(planned, prune)}
        if not changing:
            if failed or problems:
                raise ToolFailed(f"nothing was applied: {len(failed + problems)} problem(s) "
                                 "kept specs from being planned", detail=base,
                                 hint="validate_spec and plan show the problems")
            return _json({"result": "nothing to apply: the cluster already matches the specs",
                          "plan": [p.summary() for p in planned]} | base)
        self._confirm(planned, [p for _, p in changing], prune, ctx)
        results = []
        for context, plan in changing:
            one = dataclasses.replace(self.settings, context=context, contexts=())
            done = execute(plan, one, prune=prune, provenance={
                "conversation": ctx.conversation_id, "message": ctx.message_id,
                "origin": ctx.origin})
            results.append({"context": plan.context.name, "done": done.done,
                            "failures": done.failures})
        out = {"result": "applied" if all(not r["failures"] for r in results) else
               "applied with failures", "applies": results} | base
        if out["result"] != "applied":
            raise ToolFailed("some changes failed (the others were made and audited)",
                             detail=out, hint="plan shows where the cluster stands now")
        return _json(out)

    def _plans(self, specs: list[str] | None
               ) -> tuple[list[tuple[str | None, ClusterPlan]], list[str]]:
        planned, failed = [], []
        for context, plan in build_plans(self.settings, specs=specs):
            if isinstance(plan, SentinelError):
                failed.append(f"context '{context or 'current'}': {str(plan).splitlines()[0]}")
            else:
                planned.append((context, plan))
        return planned, failed

    def _confirm(self, planned: list[ClusterPlan], changing: list[ClusterPlan], prune: bool,
                 ctx: ToolContext) -> None:
        """Show the plan and the prompt on the terminal; return only on the user's ``y``."""
        fleet = len(kube_contexts(self.settings)) > 1
        shown: list[str] = []
        for plan in planned:
            shown += ([f"context '{plan.context.name}':"] if fleet else []) + plan.lines()
        prompt = [line for plan in changing for line in plan.prompt_lines(prune)]
        asked = "\n".join(prompt)
        if ctx.origin != "chat" or not self.interactive():
            raise ToolFailed("refused: there is no terminal to ask the user for confirmation "
                             "(stdin is not a terminal), so nothing was applied; nothing was "
                             "changed", detail={"would_apply": prompt}, hint=NOT_AGAIN)
        if ctx.cancelled.is_set():
            raise ToolFailed("the call was cancelled before the user was asked; nothing was "
                             "changed")
        began = time.monotonic()
        try:
            ask("apply", "\n".join(["kube-sentinel chat asks to apply:", *shown, "", asked]),
                yes=False, interactive=True, command="doit apply", tty_path=self.tty_path)
        except ConfirmationRefused as err:
            said = err.message.splitlines()[0].removesuffix("; nothing was changed")
            raise ToolFailed(f"the user refused the apply ({said}); nothing was changed",
                             detail={"would_apply": prompt}, hint=NOT_AGAIN) from err
        finally:
            ctx.waited += time.monotonic() - began


def _problems(plan: ClusterPlan) -> list[str]:
    """Pods of the plan that could not be planned, and invalid specs (not applied)."""
    return ([e.detail for e in plan.of("error")]
            + [f"invalid spec, not applied: {msg}" for msg in plan.invalid])


def _orphans_left(planned: list[ClusterPlan], prune: bool) -> list[str]:
    """Orphan Pods apply leaves in place (no ``prune``, or pruning blocked by an invalid spec)."""
    return [f"{p.context.name}: {e.pod}" for p in planned
            if not prune or p.prune_blocked for e in p.of("delete")]


def _json(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False)


def apply_tools(settings: Settings, *, interactive: Callable[[], bool] = has_terminal,
                tty_path: str = TTY) -> list[Tool]:
    """``apply_specs`` with its model-facing schema."""
    impl = SpecApplier(settings, interactive, tty_path)
    spec = {"type": "string", "minLength": 1, "maxLength": 255,
            "description": "a spec's name as list_specs shows it, e.g. web"}

    def target(args: Mapping[str, Any]) -> str:
        names = ",".join(str(s) for s in args.get("specs", [])) or "all specs"
        return names + (" +prune" if args.get("prune") else "")

    return [Tool(
        "apply_specs",
        "Apply specs to the live cluster, as `doit apply`: shows the user the plan (create, "
        "update, recreate, delete) and changes the cluster only if the user answers y at their "
        "terminal; otherwise nothing changes and the result says it was refused.",
        {"type": "object", "additionalProperties": False, "required": [],
         "properties": {
             "specs": {"type": "array", "items": spec, "minItems": 1, "maxItems": MAX_SPECS,
                       "uniqueItems": True,
                       "description": "the specs to apply (default: every spec)"},
             "prune": {"type": "boolean", "default": False,
                       "description": "also delete this project's orphan Pods (Pods of "
                                      "deleted specs); only without specs"}}},
        "cluster-write", impl.apply_specs, target, timeout=NO_TIMEOUT)]
