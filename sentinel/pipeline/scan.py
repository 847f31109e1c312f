"""Cheap look at spec files: list them and find where each one's manifest will go, without parsing.

doit needs every ``generate`` sub-task's ``targets`` when the tasks are created, i.e. on every run,
including the no-op run that must stay nearly as cheap as doit itself. The target depends on the
spec's ``name``, ``namespace`` and ``output_path``, but a full strictyaml + pydantic load costs
~5 ms a file. So task creation reads only those three top-level keys with a line scanner that
understands exactly the block-style forms strictyaml accepts for a one-line scalar (plain, quoted,
trailing comment). Whenever it is not sure — the key is missing, repeated, a block scalar, a
multi-line value, an escape, a name that is not a DNS label, an unreadable or oversized file — it
says so, and the caller falls back to the real loader for that file (memoized, so the action
reuses the result). The action re-derives the path from the fully loaded spec and refuses to
write if the two ever disagree, so a scanner mistake can only fail loudly, never misplace a file.

The scan costs about 40 µs a file; ``sentinel.pipeline.scancache`` keeps its results across runs
keyed on each file's mtime and size, so a no-op run does not even open the specs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from doit.exceptions import InvalidDodoFile

SPEC_SUFFIXES = (".yaml", ".yml")
DEFAULT_NAMESPACE = "default"
# Larger files are left to the loader, which owns the size limit and its message.
SCAN_LIMIT = 256 * 1024

_KEY_LINE = re.compile(
    r"""^(?P<q>["']?)(?P<key>name|namespace|output_path)(?P=q)[ ]*:(?:[ ]+(?P<value>.*))?$""",
    re.MULTILINE,
)
# rules.DNS_LABEL with its 63-character limit, copied rather than imported: importing anything
# from sentinel.spec loads pydantic and strictyaml, which the no-op run must not pay for.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Characters that open something other than a one-line scalar in block YAML.
_SPECIAL_START = set("|>&*!%@`[{?-,#")


@dataclass(frozen=True)
class ScanResult:
    """What the scanner found in one spec: the three keys and their 1-based lines, or ``sure=False``."""

    sure: bool
    name: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    output_path: str | None = None
    lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str) -> int | None:
        """The 1-based line where ``key`` was found, if it was."""
        return dict(self.lines).get(key)


UNSURE = ScanResult(sure=False)


def list_specs(specs_dir: Path | str) -> list[str]:
    """The ``*.yaml``/``*.yml`` files directly in ``specs_dir``, sorted, hidden ones skipped.

    The same rule as ``sentinel.spec.discover`` for a folder (so ``sentinel validate`` and
    ``doit generate`` see the same specs), with plain strings: for a thousand specs, ``pathlib``
    objects would cost more than the listing itself. A missing folder lists nothing; the tasks
    that need it say so when they run. A broken symlink is listed: its sub-task says so. A folder
    that cannot be read stops the run with doit's one-line ``ERROR:`` (as a bad setting does).
    """
    try:
        with os.scandir(specs_dir) as entries:
            found = [e.path for e in entries if e.name.endswith(SPEC_SUFFIXES)
                     and not e.name.startswith(".") and (e.is_file() or e.is_symlink())]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:  # e.g. no read permission: listing nothing would pass as "0 specs"
        raise InvalidDodoFile(
            f"cannot list the specs folder {specs_dir}: {exc.strerror}\n"
            "  hint: check its permissions, or set specs_dir in sentinel.toml / SENTINEL_SPECS_DIR"
        ) from exc
    found.sort()
    return found


def _plain_value(raw: str) -> str | None:
    """A plain scalar up to a `` #`` comment, or None if it is not a simple one."""
    if raw[0] in _SPECIAL_START:
        return None
    value = re.split(r"[ \t]#", raw, maxsplit=1)[0].rstrip(" \t")
    if not value or ": " in value or value.endswith(":"):
        return None
    return value


def _quoted_value(raw: str) -> str | None:
    """A one-line single- or double-quoted scalar (no escapes), or None."""
    quote = raw[0]
    if quote == "'":
        match = re.match(r"^'((?:[^']|'')*)'[ \t]*(?:#.*)?$", raw)
        return match.group(1).replace("''", "'") if match else None
    match = re.match(r'^"([^"\\]*)"[ \t]*(?:#.*)?$', raw)
    return match.group(1) if match else None


def scan_text(text: str) -> ScanResult:
    """Find ``name``/``namespace``/``output_path`` in block-style spec text, or report doubt."""
    text = text.removeprefix("\ufeff")
    if text.startswith("\t") or "\n\t" in text:
        return UNSURE  # tabs cannot indent YAML: let the loader explain
    found: dict[str, tuple[str, int]] = {}
    for match in _KEY_LINE.finditer(text):
        key = match.group("key")
        raw = (match.group("value") or "").strip(" \r")
        if key in found or not raw:
            return UNSURE  # duplicate key, or a nested/block value follows
        value = _quoted_value(raw) if raw[0] in "'\"" else _plain_value(raw)
        if value is None or _continues(text, match.end()):
            return UNSURE
        found[key] = (value, text.count("\n", 0, match.start()) + 1)
    if "name" not in found or not _DNS_LABEL.match(found["name"][0]):
        return UNSURE
    namespace = found.get("namespace", (DEFAULT_NAMESPACE, 0))[0]
    if not _DNS_LABEL.match(namespace):
        return UNSURE
    output = found.get("output_path")
    if output is not None and ("\x00" in output[0] or not output[0].strip()):
        return UNSURE
    return ScanResult(
        sure=True,
        name=found["name"][0],
        namespace=namespace,
        output_path=output[0] if output else None,
        lines=tuple((k, v[1]) for k, v in sorted(found.items())),
    )


_MEANINGFUL_LINE = re.compile(r"^(?![ \t]*(?:#|\r?$))(.)", re.MULTILINE)


def _continues(text: str, end: int) -> bool:
    """True if the next meaningful line after ``end`` is indented: a multi-line scalar."""
    match = _MEANINGFUL_LINE.search(text, end + 1)
    return match is not None and match.group(1) in " \t"


def scan_file(path: Path | str) -> ScanResult:
    """Scan one spec file; unreadable, oversized or non-UTF-8 files are ``UNSURE``."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(SCAN_LIMIT + 1)
    except OSError:
        return UNSURE
    if len(raw) > SCAN_LIMIT or b"\x00" in raw:
        return UNSURE
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return UNSURE
    return scan_text(text)
