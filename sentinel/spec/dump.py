"""Plain spec data → block-style strictyaml text, the only way a program writes a spec.

The chat ``write_spec`` tool gets JSON arguments shaped by the JSON Schema; they are validated
with the same model as files, then written as text that ``load_spec_text`` reads back to an equal
model. Keys come out in the model's field order (name, namespace, labels, … apply), so generated
specs read like hand-written ones, and serialization goes through strictyaml's own dumper with
``SPEC_SCHEMA``, which quotes whatever would otherwise be read back differently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import strictyaml
from strictyaml import ruamel as sy_ruamel
from strictyaml.dumper import StrictYAMLDumper
from strictyaml.exceptions import YAMLSerializationError
from strictyaml.ruamel.scalarstring import DoubleQuotedScalarString

from sentinel.errors import Problem, SpecError
from sentinel.spec.loader import validate_data
from sentinel.spec.yamlschema import SPEC_SCHEMA


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    # An explicit null means "not set", and so do empty maps and lists (a container's env: {}
    # from JSON data); block-style YAML has no way to write either. `emptyDir: {}` is the one
    # empty map that says something, and strictyaml writes it (`emptyDir:` with no value).
    pruned: dict[str, Any] = _drop_none(data)
    return pruned


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _drop_none(item)
            if item is None or (isinstance(item, dict | list) and not item and key != "emptyDir"):
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def dump_spec(data: Mapping[str, Any], *, source: str = "spec") -> str:
    """Validate ``data`` and serialize it as spec text; ``SpecError`` lists what is invalid."""
    model = validate_data(data, source)
    plain = _prune(model.model_dump(by_alias=True, exclude_unset=True, mode="python"))
    try:
        tree = strictyaml.as_document(plain, SPEC_SCHEMA, label=source).as_marked_up()
    except YAMLSerializationError as exc:
        raise SpecError(
            [
                Problem(
                    source,
                    None,
                    None,
                    "",
                    f"cannot be written as YAML: {exc}",
                    "report this as a bug with the data that caused it",
                )
            ]
        ) from exc
    text: str = sy_ruamel.dump(_quote_breaks(tree), Dumper=StrictYAMLDumper, allow_unicode=True)
    return text


# Strings holding characters YAML may not carry raw (control characters, a BOM), or line breaks
# other than "\n" (folded when read back from plain, quoted or block text), are written
# double-quoted, where every such character becomes an escape. ruamel's own choice of style
# misses some of these (e.g. "\n\x08" comes out as a literal block).
# Compiled on first use: the character ranges cost ~3 ms, which `sentinel validate` never needs.
@functools.cache
def _needs_escapes() -> re.Pattern[str]:
    return re.compile(
        "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    )


def _quote_breaks(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _quote_breaks(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            node[i] = _quote_breaks(value)
    elif isinstance(node, str) and _needs_escapes().search(node):
        return DoubleQuotedScalarString(node)
    return node
