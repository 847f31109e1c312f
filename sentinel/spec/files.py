"""Rules across spec files: which files are specs, and which specs would clash.

A single file can be valid and still collide with another: two specs for the same
namespace/name would overwrite each other's Pod, and two specs writing the same manifest path
would overwrite each other's output. Both are errors that name both files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sentinel.errors import PathEscapeError, Problem, SpecError, UsageError
from sentinel.fsutil import resolve_inside
from sentinel.spec.loader import LoadedSpec, load_spec

SPEC_SUFFIXES = (".yaml", ".yml")


def discover(paths: Sequence[Path]) -> list[Path]:
    """Spec files named by ``paths``: files as given, folders' ``*.yaml``/``*.yml``, sorted.

    A file named twice (``specs`` and ``/abs/specs/web.yaml``) is listed once, as first spelled,
    so it is not reported as colliding with itself.
    """
    found: dict[str, Path] = {}

    def add(files: Iterable[Path]) -> None:
        for file in files:
            found.setdefault(os.path.abspath(file), file)

    for path in paths:
        if path.is_dir():
            try:
                entries = list(path.iterdir())
            except OSError as exc:  # e.g. no read permission on the folder
                raise UsageError(
                    f"{path}: cannot list the folder: {exc.strerror}",
                    hint="check the folder's permissions",
                ) from exc
            add(
                p
                for p in entries
                if p.suffix in SPEC_SUFFIXES
                and not p.name.startswith(".")
                # a broken symlink is listed, so loading it says "file not found" rather than
                # the spec silently dropping out of validate and generate
                and (p.is_file() or p.is_symlink())
            )
        elif path.is_file():
            add([path])
        elif path.exists():
            raise UsageError(f"{path}: not a file or folder", hint="give spec files or folders")
        else:
            raise UsageError(f"{path}: no such file or folder", hint="check the path")
    return sorted(found.values())


def _problem(spec: LoadedSpec, loc: tuple[str, ...], message: str, hint: str) -> Problem:
    line, col = spec.position(*loc) or (None, None)
    return Problem(spec.source, line, col, ".".join(loc), message, hint)


def check_collisions(specs: Sequence[LoadedSpec], output_dir: Path) -> list[Problem]:
    """Specs that clash: same namespace/name, same manifest path, or a path outside the folder."""
    problems: list[Problem] = []
    by_pod: dict[tuple[str, str], LoadedSpec] = {}
    by_output: dict[Path, LoadedSpec] = {}
    for spec in specs:
        model = spec.model
        pod = (model.namespace, model.name)
        first = by_pod.setdefault(pod, spec)
        if first is not spec:
            problems.append(
                _problem(
                    spec,
                    ("name",),
                    f"Pod {pod[0]}/{pod[1]} is also defined by {first.source}",
                    f"rename the Pod in one of {first.source} and {spec.source}",
                )
            )
        loc = ("output_path",) if model.output_path else ("name",)
        try:
            target = resolve_inside(output_dir, model.resolved_output_path, what="output_path")
        except PathEscapeError:
            problems.append(
                _problem(
                    spec,
                    loc,
                    f"output_path {model.resolved_output_path!r} leaves the output folder "
                    f"{output_dir}",
                    "use a relative path below the output folder",
                )
            )
            continue
        other = by_output.setdefault(target, spec)
        if other is not spec:
            problems.append(
                _problem(
                    spec,
                    loc,
                    f"manifest {model.resolved_output_path} is also written by {other.source}",
                    f"set a different output_path in {other.source} or {spec.source}",
                )
            )
    return problems


def check_files(
    files: Sequence[Path], output_dir: Path, load: Callable[[Path], LoadedSpec] = load_spec
) -> dict[str, list[Problem]]:
    """Every problem (errors and warnings) of each file, collisions across them included.

    Keyed by each file as given, in order; ``load`` lets the pipeline reuse its parses.
    """
    problems: dict[str, list[Problem]] = {}
    loaded: list[LoadedSpec] = []
    by_source: dict[str, str] = {}
    for path in files:
        try:
            spec = load(path)
        except SpecError as err:
            problems[str(path)] = list(err.problems)
            continue
        by_source[spec.source] = str(path)
        problems[str(path)] = list(spec.warnings) + list(spec.advice)
        loaded.append(spec)
    for problem in check_collisions(loaded, output_dir):
        problems.setdefault(by_source.get(problem.file, problem.file), []).append(problem)
    return problems
