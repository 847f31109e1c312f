"""The chat's cluster tools that only read: ``cluster_status``, ``pod_events``, ``pod_logs``.

Tier ``cluster-read``: each one reads the live cluster through ``sentinel.kube`` (the only
package that runs kubectl) with read verbs only — Pods, events and logs; never a Secret, never a
write. The model names a *spec* (as ``list_specs`` shows it), never a Pod or a namespace: the
spec, loaded by the same loader as everything else, says which Pod it is, so the model cannot
point the tools at objects the project does not describe.

What reaches the model is small and clean:

- every result fits ``tool_output_limit``; a log is cut *from the top* (the newest lines are
  what explains a crash) and says ``truncated: true`` — so a 10,000-line log costs the model at
  most the cap;
- a failure (cluster unreachable, Pod missing, kubectl timeout) is the project's own message
  and hint as an ordinary tool error the model can explain; kubectl's stderr, the kubeconfig and
  its credentials never appear (only the context's name and server URL).

In a fleet (the ``contexts`` setting) each tool reads one context: an optional ``context``
argument, limited by its schema to the configured contexts, picks it; without one it is the
first configured context, and the tool's description says so, so the model knows which cluster
an answer is about (and each answer names its context). Without a fleet there is no ``context``
argument: the tools read the ``context`` setting's cluster (or the kubeconfig's current one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.chat.spec_folder import SpecFolder
from sentinel.chat.tools import Content, Tool, ToolContext, ToolFailed
from sentinel.config import Settings, kube_contexts
from sentinel.errors import KubeError, SpecError
from sentinel.kube.inspect import (
    MAX_EVENTS,
    MAX_LOG_LINES,
    pod_events,
    pod_logs,
    unreachable,
)
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Target
from sentinel.kube.status import pod_states
from sentinel.spec import LoadedSpec

DEFAULT_LOG_LINES = 100
DEFAULT_EVENTS = 20
# Room the log tool keeps for the JSON around the log lines (pod, container, flags).
_ENVELOPE_SLACK = 512


@dataclass(frozen=True)
class ClusterReader:
    """The read handlers, bound to one project's settings."""

    settings: Settings

    @property
    def folder(self) -> SpecFolder:
        """The specs folder, as the spec tools see it."""
        return SpecFolder.of(self.settings)

    def kubectl(self, args: Mapping[str, Any]) -> Kubectl:
        """kubectl for the call's context (see ``chosen_context``); a run never outlives the
        tool call."""
        s = self.settings
        timeout = min(s.kubectl_timeout, s.tool_timeout)
        return Kubectl.from_settings(s.kubectl, chosen_context(s, args), timeout)

    def target(self, name: str) -> tuple[LoadedSpec, Target]:
        """The spec named ``name`` and its Pod; an invalid spec names no Pod (``ToolFailed``)."""
        folder = self.folder
        path = folder.lookup(name)
        try:
            loaded = folder.load(path)
        except SpecError as err:
            raise ToolFailed(
                f"{folder.display(path)} is invalid, so it names no Pod to look at",
                detail=[p.to_dict() for p in err.problems],
                hint="fix it first (validate_spec lists every problem)") from err
        return loaded, _target(loaded, folder.display(path), path)

    def fleet_head(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """``{"context": name}`` in a fleet, so the answer says which cluster it is about."""
        return {"context": chosen_context(self.settings, args)} if self.settings.contexts else {}

    # -- handlers -------------------------------------------------------------------------

    def cluster_status(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """Every spec's Pod (or one): phase, ready, restarts, reason."""
        folder = self.folder
        names = [str(args["spec"])] if "spec" in args else sorted(folder.specs())
        rows: dict[str, dict[str, Any]] = {}
        targets: list[Target] = []
        invalid: list[dict[str, Any]] = []
        for name in names:
            path = folder.lookup(name)
            try:
                loaded = folder.load(path)
            except SpecError as err:
                invalid.append({"spec": name, "file": folder.display(path),
                                "error": err.problems[0].format()})
                continue
            target = _target(loaded, folder.display(path), path)
            targets.append(target)
            rows[str(target.manifest)] = {"spec": name, "file": target.source, "pod": target.pod,
                                          "apply": loaded.model.apply}
        kube = self.kubectl(args)
        identity = kube.identity()
        try:
            states = pod_states(kube, targets) if targets else []
        except KubeError as err:
            raise unreachable(err, targets[0]) from err
        pods = []
        for state in states:
            row = rows[str(state.target.manifest)]
            if state.found:
                row |= {"found": True, "phase": state.phase, "ready": state.ready,
                        "restarts": state.restarts, "reason": state.reason}
            else:
                row |= {"found": False, "reason": "not found" + (
                    "" if row["apply"] else " (apply: false: doit apply leaves it out)")}
            pods.append(row)
        result: dict[str, Any] = {"context": identity.name, "server": identity.server,
                                  "pods": pods}
        if invalid:
            result["invalid_specs"] = invalid
        return json.dumps(result, ensure_ascii=False)

    def pod_events(self, args: dict[str, Any], ctx: ToolContext) -> str:
        """The Pod's recent events (type, reason, message, count, age), oldest first."""
        _, target = self.target(str(args["spec"]))
        events = pod_events(self.kubectl(args), target,
                            limit=int(args.get("limit", DEFAULT_EVENTS)))
        return json.dumps({**self.fleet_head(args), "pod": target.pod, "spec": target.source,
                           "events": [e.to_dict() for e in events]}, ensure_ascii=False)

    def pod_logs(self, args: dict[str, Any], ctx: ToolContext) -> Content:
        """The last lines of a container's log, cut from the top to fit the output limit."""
        _, target = self.target(str(args["spec"]))
        log = pod_logs(self.kubectl(args), target, container=args.get("container"),
                       tail=int(args.get("lines", DEFAULT_LOG_LINES)),
                       previous=bool(args.get("previous", False)))
        head = {**self.fleet_head(args), "pod": target.pod, "spec": target.source,
                "container": log.container, "previous": log.previous}
        return fit_log(head, log.lines, cut=log.more,
                       limit=max(0, self.settings.tool_output_limit - _ENVELOPE_SLACK))


def fit_log(head: Mapping[str, Any], lines: list[str], *, cut: bool, limit: int) -> Content:
    """``head`` plus the newest of ``lines`` whose JSON fits ``limit`` bytes (oldest dropped)."""

    def render(start: int) -> str:
        kept = lines[start:]
        return json.dumps({**head, "lines": len(kept), "truncated": cut or start > 0,
                           "log": "\n".join(kept)}, ensure_ascii=False)

    if len(render(0).encode("utf-8")) <= limit:
        return Content(render(0), truncated=cut)
    low, high = 1, len(lines)  # find the smallest start that fits (render(len) always small)
    while low < high:
        mid = (low + high) // 2
        if len(render(mid).encode("utf-8")) <= limit:
            high = mid
        else:
            low = mid + 1
    return Content(render(low), truncated=True)


def chosen_context(settings: Settings, args: Mapping[str, Any]) -> str | None:
    """The context a cluster-read call reads: its ``context`` argument (``named_context``),
    else the first target context."""
    if "context" in args:
        return named_context(settings, str(args["context"]))
    return kube_contexts(settings)[0]


def named_context(settings: Settings, name: str) -> str:
    """``name`` if it is one of the configured ``contexts``, else ``ToolFailed``."""
    if name not in settings.contexts:  # the schema's enum refuses it first; kept as a guard
        configured = ", ".join(settings.contexts) or "none (no 'contexts' setting)"
        raise ToolFailed(f"context {name!r} is not one of the configured contexts: {configured}",
                         hint="name one of them, or leave context out for the first")
    return name


def context_property(settings: Settings) -> dict[str, Any]:
    """The optional ``context`` argument of the cluster-read tools: only in a fleet."""
    if not settings.contexts:
        return {}
    names = ", ".join(settings.contexts)
    return {"context": {"type": "string", "enum": list(settings.contexts),
                        "description": f"the kube context to read, one of the configured "
                                       f"contexts ({names}); default: the first, "
                                       f"{settings.contexts[0]}"}}


def context_note(settings: Settings) -> str:
    """What a fleet adds to a single-context read tool's description ("" without a fleet)."""
    if not settings.contexts:
        return ""
    return (f" Reads one kube context: `context` (one of {', '.join(settings.contexts)}); "
            f"default: the first, {settings.contexts[0]}.")


def _target(loaded: LoadedSpec, source: str, path: Path) -> Target:
    # The kube layer keys its results by manifest path; the spec file is as unique.
    return Target(path, loaded.model.namespace, loaded.model.name, source)


def cluster_read_tools(settings: Settings) -> list[Tool]:
    """The three cluster-read tools with their model-facing schemas (``context`` in a fleet)."""
    impl = ClusterReader(settings)
    spec = {"type": "string", "minLength": 1, "maxLength": 255,
            "description": "a spec's name as list_specs shows it, e.g. web; its Pod is read"}

    def params(props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "properties": {**props, **context_property(settings)},
                "required": required, "additionalProperties": False}

    note = context_note(settings)

    def of_spec(args: Mapping[str, Any]) -> str:
        return str(args.get("spec", ""))

    return [
        Tool("cluster_status",
             "Read the live state of every spec's Pod (or one spec's): phase, ready, restarts "
             "and why it is not running. Changes nothing." + note,
             params({"spec": spec}, []), "cluster-read", impl.cluster_status, of_spec),
        Tool("pod_events",
             "Read a spec's Pod's recent Kubernetes events (type, reason, message, count, "
             "age), oldest first: scheduling, image pulls, probe failures, back-offs." + note,
             params({"spec": spec, "limit": {"type": "integer", "minimum": 1,
                                             "maximum": MAX_EVENTS, "default": DEFAULT_EVENTS,
                                             "description": "at most this many, newest kept"}},
                    ["spec"]),
             "cluster-read", impl.pod_events, of_spec),
        Tool("pod_logs",
             "Read the last lines of a spec's Pod's container log; previous: true reads the "
             "last crashed run. Older lines beyond the cap are cut (truncated: true)." + note,
             params({"spec": spec,
                     "lines": {"type": "integer", "minimum": 1, "maximum": MAX_LOG_LINES,
                               "default": DEFAULT_LOG_LINES,
                               "description": "how many of the last lines"},
                     "previous": {"type": "boolean", "default": False,
                                  "description": "the previous (crashed) run's log"},
                     "container": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                                   "maxLength": 63,
                                   "description": "container name; default: the Pod's main "
                                                  "container (named after the Pod)"}},
                    ["spec"]),
             "cluster-read", impl.pod_logs, of_spec),
    ]
