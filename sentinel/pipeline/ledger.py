"""The record of which manifests this tool wrote, so stale ones can be removed safely.

When a spec is deleted or renamed, its doit sub-task simply stops existing, and doit never cleans
up after a task it no longer knows. The ledger closes that gap: every time ``generate`` writes a
manifest it also writes a small record into ``<state_dir>/generated/`` — one file per manifest,
named by a hash of the manifest's path, holding the manifest path, the spec it came from and the
sha256 of the bytes written. One file per manifest means parallel doit workers (``-P process``)
never contend for a shared file, and checking for stale records costs one directory listing.

A manifest is removed (by ``prune``, and by ``doit clean``) only when all of these hold: a record
says this tool wrote it; no current spec maps to it, and the spec it came from is gone or maps
elsewhere now (a spec that cannot be read or parsed keeps its last manifest until it is fixed or
deleted); it lies inside the output folder; its bytes still hash to the recorded sha256 (nobody
edited it since) and it still carries the ``app.kubernetes.io/managed-by: kube-sentinel`` label.
Anything else is left alone and reported, as is a manifest that cannot be removed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sentinel.fsutil import atomic_write

LEDGER_DIR = "generated"
MANAGED_BY = b"app.kubernetes.io/managed-by: kube-sentinel"


@dataclass(frozen=True)
class Record:
    """One manifest this tool wrote: where, from which spec, and the sha256 of what it wrote."""

    manifest: Path
    spec: Path
    sha256: str


def record_key(manifest: Path | str) -> str:
    """The record's file name for a manifest path (stable, filesystem-safe)."""
    return hashlib.sha256(os.fsencode(manifest)).hexdigest()[:32] + ".json"


def ledger_dir(state_dir: Path) -> Path:
    """Where the records live inside the state folder."""
    return state_dir / LEDGER_DIR


def write_record(state_dir: Path, record: Record) -> None:
    """Remember that ``record.manifest`` was written with ``record.sha256`` (atomic)."""
    body = json.dumps(
        {"manifest": str(record.manifest), "spec": str(record.spec), "sha256": record.sha256},
        sort_keys=True,
    )
    # Not fsynced: a record lost in a power cut only means that manifest is never pruned (the
    # safe direction), and read_record treats a damaged record as absent.
    atomic_write(ledger_dir(state_dir) / record_key(record.manifest), body + "\n", durable=False)


def read_record(path: Path) -> Record | None:
    """Read one record; a missing or damaged record file reads as None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Record(Path(data["manifest"]), Path(data["spec"]), str(data["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stale_record_files(
    state_dir: Path, output_dir: Path, current: Iterable[Path | str],
    unplanned: Iterable[Path | str] = (),
) -> list[Path]:
    """Record files that ``prune`` should act on: no current spec maps to their manifest.

    ``unplanned`` are current specs whose manifest path is unknown (unreadable or invalid): the
    records of the manifests they wrote are kept, since those specs are not gone.

    Costs one listing plus a hash per current manifest; only records of manifests no spec claims
    are read, to leave out those outside today's output folder (never touched) unless their
    manifest is gone (then the record itself is stale).
    """
    folder = ledger_dir(state_dir)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    keep = {record_key(path) for path in current}
    kept_specs = {os.path.abspath(spec) for spec in unplanned}
    stale = []
    for name in sorted(n for n in names if n.endswith(".json") and n not in keep):
        record = read_record(folder / name)
        if record is not None and kept_specs and os.path.abspath(record.spec) in kept_specs:
            continue
        if record is None or output_dir in record.manifest.parents or not record.manifest.exists():
            stale.append(folder / name)
    return stale


def remove_empty_parents(path: Path, stop: Path) -> list[Path]:
    """Remove ``path``'s now-empty parent folders up to, not including, ``stop``; return them."""
    removed: list[Path] = []
    folder = path.parent
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            break  # not empty (or not ours to remove): stop climbing
        removed.append(folder)
        folder = folder.parent
    return removed


def forget_missing(state_dir: Path) -> None:
    """Drop every record whose manifest no longer exists (after ``doit clean``)."""
    folder = ledger_dir(state_dir)
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        record = read_record(folder / name)
        if record is None or not record.manifest.exists():
            _unlink(folder / name)


def remove_empty_folders(top: Path) -> list[Path]:
    """Remove empty folders under ``top`` (deepest first) and ``top`` itself if left empty."""
    removed: list[Path] = []
    if not top.is_dir():
        return removed
    for folder, _dirs, _files in os.walk(top, topdown=False):
        try:
            os.rmdir(folder)
        except OSError:
            continue  # not empty
        removed.append(Path(folder))
    return removed


@dataclass
class PruneReport:
    """What a prune did: manifests removed, and manifests kept with the reason."""

    removed: list[Path]
    kept: list[tuple[Path, str]]


def prune(
    state_dir: Path, output_dir: Path, record_files: Iterable[Path], *, dry_run: bool = False,
) -> PruneReport:
    """Remove the manifests of the given stale records when it is safe (see module docstring).

    With ``dry_run`` nothing is removed; the report says what would be.
    """
    report = PruneReport(removed=[], kept=[])
    for record_file in record_files:
        record = read_record(record_file)
        if record is None:
            _unlink(record_file)
            continue
        manifest = record.manifest
        if output_dir not in manifest.parents and manifest.exists():
            continue  # outside today's output folder: not ours to touch; keep the record
        try:
            data = manifest.read_bytes()
        except FileNotFoundError:
            _unlink(record_file)
            continue
        except OSError as exc:
            report.kept.append((manifest, f"cannot read it: {exc.strerror}"))
            continue
        if hashlib.sha256(data).hexdigest() != record.sha256 or MANAGED_BY not in data:
            report.kept.append((manifest, "it was edited after kube-sentinel wrote it"))
            if not dry_run:
                _unlink(record_file)
            continue
        if dry_run:
            report.removed.append(manifest)
            continue
        try:
            manifest.unlink()
        except FileNotFoundError:
            pass  # removed by someone else meanwhile: what prune wanted
        except OSError as exc:
            report.kept.append((manifest, f"cannot remove it: {exc.strerror}"))
            continue
        report.removed.append(manifest)
        remove_empty_parents(manifest, output_dir)
        _unlink(record_file)
    return report


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
