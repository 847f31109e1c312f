"""A TinyDB ``Storage`` that appends a journal instead of rewriting the database.

Why it exists: TinyDB's stock ``JSONStorage`` rewrites the whole file in place on every write, so
a kill mid-write corrupts it (tinydb #113, #301, #461) and an append costs time in proportion to
everything ever stored (55 ms at 10,000 messages). ``JournalStorage`` keeps TinyDB's data model
and API but changes how bytes reach the disk:

* The file is ASCII JSON lines. Line 1 is a snapshot of all tables (the header); every later line
  is one committed transaction: the documents it put, deleted, or the tables it dropped. TinyDB
  hands ``write`` the whole database; we diff it against a shallow copy of what was last
  committed, so a write costs the size of the *tables it touched*, not of the database.
* A transaction (``with storage.transaction():``) holds a ``filelock.FileLock``, first applies the
  lines other processes appended (so nothing is written from a stale view), buffers every TinyDB
  write, then appends ONE line, flushed and fsync'd. A line is the unit of atomicity: a kill
  leaves either the whole line or a torn tail without its newline, which readers ignore and the
  next writer (holding the lock, so the tail's writer is dead) truncates away. JSON escapes
  newlines inside strings, so a newline ends a complete line and nothing else.
* When the journal has grown past twice its last snapshot (or on request, e.g. after a delete so
  the deleted text leaves the disk), it is compacted into a new single-snapshot file written with
  ``sentinel.fsutil.atomic_write`` (temp file, fsync, ``os.replace``): a kill leaves the old file
  or the new one. Other processes notice the new inode and reload.
* A complete line that does not parse, or a header that is not ours, is damage (for example a hand
  edit). We raise ``HistoryError`` naming the file and line and never write over such a file.

Shallow diffing is sound for TinyDB's own operations: ``insert`` creates new document dicts,
``update`` and the ``tinydb.operations`` replace top-level fields. A caller that mutated a nested
value in place would go unseen; the history store never does (stored messages are immutable).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout
from tinydb.storages import Storage

from sentinel.errors import HistoryError
from sentinel.fsutil import atomic_write

FORMAT = "kube-sentinel-history"
VERSION = 1
LOCK_TIMEOUT = 15.0  # seconds; a turn's write holds the lock for about a millisecond
COMPACT_MIN_BYTES = 256 * 1024  # below this, compaction is not worth the rewrite

Doc = dict[str, Any]
Tables = dict[str, dict[str, Doc]]
_MOVE_ASIDE = "move the file aside (rename it) to start a fresh history, or repair that line"


class JournalStorage(Storage):
    """Append-only, multi-process, crash-safe TinyDB storage in one JSON-lines file."""

    def __init__(self, path: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_timeout = lock_timeout
        # Waiters poll; a short interval keeps a busy writer from starving another process.
        self._lock = FileLock(str(path.with_name(path.name + ".lock")), timeout=lock_timeout,
                              poll_interval=0.002)
        self._data: Tables = {}
        self._shadow: Tables = {}  # shallow copies of every document as last committed
        self._seen: dict[str, dict[str, Doc]] = {}  # table dict objects as last committed
        self._identity: tuple[int, int] = (0, 0)  # (st_dev, st_ino) of the file we read
        self._offset = 0  # bytes of the file already applied
        self._lines = 0  # complete lines already applied (for error messages)
        self._base_size = 0  # size of the snapshot line at the last load or compaction
        self._pending: list[list[Any]] | None = None
        self._compact_requested = False
        self._closed = False
        #: Bumped whenever the data changes other than through TinyDB's own writes (another
        #: process's lines, a reload, a rollback): TinyDB's per-table caches must be dropped then.
        self.generation = 0
        try:
            missing = not path.exists()
        except OSError as exc:
            raise HistoryError(f"{path}: cannot reach the history file: {exc.strerror}",
                               hint="check the permissions of its folder") from exc
        if missing:
            self._create()
        with self._open() as fh:
            self._load(fh)

    # -- TinyDB's Storage interface -------------------------------------------------------------

    def read(self) -> Tables:
        """The current data (TinyDB mutates it in place and hands it back to ``write``)."""
        return self._data

    def write(self, data: Tables) -> None:
        """Record what TinyDB changed; it reaches the disk when the transaction commits."""
        if self._pending is None:
            self._reload()  # TinyDB already changed the data in memory: take that back
            raise RuntimeError("JournalStorage.write called outside a transaction")
        self._pending.extend(self._diff(data))
        self._data = data

    def close(self) -> None:
        """Forget the data; the file and the lock need no closing (nothing is kept open)."""
        self._closed = True
        self._data, self._shadow, self._seen = {}, {}, {}

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, compact: bool = False) -> Iterator[None]:
        """Lock, catch up with other writers, run the body, append its writes as one line."""
        self._check_open()
        with self._locked():
            self._catch_up(truncate_torn_tail=True)
            self._pending, self._compact_requested = [], compact
            try:
                yield
                ops = self._pending
                if ops:
                    self._append({"ops": ops})
            except BaseException:
                wrote, self._pending = bool(self._pending), None
                if wrote:  # the memory view holds the failed body's writes: drop them
                    self._reload()
                raise
            self._pending = None
            grown = self._offset > max(COMPACT_MIN_BYTES, 2 * self._base_size)
            if self._compact_requested or grown:
                self._compact(required=self._compact_requested)

    def refresh(self) -> None:
        """Apply what other processes committed since we last looked (no lock needed)."""
        self._check_open()
        self._catch_up(truncate_torn_tail=False)

    # -- reading the file -----------------------------------------------------------------------

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except IsADirectoryError as exc:
            raise HistoryError(f"{self.path}: is a folder, expected the history file",
                               hint="remove or rename that folder") from exc
        except FileNotFoundError as exc:
            raise HistoryError(f"{self.path}: the history file disappeared while in use",
                               hint="restart; a new history will be created") from exc
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot read the history file: {exc.strerror}",
                               hint="check the file's permissions and owner") from exc

    def _catch_up(self, *, truncate_torn_tail: bool) -> None:
        with self._open() as fh:
            st = os.fstat(fh.fileno())
            if (st.st_dev, st.st_ino) != self._identity or st.st_size < self._offset:
                self._load(fh)  # compacted (new file) or cut short by hand: start over
                self.generation += 1
            elif st.st_size > self._offset:
                fh.seek(self._offset - 1)
                tail = self._read(fh)
                if not tail.startswith(b"\n"):
                    self._load(fh)  # rewritten in place (a hand edit): our offset means nothing
                    self.generation += 1
                elif self._apply_tail(tail[1:]):
                    self.generation += 1
        if truncate_torn_tail:
            self._drop_torn_tail()

    def _read(self, fh: BinaryIO) -> bytes:
        try:
            data = fh.read()
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot read the history file: {exc.strerror}",
                               hint="check the disk and the file's permissions") from exc
        return data

    def _load(self, fh: BinaryIO) -> None:
        fh.seek(0)
        raw = self._read(fh)
        st = os.fstat(fh.fileno())
        end = raw.find(b"\n")
        if end < 0:
            raise _damaged(self.path, 1, "empty, or the first line is cut short")
        header = _parse_line(raw[:end], self.path, 1)
        if (not isinstance(header, dict) or header.get("format") != FORMAT
                or not isinstance(header.get("tables"), dict)):
            raise HistoryError(f"{self.path}: not a kube-sentinel history file (bad first line)",
                               hint=_MOVE_ASIDE)
        if header.get("version") != VERSION:
            raise HistoryError(
                f"{self.path}: history format version {header.get('version')!r} is not supported "
                f"(this sentinel reads version {VERSION})",
                hint="use the sentinel version that wrote it, or move the file aside")
        tables = header["tables"]
        _check_tables(tables, self.path)
        self._data = tables
        self._shadow = {name: {k: dict(d) for k, d in t.items()} for name, t in tables.items()}
        self._seen = dict(tables)
        self._identity = (st.st_dev, st.st_ino)
        self._offset = self._base_size = end + 1
        self._lines = 1
        self._apply_tail(raw[end + 1:])

    def _apply_tail(self, tail: bytes) -> bool:
        """Apply the complete lines in ``tail``; a torn last line (no newline) waits."""
        end = tail.rfind(b"\n")
        if end < 0:
            return False
        lines = tail[:end].split(b"\n")
        try:  # fast path: one C-level parse for the whole tail
            records = json.loads(b"[" + b",".join(lines) + b"]")
        except ValueError:
            records = None
        if isinstance(records, list) and len(records) == len(lines):
            numbered = list(enumerate(records, self._lines + 1))
        else:  # blank lines are harmless; anything else unparsable is damage
            numbered = [(n, _parse_line(line, self.path, n))
                        for n, line in enumerate(lines, self._lines + 1) if line.strip()]
        for lineno, record in numbered:
            self._apply_record(record, lineno)
        self._seen = dict(self._data)
        self._offset += end + 1
        self._lines += len(lines)
        return True

    def _apply_record(self, record: Any, lineno: int) -> None:
        ops = record.get("ops") if isinstance(record, dict) else None
        if not isinstance(ops, list):
            raise _damaged(self.path, lineno, "not a transaction record")
        for op in ops:
            if not isinstance(op, list) or not op or not all(isinstance(x, str) for x in op[1:3]):
                raise _damaged(self.path, lineno, "malformed operation")
            if op[0] == "put" and len(op) == 4 and isinstance(op[3], dict):
                self._data.setdefault(op[1], {})[op[2]] = op[3]
                self._shadow.setdefault(op[1], {})[op[2]] = dict(op[3])
            elif op[0] == "del" and len(op) == 3:
                self._data.get(op[1], {}).pop(op[2], None)
                self._shadow.get(op[1], {}).pop(op[2], None)
            elif op[0] == "drop" and len(op) == 2:
                for mapping in (self._data, self._shadow, self._seen):
                    mapping.pop(op[1], None)
            else:
                raise _damaged(self.path, lineno, f"unknown operation {op[0]!r}")

    def _reload(self) -> None:
        with self._open() as fh:
            self._load(fh)
        self.generation += 1

    # -- writing the file -----------------------------------------------------------------------

    def _diff(self, data: Tables) -> list[list[Any]]:
        """Operations turning the last committed state into ``data`` (touched tables only)."""
        ops: list[list[Any]] = []
        for name in [n for n in self._shadow if n not in data]:
            ops.append(["drop", name])
            del self._shadow[name]
            self._seen.pop(name, None)
        for name, table in data.items():
            if self._seen.get(name) is table:
                continue  # TinyDB rebuilds a table's dict whenever it changes it
            old = self._shadow.get(name, {})
            new: dict[str, Doc] = {}
            ops.extend(["del", name, k] for k in old.keys() - table.keys())
            for key, doc in table.items():
                prev = old.get(key)
                new[key] = prev if prev is not None and prev == doc else dict(doc)
                if new[key] is not prev:
                    ops.append(["put", name, key, doc])
            self._shadow[name] = new
            self._seen[name] = table
        return ops

    def _append(self, record: dict[str, Any]) -> None:
        try:
            line = json.dumps(record, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise HistoryError(f"{self.path}: a document is not plain JSON data: {exc}") from exc
        raw = line.encode("ascii") + b"\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot write the history file: {exc.strerror}",
                               hint="check the file's permissions and the free disk space") from exc
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError as exc:
            with suppress(OSError):  # take back the partial line so the file stays clean; if
                _truncate(fd, self._offset)  # that fails too, the next writer cuts the torn tail
            raise HistoryError(f"{self.path}: could not save the change: {exc.strerror}",
                               hint="check the free disk space; nothing was saved") from exc
        finally:
            os.close(fd)
        self._offset += len(raw)
        self._lines += 1

    def _drop_torn_tail(self) -> None:
        """Cut bytes after the last complete line: a writer died mid-line (we hold the lock)."""
        try:
            size = self.path.stat().st_size
            if size > self._offset:
                fd = os.open(self.path, os.O_WRONLY)
                try:
                    _truncate(fd, self._offset)
                finally:
                    os.close(fd)
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot repair the torn last line: {exc.strerror}",
                               hint="check the file's permissions") from exc

    def _compact(self, *, required: bool) -> None:
        raw = _header_bytes(self._data)
        try:
            for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
                # left by a compaction that was killed (we hold the lock, so none is running)
                stale.unlink(missing_ok=True)
            atomic_write(self.path, raw, mode=0o600)
            st = os.stat(self.path)
        except OSError as exc:
            if not required:
                return  # the journal is intact and complete; compaction is retried next time
            raise HistoryError(
                f"{self.path}: the change was saved, but the old text could not be erased "
                f"from the file yet: {exc.strerror}", hint="check the free disk space") from exc
        self._identity = (st.st_dev, st.st_ino)
        self._offset = self._base_size = len(raw)
        self._lines = 1

    def _create(self) -> None:
        try:
            atomic_write(self.path, _header_bytes({}), mode=0o600, exclusive=True)
        except FileExistsError:
            pass  # another process created it first: fine, we read theirs
        except OSError as exc:
            raise HistoryError(f"{self.path}: cannot create the history file: {exc.strerror}",
                               hint="check that the folder is writable") from exc

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise HistoryError(
                f"{self.path}: another process held the history lock for {self.lock_timeout:g} s",
                hint="retry; if no other sentinel runs, remove the .lock file") from exc
        except OSError as exc:
            raise HistoryError(f"{self._lock.lock_file}: cannot take the history lock: "
                               f"{exc.strerror}", hint="check the folder's permissions") from exc
        try:
            yield
        finally:
            self._lock.release()

    def _check_open(self) -> None:
        if self._closed:
            raise HistoryError(f"{self.path}: the history store is closed")


def _header_bytes(tables: Tables) -> bytes:
    header = {"format": FORMAT, "version": VERSION, "tables": tables}
    return json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _parse_line(line: bytes, path: Path, lineno: int) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise _damaged(path, lineno, "not valid JSON") from exc


def _check_tables(tables: dict[str, Any], path: Path) -> None:
    for name, table in tables.items():
        if not isinstance(table, dict) or not all(isinstance(d, dict) for d in table.values()):
            raise _damaged(path, 1, f"table {name!r} is not a mapping of documents")


def _damaged(path: Path, lineno: int, what: str) -> HistoryError:
    return HistoryError(f"{path}:{lineno}: the history file is damaged ({what}); "
                        "nothing was changed", hint=_MOVE_ASIDE)


def _truncate(fd: int, size: int) -> None:
    os.ftruncate(fd, size)
    os.fsync(fd)
