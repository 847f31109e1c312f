"""doit task creators for the cluster side: ``dryrun``, ``apply``, ``diff``, ``delete``, ``status``.

``dryrun`` tracks each manifest separately — a sub-task per spec (``dryrun:<spec>``) with the
manifest as ``file_dep`` and a stamp check of the manifest's sha256 and the context — while the
kubectl work is done by one hidden batch task (``_dryrun_batch``) that runs one kubectl per
namespace; the sub-tasks report their own manifest's result. ``plan`` and ``apply`` always run:
they decide from the live cluster (``converge``), never from what doit saw change, so a Pod
changed or deleted behind the tool's back is put right too. Because the manifests are
``targets`` of ``generate``, doit regenerates changed specs first.

Task parameters (``doit dryrun --mode client``, ``doit apply --yes --prune``, ``doit status --wait``)
are creator parameters, so the hidden batch tasks see them too.

Every creator here is delayed (``create_after``): ``doit generate`` — the common run — neither
creates the ~4,000 cluster tasks of 1,000 specs nor imports the kubectl side, which cost more
than the no-op run itself. doit runs a delayed creator when one of its tasks is selected or
needed, and runs all of them as usual for ``doit list``, ``clean``, ``forget`` and ``info``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from doit import create_after as _doit_create_after
from doit import task_params as _doit_task_params

from sentinel.pipeline.confirm import has_terminal
from sentinel.pipeline.generate import SyncFolders, synced_folders
from sentinel.pipeline.plan import display, plan
from sentinel.pipeline.settings import pipeline_settings

if TYPE_CHECKING:
    from sentinel.pipeline.cluster_actions import Item

# The actions (``cluster_actions``, ``cluster_changes``, ``cluster_report``: kubectl, the audit
# log's filelock) are imported inside the creators, which doit calls only for the cluster tasks.

FORCE = {"name": "force", "long": "force", "type": bool, "default": False,
         "help": "run kubectl for every manifest, even those up to date"}

_F = TypeVar("_F", bound=Callable[..., Any])
# doit's decorator is untyped; this is its real signature.
task_params = cast(Callable[[list[dict[str, Any]]], Callable[[_F], _F]], _doit_task_params)
create_after = cast(Callable[..., Callable[[_F], _F]], _doit_create_after)

YES = {"name": "yes", "long": "yes", "short": "y", "type": bool, "default": False,
       "help": "confirm without a prompt (for scripts)"}


def items() -> list[Item]:
    """Every valid spec's Pod, in spec order (invalid specs are left to ``generate``)."""
    return list(_planned_items())


@lru_cache(maxsize=1)
def _planned_items() -> tuple[Item, ...]:
    """Planned once per doit run: every cluster task creator asks for the same list."""
    from sentinel.pipeline.cluster_actions import Item

    settings = pipeline_settings()
    if not settings.specs_dir.is_dir():
        return ()
    found = []
    for p in plan(settings.specs_dir, settings.output_dir):
        if p.target is None or p.problems or p.scan is None or not p.scan.name:
            continue
        found.append(Item(p.task, str(p.spec), str(display(p.target)), p.scan.namespace,
                          p.scan.name))
    return tuple(found)


def generated(all_items: list[Item]) -> list[str]:
    """The ``generate`` sub-tasks the manifests come from, in spec order.

    doit would find them anyway (the manifests are their targets) but in the order of a set,
    which changes from run to run; naming them keeps the output stable.
    """
    return [f"generate:{i.task}" for i in all_items]


def synced(all_items: list[Item]) -> SyncFolders:
    """``uptodate`` entry of a task that reads the manifests: makes the renames of any that
    ``generate`` just wrote durable first (``sentinel.pipeline.generate``); decides nothing."""
    return synced_folders([i.manifest for i in all_items], pipeline_settings().output_dir)


