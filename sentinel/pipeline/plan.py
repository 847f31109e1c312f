"""Plan a pipeline run: which specs exist, where each manifest goes, and which specs collide.

This runs every time doit creates its tasks — on the no-op run too — so it only lists files and
scans three keys per file (``sentinel.pipeline.scan``). Only a spec the scanner is unsure about
is loaded for real here, through ``load_once`` so the task's action reuses the parse. Paths are
plain strings in this module because it handles every spec on every run.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sentinel.errors import PathEscapeError, Problem, SentinelError, SpecError
from sentinel.fsutil import resolve_inside
from sentinel.pipeline.scan import ScanResult, list_specs, scan_file
from sentinel.pipeline.scancache import ScanCache

if TYPE_CHECKING:
    from sentinel.spec import LoadedSpec

# Parsed specs of this process, keyed by (path, mtime_ns, size): a spec loaded while planning (or
# by `validate`) is not parsed again by its `generate` action in the same run. Forked parallel
# workers inherit it.
_LOADED: dict[tuple[str, int, int], LoadedSpec | SpecError] = {}


def load_once(path: Path) -> LoadedSpec:
    """Load a spec through the real loader once per process and file version; raises SpecError."""
    from sentinel.spec import load_spec  # heavy (strictyaml, pydantic): only when really loading

    try:
        st = path.stat()
    except OSError:
        return load_spec(path)  # let the loader report the missing/unreadable file its way
    key = (str(path), st.st_mtime_ns, st.st_size)
    cached = _LOADED.get(key)
    if cached is None:
        try:
            cached = load_spec(path)
        except SpecError as err:
            cached = err
        _LOADED[key] = cached
    if isinstance(cached, SpecError):
        raise cached
    return cached


def display(path: str | Path) -> str:
    """``path`` relative to the working folder when inside it (doit runs in the project root)."""
    text = os.fspath(path)
    cwd = os.getcwd() + os.sep
    return text.removeprefix(cwd)


def target_for(name: str, namespace: str, output_path: str | None, output_dir: Path) -> str:
    """Where a manifest goes; must agree with ``sentinel.render.manifest_path`` (checked on write)."""
    if output_path is not None:
        return str(resolve_inside(output_dir, output_path, what="output_path"))
    return os.path.join(output_dir, namespace, name + ".yaml")


@dataclass(frozen=True)
class Planned:
    """One spec's sub-task: name, file, manifest path (None if unknown or colliding), problems.

    ``spec`` is shown relative to the project; ``target`` and ``claimed`` are absolute.
    ``claimed`` is the path the spec maps to even when a collision withholds it as ``target``:
    prune must never remove a manifest that some current spec still claims.
    """

    task: str
    spec: str
    target: str | None
    problems: tuple[Problem, ...] = ()
    scan: ScanResult | None = None
    claimed: str | None = None


def _plan_one(spec: str, prefix: int, output_dir: Path, found: ScanResult) -> Planned:
    task = spec[prefix:].replace(os.sep, "/")
    shown = display(spec)
    if not shown.isascii():
        from sentinel.spec import undecodable_name

        escaped = undecodable_name(shown)
        if escaped is not None:  # doit can neither store nor print this task's name
            problem = Problem(escaped, None, None, "", "file name is not valid UTF-8",
                              "rename the file")
            return Planned(undecodable_name(task) or task, escaped, None, (problem,))
    try:
        if found.sure and found.name is not None:
            target = target_for(found.name, found.namespace, found.output_path, output_dir)
            return Planned(task, shown, target, scan=found, claimed=target)
        # The scanner is unsure: load for real (memoized for the action).
        from sentinel.render import manifest_path

        loaded = load_once(Path(shown))
        model = loaded.model
        found = ScanResult(True, model.name, model.namespace, model.output_path)
        target = str(manifest_path(loaded, output_dir))
        return Planned(task, shown, target, scan=found, claimed=target)
    except PathEscapeError as err:
        problem = Problem(shown, found.line_of("output_path"), None, "output_path",
                          err.message, err.hint or "")
        return Planned(task, shown, None, (problem,))
    except SpecError as err:
        return Planned(task, shown, None, tuple(err.problems))
    except SentinelError as err:
        return Planned(task, shown, None, (Problem(shown, message=str(err)),))


def _clash(p: Planned, group: list[Planned], message: str, hint: str) -> Problem:
    others = ", ".join(o.spec for o in group if o is not p)
    line = p.scan.line_of("name") if p.scan else None
    return Problem(p.spec, line, None, "name", message.format(others=others), hint)


def _collisions(plans: list[Planned]) -> dict[str, list[Problem]]:
    """Problems for specs that share a manifest path or a namespace/name, naming the other file."""
    by_target: dict[str, list[Planned]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[Planned]] = defaultdict(list)
    for p in plans:
        if p.target is not None and p.scan is not None and p.scan.name:
            by_target[p.target].append(p)
            by_name[(p.scan.namespace, p.scan.name)].append(p)
    out: dict[str, list[Problem]] = defaultdict(list)
    for target, group in by_target.items():
        for p in group if len(group) > 1 else ():
            out[p.task].append(_clash(
                p, group, f"renders the same manifest {display(target)} as {{others}}",
                "give each spec its own name/namespace or output_path"))
    for (namespace, name), group in by_name.items():
        for p in group if len(group) > 1 else ():
            out[p.task].append(_clash(
                p, group, f"Pod {namespace}/{name} is also defined by {{others}}",
                "two specs cannot describe the same Pod; rename one"))
    return out


# The last plan of this process and the file versions it was made from: every task creator
# (generate, validate, the cluster tasks) asks for the plan, and doit creates them all each run.
_PLANNED: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], list[Planned]]] = {}


def _versions(paths: list[str]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return ()  # vanished while listing: never reuse an old plan for this
        out.append((path, st.st_mtime_ns, st.st_size))
    return tuple(out)


# Where scan results are kept across runs; set once per doit run (``use_scan_cache``) so every
# task creator that plans — in whatever order doit calls them — reads and refreshes the same cache.
_SCAN_CACHE: list[Path | None] = [None]


def use_scan_cache(path: Path | None) -> None:
    """Keep scan results in ``path`` across runs (None: scan every file every time)."""
    _SCAN_CACHE[0] = path


def plan(specs_dir: Path, output_dir: Path) -> list[Planned]:
    """Plan every spec under ``specs_dir``; colliding specs get problems and no target.

    Reused within a process while no spec file changed (same names, mtimes and sizes); scan
    results are also kept across runs when ``use_scan_cache`` named a file.
    """
    paths = list_specs(specs_dir)
    versions = _versions(paths)
    key = (os.fspath(specs_dir), os.fspath(output_dir))
    cached = _PLANNED.get(key)
    if cached is not None and versions and cached[0] == versions:
        return cached[1]
    prefix = len(os.path.join(specs_dir, ""))
    if versions:
        cache = ScanCache(_SCAN_CACHE[0])
        plans = [_plan_one(s, prefix, output_dir, cache.scan(s, m, z)) for s, m, z in versions]
        cache.save()
    else:
        plans = [_plan_one(s, prefix, output_dir, scan_file(s)) for s in paths]
    clashes = _collisions(plans)
    if clashes:
        plans = [
            Planned(p.task, p.spec, None, p.problems + tuple(clashes[p.task]), p.scan, p.claimed)
            if p.task in clashes else p
            for p in plans
        ]
    if versions:
        _PLANNED[key] = (versions, plans)
    return plans


def protected_paths(plans: list[Planned]) -> set[str]:
    """Every manifest path some current spec maps to, colliding ones included (never pruned)."""
    return {p.claimed for p in plans if p.claimed is not None}
