"""Toleration operators ``Gt`` / ``Lt`` (numeric thresholds, alpha in Kubernetes 1.35+): the
operator and its threshold in the loader, the model and the JSON Schema, the admission rule on the
value (a positive whole number without sign or leading zeros, within 64 bits) with its line,
rendering as written, and the corpus file that uses them importing without loss. A hypothesis run
over thresholds checks the rule against its definition."""

from __future__ import annotations

import re
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

HEAD = "name: app\nimage: busybox:1.36\nrunAsUser: 1000\ntolerations:\n"
CORPUS = (Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods"
          / "pod-with-numeric-toleration.yaml")


def spec(operator: str, value: str | None) -> str:
    text = HEAD + f"  - key: example.com/sla\n    operator: {operator}\n"
    if value is not None:
        text += f"    value: {value!r}\n".replace("'", '"') if value else "    value: ''\n"
    return text + "    effect: NoSchedule\n"


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


@pytest.mark.parametrize("operator", ["Gt", "Lt"])
def test_rendered_as_written_and_valid(operator: str) -> None:
    manifest = render.render(load_spec_text(spec(operator, "950"), "t.yaml").model)
    assert manifest["spec"]["tolerations"] == [
        {"key": "example.com/sla", "operator": operator, "value": "950", "effect": "NoSchedule"}]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
          - key: a
            operator: Gt
            value: "5.5"
          - key: b
            operator: Lt
          - operator: Gt
            value: "3"
          - key: c
            operator: gt
            value: "3"
        """)) == [
        ("t.yaml:7:10: tolerations[0].value: operator Gt compares numbers: value must be a "
         "positive whole number without leading zeros, found '5.5' (hint: write the threshold "
         "as a quoted number, e.g. value: '900')"),
        ("t.yaml:9:13: tolerations[1].operator: operator Lt compares numbers: value must be a "
         "positive whole number without leading zeros, found none (hint: write the threshold "
         "as a quoted number, e.g. value: '900')"),
        ("t.yaml:10:13: tolerations[2].operator: a toleration without a key must use operator: "
         "Exists (hint: add a key, or set operator: Exists to tolerate every taint)"),
        ("t.yaml:13:13: tolerations[3].operator: expected one of Exists, Equal, Gt, Lt, found "
         "'gt' (hint: values are case-sensitive: write Gt)"),
    ]


THRESHOLD = re.compile(r"[1-9][0-9]*")


@settings(max_examples=60, deadline=None, database=None)
@given(st.sampled_from(["Gt", "Lt"]),
       st.one_of(st.integers(-10, 2**64).map(str),
                 st.from_regex(r"[0-9+\-.a-z]{1,22}", fullmatch=True),
                 st.integers(1, 10**6).map(lambda n: f"0{n}")))
def test_thresholds_follow_their_definition(operator: str, value: str) -> None:
    good = THRESHOLD.fullmatch(value) is not None and int(value) < 2**63
    try:
        loaded = load_spec_text(spec(operator, value), "t.yaml")
    except SpecError as err:
        assert not good, (value, [p.format() for p in err.problems])
        assert all(p.line is not None and p.hint for p in err.problems)
        return
    assert good, value
    manifest = render.render(loaded.model)
    assert manifest["spec"]["tolerations"][0]["value"] == value
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    good = {"key": "a", "operator": "Lt", "value": "7"}
    assert not list(validator.iter_errors({**base, "tolerations": [good]}))
    assert list(validator.iter_errors({**base, "tolerations": [{**good, "operator": "Ge"}]}))
    assert "TaintTolerationComparisonOperators" in str(json_schema())


def test_corpus_file_imports_without_loss() -> None:
    (result,) = import_text(CORPUS.read_text(), "pod.yaml").pods
    assert not result.lost
    manifest = render.render(load_spec_text(result.text, "spec.yaml").model)
    assert manifest["spec"]["tolerations"] == [{
        "key": "servicelevel.organization.example/agreed-service-level", "operator": "Gt",
        "value": "900", "effect": "NoSchedule"}]
