"""The one reader of spec files: bytes → text → strictyaml shape → pydantic model, all problems.

Layers, each reporting everything it can before the file is rejected:

1. the file itself: missing, a directory, not a regular file, over 1 MiB, empty, binary (NUL
   bytes) or not UTF-8 — one clear problem, nothing else can be checked;
2. YAML via strictyaml (``yamlparse.py`` then ``shape.py``): syntax, tags, anchors, duplicate
   keys, flow style, unknown keys with "did you mean", wrong kinds of values — every one, with
   line and column;
3. Kubernetes rules via ``PodSpec`` (``model.py``), run on whatever part passed layer 2, each error
   mapped back to the line and column of its value, with the field path and a fix hint;
4. production advice (``advice.py``) on a valid spec: warnings with codes, minus its ``ignore``.

Problems reported by layer 2 suppress the echoes layer 3 would produce for the same field.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sentinel.errors import Problem, SpecError
from sentinel.spec.advice import advise
from sentinel.spec.fields import RULE_ERROR, VIOLATIONS_ERROR
from sentinel.spec.model import PodSpec
from sentinel.spec.rules import check_env_name, is_c_identifier, shown
from sentinel.spec.shape import Loc, Shape, check, format_loc
from sentinel.spec.yamlparse import Pos, parse
from sentinel.spec.yamlschema import SPEC_SCHEMA

MAX_SPEC_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LoadedSpec:
    """A valid spec: where it came from, its text, the model, and any warnings."""

    path: Path | None
    source: str  # the name problems show: the path as given, or e.g. "chat:web.yaml"
    text: str
    model: PodSpec
    warnings: list[Problem] = field(default_factory=list)
    positions: Mapping[Loc, Pos] = field(default_factory=dict, repr=False, compare=False)
    advice: list[Problem] = field(default_factory=list)  # production advice (warnings, coded)

    def position(self, *loc: str | int) -> Pos | None:
        """Line and column (1-based) of a field's value, e.g. ``position("ports", 0, "name")``."""
        return self.positions.get(tuple(loc))


