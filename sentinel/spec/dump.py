"""Plain spec data → block-style strictyaml text, the only way a program writes a spec.

The chat ``write_spec`` tool gets JSON arguments shaped by the JSON Schema; they are validated
with the same model as files, then written as text that ``load_spec_text`` reads back to an equal
model. Keys come out in the model's field order (name, namespace, labels, … apply), so generated
specs read like hand-written ones, and serialization goes through strictyaml's own dumper with
``SPEC_SCHEMA``, which quotes whatever would otherwise be read back differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strictyaml
from strictyaml.exceptions import YAMLSerializationError

from sentinel.errors import Problem, SpecError
from sentinel.spec.loader import validate_data
from sentinel.spec.yamlschema import SPEC_SCHEMA


def _prune(data: dict[str, Any]) -> dict[str, Any]:
    # An explicit null means "not set", and empty top-level maps and lists mean the same as
    # leaving the key out; block-style YAML has no way to write either.
    return {k: _drop_none(v) for k, v in data.items()
            if v is not None and not (isinstance(v, dict | list) and not v)}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def dump_spec(data: Mapping[str, Any], *, source: str = "spec") -> str:
    """Validate ``data`` and serialize it as spec text; ``SpecError`` lists what is invalid."""
    model = validate_data(data, source)
    plain = _prune(model.model_dump(by_alias=True, exclude_unset=True, mode="python"))
    try:
        text: str = strictyaml.as_document(plain, SPEC_SCHEMA, label=source).as_yaml()
    except YAMLSerializationError as exc:
        raise SpecError([Problem(source, None, None, "", f"cannot be written as YAML: {exc}",
                                 "report this as a bug with the data that caused it")]) from exc
    return text
