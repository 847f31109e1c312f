"""Architecture contracts (the house style's import-linter rules, checked with ``ast``).

Layers import only downward: cli → chat → pipeline → kube, render, policy → spec → errors,
config, fsutil. One reader per format: only the chat provider imports ``openai``, only the history
module imports ``tinydb``, only ``sentinel.kube`` runs processes, only the MCP server
module imports ``mcp``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sentinel"

RANK = {
    "sentinel": 0,
    "sentinel.errors": 0,
    "sentinel.config": 0,
    "sentinel.fsutil": 0,
    "sentinel.spec": 1,
    "sentinel.policy": 2,
    "sentinel.render": 2,
    "sentinel.kube": 2,
    "sentinel.importer": 2,
    "sentinel.pipeline": 3,
    "sentinel.chat": 4,
    "sentinel.cli": 5,
    "sentinel.__main__": 5,
}

OWNERS = {
    "openai": ("sentinel.chat.provider",),
    "tinydb": ("sentinel.chat.history", "sentinel.chat.storage"),
    "subprocess": ("sentinel.kube",),
    "mcp": ("sentinel.chat.mcp_server",),
}


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


def _rank(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in RANK:
            return RANK[key]
    raise AssertionError(f"module {module} has no layer in RANK")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


MODULES = _modules()


def test_package_has_modules() -> None:
    assert len(MODULES) > 5


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_only_downward(module: str, path: Path) -> None:
    own = _rank(module)
    for name in _imports(path):
        if name == "sentinel" or not name.startswith("sentinel."):
            continue
        assert _rank(name) <= own, f"{module} (layer {own}) imports {name} (layer {_rank(name)})"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_one_owner_per_boundary(module: str, path: Path) -> None:
    imported = {n.split(".")[0] for n in _imports(path)}
    for lib, owners in OWNERS.items():
        if lib in imported:
            assert module.startswith(owners), f"{module} imports {lib}; only {owners} may"


# Same layer as render/policy, but its own contract: import reads manifests and writes specs,
# it never talks to a cluster, runs the pipeline or chat.
FORBIDDEN = {"sentinel.importer": ("sentinel.kube", "sentinel.pipeline", "sentinel.chat")}


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_forbidden_imports(module: str, path: Path) -> None:
    for owner, banned in FORBIDDEN.items():
        if module == owner or module.startswith(owner + "."):
            bad = [n for n in _imports(path) if n.startswith(banned)]
            assert not bad, f"{module} may not import {bad}"


def test_modules_open_with_a_docstring() -> None:
    missing = [m for m, p in MODULES if ast.get_docstring(ast.parse(p.read_text())) is None]
    assert not missing, f"modules without a docstring: {missing}"