def _file_problem(source: str, message: str, hint: str, line: int | None = None) -> SpecError:
    return SpecError([Problem(source, line, None, "", message, hint)])


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def undecodable_name(name: str) -> str | None:
    """``name`` shown with ``\\xNN`` escapes if it holds bytes that are not UTF-8, else None.

    Such a name (a file named in another encoding) cannot be printed or stored by the pipeline's
    database, so it is refused up front with a message rather than a traceback later.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def read_spec_text(path: Path, source: str | None = None) -> str:
    """The text of a spec file, or ``SpecError`` saying why it cannot be one.

    ``source`` is the name problems show (default: the path as given).
    """
    source = str(path) if source is None else source
    escaped = undecodable_name(source)
    if escaped is not None:
        raise _file_problem(escaped, "file name is not valid UTF-8", "rename the file")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _file_problem(source, "file not found", "check the path") from None
    except OSError as exc:
        raise _file_problem(
            source, f"cannot read the file: {exc.strerror}", "check the path and its permissions"
        ) from exc
    if stat.S_ISDIR(info.st_mode):
        raise _file_problem(
            source,
            "is a directory, not a spec file",
            "give a .yaml file, or pass the folder where folders are accepted",
        )
    if not stat.S_ISREG(info.st_mode):
        raise _file_problem(source, "is not a regular file", "give a .yaml spec file")
    if info.st_size > MAX_SPEC_BYTES:
        raise _file_problem(
            source,
            f"file is {_mib(info.st_size)}; a spec may be at most 1 MiB",
            "a spec describes one Pod in a few dozen lines; check the file",
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise _file_problem(
            source, f"cannot read the file: {exc.strerror}", "check the file's permissions"
        ) from exc
    return decode_spec_bytes(raw, source)


def decode_spec_bytes(raw: bytes, source: str) -> str:
    """Decode a spec's bytes as UTF-8 text, refusing empty, oversized and binary content."""
    if len(raw) > MAX_SPEC_BYTES:
        raise _file_problem(
            source,
            "file is over 1 MiB; a spec may be at most 1 MiB",
            "a spec describes one Pod in a few dozen lines; check the file",
        )
    if not raw:
        raise _file_problem(
            source, "file is empty", "write at least 'name: <pod name>' and 'image: <image>'"
        )
    if b"\x00" in raw:
        raise _file_problem(
            source,
            "binary file (contains NUL bytes), not a YAML spec",
            "spec files are UTF-8 text; check that this is the right file",
            line=raw[: raw.index(b"\x00")].count(b"\n") + 1,
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _file_problem(
            source,
            f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8",
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def _text_problem(text: str, source: str) -> SpecError | None:
    """Problems a text can have before YAML parsing (texts also come from chat tools)."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return _file_problem(
            source,
            "text holds characters that are not valid Unicode",
            "remove lone surrogate characters",
        )
    if size > MAX_SPEC_BYTES:
        return _file_problem(
            source,
            f"spec is {_mib(size)}; a spec may be at most 1 MiB",
            "a spec describes one Pod in a few dozen lines",
        )
    if "\x00" in text:
        return _file_problem(
            source, "text contains NUL characters, not a YAML spec", "remove the NUL characters"
        )
    return None


def load_spec(path: Path) -> LoadedSpec:
    """Read, parse and validate one spec file; ``SpecError`` carries all of its problems."""
    return load_spec_text(read_spec_text(path), str(path), path=path)


def load_spec_text(text: str, source: str, *, path: Path | None = None) -> LoadedSpec:
    """Parse and validate spec text; ``source`` is the name shown in problems."""
    bad = _text_problem(text, source)
    if bad is not None:
        raise bad
    parsed = parse(text, source)
    if parsed.problems:
        raise SpecError(parsed.problems)
    shape = check(parsed, SPEC_SCHEMA, source, text)
    problems = list(shape.problems)
    model = None
    if shape.data is not None:
        try:
            model = PodSpec.model_validate(shape.data)
        except ValidationError as exc:
            problems += model_problems(exc, source, shape)
    warnings = _warnings(shape, source)
    if problems or model is None:
        raise SpecError(problems + warnings)
    warnings = [w for w in warnings if w.code not in model.ignore]
    advice = advise(model, source, shape.positions, shape.key_positions)
    return LoadedSpec(path, source, text, model, warnings, shape.positions, advice)


def validate_data(data: Mapping[str, Any], source: str) -> PodSpec:
    """Validate plain data (as the JSON Schema describes it) against the model, no YAML."""
    try:
        return PodSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise SpecError(model_problems(exc, source, Shape(data=None))) from None


def _env_maps(data: Any) -> Iterator[tuple[Loc, Any]]:
    """Every container's ``env`` mapping (as written) with its loc: the main container's first."""
    if not isinstance(data, dict):
        return
    yield ("env",), data.get("env")
    for key in ("initContainers", "sidecars", "containers"):
        items = data.get(key)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                yield (key, i, "env"), item.get("env")


def _warnings(shape: Shape, source: str) -> list[Problem]:
    """Things valid today that older clusters refuse (env names outside C identifiers), in
    every container."""
    out = []
    for at, env in _env_maps(shape.data):
        for name in env if isinstance(env, dict) else {}:
            if check_env_name(name) is None and not is_c_identifier(name):
                line, col = shape.key_positions.get((*at, name), (None, None))
                out.append(
                    Problem(
                        source,
                        line,
                        col,
                        format_loc((*at, name)),
                        f"{shown(name)} is not a C identifier; older Kubernetes versions reject it",
                        "use only letters, digits and '_', not starting with a digit",
                        "warning",
                        "W100",
                    )
                )
    return out


def _under(loc: Loc, tainted: set[Loc]) -> bool:
    return any(loc[: len(t)] == t for t in tainted)


def _echo(loc: Loc, tainted: set[Loc]) -> bool:
    """An error at or around a node the shape layer already reported (or left out) is an echo."""
    return any(loc[: len(t)] == t or t[: len(loc)] == loc for t in tainted)


def _where(shape: Shape, loc: Loc, *, key: bool = False, missing: bool = False) -> Pos | None:
    if key:
        return shape.key_positions.get(loc)
    if missing:  # point at the mapping that lacks the key: its own key line, or the file start
        parent = loc[:-1]
        return shape.key_positions.get(parent) or shape.positions.get(parent)
    while loc and loc not in shape.positions:
        loc = loc[:-1]
    return shape.positions.get(loc)


def model_problems(exc: ValidationError, source: str, shape: Shape) -> list[Problem]:
    """Pydantic errors as Problems at their value's line/column, minus layer-2 echoes."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        raw = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("<")))
        key = bool(raw) and raw[-1] == "[key]"
        loc: Loc = raw[:-1] if key else raw
        ctx = err.get("ctx") or {}
        if err["type"] == VIOLATIONS_ERROR:
            for sub, message, hint, needs in ctx["violations"]:
                full = (*loc, *sub)
                if _echo(full, shape.tainted) or any(_under((d,), shape.tainted) for d in needs):
                    continue
                line, col = _where(shape, full) or (None, None)
                out.append(Problem(source, line, col, format_loc(full), message, hint))
            continue
        if _echo(loc, shape.tainted):
            continue
        message, hint = _describe(err, loc)
        line, col = _where(shape, loc, key=key, missing=err["type"] == "missing") or (None, None)
        out.append(Problem(source, line, col, format_loc(loc), message, hint))
    return out


def _as_text(value: Any) -> str:
    """A value for a message: numbers as they are, anything else quoted and cut short."""
    try:
        text = str(value)
    except ValueError:  # str() of an int with more than 4300 digits (from JSON data)
        return "a number too long to show"
    if isinstance(value, int | float):
        return text if len(text) <= 60 else f"a number of {len(text)} digits"
    return shown(text)


def _describe(err: Any, loc: Loc) -> tuple[str, str]:
    kind, ctx, value = err["type"], err.get("ctx") or {}, _as_text(err.get("input"))
    name = str(loc[-1]) if loc else "spec"
    if kind == RULE_ERROR:
        return ctx["message"], ctx["hint"]
    if kind == "missing":
        return f"required key '{name}' is missing", f"add '{name}: ...'"
    if kind in ("greater_than_equal", "less_than_equal"):
        op, bound = ("≥", ctx["ge"]) if kind == "greater_than_equal" else ("≤", ctx["le"])
        return f"must be {op} {bound}, found {value}", f"use a value {op} {bound}"
    if kind == "literal_error":
        return (
            f"expected {ctx['expected']}, found {value}",
            f"use one of {ctx['expected']} (case-sensitive)",
        )
    if kind in ("too_short", "too_long"):  # lists (the model bounds no maps by size)
        low, high, count = ctx.get("min_length"), ctx.get("max_length"), ctx.get("actual_length")
        if kind == "too_long":
            over = count - high if isinstance(count, int) and isinstance(high, int) else None
            drop = f"remove {over}, " if over else ""
            return (f"has {count} items; at most {high} are allowed",
                    f"{drop}keep at most {high} items")
        if low == 1:
            return "must not be empty", "add at least one item"
        return f"has {count} items; at least {low} are needed", f"list at least {low} items"
    if kind in ("string_too_short", "string_too_long"):
        low, high = ctx.get("min_length"), ctx.get("max_length")
        if kind == "string_too_long":
            given = err.get("input")
            size = f"is {len(given)} characters long" if isinstance(given, str) else "is too long"
            return f"{size} (max {high})", f"shorten it to at most {high} characters"
        if low == 1:
            return "must not be empty", "write a value"
        return f"is shorter than {low} characters", f"write at least {low} characters"
    if kind == "extra_forbidden":
        return f"unknown key '{name}'", "remove it; 'sentinel schema' lists the allowed keys"
    return err["msg"], "see 'sentinel schema' for the spec format"
