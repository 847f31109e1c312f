"""doit task creators for the spec side of the pipeline: ``validate``, ``generate``, ``prune``.

``generate`` has one sub-task per spec (``generate:<spec file name>``) with the spec as
``file_dep``, the manifest as ``targets`` and ``config_changed`` on the generator version, so doit
redoes exactly what changed. Task creation only lists and scans files (``sentinel.pipeline.plan``);
every real parse happens in an action, once per spec per run. ``prune`` (run first by
``generate``) removes manifests this tool wrote for specs that no longer exist
(``sentinel.pipeline.ledger``); after the sub-tasks, ``_kustomization`` lists the manifests in
``<output_dir>/kustomization.yaml`` (``sentinel.pipeline.kustomize``). Actions report failure by returning ``TaskFailed`` with every
problem line, so doit shows a message, not a traceback; they print only warnings and summaries.

Durable manifests at one folder fsync per folder per run, not one per manifest: each manifest's
bytes are fsynced before its rename (``atomic_write``), and the folders are fsynced once by an
``uptodate`` entry of the ``generate`` group (and of the cluster tasks that read manifests). doit
evaluates it in its main process after every sub-task succeeded and before it saves any result
(doit writes its database once, when the run ends), so a finished run's renames survive a power
cut; it returns None, which doit ignores, so it decides nothing, and it does nothing when no
sub-task ran. A run that stops early (a failed spec, Ctrl-C) still has doit save the sub-tasks
that finished, possibly before their folder was synced; so each sub-task also records which file
it left at its target (device and inode) and is up to date only while that same file is there: a
rename lost in a crash shows up as a different file (the old one, or none) and the manifest is
generated again.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from doit.dependency import UptodateCalculator
from doit.exceptions import TaskFailed
from doit.tools import config_changed

from sentinel import __version__
from sentinel.config import Settings
from sentinel.errors import Problem, RenderError, SpecError
from sentinel.fsutil import atomic_write, fsync_dir
from sentinel.pipeline import kustomize, ledger
from sentinel.pipeline.plan import display, load_once, plan, protected_paths
from sentinel.pipeline.scan import list_specs
from sentinel.pipeline.settings import pipeline_settings

# The value naming the file a generate sub-task left at its target.
WRITTEN = "manifest"

# Part of every generate sub-task's up-to-date check: a release that changes what the generator
# writes regenerates every manifest. Read at task-creation time, so it can be varied per run.
GENERATOR_VERSION = __version__


class _ConfigChanged(config_changed):  # type: ignore[misc]  # doit is untyped
    """doit's ``config_changed`` with its call signature given up front.

    doit calls ``inspect.signature`` on every ``uptodate`` callable of every task on every run;
    for a callable object that costs about 50 µs, more than the check itself, i.e. ~50 ms per
    1,000 specs on the no-op run. ``inspect`` returns a ``__signature__`` attribute as is.
    """

    __signature__ = inspect.Signature([
        inspect.Parameter("task", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("values", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    ])


def written_as(path: str) -> str:
    """Which file a path names: device and inode ("" if there is none).

    A rename lost in a crash leaves the path naming the file it replaced, which existed at the
    same time and so has another inode. Editing a manifest in place keeps its inode: it is not
    regenerated for that, as before; replacing it with another file is noticed.
    """
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_dev}:{st.st_ino}"


class _ManifestUpToDate(_ConfigChanged):
    """``config_changed`` plus: the target is still the very file this sub-task last left there.

    One callable rather than two, because doit's per-callable overhead is more than the check.
    """

    def __init__(self, config: dict[str, Any], target: str) -> None:
        super().__init__(config)
        self.target = target

    def __call__(self, task: Any, values: dict[str, Any]) -> bool:
        """True if neither the configuration nor the file at the target changed."""
        fresh = bool(super().__call__(task, values))  # always called: it saves the config digest
        return fresh and values.get(WRITTEN) == written_as(self.target)


def _missing_specs_dir(settings: Settings) -> TaskFailed:
    what = "is not a folder" if settings.specs_dir.exists() else "does not exist"
    return TaskFailed(
        f"specs folder {display(settings.specs_dir)} {what}\n"
        f"  hint: create it (sentinel init writes a starter one) or set specs_dir in "
        f"sentinel.toml / SENTINEL_SPECS_DIR"
    )


# Under the ``strict`` setting warnings fail validate and generate; said once per failure.
STRICT_HINT = ("  hint: the strict setting makes warnings fail: fix them, list their codes in the "
               "spec's ignore:, or set strict = false")


def _count(n: int) -> str:
    return f"{n} spec" if n == 1 else f"{n} specs"


def _warn(problems: list[Problem]) -> None:
    """Warnings never fail a task but must be seen; doit shows an action's stderr."""
    for problem in problems:
        sys.stderr.write(problem.format() + "\n")


