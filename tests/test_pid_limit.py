"""``podResources.limits.pids`` (Kubernetes 1.37, feature gate PerPodPIDLimit): a Pod-wide
process limit, a whole number from 128 to 16384, a limit only (a request is refused), never on a
container — each with its line and hint; rendered into the Pod's ``spec.resources`` and valid for
Kubernetes' schema and both Pod Security profiles; the corpus file that sets one imports without
loss. Hypothesis draws limits (numbers and quantity text) and checks the range rule."""

from __future__ import annotations

from fractions import Fraction
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
from sentinel.spec.quantity import QuantityError, parse_quantity
from sentinel.spec.schema import json_schema

HEAD = "name: app\nimage: busybox:1.36\nrunAsUser: 1000\n"
CORPUS = (Path(__file__).resolve().parent / "corpus" / "kubernetes-website" / "pods"
          / "resource" / "pod-level-pid-limit.yaml")


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


def test_rendered_in_the_pods_resources_and_valid() -> None:
    manifest = render.render(load_spec_text(HEAD + dedent("""\
        podResources:
          limits:
            pids: "4096"
            memory: 1Gi
        """), "t.yaml").model)
    assert manifest["spec"]["resources"] == {"limits": {"memory": "1Gi", "pids": "4096"}}
    assert "resources" not in manifest["spec"]["containers"][0]
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []


def test_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        podResources:
          requests:
            pids: "200"
          limits:
            pids: "1.5"
        sidecars:
          - name: proxy
            image: busybox:1.36
            resources:
              limits:
                pids: "300"
        """)) == [
        ("t.yaml:6:11: podResources.requests.pids: pids can only be limited: Kubernetes forbids "
         "a pids request (hint: move pids to podResources.limits)"),
        ("t.yaml:8:11: podResources.limits.pids: pids limit '1.5' is not a whole number from "
         "128 to 16384 (hint: write a number of processes, e.g. '2048')"),
        ("t.yaml:14:15: sidecars[0].resources.limits.pids: pids is not a container resource: "
         "Kubernetes limits processes per Pod (hint: set podResources.limits.pids instead)"),
    ]


@settings(max_examples=80, deadline=None, database=None)
@given(st.one_of(st.integers(0, 20000).map(str),
                 st.sampled_from(["128", "16384", "127", "16385", "2k", "16Ki", "1e3", "0.5",
                                  "-200", "2048m", "lots"])))
def test_limits_follow_the_range(value: str) -> None:
    try:
        number: Fraction | None = parse_quantity(value)
    except QuantityError:
        number = None
    good = number is not None and number.denominator == 1 and 128 <= number <= 16384
    text = HEAD + f"podResources:\n  limits:\n    pids: '{value}'\n"
    try:
        loaded = load_spec_text(text, "t.yaml")
    except SpecError as err:
        assert not good, [p.format() for p in err.problems]
        assert [p.field for p in err.problems] == ["podResources.limits.pids"]
        return
    assert good, value
    manifest = render.render(loaded.model)
    assert manifest["spec"]["resources"] == {"limits": {"pids": value}}
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)


def test_json_schema() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    assert not list(validator.iter_errors({**base, "podResources": {"limits": {"pids": "2048"}}}))
    assert list(validator.iter_errors({**base, "podResources": {"requests": {"pids": "2048"}}}))
    assert "PerPodPIDLimit" in str(json_schema())


def test_corpus_file_imports_without_loss() -> None:
    (result,) = import_text(CORPUS.read_text(), "pod-level-pid-limit.yaml").pods
    assert not result.lost
    manifest = render.render(load_spec_text(result.text, "spec.yaml").model)
    assert manifest["spec"]["resources"] == {"limits": {"pids": "2048"}}
