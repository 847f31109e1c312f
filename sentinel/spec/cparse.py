"""A fast path for the strictyaml parse of ordinary specs: libyaml's C parser builds the tree.

Parsing with strictyaml's bundled pure-Python ruamel is most of what loading a spec costs
(``tests/bench/bench_generate.py`` prints the split). Nearly every spec is plain block-style YAML
that both parsers read the same way, so ``fast_tree`` reads the text with PyYAML's libyaml
binding (``yaml.CParser``, already a dependency for dumping manifests) and builds the tree
strictyaml would, in light containers (``FastMap``/``FastSeq``: a dict and a list with ruamel's
``lc`` line/column records, which is all the shape check reads), every scalar as text.

It only answers for text it is sure about. Anything strictyaml treats specially — a parse error,
tags, anchors and aliases, flow style, repeated keys, keys that are not text, merge keys,
directives and explicit document markers, several documents, an empty document or one that is
not a mapping, empty list items, deep nesting, and characters the two parsers read differently
(tabs, carriage returns, Unicode line breaks) — returns ``None``, and the caller parses with
strictyaml, whose errors and positions stay the reference. ``tests/test_cparse.py`` compares the
two trees, positions included, on every spec, sample and corpus file and on mutated specs.
"""

from __future__ import annotations

from typing import Any

import yaml

# Characters libyaml (YAML 1.1) and ruamel (YAML 1.2) do not treat alike, or that change positions.
_DIVERGENT = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")
_MAX_DEPTH = 64  # far deeper than any spec; strictyaml reports runaway nesting itself

# The C binding; a PyYAML built without libyaml simply never takes the fast path.
_CParser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)


class LineCol:
    """ruamel's ``lc`` record of a container: ``data`` maps a key or index to its 0-based
    [line, column(, value line, value column)]."""

    __slots__ = ("data",)

    def __init__(self, data: dict[Any, list[int]]) -> None:
        self.data = data

    def item(self, index: int) -> tuple[int, int]:
        """Line and column of a list item, as ruamel's ``lc.item``."""
        line, column = self.data[index]
        return line, column


class FastMap(dict[str, Any]):
    """A mapping of the tree, as ruamel's ``CommentedMap`` is to the shape check."""

    __slots__ = ("lc",)

    def __init__(self) -> None:
        super().__init__()
        self.lc = LineCol({})


class FastSeq(list[Any]):
    """A list of the tree, as ruamel's ``CommentedSeq`` is to the shape check."""

    __slots__ = ("lc",)

    def __init__(self) -> None:
        super().__init__()
        self.lc = LineCol({})


class _Unsure(Exception):
    """The text uses something only strictyaml's own parser may judge."""


def fast_tree(text: str) -> FastMap | None:
    """The tree strictyaml would build for ``text``, or None when strictyaml must parse it."""
    if _CParser is None or any(ch in text for ch in _DIVERGENT):
        return None
    parser = _CParser(text)
    try:
        return _document(parser)
    except (_Unsure, yaml.YAMLError):
        return None
    finally:
        parser.dispose()


def _document(parser: Any) -> FastMap:
    parser.get_event()  # StreamStart
    start = parser.get_event()
    if not isinstance(start, yaml.DocumentStartEvent) or start.explicit or start.version:
        raise _Unsure  # empty stream, a directive or an explicit '---'
    first = parser.get_event()
    if not isinstance(first, yaml.MappingStartEvent):
        raise _Unsure  # a document that is not a mapping: strictyaml words that error
    tree = _mapping(parser, first, 1)
    end = parser.get_event()
    if not isinstance(end, yaml.DocumentEndEvent) or end.explicit:
        raise _Unsure
    if not isinstance(parser.get_event(), yaml.StreamEndEvent):
        raise _Unsure  # several documents
    return tree


def _check(event: Any) -> None:
    if event.anchor is not None or event.tag is not None:
        raise _Unsure
    if getattr(event, "flow_style", False):
        raise _Unsure


def _node(parser: Any, event: Any, depth: int) -> Any:
    if isinstance(event, yaml.ScalarEvent):
        _check(event)
        if not event.style and event.value == "<<":
            raise _Unsure  # a merge key in ruamel
        return event.value
    if depth > _MAX_DEPTH:
        raise _Unsure
    if isinstance(event, yaml.MappingStartEvent):
        return _mapping(parser, event, depth + 1)
    if isinstance(event, yaml.SequenceStartEvent):
        return _sequence(parser, event, depth + 1)
    raise _Unsure  # an alias


def _mapping(parser: Any, start: Any, depth: int) -> FastMap:
    _check(start)
    out = FastMap()
    lines = out.lc.data
    indent = -1  # the column of this mapping's first map value: strictyaml wants them all alike
    while True:
        key_event = parser.get_event()
        if isinstance(key_event, yaml.MappingEndEvent):
            return out
        if not isinstance(key_event, yaml.ScalarEvent):
            raise _Unsure  # a list or a map as a key
        key = _node(parser, key_event, depth)
        if key in out:
            raise _Unsure  # repeated key: strictyaml reports each one
        value_event: Any = parser.get_event()
        key_mark: Any = key_event.start_mark
        value_mark = value_event.start_mark
        if isinstance(value_event, yaml.MappingStartEvent):
            if indent not in (-1, value_mark.column):
                raise _Unsure  # strictyaml's "mapping with inconsistent indentation"
            indent = value_mark.column
        out[key] = _node(parser, value_event, depth)
        lines[key] = [key_mark.line, key_mark.column, value_mark.line, value_mark.column]


def _sequence(parser: Any, start: Any, depth: int) -> FastSeq:
    _check(start)
    out = FastSeq()
    lines = out.lc.data
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.SequenceEndEvent):
            return out
        if isinstance(event, yaml.ScalarEvent) and event.value == "" and not event.style:
            raise _Unsure  # an empty item: ruamel places it differently
        lines[len(out)] = [event.start_mark.line, event.start_mark.column]
        out.append(_node(parser, event, depth))
