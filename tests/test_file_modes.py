"""File modes: ``mode`` of a ConfigMap/Secret key or downward-API file, ``defaultMode`` of
configMap, secret and projected volumes (0000-0777), and an ``emptyDir``'s ``mode`` (0000-01777,
alpha). A spec reads them as Kubernetes manifests do (YAML 1.1): a leading 0 is octal, else
decimal; it writes them back in octal. The range rule with its line, the JSON Schema, rendering
(Kubernetes' integers), the dump round trip (hypothesis over the whole range) and the two corpus
files that need them, imported without loss."""

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
from sentinel.spec import dump_spec, load_spec_text
from sentinel.spec.schema import json_schema

HEAD = "name: app\nimage: busybox:1.36\nrunAsUser: 1000\nvolumes:\n"
CORPUS = Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods"


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def volumes(text: str) -> list[dict[str, object]]:
    manifest = render.render(load_spec_text(HEAD + dedent(text), "t.yaml").model)
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    return manifest["spec"]["volumes"]  # type: ignore[no-any-return]


def test_octal_with_a_leading_zero_decimal_without() -> None:
    assert volumes("""\
        - name: a
          secret:
            secretName: s
            defaultMode: 0440
            items:
              - key: k
                path: k
                mode: 256
        - name: b
          configMap:
            name: c
            defaultMode: 0
        - name: c
          emptyDir:
            mode: 01777
          mountPath: /tmp
        - name: d
          downwardAPI:
            items:
              - path: labels
                mode: 0444
                fieldRef:
                  fieldPath: metadata.labels
        """) == [
        {"name": "a", "secret": {"items": [{"key": "k", "path": "k", "mode": 256}],
                                 "secretName": "s", "defaultMode": 0o440}},
        {"name": "b", "configMap": {"name": "c", "defaultMode": 0}},
        {"name": "c", "emptyDir": {"mode": 0o1777}},
        {"name": "d", "downwardAPI": {"items": [
            {"path": "labels", "mode": 0o444, "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    ]


def test_projected_modes() -> None:
    (volume,) = volumes("""\
        - name: p
          projected:
            defaultMode: 0400
            sources:
              - secret:
                  name: s
                  items:
                    - key: k
                      path: k
                      mode: 0600
        """)
    assert volume["projected"] == {"defaultMode": 0o400, "sources": [
        {"secret": {"name": "s", "items": [{"key": "k", "path": "k", "mode": 0o600}]}}]}


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        - name: a
          emptyDir:
            mode: 02000
        - name: b
          configMap:
            name: c
            defaultMode: 0o644
            items:
              - key: k
                path: k
                mode: 1000
        - name: c
          projected:
            sources:
              - configMap:
                  name: c
                  items:
                    - key: k
                      path: k
                      mode: -1
        """)) == [
        ("t.yaml:7:11: volumes[0].emptyDir.mode: mode 02000 (octal; 1024 decimal) is out of "
         "range (hint: use 0000-01777 in octal, e.g. 01777)"),
        ("t.yaml:11:18: volumes[1].configMap.defaultMode: expected a file mode (octal with a "
         "leading 0, e.g. 0644), found '0o644' (hint: write the permission bits in octal, e.g. "
         "0644 or 0400)"),
        ("t.yaml:15:15: volumes[1].configMap.items[0].mode: mode 01750 (octal; 1000 decimal) is "
         "out of range (hint: use 0000-0777 in octal, e.g. 0440)"),
        ("t.yaml:24:21: volumes[2].projected.sources[0].configMap.items[0].mode: expected a file "
         "mode (octal with a leading 0, e.g. 0644), found '-1' (hint: write the permission bits "
         "in octal, e.g. 0644 or 0400)"),
    ]


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}

    def volume(mode: object, empty_dir: object = 0) -> dict[str, object]:
        return {**base, "volumes": [
            {"name": "a", "secret": {"secretName": "s", "defaultMode": mode}},
            {"name": "b", "emptyDir": {"mode": empty_dir}, "mountPath": "/tmp"}]}

    assert not list(validator.iter_errors(volume(0o777, 0o1777)))
    assert list(validator.iter_errors(volume(0o1000)))
    assert list(validator.iter_errors(volume(0o644, 0o2000)))
    assert list(validator.iter_errors(volume("0644")))


@settings(max_examples=80, deadline=None, database=None)
@given(st.integers(-5, 0o2100), st.integers(-5, 0o2100))
def test_modes_round_trip_through_the_writer(file_mode: int, dir_mode: int) -> None:
    data = {"name": "app", "image": "busybox:1.36", "volumes": [
        {"name": "a", "secret": {"secretName": "s", "items": [
            {"key": "k", "path": "k", "mode": file_mode}]}},
        {"name": "b", "emptyDir": {"mode": dir_mode}, "mountPath": "/tmp"}]}
    good = 0 <= file_mode <= 0o777 and 0 <= dir_mode <= 0o1777
    try:
        text = dump_spec(data)
    except SpecError as err:
        assert not good
        assert {p.field for p in err.problems} <= {
            "volumes[0].secret.items[0].mode", "volumes[1].emptyDir.mode"}
        return
    assert good
    assert f"mode: 0{file_mode:o}\n" in text and f"mode: 0{dir_mode:o}\n" in text
    model = load_spec_text(text, "spec.yaml").model
    manifest = render.render(model)
    assert manifest["spec"]["volumes"][0]["secret"]["items"][0]["mode"] == file_mode
    assert manifest["spec"]["volumes"][1]["emptyDir"]["mode"] == dir_mode


@pytest.mark.parametrize(("path", "found"), [
    ("emptydir-volume-mode.yaml", {"emptyDir": {"mode": 0o1777}}),
    ("storage/projected-secrets-nondefault-permission-mode.yaml", None),
])
def test_corpus_files_import_without_loss(path: str, found: dict[str, object] | None) -> None:
    (result,) = import_text((CORPUS / path).read_text(), path).pods
    assert not result.lost
    (volume,) = render.render(load_spec_text(result.text, "spec.yaml").model)["spec"]["volumes"]
    if found is not None:
        assert {k: v for k, v in volume.items() if k != "name"} == found
    else:
        assert volume["projected"]["sources"][1]["secret"]["items"] == [
            {"key": "password", "path": "my-group/my-password", "mode": 511}]
        assert "mode: 0777" in result.text
