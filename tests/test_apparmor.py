"""AppArmor profiles (``appArmorProfile`` of the Pod and of a container's ``securityContext``):
rendered with Kubernetes' shape and accepted by both Pod Security profiles; Localhost needs
``localhostProfile`` and only it may have one; Unconfined is refused (both profiles forbid it);
the JSON Schema knows the types; a Pod with a profile imports without loss."""

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
def test_pod_and_container_profiles_render_and_pass(profile: str) -> None:
    loaded = load_spec_text(HEAD + f"security: {profile}\n" + dedent("""\
        appArmorProfile:
          type: Localhost
          localhostProfile: deny-writes
        securityContext:
          appArmorProfile:
            type: RuntimeDefault
        """), "t.yaml")
    manifest = render.render(loaded.model)
    assert manifest["spec"]["securityContext"]["appArmorProfile"] == {
        "type": "Localhost", "localhostProfile": "deny-writes"}
    container = manifest["spec"]["containers"][0]["securityContext"]
    assert container["appArmorProfile"] == {"type": "RuntimeDefault"}
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, profile) == []


def test_policy_itself_refuses_unconfined() -> None:
    manifest = render.render(load_spec_text(HEAD, "t.yaml").model)
    manifest["spec"]["securityContext"]["appArmorProfile"] = {"type": "Unconfined"}
    assert policy.check(manifest, "baseline")


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        appArmorProfile:
          type: Unconfined
        securityContext:
          appArmorProfile:
            type: RuntimeDefault
            localhostProfile: x
        containers:
          - name: other
            image: busybox:1.36
            securityContext:
              appArmorProfile:
                type: Localhost
        """)) == [
        ("t.yaml:5:9: appArmorProfile.type: AppArmor profile Unconfined is forbidden by both Pod "
        "Security profiles (hint: use RuntimeDefault, or Localhost with the localhostProfile "
        "loaded on the nodes)"),
        ("t.yaml:9:23: securityContext.appArmorProfile.localhostProfile: localhostProfile is only "
        "for type Localhost, not RuntimeDefault (hint: remove localhostProfile or set type: "
        "Localhost)"),
        ("t.yaml:15:9: containers[0].securityContext.appArmorProfile: type Localhost needs "
        "localhostProfile (hint: name the profile loaded on the nodes, e.g. localhostProfile: "
        "k8s-deny-writes)"),
    ]


def test_unknown_type_is_a_shape_error() -> None:
    (problem,) = lines(HEAD + "appArmorProfile:\n  type: Default\n")
    assert problem.startswith("t.yaml:5:9: appArmorProfile.type:")


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    assert not list(validator.iter_errors(
        {**base, "appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}))
    assert list(validator.iter_errors({**base, "appArmorProfile": {"type": "Default"}}))
    assert list(validator.iter_errors({**base, "securityContext": {"appArmorProfile": {}}}))


def test_imported_without_loss() -> None:
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          securityContext:
            runAsUser: 1000
            appArmorProfile:
              type: Localhost
              localhostProfile: deny-writes
          containers:
          - name: app
            image: busybox:1.36
            securityContext:
              appArmorProfile:
                type: RuntimeDefault
        """)
    (result,) = import_text(pod, "pod.yaml").pods
    assert not result.lost
    model = load_spec_text(result.text, "spec.yaml").model
    assert model.appArmorProfile is not None and model.appArmorProfile.type == "Localhost"
    assert model.securityContext is not None
    assert model.securityContext.appArmorProfile is not None
