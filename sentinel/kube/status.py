"""Live state of the Pods the specs describe: phase, readiness, restarts and why one is not running.

One ``kubectl get pods -o json`` per namespace (not one per Pod); the JSON is reduced to the few
facts a person needs, with the reason taken from where Kubernetes puts it: a container's waiting
or terminated state (``CrashLoopBackOff``, ``ImagePullBackOff`` …), the Pod's own reason, or the
scheduling condition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sentinel.kube.batch import by_namespace
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.live import LivePods, live_pods
from sentinel.kube.outcomes import Target


@dataclass(frozen=True)
class PodState:
    """What the cluster says about one spec's Pod."""

    target: Target
    found: bool
    phase: str = ""
    ready: bool = False
    restarts: int = 0
    reason: str = ""

    @property
    def done(self) -> bool:
        """Where a Pod can get to: Ready, or (run to completion) Succeeded."""
        return self.ready or self.phase == "Succeeded"

    @property
    def stuck(self) -> bool:
        """Failed for good: a Pod in phase Failed is not restarted and never becomes Ready."""
        return self.phase == "Failed"

    def row(self) -> tuple[str, str, str, str, str]:
        """Cells for the status table: POD PHASE READY RESTARTS REASON."""
        if not self.found:
            return (self.target.pod, "-", "-", "-", self.reason or "not found")
        return (self.target.pod, self.phase, "yes" if self.ready else "no", str(self.restarts),
                self.reason)


def summarize(target: Target, pod: Mapping[str, Any] | None) -> PodState:
    """Reduce one Pod object (or its absence) to a ``PodState``."""
    if pod is None:
        return PodState(target, found=False)
    status = pod.get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    ready = (conditions.get("Ready") or {}).get("status") == "True"
    statuses = list(status.get("initContainerStatuses") or []) + list(
        status.get("containerStatuses") or [])
    restarts = sum(int(s.get("restartCount") or 0) for s in status.get("containerStatuses") or [])
    phase = str(status.get("phase") or "Unknown")
    if phase == "Succeeded":  # ran to completion: never Ready again, and that is its success
        return PodState(target, True, phase, ready, restarts, "Completed")
    return PodState(target, True, phase, ready, restarts, "" if ready else _reason(status, statuses))


def _reason(status: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]]) -> str:
    for s in statuses:
        state = s.get("state") or {}
        for key in ("waiting", "terminated"):
            info = state.get(key)
            if info and info.get("reason") and info.get("reason") != "Completed":
                return _join(info.get("reason"), info.get("message"))
    if status.get("reason") or status.get("message"):
        return _join(status.get("reason"), status.get("message"))
    for cond in status.get("conditions") or []:
        if cond.get("status") == "False" and (cond.get("reason") or cond.get("message")):
            return _join(cond.get("reason"), cond.get("message"))
    for s in statuses:
        if not s.get("ready"):
            return f"container {s.get('name', '?')} not ready"
    return "not ready"


def _join(reason: object, message: object) -> str:
    text = str(reason or "")
    if message:
        text = f"{text}: {message}" if text else str(message)
    return text.replace("\n", " ")


def pod_states(kubectl: Kubectl, targets: Sequence[Target],
               reads: dict[str, LivePods] | None = None) -> list[PodState]:
    """The live state of every target's Pod; raises the mapped ``KubeError`` if kubectl fails.

    Each namespace's Pods are listed once; ``reads``, when given, receives those lists by
    namespace so a caller can look at the same read again (e.g. for orphans).
    """
    states: list[PodState] = []
    for namespace, group in by_namespace(targets):
        live = live_pods(kubectl, namespace, group)
        if reads is not None:
            reads[namespace] = live
        states += [summarize(t, live.get(t.name)) for t in group]
    order = {t.manifest: n for n, t in enumerate(targets)}
    return sorted(states, key=lambda s: order[s.target.manifest])
