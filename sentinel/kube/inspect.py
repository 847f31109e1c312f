"""Read-only looks at one Pod: its recent events and its container logs.

For the chat's cluster tools (and anyone who wants the same facts without a shell): every run
here is a *read* — ``kubectl get events`` or ``kubectl logs`` — checked by ``read_only_args``
before kubectl starts, so nothing in this module can change a cluster or read a Secret object.
kubectl's stderr is never passed on as is: a failure becomes the same ``KubeError`` classes and
messages the pipeline uses (unreachable cluster, missing Pod, timeout), naming the spec and Pod.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sentinel.errors import ClusterUnreachable, KubeError, KubeTimeout
from sentinel.kube.kubectl import Completed, Kubectl
from sentinel.kube.outcomes import (
    Target,
    check_context,
    error_blocks,
    map_block,
    unreachable_detail,
)

READ_VERBS = ("get", "logs")
READ_RESOURCES = ("pods", "events")  # what `get` may name: never secrets (or anything else)
MAX_EVENTS = 50
MAX_LOG_LINES = 1000
_REFUSED = re.compile(r"The connection to the server (\S+) was refused")


def read_only_args(args: Sequence[str]) -> list[str]:
    """``args`` if they are a read of Pods, events or logs; ``ValueError`` (a bug) otherwise."""
    if not args or args[0] not in READ_VERBS:
        raise ValueError(f"not a read-only kubectl command: {list(args)}")
    if args[0] == "get" and (len(args) < 2 or args[1] not in READ_RESOURCES):
        raise ValueError(f"kubectl get may only read {', '.join(READ_RESOURCES)}: {list(args)}")
    return list(args)


@dataclass(frozen=True)
class PodEvent:
    """One event about a Pod, as a person reads it in ``kubectl describe``."""

    type: str
    reason: str
    message: str
    count: int
    age: str  # since the event was last seen: 45s, 5m, 3h, 2d
    last_seen: str  # ISO time, for sorting and for the model

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"type": self.type, "reason": self.reason, "message": self.message,
                "count": self.count, "age": self.age, "last_seen": self.last_seen}


@dataclass(frozen=True)
class PodLog:
    """The last lines of one container's log; ``more`` says older lines were left out."""

    container: str
    previous: bool
    lines: list[str]
    more: bool


def pod_events(kubectl: Kubectl, target: Target, *, limit: int = 20,
               now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> list[PodEvent]:
    """The Pod's most recent ``limit`` events, oldest first (one ``kubectl get events``)."""
    done = _run(kubectl, ["get", "events", "-n", target.namespace, "--field-selector",
                          f"involvedObject.kind=Pod,involvedObject.name={target.name}",
                          "-o", "json"], target)
    try:
        items = json.loads(done.stdout).get("items") or []
    except (ValueError, AttributeError) as exc:
        raise KubeError(f"{target.where()}: kubectl get events printed no JSON",
                        argv=done.argv, stderr=done.stderr) from exc
    at = now()
    events = [_event(e, at) for e in items if isinstance(e, dict)]
    events.sort(key=lambda e: e.last_seen)
    return events[-max(1, min(limit, MAX_EVENTS)):]


def pod_logs(kubectl: Kubectl, target: Target, *, container: str | None = None, tail: int = 100,
             previous: bool = False) -> PodLog:
    """The last ``tail`` lines of a container's log (its previous run with ``previous``).

    The container defaults to the one named after the Pod (kube-sentinel's main container).
    One more line than asked is requested, to know whether older lines exist.
    """
    tail = max(1, min(tail, MAX_LOG_LINES))
    name = container or target.name
    args = ["logs", "-n", target.namespace, target.name, "-c", name, f"--tail={tail + 1}"]
    if previous:
        args.append("--previous")
    done = _run(kubectl, args, target)
    lines = done.stdout.splitlines()
    return PodLog(name, previous, lines[-tail:], len(lines) > tail)


def unreachable(err: KubeError, target: Target) -> KubeError:
    """``err`` as ``ClusterUnreachable`` when kubectl could not reach the API server at all.

    ``kubectl get`` says only "The connection to the server HOST was refused" (the dial error
    goes to its debug log), which the batch mapper does not take for unreachable.
    """
    if isinstance(err, ClusterUnreachable):
        return err
    why = unreachable_detail(err.stderr)
    refused = _REFUSED.search(err.stderr)
    if why is None and refused is None:
        return err
    if why is None:
        why = f"cannot reach the cluster at {refused.group(1) if refused else '?'}: connection refused"
    return ClusterUnreachable(
        f"{target.where()}: {why}", argv=err.argv, returncode=err.returncode,
        hint="check that the cluster is running and that KUBECONFIG and the 'context' "
             "setting point at it")


def _run(kubectl: Kubectl, args: list[str], target: Target) -> Completed:
    done = kubectl.run(read_only_args(args))
    if done.timed_out:
        raise KubeTimeout(f"{target.where()}: kubectl did not finish within {kubectl.timeout:g}s",
                          argv=done.argv, hint="raise 'kubectl_timeout' or check the cluster")
    if done.returncode == 0:
        return done
    check_context(done)
    down = unreachable(KubeError("", argv=done.argv, returncode=done.returncode,
                                 stderr=done.stderr), target)
    if isinstance(down, ClusterUnreachable):
        raise down
    blocks = error_blocks(done.stderr)
    if not blocks:
        raise KubeError(f"{target.where()}: kubectl failed (exit code {done.returncode})",
                        argv=done.argv, returncode=done.returncode)
    # `kubectl logs` says "error: error from server (NotFound): ..."; map it like the others.
    block = blocks[0].removeprefix("error: ")
    if block.startswith("error from server"):
        block = "E" + block[1:]
    if block.startswith("Error from server (BadRequest): "):
        detail = block.split(": ", 1)[1].replace("\n", " ")
        raise KubeError(f"{target.where()}: {detail}", argv=done.argv,
                        returncode=done.returncode)
    raise map_block(block, target, done)


def _event(raw: dict[str, Any], at: datetime) -> PodEvent:
    meta = raw.get("metadata") or {}
    seen = str(raw.get("lastTimestamp") or raw.get("eventTime") or raw.get("firstTimestamp")
               or meta.get("creationTimestamp") or "")
    return PodEvent(
        type=str(raw.get("type") or ""), reason=str(raw.get("reason") or ""),
        message=" ".join(str(raw.get("message") or "").split()),
        count=int(raw.get("count") or (raw.get("series") or {}).get("count") or 1),
        age=_age(seen, at), last_seen=seen,
    )


def _age(stamp: str, at: datetime) -> str:
    """kubectl-like short age: 45s, 5m, 3h, 2d (unknown: '?')."""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return "?"
    if when.tzinfo is None:  # the API server writes UTC; a bare time is taken as such
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((at - when).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 3 * 3600:
        return f"{seconds // 60}m"
    if seconds < 48 * 3600:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"
