"""The strictyaml layer: parse once, then check the document's shape node by node.

strictyaml stops at the first problem. To report every problem of a file in one run, the text
is parsed once with strictyaml's own loader (which already refuses tags, anchors, duplicate keys
and, on the first pass, flow style), and ``check`` then walks ``SPEC_SCHEMA`` alongside the parsed
tree: maps, lists and unknown keys are checked here, and each scalar is typed by its strictyaml
validator (``Int()``, ``Bool()``, ``Enum()`` …). Every node's line and column is recorded so that
later layers can point at the offending value.

A file with flow style (``{}``/``[]``) is parsed a second time with flow style allowed, so the
rest of the file is still checked and each flow collection is reported at its own position.
Likewise a file with a repeated key is parsed again keeping each key's first occurrence: every
repeat is reported at its own line and the rest of the file is still checked.
The walker reads strictyaml validators' attributes (``_validator_dict``, ``_required_keys``…);
strictyaml is pinned below 2.0 and unmaintained, so they will not move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from strictyaml import exceptions as sy_exc
from strictyaml import ruamel as sy_ruamel
from strictyaml.compound import Map, MapPattern, Seq
from strictyaml.parser import StrictYAMLLoader
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq, TaggedScalar
from strictyaml.ruamel.nodes import MappingNode, ScalarNode
from strictyaml.scalar import Bool, EmptyDict, Enum, Int, ScalarValidator, Str
from strictyaml.validators import MapValidator, OrValidator, SeqValidator, Validator
from strictyaml.yamllocation import YAMLChunk

from sentinel.errors import Problem
from sentinel.spec.fastyaml import SpecYAMLLoader
from sentinel.spec.rules import shown

Loc = tuple[str | int, ...]
Pos = tuple[int, int]  # 1-based line, column

FLOW_MESSAGE = "flow style ({...} or [...]) is not allowed"
FLOW_HINT = "write it in block style: one item per line, indented"
_BAD = object()  # a node that failed its shape check; its parent leaves it out
_LONG_NUMBER = re.compile(r"[-+]?[0-9_]{100,}")  # beyond any field's range; int() may refuse it
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_loc(loc: Loc) -> str:
    """``("ports", 1, "name")`` → ``ports[1].name``; odd keys are quoted: ``labels['a/b']``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{shown(part)}]"
    return out


@dataclass
class Shape:
    """What the strictyaml layer found: typed data, problems, and where every node is."""

    data: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)
    positions: dict[Loc, Pos] = field(default_factory=dict)  # value positions
    key_positions: dict[Loc, Pos] = field(default_factory=dict)  # positions of map keys
    tainted: set[Loc] = field(default_factory=set)  # where a problem was already reported


DUPLICATE_HINT = "keep only one of the two keys"


class _FirstKeyLoader(SpecYAMLLoader):
    """Keeps the first of repeated keys in a mapping and records the others in ``repeated``."""

    repeated: list[tuple[str, Any]]  # (key, mark), one list per parse (see ``_loader``)

    def construct_mapping(self, node: Any, maptyp: Any, deep: bool = False) -> Any:
        """Drop repeated scalar keys (strictyaml's keys are text), then construct as usual."""
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            kept = []
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    if key_node.value in seen:
                        self.repeated.append((key_node.value, key_node.start_mark))
                        continue
                    seen.add(key_node.value)
                kept.append((key_node, value_node))
            node.value = kept
        return super().construct_mapping(node, maptyp, deep)


def _loader(
    source: str, allow_flow: bool, repeated: list[tuple[str, Any]] | None = None
) -> type[StrictYAMLLoader]:
    # SpecYAMLLoader is StrictYAMLLoader with the same results, faster (sentinel.spec.fastyaml).
    attrs = {"label": source, "allow_flow_style": allow_flow}
    if repeated is None:
        return type("SpecLoader", (SpecYAMLLoader,), attrs)
    return type("SpecLoader", (_FirstKeyLoader,), {**attrs, "repeated": repeated})


