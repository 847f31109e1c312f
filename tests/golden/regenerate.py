"""Rewrite the golden manifests in ``tests/golden/`` from ``samples/valid/`` and ``specs/``.

The golden files pin the renderer's exact output; ``tests/test_render.py`` compares every render
with them byte for byte and never rewrites them. After an intended change to the renderer (or a
new sample/spec), run by hand and review the diff before committing:

    /tmp/venv/bin/python tests/golden/regenerate.py          # rewrite, list what changed
    /tmp/venv/bin/python tests/golden/regenerate.py --check  # exit 1 if any file would change

Golden files of sources that no longer exist are removed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
SOURCE_DIRS = (REPO / "samples" / "valid", REPO / "specs")


def sources() -> list[Path]:
    """Every spec that has a golden manifest, samples first, each folder sorted."""
    return [path for folder in SOURCE_DIRS for path in sorted(folder.glob("*.yaml"))]


def golden_for(source: Path) -> Path:
    """The golden manifest of ``source`` (one flat folder; stems are unique, a test checks)."""
    return GOLDEN / source.name


def rendered(source: Path) -> bytes:
    """The manifest bytes the renderer produces for ``source`` today."""
    from sentinel.render import dump_manifest, render
    from sentinel.spec import load_spec

    return dump_manifest(render(load_spec(source).model))


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with --check, compare) every golden manifest; return an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; change nothing")
    args = parser.parse_args(argv)
    from sentinel.fsutil import atomic_write

    changed: list[str] = []
    wanted = set()
    for source in sources():
        target = golden_for(source)
        wanted.add(target)
        data = rendered(source)
        if not target.exists() or target.read_bytes() != data:
            changed.append(f"{'would update' if args.check else 'updated'} {target.name}")
            if not args.check:
                atomic_write(target, data)
    for stale in sorted(set(GOLDEN.glob("*.yaml")) - wanted):
        changed.append(f"{'would remove' if args.check else 'removed'} {stale.name}")
        if not args.check:
            stale.unlink()
    print("\n".join(changed) if changed else "golden manifests are up to date")
    return 1 if (changed and args.check) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
