"""Spec files: discovery, loading and validation in layers, collisions, dumping, JSON Schema.

The public API of the spec layer; everything above it (render, pipeline, chat, cli) uses only
these names, and the model classes of ``sentinel.spec.model`` for type hints.
``sentinel.spec.schema.json_schema()`` is imported separately on purpose: building the schema is
only needed by ``sentinel schema`` and the chat tools.
"""

from __future__ import annotations

from sentinel.spec.crossfield import MANAGED_BY_LABEL, MANAGER, NAME_LABEL, PROJECT_LABEL
from sentinel.spec.dump import dump_spec
from sentinel.spec.files import check_collisions, check_files, discover
from sentinel.spec.loader import (
    MAX_SPEC_BYTES,
    LoadedSpec,
    load_spec,
    load_spec_text,
    read_spec_text,
    undecodable_name,
    validate_data,
)
from sentinel.spec.model import PodSpec

__all__ = [
    "MANAGED_BY_LABEL",
    "MANAGER",
    "MAX_SPEC_BYTES",
    "NAME_LABEL",
    "PROJECT_LABEL",
    "LoadedSpec",
    "PodSpec",
    "check_collisions",
    "check_files",
    "discover",
    "dump_spec",
    "load_spec",
    "load_spec_text",
    "read_spec_text",
    "undecodable_name",
    "validate_data",
]
