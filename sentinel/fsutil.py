"""Safe file writes and path containment, used by every part that writes a file.

Every write the tool makes goes through ``atomic_write``: a temp file in the same folder, fsync,
``os.replace`` and an fsync of the folder, so a crash leaves either the old file or the new one,
never half of either. ``resolve_inside`` is the one check that a user- or model-given path stays
inside the folder it belongs to.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sentinel.errors import PathEscapeError


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entry table so a rename survives a power cut (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename itself is still atomic
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes | str, *, mode: int = 0o644, exclusive: bool = False,
    durable: bool = True, sync_folder: bool = True,
) -> None:
    """Write ``data`` to ``path`` atomically; with ``exclusive`` fail if ``path`` exists.

    ``exclusive`` uses ``os.link`` so two writers racing for a new name cannot both win.
    ``durable=False`` skips the two fsyncs (~1 ms on ext4): a crashed process still never leaves
    a half-written file, but a power cut may lose or empty it; only for bookkeeping whose reader
    treats a missing or damaged file as absent. ``sync_folder=False`` keeps the file's fsync
    (its bytes are on disk before the rename) but leaves the folder's to the caller, who must
    ``fsync_dir`` it before the write counts as done (the pipeline does it once per folder).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            os.link(tmp, path)  # raises FileExistsError if someone got there first
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if durable and sync_folder:
        fsync_dir(folder)


def resolve_inside(base: Path, candidate: str | Path, *, what: str = "path") -> Path:
    """Resolve ``candidate`` (relative to ``base``) and insist it stays inside ``base``."""
    base_resolved = base.resolve()
    text = str(candidate)
    if "\x00" in text:
        raise PathEscapeError(text.replace("\x00", "\\0"), str(base), what=what)
    target = (base_resolved / candidate).resolve()
    if target != base_resolved and base_resolved not in target.parents:
        raise PathEscapeError(text, str(base), what=what)
    return target
