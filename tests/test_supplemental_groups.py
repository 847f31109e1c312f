"""``supplementalGroups`` and ``supplementalGroupsPolicy`` (Pod-level, Kubernetes
``securityContext``): rendered with Kubernetes' names, GIDs 0-2147483647, policy Merge or Strict,
in the loader, model and JSON Schema; passes both Pod Security profiles; imported without loss."""

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


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


@pytest.mark.parametrize("profile", ["restricted", "baseline"])
def test_rendered_in_the_pod_security_context(profile: str) -> None:
    loaded = load_spec_text(HEAD + f"security: {profile}\n" + dedent("""\
        supplementalGroups:
          - 4000
          - 0
        supplementalGroupsPolicy: Merge
        """), "t.yaml")
    manifest = render.render(loaded.model)
    context = manifest["spec"]["securityContext"]
    assert context["supplementalGroups"] == [4000, 0]
    assert context["supplementalGroupsPolicy"] == "Merge"
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, profile) == []


def test_shape_errors_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        supplementalGroups:
          - 4000
          - x
        supplementalGroupsPolicy: Never
        """)) == [
        ("t.yaml:6:5: supplementalGroups[1]: expected a whole number, found 'x' (hint: write a "
         "whole number, e.g. 8080)"),
        ("t.yaml:7:27: supplementalGroupsPolicy: expected one of Merge, Strict, found 'Never' "
         "(hint: use one of Merge, Strict)"),
    ]


def test_gid_range() -> None:
    assert lines(HEAD + "supplementalGroups:\n  - 2147483648\n") == [
        ("t.yaml:5:5: supplementalGroups[0]: must be ≤ 2147483647, found 2147483648 "
         "(hint: use a value ≤ 2147483647)"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    assert not list(validator.iter_errors(
        {**base, "supplementalGroups": [1, 2], "supplementalGroupsPolicy": "Strict"}))
    for bad in ({"supplementalGroups": [-1]}, {"supplementalGroups": []},
                {"supplementalGroupsPolicy": "strict"}):
        assert list(validator.iter_errors({**base, **bad})), bad


def test_imported_without_loss() -> None:
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          securityContext:
            runAsUser: 1000
            supplementalGroups: [4000, 5000]
            supplementalGroupsPolicy: Strict
          containers:
          - name: app
            image: busybox:1.36
        """)
    (result,) = import_text(pod, "pod.yaml").pods
    assert not result.lost
    model = load_spec_text(result.text, "spec.yaml").model
    assert model.supplementalGroups == [4000, 5000]
    assert model.supplementalGroupsPolicy == "Strict"
