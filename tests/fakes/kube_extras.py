"""Events and container logs for the loopback Kubernetes API (what ``kubectl get events`` and
``kubectl logs`` read).

Kept apart from ``kube_api.py`` (pods, namespaces, server-side apply) so each half stays small;
``kube_api`` only routes ``/api/v1/[namespaces/NS/]events`` and ``.../pods/NAME/log`` here and
exposes the setters. Behaviour follows the real API server closely enough that kubectl prints
what it prints against a cluster:

- events are core/v1 ``Event`` objects, listed per namespace or cluster-wide, filtered by the
  ``fieldSelector`` keys kubectl users send (``involvedObject.name``, ``involvedObject.kind``,
  ``involvedObject.namespace``, ``type``, ``reason``);
- a log is plain text (``text/plain``) per Pod, container and run (``previous`` is the last
  terminated run); ``tailLines`` keeps the last N lines; a Pod with several containers and no
  ``container`` is a 400 naming the choices, a missing previous run or a container that has not
  started is a 400 with the API server's words.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes import kube_objects as ko

EVENTS_RESOURCE = {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event",
                   "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                   "shortNames": ["ev"]}
LOG_RESOURCE = {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod",
                "verbs": ["get"]}
_SELECTABLE = {"involvedObject.name", "involvedObject.kind", "involvedObject.namespace",
               "involvedObject.uid", "type", "reason", "metadata.name", "metadata.namespace"}


@dataclass(frozen=True)
class Text:
    """A plain-text answer (a container log) instead of a JSON body."""

    data: str


@dataclass
class Extras:
    """The events and logs the tests set; guarded by the API's lock."""

    events: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_event(self, namespace: str, pod: str, *, reason: str, message: str,
                  type: str = "Normal", count: int = 1, age_seconds: float = 0.0,
                  kind: str = "Pod") -> dict[str, Any]:
        """Record an event about ``namespace/pod`` last seen ``age_seconds`` ago."""
        last = datetime.now(UTC) - timedelta(seconds=age_seconds)
        stamp = last.strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{pod}.{next(self._counter):016x}", "namespace": namespace,
                         "uid": str(uuid.uuid4()), "resourceVersion": "1",
                         "creationTimestamp": stamp},
            "involvedObject": {"apiVersion": "v1", "kind": kind, "namespace": namespace,
                               "name": pod},
            "reason": reason, "message": message, "type": type, "count": count,
            "firstTimestamp": stamp, "lastTimestamp": stamp,
            "source": {"component": "kubelet"}, "reportingComponent": "kubelet",
        }
        self.events.append(event)
        return event

    def set_log(self, namespace: str, pod: str, text: str, *, container: str | None = None,
                previous: bool = False) -> None:
        """The log of a container's current run (or, with ``previous``, its last crashed one);
        ``container`` defaults to the Pod's name, which is what kube-sentinel names it."""
        self.logs[(namespace, pod, container or pod, previous)] = text

    def list_events(self, namespace: str | None, query: dict[str, str]) -> dict[str, Any]:
        """An ``EventList`` of one namespace (or all), filtered by ``fieldSelector``."""
        wanted = _field_selector(query.get("fieldSelector", ""))
        items = [e for e in self.events
                 if namespace in (None, e["metadata"]["namespace"])
                 and all(_field(e, k) == v for k, v in wanted.items())]
        return {"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                "items": items}

    def pod_log(self, pod: dict[str, Any], query: dict[str, str]) -> Text:
        """The log text the kubelet would stream for this Pod and query."""
        meta = pod["metadata"]
        ns, name = meta["namespace"], meta["name"]
        names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
        container = query.get("container")
        if not container:
            if len(names) != 1:
                raise ko.ApiError(400, "BadRequest", f"a container name must be specified for "
                                  f"pod {name}, choose one of: [{' '.join(names)}]")
            container = names[0]
        if container not in names:
            raise ko.ApiError(400, "BadRequest",
                              f"container {container} is not valid for pod {name}")
        previous = query.get("previous") in ("true", "1")
        text = self.logs.get((ns, name, container, previous))
        if text is None and previous:
            raise ko.ApiError(400, "BadRequest", f'previous terminated container "{container}" '
                              f'in pod "{name}" not found')
        if text is None:
            waiting = _waiting_reason(pod, container)
            if waiting:
                raise ko.ApiError(400, "BadRequest", f'container "{container}" in pod "{name}" '
                                  f"is waiting to start: {waiting}")
            text = ""
        tail = query.get("tailLines")
        if tail is not None:
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(tail):]) if int(tail) > 0 else ""
        return Text(text)

    def control(self, method: str, parts: list[str], body: Any) -> tuple[int, Any] | None:
        """``/_fake/events`` and ``/_fake/logs`` (from ``kube_ctl.py``); None if not ours."""
        if parts == ["events"] and method == "POST":
            event = self.add_event(
                body["namespace"], body["pod"], reason=body["reason"], message=body["message"],
                type=body.get("type") or "Normal", count=int(body.get("count") or 1),
                age_seconds=float(body.get("age_seconds") or 0))
            return 201, event
        if parts == ["logs"] and method == "POST":
            self.set_log(body["namespace"], body["pod"], body["text"],
                         container=body.get("container"), previous=bool(body.get("previous")))
            return 201, {}
        return None


def _field_selector(text: str) -> dict[str, str]:
    wanted: dict[str, str] = {}
    for term in filter(None, text.split(",")):
        key, _, value = term.partition("=")
        key = key.rstrip("=")
        if key not in _SELECTABLE:
            raise ko.ApiError(400, "BadRequest", f'"{key}" is not a known field selector: only '
                              f'"{", ".join(sorted(_SELECTABLE))}"')
        wanted[key] = value.lstrip("=")
    return wanted


def _field(event: dict[str, Any], key: str) -> str:
    value: Any = event
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def _waiting_reason(pod: dict[str, Any], container: str) -> str:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in ("ContainerCreating", "PodInitializing"):
                return str(waiting["reason"])
    return ""
