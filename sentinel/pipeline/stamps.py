"""Per-manifest result stamps of the cluster tasks, kept in ``<state_dir>/cluster/<kind>/``.

doit's own database knows whether a task's files changed; it does not know what kubectl said
about each manifest of a batch, nor against which cluster. A stamp records exactly that for one
manifest and one task kind (``dryrun``, ``apply``): the manifest's sha256, the context (name and
server URL), the dry-run mode, and the result or the error message. They make three rules
checkable: a manifest stays up to date only against the same context; ``apply`` acts only on a
manifest whose ``dryrun`` stamp has the same sha256 and context; and a failed manifest is retried
next run while its batch neighbours are not. One small file per manifest, written atomically, so
parallel doit workers never contend for a shared file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sentinel.fsutil import atomic_write

STAMP_DIR = "cluster"


@dataclass(frozen=True)
class Stamp:
    """The last result of one task kind for one manifest."""

    manifest: str
    spec: str
    namespace: str
    name: str
    sha256: str
    context: str  # ContextIdentity.key(): "name@server"
    ok: bool
    result: str  # created, configured, unchanged, skipped, error …
    message: str = ""
    mode: str = ""  # dry-run mode; empty for apply
    run: str = ""  # id of the batch run that wrote it: a sub-task reports each new result once

    def matches(self, sha256: str | None, context: str, mode: str = "") -> bool:
        """True if this is a success for this content (when given), context and mode."""
        return (self.ok and self.context == context and self.mode == mode
                and (sha256 is None or self.sha256 == sha256))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes ("" if it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def stamp_path(state_dir: Path, kind: str, manifest: str, tag: str = "") -> Path:
    """Where the ``kind`` stamp of ``manifest`` lives (``tag``: the context, in a fleet)."""
    name = os.fsencode(str(Path(manifest).absolute())) + (b"\0" + tag.encode() if tag else b"")
    key = hashlib.sha256(name).hexdigest()[:32]
    return state_dir / STAMP_DIR / kind / f"{key}.json"


def write(state_dir: Path, kind: str, stamp: Stamp, tag: str = "") -> None:
    """Record a result (atomic)."""
    body = json.dumps(asdict(stamp), sort_keys=True)
    atomic_write(stamp_path(state_dir, kind, stamp.manifest, tag), body + "\n")


def read(state_dir: Path, kind: str, manifest: str, tag: str = "") -> Stamp | None:
    """The recorded result, or None if there is none or it is unreadable."""
    try:
        data = json.loads(stamp_path(state_dir, kind, manifest, tag).read_text(encoding="utf-8"))
        return Stamp(**data)
    except (OSError, ValueError, TypeError):
        return None


def remove(state_dir: Path, kind: str, manifest: str, tag: str = "") -> None:
    """Forget a result (after a delete, the Pod must be applied again)."""
    try:
        stamp_path(state_dir, kind, manifest, tag).unlink()
    except FileNotFoundError:
        pass
