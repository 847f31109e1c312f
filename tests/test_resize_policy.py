"""``resizePolicy`` (in-place resize, per resource) on the main container and on entries of
``containers``/``sidecars``: Kubernetes' shape in the manifest, cpu/memory only, the two restart
policies only, one entry per resource — in the loader, the model and the JSON Schema; imported
from a Pod without loss."""

from __future__ import annotations

from textwrap import dedent

import jsonschema
import kubernetes_validate
import pytest

from sentinel import policy, render
from sentinel.errors import SpecError
from sentinel.importer import import_text
from sentinel.spec import load_spec_text
from sentinel.spec.schema import json_schema

HEAD = "name: app\nimage: busybox:1.36\nrunAsUser: 1000\n"
POLICY = [{"resourceName": "cpu", "restartPolicy": "NotRequired"},
          {"resourceName": "memory", "restartPolicy": "RestartContainer"}]


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def test_rendered_on_each_container_and_valid() -> None:
    loaded = load_spec_text(HEAD + dedent("""\
        resizePolicy:
          - resourceName: cpu
            restartPolicy: NotRequired
          - resourceName: memory
            restartPolicy: RestartContainer
        sidecars:
          - name: proxy
            image: busybox:1.36
            resizePolicy:
              - resourceName: cpu
                restartPolicy: NotRequired
              - resourceName: memory
                restartPolicy: RestartContainer
        """), "t.yaml")
    manifest = render.render(loaded.model)
    assert manifest["spec"]["containers"][0]["resizePolicy"] == POLICY
    assert manifest["spec"]["initContainers"][0]["resizePolicy"] == POLICY
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        resizePolicy:
          - resourceName: cpu
            restartPolicy: NotRequired
          - resourceName: cpu
            restartPolicy: RestartContainer
        containers:
          - name: other
            image: busybox:1.36
            resizePolicy:
              - resourceName: storage
                restartPolicy: Never
        """)) == [
        ("t.yaml:7:19: resizePolicy[1].resourceName: resourceName 'cpu' is listed twice "
         "(hint: keep one entry per resource)"),
        ("t.yaml:13:23: containers[0].resizePolicy[0].resourceName: expected one of cpu, memory, "
         "found 'storage' (hint: use one of cpu, memory)"),
        ("t.yaml:14:24: containers[0].resizePolicy[0].restartPolicy: expected one of "
         "NotRequired, RestartContainer, found 'Never' (hint: use one of NotRequired, "
         "RestartContainer)"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    assert not list(validator.iter_errors({**base, "resizePolicy": POLICY}))
    assert list(validator.iter_errors(
        {**base, "resizePolicy": [{"resourceName": "gpu", "restartPolicy": "NotRequired"}]}))
    assert list(validator.iter_errors({**base, "resizePolicy": []}))


def test_imported_without_loss() -> None:
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          securityContext:
            runAsUser: 1000
          containers:
          - name: app
            image: busybox:1.36
            resizePolicy:
            - resourceName: memory
              restartPolicy: RestartContainer
          - name: two
            image: busybox:1.36
            resizePolicy:
            - resourceName: cpu
              restartPolicy: NotRequired
        """)
    (result,) = import_text(pod, "pod.yaml").pods
    assert not result.lost
    model = load_spec_text(result.text, "spec.yaml").model
    manifest = render.render(model)
    assert manifest["spec"]["containers"][0]["resizePolicy"] == POLICY[1:]
    assert manifest["spec"]["containers"][1]["resizePolicy"] == POLICY[:1]
