"""Certificates in projected volumes: ``clusterTrustBundle`` (trust anchors by bundle name, or by
signerName with an optional labelSelector) and ``podCertificate`` (a key the kubelet generates and
a certificate a signer issues for the Pod). Kubernetes' shapes and admission rules (exactly one of
name / signerName, a labelSelector only with signerName, at least one file for a Pod certificate,
key types, a 1 hour to 91 days lifetime, file paths unique across the volume) with their lines,
the JSON Schema, rendering, both Pod Security profiles, and the two corpus files that use them,
imported without loss. Hypothesis draws trust-bundle selectors and checks the rule against its
definition and the rendered manifest against Kubernetes' schema."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

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

HEAD = dedent("""\
    name: app
    image: busybox:1.36
    runAsUser: 1000
    volumes:
      - name: tls
        mountPath: /etc/tls
        projected:
          sources:
    """)
CORPUS = Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods" / "storage"


def spec(sources: str) -> str:
    return HEAD + indent(dedent(sources), " " * 8)


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def test_rendered_as_kubernetes_writes_them_and_allowed_by_both_profiles() -> None:
    manifest = render.render(load_spec_text(spec("""\
        - clusterTrustBundle:
            name: example:roots:live
            path: roots.pem
        - clusterTrustBundle:
            signerName: example.com/roots
            labelSelector:
              matchExpressions:
                - key: trust
                  operator: In
                  values:
                    - live
            optional: true
            path: signer.pem
        - podCertificate:
            signerName: example.com/issuer
            keyType: RSA3072
            keyPath: key.pem
            certificateChainPath: chain.pem
        """), "t.yaml").model)
    assert manifest["spec"]["volumes"][0]["projected"]["sources"] == [
        {"clusterTrustBundle": {"path": "roots.pem", "name": "example:roots:live"}},
        {"clusterTrustBundle": {"path": "signer.pem", "signerName": "example.com/roots",
                                "labelSelector": {"matchExpressions": [
                                    {"key": "trust", "operator": "In", "values": ["live"]}]},
                                "optional": True}},
        {"podCertificate": {"signerName": "example.com/issuer", "keyType": "RSA3072",
                            "keyPath": "key.pem", "certificateChainPath": "chain.pem"}},
    ]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []


def test_rules_with_their_lines() -> None:
    assert lines(spec("""\
        - clusterTrustBundle:
            path: a.pem
        - clusterTrustBundle:
            signerName: example.com/roots
            path: ../b.pem
        - podCertificate:
            signerName: example.com/issuer
            keyType: ED25519
            credentialBundlePath: a.pem
            maxExpirationSeconds: 7862401
        - podCertificate:
            signerName: Example.com/issuer
            keyType: ECDSAP384
            keyPath: k.pem
        """)) == [
        ("t.yaml:10:13: volumes[0].projected.sources[0].clusterTrustBundle: a clusterTrustBundle "
         "source needs exactly one of name, signerName (found: none) (hint: keep exactly one of "
         "name, signerName)"),
        ("t.yaml:13:19: volumes[0].projected.sources[1].clusterTrustBundle.path: '../b.pem' "
         "must not contain '..' (hint: use a relative path below the folder, e.g. "
         "'conf/app.yaml')"),
        ("t.yaml:17:35: volumes[0].projected.sources[2].podCertificate.credentialBundlePath: "
         "path 'a.pem' is used by another source of this volume (hint: give each file of the "
         "volume its own path)"),
        ("t.yaml:18:35: volumes[0].projected.sources[2].podCertificate.maxExpirationSeconds: "
         "must be ≤ 7862400, found 7862401 (hint: use a value ≤ 7862400)"),
        ("t.yaml:20:25: volumes[0].projected.sources[3].podCertificate.signerName: signer name "
         "prefix 'Example.com' is not a valid DNS-1123 subdomain (hint: write domain/name, e.g. "
         "example.com/my-signer)"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())

    def data(source: dict[str, object]) -> dict[str, object]:
        return {"name": "app", "image": "busybox:1.36", "volumes": [
            {"name": "tls", "mountPath": "/tls", "projected": {"sources": [source]}}]}

    cert = {"signerName": "example.com/x", "keyType": "ED25519", "keyPath": "k"}
    assert not list(validator.iter_errors(data({"podCertificate": cert})))
    assert list(validator.iter_errors(data({"podCertificate": {**cert, "keyType": "DSA"}})))
    assert list(validator.iter_errors(data({"podCertificate": {**cert,
                                                               "maxExpirationSeconds": 60}})))
    bundle = {"path": "roots.pem", "name": "roots"}
    assert not list(validator.iter_errors(data({"clusterTrustBundle": bundle})))
    assert list(validator.iter_errors(data({"clusterTrustBundle": {
        **bundle, "signerName": "example.com/x"}})))
    assert list(validator.iter_errors(data({"clusterTrustBundle": {"name": "roots"}})))


@settings(max_examples=60, deadline=None, database=None)
@given(st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_trust_bundle_selectors_follow_their_rule(
    name: bool, signer: bool, selector: bool, optional: bool
) -> None:
    text = "- clusterTrustBundle:\n    path: roots.pem\n"
    text += "    name: roots\n" if name else ""
    text += "    signerName: example.com/roots\n" if signer else ""
    text += "    labelSelector:\n      matchLabels:\n        trust: live\n" if selector else ""
    text += "    optional: true\n" if optional else ""
    good = name != signer and not (selector and name)
    try:
        loaded = load_spec_text(spec(text), "t.yaml")
    except SpecError as err:
        assert not good
        assert all(p.field.startswith("volumes[0].projected.sources[0].clusterTrustBundle")
                   and p.line is not None for p in err.problems)
        return
    assert good
    manifest = render.render(loaded.model)
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)


@pytest.mark.parametrize("name", ["projected-clustertrustbundle.yaml",
                                  "projected-podcertificate.yaml"])
def test_corpus_files_import_without_loss(name: str) -> None:
    (result,) = import_text((CORPUS / name).read_text(), name).pods
    assert not result.lost
    manifest = render.render(load_spec_text(result.text, "spec.yaml").model)
    sources = manifest["spec"]["volumes"][0]["projected"]["sources"]
    if "podcertificate" in name:
        assert sources == [{"podCertificate": {
            "signerName": "coolcert.example.com/foo", "keyType": "ED25519",
            "credentialBundlePath": "credentialbundle.pem", "userAnnotations": {
                "example.com/annotation1": "value1", "example.com/annotation2": "value2"}}}]
        assert manifest["spec"]["volumes"][0]["projected"]["defaultMode"] == 0o644
    else:
        assert [s["clusterTrustBundle"]["path"] for s in sources] == [
            "example-roots.pem", "mysigner-roots.pem"]