# ---------------------------------------------------------------- validate


def validate_all(specs_dir: str, output_dir: str, strict: bool = False) -> TaskFailed | None:
    """Action of ``validate``: load every spec, check collisions, fail with every problem
    (``strict``: warnings too)."""
    from sentinel.spec import check_files

    folder = Path(specs_dir)
    if not folder.is_dir():
        return _missing_specs_dir(pipeline_settings())
    paths = list_specs(folder)
    found = check_files([Path(display(p)) for p in paths], Path(output_dir), load=load_once)
    errors: list[Problem] = []
    invalid: set[str] = set()
    for file, problems in found.items():
        if not strict:
            _warn(sorted(p for p in problems if p.severity != "error"))
        file_errors = [p for p in problems if p.severity == "error" or strict]
        errors += file_errors
        if file_errors:
            invalid.add(file)
    if errors:
        lines = [p.format() for p in sorted(errors)]
        lines.append(f"{_count(len(invalid))} invalid, {len(paths) - len(invalid)} valid")
        if strict and any(p.severity != "error" for p in errors):
            lines.append(STRICT_HINT)
        return TaskFailed("\n".join(lines))
    print(f"all {_count(len(paths))} valid")
    return None


def _strict_config(settings: Settings) -> dict[str, str]:
    """Part of the up-to-date checks: turning ``strict`` on re-checks every spec (a manifest
    generated with warnings is then refused); off, the checks are as they always were."""
    return {"strict": "true"} if settings.strict else {}


def task_validate() -> dict[str, Any]:
    """Check every spec: schema, Kubernetes rules, collisions; fails listing every problem."""
    settings = pipeline_settings()
    specs = [display(p) for p in list_specs(settings.specs_dir)]
    return {
        "doc": "check every spec (schema, Kubernetes rules, collisions); lists every problem",
        "actions": [(validate_all, [str(settings.specs_dir), str(settings.output_dir),
                                    settings.strict])],
        "file_dep": specs,
        "uptodate": [
            settings.specs_dir.is_dir(),
            config_changed({"generator": GENERATOR_VERSION, "output": str(settings.output_dir),
                            "specs": specs, **_strict_config(settings)}),
        ],
        "verbosity": 2,
    }


# ---------------------------------------------------------------- generate


