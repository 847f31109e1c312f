"""Server-side apply: dry runs that return the object the API server would store, and applies.

Every change kube-sentinel makes goes through ``kubectl apply --server-side`` with field manager
``kube-sentinel``: the API server merges the manifest, records which fields this tool owns
(``metadata.managedFields``) and answers a 409 conflict when another manager owns a field the
spec sets to a different value. A Pod that client-side ``kubectl apply`` created is taken over
without a conflict (kubectl migrates the ownership itself). Manifests go to kubectl on stdin as
one YAML stream per namespace; results are told apart by Pod name.

``kubectl apply -o json`` prints the objects only when every object of the run succeeded, so a
dry run that fails for some Pods is repeated without the ones whose errors could be attributed;
errors that name no Pod (conflicts) are then narrowed down one Pod per run. The common case —
nothing fails — stays at one kubectl per namespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sentinel.errors import ClusterUnreachable, KubeError, KubeTimeout
from sentinel.kube.batch import MANAGER
from sentinel.kube.kubectl import Completed, Kubectl
from sentinel.kube.outcomes import Outcome, Target, attributed, check_context, outcomes


@dataclass(frozen=True)
class Manifest:
    """One Pod manifest to send: where it is known from (for messages) and its bytes."""

    target: Target
    data: bytes


@dataclass(frozen=True)
class DryRun:
    """One Pod's server-side dry run: the object the server would store, or the error."""

    target: Target
    obj: dict[str, Any] | None = None
    error: KubeError | None = None


def _stream(manifests: Sequence[Manifest]) -> str:
    return "".join("---\n" + m.data.decode("utf-8") for m in manifests)


def _args(namespace: str, force: bool, *extra: str) -> list[str]:
    return ["apply", "--server-side", f"--field-manager={MANAGER}",
            *(["--force-conflicts"] if force else []), *extra, "-n", namespace, "-f", "-"]


def _objects(stdout: str) -> dict[str, dict[str, Any]]:
    """Pod name → object from ``-o json`` output (one object, or a List of them)."""
    try:
        data = json.loads(stdout) if stdout.strip() else {}
    except ValueError:
        return {}
    items = data.get("items") if data.get("kind") == "List" else [data]
    return {str(o["metadata"]["name"]): o for o in items or []
            if isinstance(o, dict) and isinstance(o.get("metadata"), dict)}


def dry_run(kubectl: Kubectl, namespace: str, manifests: Sequence[Manifest], *,
            force: bool = False) -> list[DryRun]:
    """Server-side dry run of every manifest of ``namespace``; one result per manifest."""
    results: dict[str, DryRun] = {}
    pending = list(manifests)
    while pending:
        done = _dry(kubectl, namespace, pending, force)
        if done.returncode == 0 and not done.timed_out:
            objs = _objects(done.stdout)
            for m in pending:
                results[m.target.name] = DryRun(m.target, obj=objs.get(m.target.name),
                                                error=None if m.target.name in objs else
                                                _silent(done, m.target))
            break
        targets = [m.target for m in pending]
        found = outcomes(done, targets, timeout=kubectl.timeout, actions={})
        errors, _ = attributed(done, targets)
        named = {t.name for t in targets if t.manifest in errors}
        if not named or len(pending) == 1:
            if len(pending) == 1 or _whole_run(found):
                for o in found:
                    results[o.target.name] = DryRun(o.target, error=o.error)
                break
            for m in pending:  # errors that name no Pod: one Pod per run tells them apart
                one = _dry(kubectl, namespace, [m], force)
                got = _objects(one.stdout).get(m.target.name) if one.returncode == 0 else None
                error = None if got is not None else outcomes(
                    one, [m.target], timeout=kubectl.timeout, actions={})[0].error
                results[m.target.name] = DryRun(m.target, obj=got, error=error)
            break
        for t in targets:
            if t.name in named:
                results[t.name] = DryRun(t, error=errors[t.manifest])
        pending = [m for m in pending if m.target.name not in named]
    return [results[m.target.name] for m in manifests]


def _dry(kubectl: Kubectl, namespace: str, manifests: Sequence[Manifest], force: bool) -> Completed:
    done = kubectl.run(_args(namespace, force, "--dry-run=server", "-o", "json"),
                       stdin=_stream(manifests))
    check_context(done)
    return done


def _whole_run(found: Sequence[Outcome]) -> bool:
    """True if one error concerns the whole run (unreachable, timeout): no point splitting."""
    return any(isinstance(o.error, ClusterUnreachable | KubeTimeout) for o in found)


def _silent(done: Completed, target: Target) -> KubeError:
    return KubeError(f"{target.where()}: kubectl's dry run returned no object for this Pod",
                     argv=done.argv, returncode=done.returncode, stderr=done.stderr)


def apply(kubectl: Kubectl, namespace: str, manifests: Sequence[Manifest], *,
          force: bool = False) -> list[Outcome]:
    """``kubectl apply --server-side`` of every manifest of ``namespace``: one outcome each
    (action ``serverside-applied`` on success)."""
    done = kubectl.run(_args(namespace, force), stdin=_stream(manifests))
    return outcomes(done, [m.target for m in manifests], timeout=kubectl.timeout)


TERMINATING = "terminating"  # the action of a Pod deleted but not gone within the timeout


def delete_and_wait(kubectl: Kubectl, namespace: str, targets: Sequence[Target]) -> list[Outcome]:
    """Delete Pods and wait until they are gone (bounded by the kubectl timeout); a Pod already
    gone comes back as ``absent``; one deleted but still terminating when the wait ends comes
    back with action ``TERMINATING`` and a ``KubeTimeout`` (the delete itself was made)."""
    seconds = max(1, int(kubectl.timeout))
    done = kubectl.run(["delete", "pod", "--ignore-not-found", "--wait=true",
                        f"--timeout={seconds}s", "-n", namespace, *(t.name for t in targets)],
                       timeout=kubectl.timeout + 5)
    results = outcomes(done, targets, timeout=kubectl.timeout, missing_action="absent")
    stuck = {m.group(1) for m in _STILL_THERE.finditer(done.stderr)}
    return [Outcome(o.target, action=TERMINATING, error=KubeTimeout(
        f"{o.target.where()}: deleted, but still terminating after {seconds}s",
        argv=done.argv, returncode=done.returncode, stderr=done.stderr,
        hint="raise 'kubectl_timeout' (sentinel.toml or SENTINEL_KUBECTL_TIMEOUT), or check "
        "what keeps the Pod (finalizers, a stuck node)")) if o.target.name in stuck else o
        for o in results]


_STILL_THERE = re.compile(r"timed out waiting for the condition on pods/(\S+)")
