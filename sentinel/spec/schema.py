"""The published JSON Schema (draft 2020-12) of a spec file, generated from ``PodSpec``.

It is the contract for people (``sentinel schema``) and the argument schema of the chat
``write_spec`` tool. It is built on first use and cached: generating it costs more than
importing the package should. Pydantic's output is adjusted in three ways: constrained map keys
become ``propertyNames`` (pydantic emits ``patternProperties``, which lets a non-matching key
through unchecked); optional fields do not offer ``null`` (a spec leaves the key out, and
YAML has no null here); and the root gets ``$schema``, ``$id`` and a title.

Cross-field rules (request ≤ limit, named probe ports, unique names) cannot be expressed here;
data that passes the schema must still pass ``load_spec_text``/``validate_data``.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from sentinel.spec.model import PodSpec

SCHEMA_ID = "https://kube-sentinel.dev/schemas/pod-spec.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _tighten(node: Any) -> None:
    """Constrain map keys with ``propertyNames``; leave out ``null`` for optional fields."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            # Optional[X]: a spec leaves the key out rather than writing null.
            rest = [o for o in options if o != {"type": "null"}]
            del node["anyOf"]
            if len(rest) == 1:
                node.update(rest[0])
            else:
                node["anyOf"] = rest
            if node.get("default", 0) is None:
                del node["default"]
        for prop in (node.get("properties") or {}).values():
            if isinstance(prop, dict):
                prop.pop("title", None)  # pydantic's "Containerport"-style titles add nothing
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1 and not node.get("properties"):
            ((pattern, value),) = patterns.items()
            del node["patternProperties"]
            names = node.setdefault("propertyNames", {})
            names["pattern"] = pattern
            node["additionalProperties"] = value
        for child in node.values():
            _tighten(child)
    elif isinstance(node, list):
        for child in node:
            _tighten(child)


@functools.cache
def _build() -> dict[str, Any]:
    schema = PodSpec.model_json_schema(by_alias=True, mode="validation")
    _tighten(schema)
    return {"$schema": DIALECT, "$id": SCHEMA_ID, **schema}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file (a fresh copy the caller may change)."""
    return copy.deepcopy(_build())
