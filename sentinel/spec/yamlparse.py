"""The YAML parsing step of the strictyaml layer: text to a ruamel tree, or problems.

strictyaml stops at the first problem. ``parse`` reads the text once with strictyaml's own loader
(which already refuses tags, anchors, duplicate keys and, on the first pass, flow style) and turns
every parser failure into a ``Problem`` with a line, a column and a hint.

A file with flow style (``{}``/``[]``) is parsed a second time with flow style allowed, so the
rest of the file is still checked (by ``sentinel.spec.shape``) and each flow collection is
reported at its own position. Likewise a file with a repeated key is parsed again keeping each
key's first occurrence: every repeat is reported at its own line and the rest is still checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strictyaml import exceptions as sy_exc
from strictyaml import ruamel as sy_ruamel
from strictyaml.parser import StrictYAMLLoader
from strictyaml.ruamel.nodes import MappingNode, ScalarNode

from sentinel.errors import Problem
from sentinel.spec.cparse import fast_tree
from sentinel.spec.fastyaml import SpecYAMLLoader
from sentinel.spec.rules import shown

Pos = tuple[int, int]  # 1-based line, column

FLOW_MESSAGE = "flow style ({...} or [...]) is not allowed"
FLOW_HINT = "write it in block style: one item per line, indented"
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
    those are reported beside everything else (at most three parses, only for such files).

    Ordinary block-style specs take libyaml's fast path (``sentinel.spec.cparse``), which builds
    the same tree; anything it is unsure of is parsed here as before."""
    fast = fast_tree(text)
    if fast is not None:
        return Parsed(fast)
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
                Problem(
                    source,
                    mark.line + 1,
                    mark.column + 1,
                    "",
                    f"duplicate key {shown(key)} found",
                    DUPLICATE_HINT,
                )
                for key, mark in found or ()
            ]
            return Parsed(tree, flow=flow, repeated=dups)