def _mark_pos(exc: sy_ruamel.error.YAMLError, text: str) -> Pos | None:
    if isinstance(exc, sy_ruamel.reader.ReaderError):
        before = text[: exc.position]
        return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    marks = [
        m
        for m in (getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None))
        if m is not None
    ]
    if isinstance(exc, sy_exc.DisallowedToken):
        mark = min(marks, key=lambda m: (m.line, m.column), default=None)
    else:
        mark = marks[0] if marks else None
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def _parse_problem(exc: sy_ruamel.error.YAMLError, text: str, source: str) -> Problem:
    pos = _mark_pos(exc, text)
    line, col = pos if pos else (None, None)
    if isinstance(exc, sy_exc.TagTokenDisallowed):
        msg, hint = "YAML tags (!!str, !tag) are not allowed", "remove the tag; quote the value"
    elif isinstance(exc, sy_exc.AnchorTokenDisallowed):
        msg = "YAML anchors and aliases (&name, *name) are not allowed"
        hint = "write the value out in full; quote text that starts with & or *"
    elif isinstance(exc, sy_exc.DuplicateKeysDisallowed):
        msg, hint = f"{exc.problem[0].lower()}{exc.problem[1:]}", DUPLICATE_HINT
    elif isinstance(exc, sy_exc.FlowMappingDisallowed):
        msg, hint = FLOW_MESSAGE, FLOW_HINT
    elif isinstance(exc, sy_exc.InconsistentIndentationDisallowed):
        msg = "mapping indented differently from the previous one"
        hint = "indent sibling mappings by the same number of spaces"
    elif isinstance(exc, _ComplexKey):
        msg = "a key must be plain text, not a list or a mapping ('?' keys)"
        hint = "write keys as 'name: value'"
    elif isinstance(exc, _Unreadable):
        msg, hint = exc.message, exc.hint
    elif isinstance(exc, sy_ruamel.reader.ReaderError):
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        msg = f"special character {char!r} is not allowed in a spec file"
        hint = "remove it, or write it as an escape inside double quotes"
    else:
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["unreadable"])[0]
        msg = f"not valid YAML: {problem}"
        hint = "check the indentation and quoting on this line and the one before"
    return Problem(source, line, col, "", msg, hint)


@dataclass
class Parsed:
    """The ruamel tree of a document, whether flow style was needed, or why it cannot be read."""

    tree: Any
    flow: Problem | None = None  # the first flow collection, when flow style had to be allowed
    problems: list[Problem] = field(default_factory=list)
    repeated: list[Problem] = field(default_factory=list)  # keys given twice (first one kept)


def _too_deep(source: str) -> Parsed:
    return Parsed(
        None,
        problems=[
            Problem(
                source,
                None,
                None,
                "",
                "the document is nested too deeply",
                "a spec needs only a few levels of indentation",
            )
        ],
    )


def _load(
    text: str, source: str, allow_flow: bool, repeated: list[tuple[str, Any]] | None = None
) -> Any:
    # Some inputs make strictyaml's bundled ruamel fail outside its YAMLError tree (all found by
    # fuzzing); they become YAML problems here so they get a message instead of a traceback.
    try:
        return sy_ruamel.load(text, Loader=_loader(source, allow_flow, repeated))
    except TypeError as exc:
        # line/column are recorded per key in a dict: a list as a key ("? - a") is unhashable
        raise _ComplexKey(str(exc)) from exc
    except NotImplementedError as exc:
        # "overlap in comment": blank lines around empty list items ("- \n\n- \n")
        raise _Unreadable(
            "the YAML parser cannot read this layout (blank lines around empty list items)",
            "give every '- ' item a value, and remove blank lines inside lists",
        ) from exc
    except ValueError as exc:
        # int() refuses over 4300 digits, e.g. in a "%YAML 1.999…" directive
        raise _Unreadable(
            "not valid YAML: a number in a directive is far too long",
            "remove the '%' directive line",
        ) from exc