def in_order(kind: str, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Barrier tasks that release the sub-tasks one by one after the batch, in spec order.

    doit releases every task waiting on one finished task in set order, so sub-tasks that all
    depended on the batch would report in a different order each run. A chain of hidden no-op
    tasks (each after the previous one, the first after the batch) gives every sub-task its own
    release point without making it depend on another sub-task: a failing Pod never blocks the
    next one's report. Yields (the task a sub-task depends on, the barrier task to yield).
    """
    previous = f"_{kind}_batch"
    for index in range(count):
        name = f"_{kind}_after_{index}"
        yield name, {"basename": name, "task_dep": [previous], "actions": None,
                     "doc": f"ordering point {index} of {kind}"}
        previous = name


DRYRUN_PARAMS = [{"name": "mode", "long": "mode", "type": str, "default": "",
                  "help": "server (default, from the dryrun_mode setting) or client"}, FORCE]


class _DryrunBatch:
    """The creator of ``_dryrun_batch``, which ``dryrun``'s sub-tasks depend on.

    A creator of its own so that the batch is found without creating the per-manifest tasks. doit names a ``create_doit_tasks`` creator by its ``basename``:
    ``dryrun``, so it is handed the parameters of ``doit dryrun`` (``--mode``, ``--force``) just
    as when ``task_dryrun`` yielded the batch. ``creates`` names the one task it makes, so doit
    knows where to find ``_dryrun_batch`` before the creator has run.
    """

    @create_after(creates=["_dryrun_batch"])
    @task_params(DRYRUN_PARAMS)
    def create_doit_tasks(self, mode: str, force: bool) -> dict[str, Any]:
        """the batched kubectl runs behind dryrun"""
        from sentinel.pipeline.cluster_actions import dryrun_batch, stamps_current

        mode = mode or pipeline_settings().dryrun_mode  # a bad value is refused by the action
        all_items = items()
        return {
            "basename": "_dryrun_batch",
            "doc": "the batched kubectl runs behind dryrun",
            "actions": [(dryrun_batch, [all_items, mode, force])],
            "file_dep": [i.manifest for i in all_items],
            "task_dep": generated(all_items),
            "uptodate": [synced(all_items), not force, stamps_current("dryrun", all_items, mode)],
            "verbosity": 2,
        }


setattr(_DryrunBatch.create_doit_tasks, "basename", "dryrun")  # noqa: B010  # read by doit
dryrun_batch_tasks = _DryrunBatch()


@create_after()
@task_params(DRYRUN_PARAMS)
def task_dryrun(mode: str, force: bool) -> Iterator[dict[str, Any]]:
    """kubectl apply --dry-run for every changed manifest (one kubectl per namespace)."""
    from sentinel.pipeline.cluster_actions import report, stamp_current

    mode = mode or pipeline_settings().dryrun_mode  # a bad value is refused by the action
    all_items = items()
    yield {"name": None, "doc": f"kubectl apply --dry-run={mode} for every manifest"}
    for item, (after, barrier) in zip(all_items, in_order("dryrun", len(all_items))):
        yield barrier
        yield {
            "name": item.task,
            "doc": f"{item.manifest} ({item.pod})",
            "actions": [(report, ["dryrun", item, mode])],
            "file_dep": [item.manifest],
            "task_dep": [after],
            "uptodate": [stamp_current("dryrun", item, mode)],
            "verbosity": 2,
        }


PRUNE = {"name": "prune", "long": "prune", "type": bool, "default": False,
         "help": "also delete this project's orphan Pods (live, no current spec maps to them)"}
FORCE_CONFLICTS = {"name": "force_conflicts", "long": "force-conflicts", "type": bool,
                   "default": False,
                   "help": "take over fields another field manager owns (server-side apply)"}


@create_after()
@task_params([FORCE_CONFLICTS])
def task_plan(force_conflicts: bool) -> dict[str, Any]:
    """What apply would do, Pod by Pod, from the live cluster (changes nothing; always runs)."""
    from sentinel.pipeline.cluster_apply import plan_show

    all_items = items()
    return {
        "doc": "what apply would do: create, update, recreate, delete, unchanged (changes nothing)",
        "actions": [(plan_show, [all_items, force_conflicts])],
        "task_dep": generated(all_items),
        "uptodate": [synced(all_items), False],
        "verbosity": 2,
    }


@create_after()
@task_params([YES, PRUNE, FORCE_CONFLICTS])
def task_apply(yes: bool, prune: bool, force_conflicts: bool) -> dict[str, Any]:
    """Make the cluster match the specs, after a confirmation that lists every change."""
    from sentinel.pipeline.cluster_apply import converge_apply

    all_items = items()
    return {
        "doc": "make the cluster match the specs (asks first; --yes, --prune, --force-conflicts)",
        "actions": [(converge_apply, [all_items, yes, has_terminal(), prune,
                                       force_conflicts])],
        "task_dep": generated(all_items),
        "uptodate": [synced(all_items), False],
        "verbosity": 2,
    }


@create_after()
def task_diff() -> dict[str, Any]:
    """kubectl diff of every manifest against the live Pods (always runs)."""
    from sentinel.pipeline.cluster_report import diff_all

    all_items = items()
    return {
        "doc": "show how the live Pods differ from the manifests",
        "actions": [(diff_all, [all_items])],
        "file_dep": [i.manifest for i in all_items],
        "task_dep": generated(all_items),
        "uptodate": [synced(all_items), False],
        "verbosity": 2,
    }


@create_after()
@task_params([YES])
def task_delete(yes: bool) -> dict[str, Any]:
    """kubectl delete, after a confirmation, of every spec's Pod (always runs)."""
    from sentinel.pipeline.cluster_changes import delete_all

    all_items = items()
    return {
        "doc": "delete every spec's Pod from the cluster (asks first; --yes)",
        "actions": [(delete_all, [all_items, yes, has_terminal()])],
        "file_dep": [i.manifest for i in all_items],
        "task_dep": generated(all_items),
        "uptodate": [synced(all_items), False],
        "verbosity": 2,
    }


@create_after()
@task_params([
    {"name": "wait", "long": "wait", "type": bool, "default": False,
     "help": "wait until every Pod is Ready (or the timeout)"},
    {"name": "timeout", "long": "timeout", "type": float, "default": 60.0,
     "help": "seconds --wait waits before failing"},
    {"name": "interval", "long": "interval", "type": float, "default": 1.0,
     "help": "seconds between polls with --wait"},
])
def task_status(wait: bool, timeout: float, interval: float) -> dict[str, Any]:
    """Each spec's live Pod: phase, readiness, restarts, why it is not running."""
    from sentinel.pipeline.cluster_report import status_all

    return {
        "doc": "each spec's live Pod: phase, ready, restarts, reason (--wait --timeout N)",
        "actions": [(status_all, [items(), wait, timeout, interval])],
        "uptodate": [False],
        "verbosity": 2,
    }
