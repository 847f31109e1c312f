"""The chat's cluster tools that say what ``doit apply`` would change: ``plan`` and ``diff_spec``.

Tier ``cluster-read``: both only read. ``plan`` is ``sentinel plan --json`` — the same
``build_plans`` (live Pods per namespace, server-side dry runs), for every spec or the named ones,
per context — without the manifests' text (the model reads those with ``render_manifest``).
``diff_spec`` is ``doit diff`` for one spec: ``kubectl diff --server-side`` of the Pod as the spec
renders it now (rendered in memory, so it needs no ``doit generate``), cut to the output limit by
the registry like any result. Neither reads a Secret or prints kubeconfig credentials; a cluster
that cannot be reached is an ordinary tool error.

In a fleet (the ``contexts`` setting) both take an optional ``context``, one of the configured
contexts (their schemas' enum): ``plan`` then plans only that one (default: every context, one
document each), ``diff_spec`` diffs against it (default: the first context, as its description
says; a diff is of one live Pod, so of one cluster).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.chat.cluster_tools import (
    chosen_context,
    context_note,
    context_property,
    named_context,
)
from sentinel.chat.spec_folder import SpecFolder
from sentinel.chat.tools import Tool, ToolContext, ToolFailed
from sentinel.config import Settings
from sentinel.errors import SentinelError
from sentinel.kube.batch import diff
from sentinel.kube.outcomes import Target, is_immutable
from sentinel.pipeline.converge import build_plans, desired_pods, kubectl_for

MAX_SPECS = 200


@dataclass(frozen=True)
class PlanReader:
    """The handlers, bound to one project's settings."""

    settings: Settings

    def file_names(self, names: list[str]) -> list[str]:
        """Spec names as the model gives them (``web``) → file names relative to the folder."""
        return SpecFolder.of(self.settings).file_names(names)

    def plan(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """What ``doit apply`` would do, Pod by Pod, per context."""
        names = [str(n) for n in args.get("specs", [])]
        specs = self.file_names(names) if names else None
        settings = self.settings
        if "context" in args:  # only that one of the fleet
            name = named_context(settings, str(args["context"]))
            settings = dataclasses.replace(settings, contexts=(name,))
        plans = []
        for context, plan in build_plans(settings, specs=specs):
            if isinstance(plan, SentinelError):
                plans.append({"context": context, "ok": False, "error": str(plan)})
                continue
            doc = plan.to_json()
            for pod in doc["pods"]:
                pod.pop("manifest", None)  # render_manifest shows it; keep the result small
            plans.append(doc)
        if len(plans) == 1 and "error" in plans[0]:
            raise ToolFailed(f"cannot plan: {plans[0]['error']}")
        return json.dumps(plans[0] if len(plans) == 1 else {"plans": plans}, ensure_ascii=False)

    def diff_spec(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """The live diff of one spec's Pod against what the spec renders now."""
        [name] = self.file_names([str(args["spec"])])
        desired, invalid = desired_pods(self.settings, [name])
        if not desired:
            raise ToolFailed(f"{name} cannot be rendered, so there is nothing to compare",
                             detail=invalid, hint="validate_spec lists every problem")
        [pod] = desired
        context = chosen_context(self.settings, args)  # in a fleet: the first unless named
        kube = kubectl_for(dataclasses.replace(self.settings, context=context, contexts=()))
        with tempfile.TemporaryDirectory(prefix="sentinel-diff-") as tmp:
            path = Path(tmp) / f"{pod.name}.yaml"
            path.write_bytes(pod.data)
            result = diff(kube, [Target(path, pod.namespace, pod.name, pod.spec)])
        [outcome] = result.outcomes
        identity = kube.identity()
        out: dict[str, Any] = {"spec": pod.spec, "pod": pod.pod, "context": identity.name}
        if outcome.ok:
            out |= {"result": outcome.action, "diff": result.text}
        elif is_immutable(outcome.error):
            out |= {"result": "differs", "recreate": True,
                    "note": "fields a Pod cannot change in place differ: doit apply recreates "
                            "it (the plan tool names the fields)"}
        else:
            assert outcome.error is not None
            raise outcome.error
        return json.dumps(out, ensure_ascii=False)


def plan_tools(settings: Settings) -> list[Tool]:
    """``plan`` and ``diff_spec`` with their model-facing schemas."""
    impl = PlanReader(settings)
    spec = {"type": "string", "minLength": 1, "maxLength": 255,
            "description": "a spec's name as list_specs shows it, e.g. web"}

    def of_specs(args: Mapping[str, Any]) -> str:
        return ",".join(str(s) for s in args.get("specs", [])) or str(args.get("spec", ""))

    fleet = context_property(settings)
    only = {"context": {**fleet["context"],
                        "description": f"plan only this one of the configured contexts "
                                       f"({', '.join(settings.contexts)}); default: every one"}
            } if fleet else {}

    return [
        Tool("plan",
             "What `doit apply` would do, Pod by Pod, from the live cluster: create, update "
             "(fields), recreate (fields a Pod cannot change in place), delete (orphans), "
             "unchanged, skipped, error. Changes nothing."
             + (" In a fleet: every configured context, one plan each, unless `context` names "
                "one." if fleet else ""),
             {"type": "object", "additionalProperties": False, "required": [],
              "properties": {"specs": {"type": "array", "items": spec, "maxItems": MAX_SPECS,
                                       "uniqueItems": True,
                                       "description": "only these specs (default: every spec, "
                                                      "orphans included)"}, **only}},
             "cluster-read", impl.plan, of_specs),
        Tool("diff_spec",
             "The live diff of one spec's Pod: what applying the spec as it is now would change "
             "(kubectl diff --server-side). Changes nothing." + context_note(settings),
             {"type": "object", "additionalProperties": False, "required": ["spec"],
              "properties": {"spec": spec, **fleet}},
             "cluster-read", impl.diff_spec, of_specs),
    ]