class _ComplexKey(sy_ruamel.error.YAMLError):  # type: ignore[misc]
    """A mapping key that is itself a list or a map."""


class _Unreadable(sy_ruamel.error.YAMLError):  # type: ignore[misc]
    """Text the YAML parser cannot handle, with what to tell the user."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse(text: str, source: str) -> Parsed:
    """Parse ``text`` with strictyaml's loader; retry allowing flow style or repeated keys so
    those are reported beside everything else (at most three parses, only for such files)."""
    flow: Problem | None = None
    repeated: list[tuple[str, Any]] | None = None
    while True:
        found: list[tuple[str, Any]] | None = None if repeated is None else []
        try:
            tree = _load(text, source, flow is not None, found)
        except sy_exc.FlowMappingDisallowed as exc:
            if flow is not None:  # cannot happen with flow allowed; reported as it is if it does
                return Parsed(None, problems=[_parse_problem(exc, text, source)])
            # Parse again with flow allowed, so the rest is checked and every flow collection found.
            flow = _parse_problem(exc, text, source)
        except sy_exc.DuplicateKeysDisallowed as exc:
            if repeated is not None:
                return Parsed(None, problems=[_parse_problem(exc, text, source)])
            repeated = []  # parse again keeping each first key, recording every repeat
        except sy_ruamel.error.YAMLError as exc:
            return Parsed(None, problems=[_parse_problem(exc, text, source)])
        except RecursionError:
            return _too_deep(source)
        else:
            dups = [
                Problem(source, mark.line + 1, mark.column + 1, "",
                        f"duplicate key {shown(key)} found", DUPLICATE_HINT)
                for key, mark in found or ()
            ]
            return Parsed(tree, flow=flow, repeated=dups)


def _plain(node: Any) -> Any:
    """YAML 1.1 types a few plain scalars (``=`` is a "value" tag); a spec reads them as text."""
    return node.value if isinstance(node, TaggedScalar) else node


def _alternatives(validator: Validator) -> list[Validator]:
    if isinstance(validator, OrValidator):
        return _alternatives(validator._validator_a) + _alternatives(validator._validator_b)
    return [validator]


_EXPECTED: tuple[tuple[type, str], ...] = (
    (Int, "a whole number"),
    (Bool, "true or false"),
    (EmptyDict, "an empty value"),
    (Str, "text"),
    (MapValidator, "a mapping (key: value lines)"),
    (SeqValidator, "a list ('- item' lines)"),
)


def _expected(validator: Validator) -> str:
    if isinstance(validator, OrValidator):
        return " or ".join(_expected(v) for v in _alternatives(validator))
    if isinstance(validator, Enum):
        return "one of " + ", ".join(validator._restricted_to)
    for kind, words in _EXPECTED:
        if isinstance(validator, kind):
            return words
    return "a value"


def _found(node: Any) -> str:
    if isinstance(node, CommentedMap):
        return "a mapping"
    if isinstance(node, CommentedSeq):
        return "a list"
    if node in ("", None):
        return "an empty value"
    text = str(node)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _type_hint(validator: Validator, node: Any) -> str:
    if isinstance(validator, Enum):
        lowered = {v.lower(): v for v in validator._restricted_to}
        if isinstance(node, str) and node.lower() in lowered:
            return f"values are case-sensitive: write {lowered[node.lower()]}"
        return "use one of " + ", ".join(validator._restricted_to)
    if isinstance(validator, Int):
        return "write a whole number, e.g. 8080"
    if isinstance(validator, Bool):
        return "write true or false"
    if isinstance(validator, MapValidator):
        return "put the keys on the following lines, indented under this one"
    if isinstance(validator, SeqValidator):
        return "put each item on its own line, starting with '- '"
    if isinstance(validator, Str | EmptyDict):
        return "write a single value on this line (quote it if it contains ': ' or '#')"
    return "see the spec format in 'sentinel schema'"


class _Walker:
    """Walks the parsed tree against a strictyaml schema, collecting problems and positions."""

    def __init__(self, source: str, flow_text: str | None) -> None:
        self.source = source
        self.shape = Shape(data=None)
        self._in_flow = False
        # Only a document that needed the flow-allowing parse is searched for flow collections;
        # ruamel does not mark empty ones ({}), so look at the character the node starts with.
        self._lines = flow_text.split("\n") if flow_text is not None else []

    def _char_at(self, pos: Pos) -> str:
        line, col = pos
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return text[col - 1 : col]

    def problem(self, loc: Loc, pos: Pos | None, message: str, hint: str) -> None:
        line, col = pos if pos else (None, None)
        self.shape.problems.append(Problem(self.source, line, col, format_loc(loc), message, hint))
        self.shape.tainted.add(loc)

    def visit(self, node: Any, validator: Validator, loc: Loc, pos: Pos) -> Any:
        """The typed value of ``node``, or ``_BAD`` after reporting why it has the wrong shape."""
        self.shape.positions[loc] = pos
        node = _plain(node)
        was_in_flow = self._in_flow
        if (
            self._lines
            and not was_in_flow
            and isinstance(node, CommentedMap | CommentedSeq)
            and self._char_at(pos) in ("{", "[")
        ):
            empty_dir = not node and loc[-1:] == ("emptyDir",)
            hint = "write `emptyDir:` with nothing after it" if empty_dir else FLOW_HINT
            self.problem(loc, pos, FLOW_MESSAGE, hint)
            self._in_flow = True
        try:
            return self._visit(node, validator, loc, pos)
        finally:
            self._in_flow = was_in_flow

    def _visit(self, node: Any, validator: Validator, loc: Loc, pos: Pos) -> Any:
        if isinstance(validator, OrValidator):
            kinds = _alternatives(validator)
            if isinstance(node, CommentedMap):
                chosen = [v for v in kinds if isinstance(v, MapValidator)]
            elif isinstance(node, CommentedSeq):
                chosen = [v for v in kinds if isinstance(v, SeqValidator)]
            else:
                chosen = [v for v in kinds if isinstance(v, ScalarValidator)]
                for alt in chosen:
                    value = self._scalar(node, alt)
                    if value is not _BAD:
                        return value
                chosen = []
            if not chosen:
                self.problem(
                    loc,
                    pos,
                    f"expected {_expected(validator)}, found {_found(node)}",
                    _type_hint(kinds[-1], node),
                )
                return _BAD
            validator = chosen[0]
        if isinstance(validator, Map | MapPattern):
            return self._map(node, validator, loc, pos)
        if isinstance(validator, Seq):
            return self._seq(node, validator, loc, pos)
        value = self._scalar(node, validator)
        if value is _BAD and isinstance(validator, Int) and _LONG_NUMBER.fullmatch(str(node)):
            self.problem(loc, pos, "number is far too large", "write a number in range")
        elif value is _BAD:
            self.problem(
                loc,
                pos,
                f"expected {_expected(validator)}, found {_found(node)}",
                _type_hint(validator, node),
            )
        return value

    def _scalar(self, node: Any, validator: Validator) -> Any:
        if not isinstance(node, str):
            return _BAD
        try:
            return validator(YAMLChunk(node, label=self.source)).data
        except sy_exc.YAMLValidationError:
            return _BAD
        except ValueError:  # Int(): int() refuses more than 4300 digits
            return _BAD

    def _wrong_kind(self, node: Any, validator: Validator, loc: Loc, pos: Pos) -> object:
        self.problem(
            loc,
            pos,
            f"expected {_expected(validator)}, found {_found(node)}",
            _type_hint(validator, node),
        )
        return _BAD

    def _map(self, node: Any, validator: Map | MapPattern, loc: Loc, pos: Pos) -> Any:
        if not isinstance(node, CommentedMap):
            return self._wrong_kind(node, validator, loc, pos)
        out: dict[str, Any] = {}
        known = validator._validator_dict if isinstance(validator, Map) else None
        suggested: set[str] = set()
        for raw_key, value in node.items():
            kline, kcol, vline, vcol = node.lc.data[raw_key]
            kpos = (kline + 1, kcol + 1)
            key = _plain(raw_key)
            if not isinstance(key, str):
                self.problem(loc, kpos, "a key must be plain text", "write the key as text")
                continue
            child = (*loc, key)
            self.shape.key_positions[child] = kpos
            # An empty value has no position of its own; point at its key instead.
            vpos = kpos if value in ("", None) else (vline + 1, vcol + 1)
            if known is None:
                sub = validator._value_validator
            elif key in known:
                sub = known[key]
            else:
                missing = [k for k in validator._required_keys if k not in node]
                suggested.add(self._unknown_key(child, kpos, key, list(known), missing))
                continue
            result = self.visit(value, sub, child, vpos)
            if result is not _BAD:
                out[key] = result
        if isinstance(validator, Map):
            for key in validator._required_keys:
                if key in node:
                    continue
                if key in suggested:  # "unknown key 'contanerPort', did you mean …" says it all
                    self.shape.tainted.add((*loc, key))
                else:
                    where = self.shape.key_positions.get(loc, pos)
                    self.problem(
                        (*loc, key),
                        where,
                        f"required key '{key}' is missing",
                        f"add '{key}: ...'"
                        + (" at the top of the file" if not loc else f" under {format_loc(loc)}"),
                    )
        return out

    def _unknown_key(
        self, loc: Loc, pos: Pos, key: str, known: list[str], missing: list[str]
    ) -> str:
        """Report an unknown key; return the key suggested instead (or "")."""
        folded = {k.lower().replace("_", "").replace("-", ""): k for k in known}
        close = folded.get(key.lower().replace("_", "").replace("-", ""))
        if close is None:
            import difflib  # only files with a typo pay for it

            matches = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            # With no close spelling, the one required key that is missing is the best guess.
            close = matches[0] if matches else missing[0] if len(missing) == 1 else None
        hint = f"did you mean '{close}'?" if close else "allowed keys here: " + ", ".join(known)
        self.problem(loc, pos, f"unknown key {shown(key)}", hint)
        return close or ""

    def _seq(self, node: Any, validator: Seq, loc: Loc, pos: Pos) -> Any:
        if not isinstance(node, CommentedSeq):
            return self._wrong_kind(node, validator, loc, pos)
        out = []
        whole = True
        for i, item in enumerate(node):
            line, col = node.lc.item(i)
            result = self.visit(item, validator._validator, (*loc, i), (line + 1, col + 1))
            whole = whole and result is not _BAD
            out.append(result)
        # A missing item would shift the indexes of the rest; hand the list on only when whole.
        return out if whole else _BAD


def check(parsed: Parsed, schema: Validator, source: str, text: str) -> Shape:
    """Check a parsed document against ``schema`` (a strictyaml ``Map``); collect all problems."""
    walker = _Walker(source, text if parsed.flow else None)
    shape = walker.shape
    tree = parsed.tree
    shape.problems.extend(parsed.repeated)
    if parsed.flow is not None:
        # The walker reports each flow collection; this one is the parser's, kept unless the
        # walker already reported the same spot.
        shape.problems.append(parsed.flow)
    if tree is None:
        walker.problem(
            (),
            (1, 1),
            "the spec is empty",
            "write at least 'name: <pod name>' and 'image: <image>'",
        )
        return shape
    if not isinstance(tree, CommentedMap):
        walker.problem(
            (),
            (1, 1),
            f"expected a mapping of spec keys, found {_found(tree)}",
            "start the file with 'name: <pod name>' and 'image: <image>' lines",
        )
        return shape
    data = walker.visit(tree, schema, (), (1, 1))
    shape.data = data if isinstance(data, dict) else None
    if parsed.flow is not None:
        spots = [(p.line, p.column) for p in shape.problems if p.message == FLOW_MESSAGE]
        if spots.count((parsed.flow.line, parsed.flow.column)) > 1:
            shape.problems.remove(parsed.flow)
    return shape
