"""The JSON Schema generated from the model and the strictyaml schema beside it: one contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import strictyaml
from pydantic import ValidationError
from strictyaml.compound import Map, MapPattern, Seq
from strictyaml.scalar import Enum
from strictyaml.validators import OrValidator, Validator

from sentinel.spec import PodSpec
from sentinel.spec.schema import DIALECT, SCHEMA_ID, json_schema
from sentinel.spec.yamlschema import SPEC_SCHEMA

REPO = Path(__file__).resolve().parent.parent
VALID = sorted((REPO / "samples" / "valid").glob("*.yaml")) + sorted(
    (REPO / "specs").glob("*.yaml")
)
INVALID = sorted((REPO / "samples" / "invalid").glob("*.yaml"))


def strict_data(path: Path) -> Any:
    """The file read by plain strictyaml with the real schema (no loader involved)."""
    return strictyaml.load(path.read_text(encoding="utf-8"), SPEC_SCHEMA, label=str(path)).data


def test_schema_header() -> None:
    schema = json_schema()
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "kube-sentinel Pod spec"
    assert schema["required"] == ["name", "image"]
    jsonschema.Draft202012Validator.check_schema(schema)


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node:
            found.append(node)
        for child in node.values():
            found += _objects(child)
    elif isinstance(node, list):
        for child in node:
            found += _objects(child)
    return found


def test_every_object_forbids_unknown_keys_and_every_field_is_described() -> None:
    objects = _objects(json_schema())
    assert len(objects) >= 15
    for obj in objects:
        assert obj["additionalProperties"] is False, obj.get("title")
        for name, prop in obj["properties"].items():
            assert prop.get("description"), f"{obj.get('title')}.{name} has no description"


def test_schema_is_cached_but_callers_get_their_own_copy() -> None:
    first = json_schema()
    first["title"] = "changed"
    assert json_schema()["title"] == "kube-sentinel Pod spec"


def test_schema_is_json() -> None:
    assert json.loads(json.dumps(json_schema())) == json_schema()


@pytest.mark.parametrize("path", VALID, ids=[f"{p.parent.name}/{p.name}" for p in VALID])
def test_valid_specs_pass_strictyaml_jsonschema_and_model(path: Path) -> None:
    data = strict_data(path)
    jsonschema.validate(data, json_schema(), cls=jsonschema.Draft202012Validator)
    PodSpec.model_validate(data)


def _parses_with_strictyaml(path: Path) -> bool:
    try:
        strict_data(path)
    except strictyaml.YAMLError:
        return False
    return True


RULE_INVALID = [p for p in INVALID if _parses_with_strictyaml(p)]


def test_most_invalid_samples_are_rule_errors_not_yaml_errors() -> None:
    assert len(RULE_INVALID) >= 6


@pytest.mark.parametrize("path", RULE_INVALID, ids=[p.name for p in RULE_INVALID])
def test_rule_invalid_samples_fail_the_model(path: Path) -> None:
    with pytest.raises(ValidationError):
        PodSpec.model_validate(strict_data(path))


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"name": "Web"}, "name"),
        ({"colour": "blue"}, ""),
        ({"ports": [{"containerPort": 0}]}, "ports/0/containerPort"),
        ({"ports": [{"containerPort": "80"}]}, "ports/0/containerPort"),
        ({"labels": {"a/b/c": "x"}}, "labels"),
        ({"env": {"1X": "y"}}, "env"),
        ({"env": {"X": {}}}, "env/X"),
        (
            {
                "volumes": [
                    {"name": "a", "mountPath": "/a", "emptyDir": {}, "secret": {"secretName": "s"}}
                ]
            },
            "volumes/0",
        ),
        ({"probes": {"liveness": {"periodSeconds": 3}}}, "probes/liveness"),
        ({"probes": {"liveness": {"tcp": {"port": "HTTP"}}}}, "probes/liveness/tcp/port"),
        ({"resources": {"limits": {"cpu": "lots"}}}, "resources/limits/cpu"),
        ({"resources": {"limits": {"gpu": "1"}}}, "resources/limits"),
        ({"security": "none"}, "security"),
    ],
)
def test_schema_refuses_what_the_model_refuses(patch: dict[str, Any], path: str) -> None:
    data = {"name": "web", "image": "nginx:1", **patch}
    errors = list(jsonschema.Draft202012Validator(json_schema()).iter_errors(data))
    assert errors
    assert any("/".join(map(str, e.absolute_path)) == path for e in errors), errors
    with pytest.raises(ValidationError):
        PodSpec.model_validate(data)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node:  # Optional[X] → anyOf [X, null]
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if len(options) == 1:
            return _resolve(schema, options[0])
    return node


def _same_keys(
    schema: dict[str, Any], yaml: Validator, json_node: dict[str, Any], where: str
) -> int:
    json_node = _resolve(schema, json_node)
    if isinstance(yaml, OrValidator):
        maps = [v for v in (yaml._validator_a, yaml._validator_b) if isinstance(v, Map)]
        if not maps:
            return 0
        yaml = maps[0]
        if "oneOf" in json_node:
            json_node = _resolve(schema, next(o for o in json_node["oneOf"] if "$ref" in o))
    if isinstance(yaml, Map):
        assert set(yaml._validator_dict) == set(json_node["properties"]), where
        assert set(yaml._required_keys) == set(json_node.get("required", [])), where
        return 1 + sum(
            _same_keys(schema, yaml._validator_dict[k], json_node["properties"][k], f"{where}.{k}")
            for k in yaml._validator_dict
        )
    if isinstance(yaml, Seq):
        return _same_keys(schema, yaml._validator, json_node["items"], f"{where}[]")
    if isinstance(yaml, MapPattern) and "patternProperties" in json_node:
        # a resource list: named keys plus patterns, all checked by the model (test_containers);
        # a container's also has ephemeral-storage, the Pod-level one (podResources) has not,
        # and the Pod's limits have pids (a limit only)
        pod = "podResources" in where
        names = {"cpu", "memory"} | ({"ephemeral-storage"} if not pod else set())
        names |= {"pids"} if where.endswith("podResources.limits") else set()
        assert names == set(json_node["properties"]), where
        return 1
    if isinstance(yaml, MapPattern):
        return _same_keys(
            schema, yaml._value_validator, json_node["additionalProperties"], f"{where}.*"
        )
    if isinstance(yaml, Enum):  # the choices are written in both layers: they must agree
        assert yaml._restricted_to == json_node["enum"], where
        return 1
    return 0


def test_strictyaml_schema_and_model_know_the_same_keys() -> None:
    schema = json_schema()
    assert _same_keys(schema, SPEC_SCHEMA, schema, "spec") >= 30  # 26 maps, 4 enums


def test_import_stays_light() -> None:
    code = (
        "import sys, sentinel.spec; "
        "print(sorted(m for m in ('jsonschema', 'openai', 'sentinel.spec.schema') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
