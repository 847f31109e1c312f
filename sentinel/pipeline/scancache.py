"""Remember scan results between runs, so a no-op run does not even open the spec files.

The planner's scan (``sentinel.pipeline.scan``) is cheap, but on the no-op run it is most of what
this package adds to doit's own cost: opening and reading a thousand files. This cache, one JSON
file in the state folder, maps each spec path to the (mtime_ns, size) it had when scanned and what
the scan found. A spec whose mtime or size changed is scanned again — the same test doit applies
to ``file_dep`` before it compares checksums, so the cache is never weaker than doit itself.
Only sure results are kept; the file is rewritten (atomically) only when something changed, and
written by task creation in the main doit process only, so parallel workers never touch it.
"""

from __future__ import annotations

import json
from pathlib import Path

from sentinel import __version__
from sentinel.fsutil import atomic_write
from sentinel.pipeline.scan import ScanResult, scan_file

FORMAT = f"scan-cache-1/{__version__}"  # a new release may scan differently: start afresh


class ScanCache:
    """Scan results by spec path, valid while the file's mtime and size are unchanged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, list[object]] = {}
        self._new: dict[str, list[object]] = {}
        self._dirty = False
        if path is not None:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and data.get("format") == FORMAT:
                    entries = data.get("entries")
                    self._old = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                self._old = {}  # missing or damaged: it is only a cache

    def scan(self, spec: str, mtime_ns: int, size: int) -> ScanResult:
        """The scan of ``spec``, from the cache when its mtime and size still match."""
        entry = self._old.get(spec)
        cached = _cached_result(entry, mtime_ns, size)
        if entry is not None and cached is not None:
            self._new[spec] = entry
            return cached
        found = scan_file(spec)
        if found.sure:
            self._new[spec] = [mtime_ns, size, found.name, found.namespace, found.output_path,
                               [list(kv) for kv in found.lines]]
            self._dirty = True
        return found

    def save(self) -> None:
        """Write the cache if anything changed (entries of vanished specs are dropped)."""
        if self.path is None or not (self._dirty or set(self._old) - set(self._new)):
            return
        body = json.dumps({"format": FORMAT, "entries": self._new}, separators=(",", ":"))
        try:
            atomic_write(self.path, body, durable=False)  # a lost or damaged cache is ignored
        except OSError:
            pass  # a read-only state folder only costs speed, never correctness


def _cached_result(entry: object, mtime_ns: int, size: int) -> ScanResult | None:
    """The scan an entry records for this mtime and size; None if stale or not well formed."""
    if not (isinstance(entry, list) and len(entry) == 6 and entry[:2] == [mtime_ns, size]):
        return None
    _, _, name, namespace, output_path, lines = entry
    if not (isinstance(name, str) and isinstance(namespace, str) and isinstance(lines, list)
            and (output_path is None or isinstance(output_path, str))):
        return None
    pairs = []
    for pair in lines:  # [[key, line], ...]; anything else: a damaged entry, scan again
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
                and type(pair[1]) is int):
            return None
        pairs.append((pair[0], pair[1]))
    return ScanResult(True, name, namespace, output_path, tuple(pairs))
