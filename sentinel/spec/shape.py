"""The strictyaml layer's shape check: walk the parsed tree against the schema, node by node.

``sentinel.spec.yamlparse`` parses the text once; ``check`` then walks ``SPEC_SCHEMA`` alongside
the parsed tree so that every problem of a file is reported in one run, not just the first:
maps, lists and unknown keys are checked here, and each scalar is typed by its strictyaml
validator (``Int()``, ``Bool()``, ``Enum()`` …). Every node's line and column is recorded so that
later layers can point at the offending value. In a document that needed flow style allowed,
each flow collection is reported at its own position.

The walker reads strictyaml validators' attributes (``_validator_dict``, ``_required_keys``…);
strictyaml is pinned below 2.0 and unmaintained, so they will not move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from strictyaml import exceptions as sy_exc
from strictyaml.compound import Map, MapPattern, Seq
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq, TaggedScalar
from strictyaml.scalar import Bool, EmptyDict, Enum, Int, ScalarValidator, Str
from strictyaml.validators import MapValidator, OrValidator, SeqValidator, Validator
from strictyaml.yamllocation import YAMLChunk

from sentinel.errors import Problem
from sentinel.spec.cparse import FastMap, FastSeq
from sentinel.spec.rules import shown
from sentinel.spec.yamlparse import FLOW_HINT, FLOW_MESSAGE, Parsed, Pos
from sentinel.spec.yamlschema import FileMode

Loc = tuple[str | int, ...]

# A tree comes from strictyaml's loader or from libyaml's fast path (``sentinel.spec.cparse``).
_MAPS = (CommentedMap, FastMap)
_SEQS = (CommentedSeq, FastSeq)
_CONTAINERS = _MAPS + _SEQS

_BAD = object()  # a node that failed its shape check; its parent leaves it out
_LONG_NUMBER = re.compile(r"[-+]?[0-9_]{100,}")  # beyond any field's range; int() may refuse it
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"^[-+]?[0-9_]+$").match  # strictyaml's utils.is_integer, compiled once


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


def _plain(node: Any) -> Any:
    """YAML 1.1 types a few plain scalars (``=`` is a "value" tag); a spec reads them as text."""
    return node.value if isinstance(node, TaggedScalar) else node


def _alternatives(validator: Validator) -> list[Validator]:
    if isinstance(validator, OrValidator):
        return _alternatives(validator._validator_a) + _alternatives(validator._validator_b)
    return [validator]


_EXPECTED: tuple[tuple[type, str], ...] = (
    (Int, "a whole number"),
    (FileMode, "a file mode (octal with a leading 0, e.g. 0644)"),
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
    if isinstance(node, _MAPS):
        return "a mapping"
    if isinstance(node, _SEQS):
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
    if isinstance(validator, FileMode):
        return "write the permission bits in octal, e.g. 0644 or 0400"
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
        """Record a problem at ``loc`` and mark it reported, so later layers stay quiet there."""
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
            and isinstance(node, _CONTAINERS)
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
            if isinstance(node, _MAPS):
                chosen = [v for v in kinds if isinstance(v, MapValidator)]
            elif isinstance(node, _SEQS):
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
        # The common validators, answered as strictyaml answers them without building a chunk
        # and a YAML object per scalar (most of the shape check's time otherwise).
        kind = type(validator)
        if kind is Str:
            return str(node)
        if kind is Enum and type(validator._item_validator) is Str:
            return str(node) if node in validator._restricted_to else _BAD
        if kind is Int:
            try:
                return int(node.replace("_", "")) if _INTEGER(node) else _BAD
            except ValueError:  # int() refuses more than 4300 digits
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
        if not isinstance(node, _MAPS):
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
            empty = value is None or (isinstance(value, str) and not value)
            vpos = kpos if empty else (vline + 1, vcol + 1)
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
        if not isinstance(node, _SEQS):
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
    if not isinstance(tree, _MAPS):
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
