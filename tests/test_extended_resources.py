"""Extended resources (``nvidia.com/gpu``, any ``domain/name``) and hugepages in ``resources``:
whole numbers, never overcommitted (a request needs a limit and equals it), hugepages beside a
cpu or memory amount, unknown names refused with a suggestion — in the model and the schema."""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import jsonschema
import pytest

from sentinel import render
from sentinel.errors import SpecError
from sentinel.spec import load_spec_text, validate_data
from sentinel.spec.schema import json_schema


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(dedent(text), "t.yaml")
    return [p.format() for p in info.value.problems]


def test_limit_alone_or_equal_request_renders_sorted() -> None:
    loaded = load_spec_text(dedent("""\
        name: app
        image: busybox:1.36
        resources:
          requests:
            memory: 1Gi
            example.com/fpga: 2
          limits:
            example.com/fpga: 2
            nvidia.com/gpu: 1
        """), "t.yaml")
    resources = render.render(loaded.model)["spec"]["containers"][0]["resources"]
    assert resources == {"requests": {"example.com/fpga": "2", "memory": "1Gi"},
                         "limits": {"example.com/fpga": "2", "nvidia.com/gpu": "1"}}


def test_extended_resource_and_hugepages_rules() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        resources:
          requests:
            nvidia.com/gpu: 1
            example.com/fpga: 2
            hugepages-2Mi: 100Mi
            ephemeral_storage: 1Gi
            kubernetes.io/foo: 1
          limits:
            example.com/fpga: 3
            example.com/half: 0.5
            hugepages-2Mi: 100Mi
        """) == [
        (
            "t.yaml:5:21: resources.requests['nvidia.com/gpu']: nvidia.com/gpu has a request but no "
            "limit; it cannot be overcommitted (hint: set limits.nvidia.com/gpu: 1 (or give only "
            "the limit))"
        ),
        (
            "t.yaml:6:23: resources.requests['example.com/fpga']: request 2 of example.com/fpga "
            "differs from its limit 3; it cannot be overcommitted (hint: make the request equal to "
            "the limit (3), or leave the request out)"
        ),
        (
            "t.yaml:8:24: resources.requests.ephemeral_storage: unknown key 'ephemeral_storage' "
            "(hint: did you mean 'ephemeral-storage'?)"
        ),
        (
            "t.yaml:9:24: resources.requests['kubernetes.io/foo']: unknown key 'kubernetes.io/foo' "
            "(hint: use cpu, memory, ephemeral-storage, hugepages-<size> (e.g. hugepages-2Mi) or an "
            "extended resource domain/name such as nvidia.com/gpu)"
        ),
        (
            "t.yaml:12:23: resources.limits['example.com/half']: example.com/half must be a whole "
            "number, not '0.5' (hint: extended resources are counted in whole units, e.g. 1)"
        ),
        (
            "t.yaml:13:20: resources.limits.hugepages-2Mi: hugepages need a cpu or memory request "
            "or limit (hint: add requests or limits for cpu or memory)"
        ),
    ]


def test_containers_have_the_same_rules() -> None:
    assert lines("""\
        name: web
        image: nginx:1.27
        sidecars:
          - name: s
            image: busybox:1.36
            resources:
              requests:
                memory: 1Gi
                nvidia.com/gpu: 1
              limits:
                nvidia.com/gpu: 2
        """) == [
        (
            "t.yaml:9:25: sidecars[0].resources.requests['nvidia.com/gpu']: request 1 of "
            "nvidia.com/gpu differs from its limit 2; it cannot be overcommitted (hint: make the "
            "request equal to the limit (2), or leave the request out)"
        ),
    ]


@pytest.mark.parametrize(
    ("amounts", "ok"),
    [
        ({"limits": {"nvidia.com/gpu": 1}}, True),
        ({"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}, True),
        ({"limits": {"hugepages-1Gi": "2Gi", "memory": "1Gi"}}, True),
        ({"limits": {"gpu": "1"}}, False),
        ({"limits": {"nvidia.com/gpu": "0.5"}}, False),
        ({"limits": {"hugepages-2Mi": "lots"}}, False),
    ],
)
def test_schema_and_model_agree_on_resource_names(amounts: dict[str, Any], ok: bool) -> None:
    data = {"name": "web", "image": "nginx:1.27", "resources": amounts}
    schema_ok = jsonschema.Draft202012Validator(json_schema()).is_valid(data)
    try:
        validate_data(data, "data")
        model_ok = True
    except SpecError:
        model_ok = False
    assert (schema_ok, model_ok) == (ok, ok)
