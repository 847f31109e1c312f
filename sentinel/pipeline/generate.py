"""doit task creators for the spec side of the pipeline: ``validate``, ``generate``, ``prune``.

``generate`` has one sub-task per spec (``generate:<spec file name>``) with the spec as
``file_dep``, the manifest as ``targets`` and ``config_changed`` on the generator version, so doit
redoes exactly what changed. Task creation only lists and scans files (``sentinel.pipeline.plan``);
every real parse happens in an action, once per spec per run. ``prune`` (run first by
``generate``) removes manifests this tool wrote for specs that no longer exist
(``sentinel.pipeline.ledger``). Actions report failure by returning ``TaskFailed`` with every
problem line, so doit shows a message, not a traceback; they print only warnings and summaries.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from doit.exceptions import TaskFailed
from doit.tools import config_changed

from sentinel import __version__
from sentinel.config import Settings
from sentinel.errors import Problem, RenderError, SpecError
from sentinel.fsutil import atomic_write
from sentinel.pipeline import ledger
from sentinel.pipeline.plan import display, load_once, plan, protected_paths
from sentinel.pipeline.scan import list_specs
from sentinel.pipeline.settings import pipeline_settings

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


def _missing_specs_dir(settings: Settings) -> TaskFailed:
    return TaskFailed(
        f"specs folder {display(settings.specs_dir)} does not exist\n"
        f"  hint: create it (sentinel init writes a starter one) or set specs_dir in "
        f"sentinel.toml / SENTINEL_SPECS_DIR"
    )


def _count(n: int) -> str:
    return f"{n} spec" if n == 1 else f"{n} specs"


def _warn(problems: list[Problem]) -> None:
    """Warnings never fail a task but must be seen; doit shows an action's stderr."""
    for problem in problems:
        sys.stderr.write(problem.format() + "\n")


# ---------------------------------------------------------------- validate


def validate_all(specs_dir: str, output_dir: str) -> TaskFailed | None:
    """Action of ``validate``: load every spec, check collisions, fail with every problem."""
    from sentinel.spec import check_collisions

    folder = Path(specs_dir)
    if not folder.is_dir():
        return _missing_specs_dir(pipeline_settings())
    paths = list_specs(folder)
    loaded = []
    errors: list[Problem] = []
    invalid: set[str] = set()
    for path in paths:
        try:
            spec = load_once(Path(display(path)))
        except SpecError as err:
            errors += err.errors
            _warn([p for p in err.problems if p.severity != "error"])
            invalid.add(display(path))
            continue
        _warn(spec.warnings)
        loaded.append(spec)
    for problem in check_collisions(loaded, Path(output_dir)):
        if problem.severity == "error":
            errors.append(problem)
            invalid.add(problem.file)
        else:
            _warn([problem])
    if errors:
        lines = [p.format() for p in sorted(errors)]
        lines.append(f"{_count(len(invalid))} invalid, {len(paths) - len(invalid)} valid")
        return TaskFailed("\n".join(lines))
    print(f"all {_count(len(paths))} valid")
    return None


def task_validate() -> dict[str, Any]:
    """Check every spec: schema, Kubernetes rules, collisions; fails listing every problem."""
    settings = pipeline_settings()
    specs = [display(p) for p in list_specs(settings.specs_dir)]
    return {
        "doc": "check every spec (schema, Kubernetes rules, collisions); lists every problem",
        "actions": [(validate_all, [str(settings.specs_dir), str(settings.output_dir)])],
        "file_dep": specs,
        "uptodate": [
            settings.specs_dir.is_dir(),
            config_changed({"generator": GENERATOR_VERSION, "output": str(settings.output_dir),
                            "specs": specs}),
        ],
        "verbosity": 2,
    }


# ---------------------------------------------------------------- generate


def generate_one(
    spec: str, target: str, planned: str, output_dir: str, state_dir: str,
) -> TaskFailed | None:
    """Action of ``generate:<spec>``: load, render, write the manifest atomically, record it.

    ``target`` is the path as doit knows it (relative to the project), ``planned`` the same path
    as the planner computed it (absolute), which keys the ledger record.
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
        data = dump_manifest(render(loaded.model, source=loaded.source))
    except RenderError as err:
        return TaskFailed(f"{spec}: {err}")
    _warn(loaded.warnings)
    path = Path(target)
    try:
        unchanged = path.read_bytes() == data
    except OSError:
        unchanged = False
    digest = hashlib.sha256(data).hexdigest()
    try:
        if not unchanged:  # leave an identical file untouched so downstream tasks stay up to date
            atomic_write(path, data)
        ledger.write_record(Path(state_dir),
                            ledger.Record(Path(planned), Path(spec).absolute(), digest))
    except OSError as exc:
        return TaskFailed(f"{spec}: cannot write {exc.filename or target}: {exc.strerror}\n"
                          "  hint: check that the output_dir and state_dir settings name "
                          "writable folders")
    return None


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
        settings.state_dir, settings.output_dir, protected_paths(plans))]
    yield {
        "name": None,
        "doc": "render every spec into its Pod manifest (one sub-task per spec)",
        "task_dep": ["prune"],
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
        task: dict[str, Any] = {
            "name": p.task,
            "file_dep": [p.spec],
            "uptodate": [_ConfigChanged({"generator": GENERATOR_VERSION,
                                         "output": str(p.target)})],
        }
        if p.target is None or p.problems:
            message = "\n".join(pr.format() for pr in sorted(p.problems))
            task.update(doc=f"{p.spec} (invalid)", actions=[(fail_with, [message])])
        else:
            target = display(p.target)
            task.update(
                doc=f"{p.spec} -> {target}",
                targets=[target],
                actions=[(generate_one, [p.spec, target, p.target, out, state])],
                clean=True,
            )
        yield task
