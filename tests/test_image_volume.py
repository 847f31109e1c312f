"""``image`` volumes (an OCI image's or artifact's files, read-only; Kubernetes 1.33+): the
reference checked like a container image and required, the pull policy, rendering as written for
the main container's mount and a sidecar's subPath mount, Pod Security (restricted allows image
volumes since 1.33, as pod-security-admission's check_restrictedVolumes does), the JSON Schema,
and the two corpus files that use one, imported without loss. Hypothesis draws references and
checks that whatever loads also renders a manifest Kubernetes' schema accepts."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import jsonschema
import kubernetes_validate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sentinel import policy, render
from sentinel.errors import SpecError
from sentinel.importer import import_text
from sentinel.spec import load_spec_text
from sentinel.spec.schema import json_schema

HEAD = "name: app\nimage: busybox:1.36\nrunAsUser: 1000\nvolumes:\n"
CORPUS = Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods"


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def test_rendered_mounted_and_allowed_by_both_profiles() -> None:
    manifest = render.render(load_spec_text(HEAD + dedent("""\
          - name: model
            image:
              reference: ghcr.io/example/model@sha256:DIGEST
              pullPolicy: Never
            mountPath: /model
            subPath: weights
        """).replace("DIGEST", "0123456789abcdef" * 4), "t.yaml").model)
    assert manifest["spec"]["volumes"] == [{"name": "model", "image": {
        "reference": "ghcr.io/example/model@sha256:" + "0123456789abcdef" * 4,
        "pullPolicy": "Never"}}]
    assert manifest["spec"]["containers"][0]["volumeMounts"] == [
        {"name": "model", "mountPath": "/model", "subPath": "weights"}]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []


def test_restricted_allows_image_but_not_other_node_or_network_volumes() -> None:
    assert "image" in policy.RESTRICTED_VOLUME_TYPES
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "c", "image": "busybox:1.36", "securityContext": {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
        "volumes": [{"name": "a", "image": {"reference": "busybox:1.36"}},
                    {"name": "b", "nfs": {"server": "x", "path": "/"}}]}}
    found = policy.check(pod, "restricted")
    assert [v[0] for v in found] == ["spec.volumes[1].nfs"]


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        - name: a
          image:
            reference: Busybox
          mountPath: /a
        - name: b
          image:
            reference: busybox:1.36
            pullPolicy: always
          mountPath: /b
        - name: c
          image:
            pullPolicy: Never
          mountPath: /c
        - name: d
          image:
            reference: busybox:1.36
          emptyDir:
          mountPath: /d
        """)) == [
        ("t.yaml:7:16: volumes[0].image.reference: 'Busybox' has uppercase letters in the "
         "repository name (hint: repository names are lowercase: 'busybox')"),
        ("t.yaml:12:17: volumes[1].image.pullPolicy: expected one of Always, IfNotPresent, "
         "Never, found 'always' (hint: values are case-sensitive: write Always)"),
        ("t.yaml:15:3: volumes[2].image.reference: required key 'reference' is missing (hint: "
         "add 'reference: ...' under volumes[2].image)"),
        ("t.yaml:18:3: volumes[3]: a volume needs exactly one of emptyDir, configMap, secret, "
         "persistentVolumeClaim, downwardAPI, projected, ephemeral, image, hostPath (found: "
         "emptyDir, image) (hint: keep exactly one of emptyDir, configMap, secret, "
         "persistentVolumeClaim, downwardAPI, projected, ephemeral, image, hostPath)"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}

    def spec(source: object) -> dict[str, object]:
        return {**base, "volumes": [{"name": "m", "image": source, "mountPath": "/m"}]}

    assert not list(validator.iter_errors(spec({"reference": "busybox:1.36"})))
    assert list(validator.iter_errors(spec({"pullPolicy": "Never"})))
    assert list(validator.iter_errors(spec({"reference": "busybox", "pullPolicy": "Sometimes"})))


@settings(max_examples=60, deadline=None, database=None)
@given(st.from_regex(r"[a-zA-Z0-9./:_@-]{1,40}", fullmatch=True),
       st.sampled_from([None, "Always", "IfNotPresent", "Never", "never"]))
def test_drawn_references_load_and_validate_or_say_why(reference: str, pull: str | None) -> None:
    text = HEAD + f"  - name: m\n    image:\n      reference: '{reference}'\n"
    text += f"      pullPolicy: {pull}\n" if pull else ""
    text += "    mountPath: /m\n"
    try:
        loaded = load_spec_text(text, "t.yaml")
    except SpecError as err:
        assert all(p.line is not None and p.hint for p in err.problems)
        assert all(p.field.startswith("volumes[0].image.") for p in err.problems), err.problems
        return
    assert pull != "never"
    manifest = render.render(loaded.model)
    assert manifest["spec"]["volumes"][0]["image"]["reference"] == reference
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)


@pytest.mark.parametrize("name", ["image-volumes.yaml", "image-volumes-subpath.yaml"])
def test_corpus_files_import_without_loss(name: str) -> None:
    (result,) = import_text((CORPUS / name).read_text(), name).pods
    assert not result.lost
    manifest = render.render(load_spec_text(result.text, "spec.yaml").model)
    assert manifest["spec"]["volumes"] == [{"name": "volume", "image": {
        "reference": "quay.io/crio/artifact:v2", "pullPolicy": "IfNotPresent"}}]
    (mount,) = manifest["spec"]["containers"][0]["volumeMounts"]
    assert mount["mountPath"] == "/volume"
    assert mount.get("subPath") == ("dir" if "subpath" in name else None)
