"""``hostUsers`` (Kubernetes' user-namespace switch): rendered as written, a boolean in the
loader, model and JSON Schema, passes both Pod Security profiles, imported without loss."""

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


@pytest.mark.parametrize("profile", ["restricted", "baseline"])
def test_rendered_and_valid(profile: str) -> None:
    loaded = load_spec_text(HEAD + f"security: {profile}\nhostUsers: false\n", "t.yaml")
    manifest = render.render(loaded.model)
    assert manifest["spec"]["hostUsers"] is False
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, profile) == []
    plain = render.render(load_spec_text(HEAD, "t.yaml").model)
    assert "hostUsers" not in plain["spec"]


def test_not_a_boolean() -> None:
    with pytest.raises(SpecError) as info:
        load_spec_text(HEAD + "hostUsers: no-thanks\n", "t.yaml")
    (problem,) = info.value.problems
    assert problem.format().startswith("t.yaml:4:12: hostUsers:")
    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors({"name": "a", "image": "b", "hostUsers": "false"}))
    assert not list(validator.iter_errors({"name": "a", "image": "b", "hostUsers": False}))


def test_imported_without_loss() -> None:
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          hostUsers: false
          securityContext:
            runAsUser: 1000
          containers:
          - name: app
            image: busybox:1.36
        """)
    (result,) = import_text(pod, "pod.yaml").pods
    assert not result.lost
    assert load_spec_text(result.text, "spec.yaml").model.hostUsers is False
