"""The audit log: one JSON line per real apply or delete of a Pod, appended crash-safely.

Each record says when (UTC), who, against which context, which Pod, from which spec, the
manifest's sha256, and the result (created/configured/unchanged/deleted/absent/error + message);
records of ``doit apply``'s convergence also carry the planned action and its reason.
Dry runs are not recorded: they change nothing.

Appending is the one write here that is not temp-file-and-rename, on purpose: an audit log only
grows, and rewriting it would put every earlier record at risk. Instead each batch of records is
one ``write`` on an ``O_APPEND`` descriptor, followed by ``fsync``, under a ``filelock`` so two
processes never interleave; the folder is synced once, when the log is created. A crash can at
worst leave a torn last line; a reader skips it with a warning, and the next append first ends
that line so it cannot swallow a new record.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from sentinel.errors import SentinelError
from sentinel.fsutil import fsync_dir

LOCK_TIMEOUT = 30.0


@dataclass(frozen=True)
class AuditRecord:
    """One apply or delete of one Pod."""

    time: str
    user: str
    operation: str  # apply | delete
    context: str
    server: str
    namespace: str
    name: str
    spec: str
    manifest_sha256: str
    result: str
    message: str = ""
    provenance: str = ""  # who asked besides the user, e.g. "chat conversation=... message=..."
    spec_sha256: str = ""
    action: str = ""  # the change the plan named: create, update, recreate, delete ("" before)
    reason: str = ""  # why the plan named it, e.g. "not on the cluster", "labels changed"


def now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def current_user() -> str:
    """Who runs the tool, as the OS knows them ("unknown" if it cannot tell)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def append(path: Path, records: Iterable[AuditRecord]) -> None:
    """Append records durably: one write, fsync, under a lock; a torn last line is closed first."""
    lines = "".join(json.dumps(asdict(r), sort_keys=True) + "\n" for r in records)
    if not lines:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and _last_byte(path, size) != b"\n":
                    lines = "\n" + lines  # a crash left a torn line: do not glue onto it
                data = lines.encode("utf-8")
                written = os.write(fd, data)
                while written < len(data):  # regular files take it all at once; be safe anyway
                    written += os.write(fd, data[written:])
                os.fsync(fd)
            finally:
                os.close(fd)
            if not size:  # a new log: its folder entry must survive a power cut too
                fsync_dir(path.parent)
    except Timeout as exc:
        raise SentinelError(f"audit log {path} is locked by another process",
                            hint=f"retry, or remove {path}.lock if no sentinel is running") from exc
    except OSError as exc:
        raise SentinelError(f"cannot write the audit log {path}: {exc.strerror}",
                            hint="set 'audit_log' (sentinel.toml or SENTINEL_AUDIT_LOG) to a "
                            "writable file") from exc


def _last_byte(path: Path, size: int) -> bytes:
    with path.open("rb") as fh:
        fh.seek(size - 1)
        return fh.read(1)


def read(path: Path) -> tuple[list[AuditRecord], list[str]]:
    """Every readable record, oldest first, and a warning for each line that could not be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise SentinelError(f"cannot read the audit log {path}: {exc.strerror}") from exc
    names = {f.name for f in fields(AuditRecord)}
    records: list[AuditRecord] = []
    warnings: list[str] = []
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        torn = number == len(lines)  # no newline after it: the write never finished
        try:
            data = json.loads(line.decode("utf-8"))
            if not isinstance(data, dict):
                raise TypeError("not an object")
            records.append(AuditRecord(**{k: str(v) for k, v in data.items() if k in names}))
        except (ValueError, TypeError, UnicodeDecodeError):
            what = "a torn last line (an interrupted write)" if torn else "an unreadable line"
            warnings.append(f"{path}:{number}: skipped {what}")
    return records, warnings
