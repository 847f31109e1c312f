"""Batched cluster operations: one kubectl process per namespace, one outcome per manifest.

Starting kubectl costs far more than handling one more ``-f`` file in a run that is already
going (process start, kubeconfig, discovery and OpenAPI reads), so manifests are grouped by
namespace and each group goes to a single kubectl. ``outcomes.py`` splits what kubectl said back
into per-manifest results so one bad Pod never marks its neighbours as failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from sentinel.kube.kubectl import Kubectl
from sentinel.kube.outcomes import Outcome, Target, outcomes

MANAGER = "kube-sentinel"  # the field manager of every server-side apply (``ssa.MANAGER``)

DRY_RUN_MODES = ("server", "client")


def by_namespace(targets: Sequence[Target]) -> Iterator[tuple[str, list[Target]]]:
    """Targets grouped by namespace, namespaces sorted, order inside kept."""
    ordered = sorted(targets, key=lambda t: t.namespace)
    for namespace, group in groupby(ordered, key=lambda t: t.namespace):
        yield namespace, list(group)


def _files(targets: Sequence[Target]) -> list[str]:
    args: list[str] = []
    for t in targets:
        args += ["-f", str(t.manifest)]
    return args


def _batched(
    kubectl: Kubectl, targets: Sequence[Target], args: Callable[[str], list[str]],
    *, missing_action: str | None = None,
) -> list[Outcome]:
    results: list[Outcome] = []
    for namespace, group in by_namespace(targets):
        done = kubectl.run([*args(namespace), *_files(group)])
        results += outcomes(done, group, timeout=kubectl.timeout, missing_action=missing_action)
    return results


def dry_run(kubectl: Kubectl, targets: Sequence[Target], mode: str = "server") -> list[Outcome]:
    """``kubectl apply --dry-run=<mode>``; changes nothing in the cluster."""
    if mode not in DRY_RUN_MODES:
        raise ValueError(f"dry-run mode must be one of {DRY_RUN_MODES}, not {mode!r}")
    return _batched(kubectl, targets, lambda ns: ["apply", f"--dry-run={mode}", "-n", ns])


def apply(kubectl: Kubectl, targets: Sequence[Target]) -> list[Outcome]:
    """``kubectl apply``: created, configured or unchanged per manifest."""
    return _batched(kubectl, targets, lambda ns: ["apply", "-n", ns])


def delete(kubectl: Kubectl, targets: Sequence[Target]) -> list[Outcome]:
    """``kubectl delete``; a Pod that is already gone comes back as ``absent``."""
    return _batched(
        kubectl, targets,
        lambda ns: ["delete", "--ignore-not-found", "--wait=false", "-n", ns],
        missing_action="absent",
    )


@dataclass(frozen=True)
class DiffResult:
    """The unified diff kubectl printed and one outcome (``differs``/``same``/error) per manifest."""

    text: str
    outcomes: list[Outcome]


# The diff program kubectl runs; a user's KUBECTL_EXTERNAL_DIFF (dyff, colordiff, a GUI) would
# print headers this module cannot attribute to Pods, or exit 0 on a difference.
DIFF_PROGRAM = {"KUBECTL_EXTERNAL_DIFF": "diff -u -N"}
_DIFF_HEADER = re.compile(r"^diff .* \S*/v1\.Pod\.(?P<ns>[^.\s]+)\.(?P<name>\S+)$", re.MULTILINE)


def diff(kubectl: Kubectl, targets: Sequence[Target]) -> DiffResult:
    """``kubectl diff --server-side`` (what a server-side apply would change): exit 0 same,
    1 different, anything else an error."""
    texts: list[str] = []
    results: list[Outcome] = []
    for namespace, group in by_namespace(targets):
        done = kubectl.run(["diff", "--server-side", f"--field-manager={MANAGER}", "-n", namespace,
                            *_files(group)], pinned=DIFF_PROGRAM)
        texts.append(done.stdout)
        changed = {(m.group("ns"), m.group("name")) for m in _DIFF_HEADER.finditer(done.stdout)}
        if done.returncode in (0, 1) and not done.timed_out:
            results += [Outcome(t, action="differs" if (t.namespace, t.name) in changed else "same")
                        for t in group]
            continue
        for outcome in outcomes(done, group, timeout=kubectl.timeout, missing_action="same"):
            if outcome.ok and (outcome.target.namespace, outcome.target.name) in changed:
                outcome = Outcome(outcome.target, action="differs")
            results.append(outcome)
    return DiffResult("".join(texts), results)