def generate_one(
    spec: str, target: str, planned: str, output_dir: str, state_dir: str,
    project: str | None = None, strict: bool = False,
) -> TaskFailed | dict[str, str]:
    """Action of ``generate:<spec>``: load, render, write the manifest atomically, record it.

    ``target`` is the path as doit knows it (relative to the project), ``planned`` the same path
    as the planner computed it (absolute), which keys the ledger record. Returns the file left
    at the target (doit saves it for the up-to-date check); its folder is synced by
    ``synced_folders``. With ``strict`` a spec with warnings fails and nothing is written.
    """
    from sentinel.render import dump_manifest, manifest_path, render

    try:
        loaded = load_once(Path(spec))
    except SpecError as err:
        return TaskFailed(str(err))
    real = manifest_path(loaded, Path(output_dir))
    if real.resolve() != Path(target).resolve():
        # The planner's cheap scan and the loader disagree: never write to an unplanned path.
        return TaskFailed(
            f"{spec}: internal error: planned manifest {target} but the spec renders {real}\n"
            "  hint: please report this with the spec file"
        )
    try:
        data = dump_manifest(render(loaded.model, source=loaded.source, project=project))
    except RenderError as err:
        return TaskFailed(f"{spec}: {err}")
    warnings = sorted(loaded.warnings + loaded.advice)
    if warnings and strict:
        return TaskFailed("\n".join([*(p.format() for p in warnings),
                                     f"{spec}: invalid under strict, no manifest written",
                                     STRICT_HINT]))
    _warn(warnings)
    path = Path(target)
    try:
        unchanged = path.read_bytes() == data
    except OSError:
        unchanged = False
    digest = hashlib.sha256(data).hexdigest()
    try:
        if not unchanged:  # leave an identical file untouched so downstream tasks stay up to date
            atomic_write(path, data, sync_folder=False)
        ledger.write_record(Path(state_dir),
                            ledger.Record(Path(planned), Path(spec).absolute(), digest))
    except OSError as exc:
        return TaskFailed(f"{spec}: cannot write {_failed_path(exc, target)}: {exc.strerror}\n"
                          "  hint: check that the output_dir and state_dir settings name "
                          "writable folders")
    return {WRITTEN: written_as(target)}


def _failed_path(exc: OSError, target: str) -> str:
    """The path a write error is about: the manifest itself rather than its hidden temp file."""
    name = exc.filename2 or exc.filename  # a failed rename names the destination second
    if name is None:
        return target
    if os.path.dirname(os.path.abspath(name)) == os.path.dirname(os.path.abspath(target)):
        return target  # the temp file or the manifest: say which manifest could not be written
    return display(name)


def manifest_folders(targets: Iterable[str], output_dir: Path) -> list[str]:
    """Every folder a manifest rename or a new folder's entry lives in, up to ``output_dir``'s
    parent (``atomic_write`` may have created ``output_dir`` and the folders below it)."""
    top = os.path.dirname(os.path.abspath(output_dir))
    folders: set[str] = set()
    for folder in {os.path.abspath(f) for f in {os.path.dirname(t) for t in targets}}:
        while folder not in folders:
            folders.add(folder)
            parent = os.path.dirname(folder)
            if folder == top or parent == folder:
                break
            folder = parent
    return sorted(folders)


def sync_folders(folders: list[str]) -> None:
    """fsync each folder."""
    for folder in folders:
        fsync_dir(Path(folder))


class SyncFolders(UptodateCalculator):  # type: ignore[misc]  # doit is untyped
    """``uptodate`` entry: if a task this one depends on ran in this doit run, fsync ``folders``.

    Returns None, which doit ignores, so it decides nothing. Nothing ran means nothing was
    written: a no-op run makes no fsync (one would wait for the file system's journal, which
    on a busy disk costs more than the whole no-op run). doit hands calculators every task;
    ``executed`` is set in doit's main process for tasks run by ``-P process`` workers too.
    """

    __signature__ = inspect.Signature([
        inspect.Parameter("task", inspect.Parameter.POSITIONAL_OR_KEYWORD)])

    def __init__(self, folders: list[str]) -> None:
        super().__init__()
        self.folders = folders

    def __call__(self, task: Any) -> None:
        """fsync the folders if a dependency of ``task`` executed."""
        tasks = self.tasks_dict or {}
        if any(getattr(tasks.get(name), "executed", False) for name in task.task_dep):
            sync_folders(self.folders)


def synced_folders(targets: Iterable[str], output_dir: Path) -> SyncFolders:
    """The ``uptodate`` entry that makes the renames of these manifests durable (see above)."""
    return SyncFolders(manifest_folders(targets, output_dir))


def fail_with(message: str) -> TaskFailed:
    """Action of a sub-task whose spec is known to be invalid before loading (e.g. collision)."""
    return TaskFailed(message)


