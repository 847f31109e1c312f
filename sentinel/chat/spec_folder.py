"""The specs folder as the chat tools see it: which specs exist, loading them, collisions.

Split from ``spec_tools.py`` so the handlers there read as what each tool does, while the rules
for reaching files live in one place: a spec is named by its path in the folder without the
suffix (the names ``list_specs`` shows), a model-given name is only ever looked up in that
listing, never joined into a path, and a symlink leading out of the folder is not listed at all.
Problems name files as the user sees them (``specs/web.yaml``), relative to the project root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sentinel.chat.tools import ToolFailed
from sentinel.config import Settings
from sentinel.errors import PathEscapeError, Problem, SpecError
from sentinel.fsutil import resolve_inside
from sentinel.spec import (
    LoadedSpec,
    check_collisions,
    discover,
    load_spec_text,
    read_spec_text,
)

SPEC_SUFFIXES = (".yaml", ".yml")

_CacheKey = tuple[str, str, int, int, int]
_LOADED: dict[_CacheKey, LoadedSpec | list[Problem]] = {}
_CACHE_SIZE = 4096


def _remember(key: _CacheKey, value: LoadedSpec | list[Problem]) -> None:
    if len(_LOADED) >= _CACHE_SIZE:
        _LOADED.clear()  # crude but bounded; a refill costs one load per spec
    _LOADED[key] = value


def _suffix(name: str) -> str:
    return next((s for s in SPEC_SUFFIXES if name.endswith(s)), "")


@dataclass(frozen=True)
class SpecFolder:
    """One project's specs folder, output folder (for collisions) and root (for display)."""

    specs_dir: Path
    output_dir: Path
    root: Path

    @classmethod
    def of(cls, settings: Settings) -> SpecFolder:
        """The specs folder of a project's settings."""
        return cls(settings.specs_dir, settings.output_dir, settings.root)

    def display(self, path: Path) -> str:
        """A path as the user sees it: relative to the project root where possible."""
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def specs(self) -> dict[str, Path]:
        """Every spec file in the folder, by name (relative path, no suffix), symlink escapes out."""
        base = self.specs_dir.resolve()
        if not base.is_dir():
            return {}
        found: dict[str, Path] = {}
        for path in discover([base]):
            try:
                resolve_inside(base, path.relative_to(base))
            except (PathEscapeError, ValueError):
                continue  # a symlink leading out of the folder is not the model's to read
            found[path.relative_to(base).with_suffix("").as_posix()] = path
        return found

    def read_text(self, path: Path) -> str:
        """A spec file's text, valid or not, through the loader's reader."""
        return read_spec_text(path, self.display(path))

    def load(self, path: Path) -> LoadedSpec:
        """``load_spec`` with problems naming the file as the user sees it (``specs/web.yaml``).

        Results are remembered per file version (inode, mtime, size): the system prompt lists
        every spec before each model call, and strictyaml takes milliseconds per file, so an
        unchanged folder of a hundred specs would otherwise cost about a second per request.
        """
        source = self.display(path)
        try:
            info = path.stat()
        except OSError:
            return load_spec_text(read_spec_text(path, source), source, path=path)  # says why
        key = (str(path), source, info.st_ino, info.st_mtime_ns, info.st_size)
        hit = _LOADED.get(key)
        if isinstance(hit, LoadedSpec):
            return hit
        if hit is not None:
            raise SpecError(hit)
        try:
            loaded = load_spec_text(read_spec_text(path, source), source, path=path)
        except SpecError as err:
            _remember(key, err.problems)
            raise
        _remember(key, loaded)
        return loaded

    def lookup(self, name: str) -> Path:
        """The file of the spec named ``name`` (with or without suffix), else ``ToolFailed``."""
        specs = self.specs()
        key = name[: -len(suffix)] if (suffix := _suffix(name)) else name
        if key not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise ToolFailed(f"no spec named {name!r} in {self.display(self.specs_dir)}",
                             hint=f"existing specs: {known}; call list_specs")
        return specs[key]

    def file_names(self, names: list[str]) -> list[str]:
        """Spec names as the model gives them (``web``) -> file names relative to the folder,
        as the pipeline names specs (``web.yaml``); an unknown name is ``ToolFailed``."""
        return [self.lookup(n).relative_to(self.specs_dir).as_posix() for n in names]

    def others(self, skip: Path | None) -> list[LoadedSpec]:
        """Every valid spec in the folder except ``skip`` (the file about to be replaced)."""
        loaded = []
        for path in self.specs().values():
            if skip is not None and path.resolve() == skip.resolve():
                continue
            try:
                loaded.append(self.load(path))
            except SpecError:
                continue  # an invalid neighbour cannot collide; validate reports it on its own
        return loaded

    def new_collisions(self, spec: LoadedSpec, skip: Path | None) -> list[dict[str, object]]:
        """Collision errors ``spec`` would add to the folder (as problem dicts), none if clean."""
        others = self.others(skip)
        before = set(check_collisions(others, self.output_dir))
        after = check_collisions([*others, spec], self.output_dir)
        return [p.to_dict() for p in after if p not in before and p.severity == "error"]
