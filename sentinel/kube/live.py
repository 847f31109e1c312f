"""Read the live Pods of a namespace: one ``kubectl get pods -o json`` per namespace.

Shared by ``status`` (phase and readiness), the convergence plan (what exists, what it looks
like, which Pods are this project's orphans) and the plan's dry run. A namespace that does not
exist has no Pods: the API server answers an empty list, so nothing special happens here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sentinel.errors import KubeError
from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Target, check_context, outcomes

LivePods = dict[str, dict[str, Any]]  # Pod name -> the Pod object as the API server has it


def live_pods(kubectl: Kubectl, namespace: str, targets: Sequence[Target] = ()) -> LivePods:
    """Every Pod of ``namespace`` by name; raises the mapped ``KubeError`` if kubectl fails
    (``targets`` only make the message name the specs the read was for)."""
    done = kubectl.run(["get", "pods", "-n", namespace, "-o", "json"])
    check_context(done)
    if done.returncode != 0 or done.timed_out:
        if targets:
            first = outcomes(done, targets, timeout=kubectl.timeout)[0]
            if first.error is not None:
                raise first.error
        detail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise KubeError(f"kubectl get pods -n {namespace} failed: {detail[0]}",
                        argv=done.argv, returncode=done.returncode, stderr=done.stderr,
                        hint="check that the cluster is reachable and that you may list pods "
                        "in this namespace")
    try:
        items = json.loads(done.stdout).get("items") or []
    except (ValueError, AttributeError) as exc:
        raise KubeError(f"kubectl get pods -n {namespace} printed no JSON",
                        argv=done.argv, stderr=done.stderr) from exc
    return {str((p.get("metadata") or {}).get("name")): p for p in items if isinstance(p, dict)}


def labels_of(pod: dict[str, Any]) -> dict[str, str]:
    """A live Pod's labels (empty when it has none)."""
    return dict((pod.get("metadata") or {}).get("labels") or {})