def prune_stale(state_dir: str, output_dir: str, records: list[str], specs_dir: str) -> TaskFailed | None:
    """Action of ``prune``: remove manifests of deleted/renamed specs that this tool wrote."""
    if not Path(specs_dir).is_dir():
        return _missing_specs_dir(pipeline_settings())
    report = ledger.prune(Path(state_dir), Path(output_dir), [Path(r) for r in records])
    for path in report.removed:
        print(f"removed {display(path)} (its spec is gone)")
    if report.removed:  # never list a removed file, even if a sub-task fails this run
        kustomize.drop(Path(output_dir), report.removed)
    for path, why in report.kept:
        sys.stderr.write(f"warning: kept {display(path)}: {why}; remove it by hand if unwanted\n")
    return None


def clean_stale(state_dir: str, output_dir: str, records: list[str], dryrun: bool) -> None:
    """Clean action of ``prune``: remove stale manifests too, drop records, remove empty folders.

    doit cleans ``prune`` after the ``generate`` sub-tasks (it is their first dependency), so
    this runs once the targets are gone and can tidy the folders they leave empty. doit passes
    ``dryrun`` for ``doit clean --dry-run``: then it only says what it would remove.
    """
    out = Path(output_dir)
    report = ledger.prune(Path(state_dir), out, [Path(r) for r in records], dry_run=dryrun)
    for path in report.removed:
        print(f"prune - removing file '{display(path)}'")
    if dryrun:
        return
    ledger.forget_missing(Path(state_dir))
    for folder in ledger.remove_empty_folders(out):
        print(f"prune - removing empty folder '{display(folder)}'")


def task_generate() -> Iterator[dict[str, Any]]:
    """Render every spec into its Pod manifest (one sub-task per spec)."""
    settings = pipeline_settings()
    out, state = str(settings.output_dir), str(settings.state_dir)
    plans = plan(settings.specs_dir, settings.output_dir) if settings.specs_dir.is_dir() else []
    stale = [str(p) for p in ledger.stale_record_files(
        settings.state_dir, settings.output_dir, protected_paths(plans),
        [p.spec for p in plans if p.claimed is None])]
    targets = [str(display(p.target)) for p in plans if p.target is not None]
    yield kustomize.task(out, targets, [f"generate:{p.task}" for p in plans],
                         str(display(settings.output_dir / kustomize.FILE)))
    yield {
        "name": None,
        "doc": "render every spec into its Pod manifest (one sub-task per spec)",
        "task_dep": ["prune", "_kustomization"],
        "uptodate": [synced_folders((p.target for p in plans if p.target is not None),
                                    settings.output_dir)],
    }
    yield {
        "basename": "prune",
        "doc": "remove manifests this tool wrote for specs that were deleted or renamed",
        "actions": [(prune_stale, [state, out, stale, str(settings.specs_dir)])],
        "uptodate": [not stale and settings.specs_dir.is_dir()],
        "clean": [(clean_stale, [state, out, stale])],
        "verbosity": 2,
    }
    for p in plans:
        config = {"generator": GENERATOR_VERSION, "output": str(p.target)}
        if settings.project:  # a new or changed project id relabels every manifest
            config["project"] = settings.project
        config.update(_strict_config(settings))
        task: dict[str, Any] = {"name": p.task, "file_dep": [p.spec]}
        if p.target is None or p.problems:
            message = "\n".join(pr.format() for pr in sorted(p.problems))
            task.update(doc=f"{p.spec} (invalid)", actions=[(fail_with, [message])],
                        uptodate=[_ConfigChanged(config)])
        else:
            target = display(p.target)
            task.update(
                uptodate=[_ManifestUpToDate(config, target)],
                doc=f"{p.spec} -> {target}",
                targets=[target],
                actions=[(generate_one, [p.spec, target, p.target, out, state, settings.project,
                                         settings.strict])],
                clean=True,
            )
        yield task
