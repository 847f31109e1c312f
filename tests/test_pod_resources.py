"""Pod-level resources (``podResources`` → Kubernetes ``spec.resources``): rendered with
Kubernetes' shape, cpu/memory/hugepages only, request ≤ limit, the containers' requests within
the Pod's (regular containers and sidecars added up, init containers one at a time), no
container limit above the Pod's — in the model and the JSON Schema; imported from a Pod."""

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

HEAD = """\
name: app
image: busybox:1.36
runAsUser: 1000
"""


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(dedent(text), "t.yaml")
    return [p.format() for p in info.value.problems]


def test_rendered_as_spec_resources_and_valid_for_kubernetes_and_both_profiles() -> None:
    loaded = load_spec_text(HEAD + dedent("""\
        podResources:
          limits:
            memory: 1Gi
            cpu: 2
            hugepages-2Mi: 64Mi
          requests:
            cpu: 500m
            hugepages-2Mi: 64Mi
        initContainers:
          - name: setup
            image: busybox:1.36
            resources:
              requests:
                cpu: 500m
        """), "t.yaml")
    manifest = render.render(loaded.model)
    assert manifest["spec"]["resources"] == {
        "requests": {"cpu": "500m", "hugepages-2Mi": "64Mi"},
        "limits": {"cpu": "2", "hugepages-2Mi": "64Mi", "memory": "1Gi"}}
    kubernetes_validate.validate(manifest, kubernetes_validate.latest_version(), strict=True)
    assert policy.check(manifest, "restricted") == []
    assert policy.check(manifest, "baseline") == []
    assert "resources" not in manifest["spec"]["containers"][0]


def test_budget_rules_with_their_lines() -> None:
    assert lines(HEAD + dedent("""\
        resources:
          requests:
            cpu: 300m
          limits:
            memory: 1Gi
        podResources:
          requests:
            cpu: 400m
            memory: 100Mi
          limits:
            memory: 512Mi
        sidecars:
          - name: proxy
            image: busybox:1.36
            resources:
              requests:
                cpu: 200m
        initContainers:
          - name: setup
            image: busybox:1.36
            resources:
              requests:
                memory: 200Mi
              limits:
                memory: 600Mi
        """)) == [
        ("t.yaml:8:13: resources.limits.memory: container 'app': memory limit '1Gi' is above the "
        "Pod's limit '512Mi' (hint: lower it to at most podResources.limits.memory)"),
        ("t.yaml:11:10: podResources.requests.cpu: the containers request 0.5 of cpu in all, more "
        "than the Pod's request '400m' (hint: raise podResources.requests.cpu or lower the "
        "containers' requests)"),
        ("t.yaml:12:13: podResources.requests.memory: the containers request 209715200 of memory "
        "in all, more than the Pod's request '100Mi' (hint: raise podResources.requests.memory "
        "or lower the containers' requests)"),
        ("t.yaml:28:17: initContainers[0].resources.limits.memory: container 'setup': memory limit "
        "'600Mi' is above the Pod's limit '512Mi' (hint: lower it to at most "
        "podResources.limits.memory)"),
    ]


def test_init_containers_count_one_at_a_time() -> None:
    loaded = load_spec_text(HEAD + dedent("""\
        podResources:
          requests:
            cpu: "1"
        initContainers:
          - name: one
            image: busybox:1.36
            resources:
              requests:
                cpu: "1"
          - name: two
            image: busybox:1.36
            resources:
              requests:
                cpu: "1"
        """), "t.yaml")
    assert render.render(loaded.model)["spec"]["resources"] == {"requests": {"cpu": "1"}}


def test_only_cpu_memory_hugepages_and_request_within_limit() -> None:
    problems = lines(HEAD + dedent("""\
        podResources:
          requests:
            cpu: 2
            ephemeral-storage: 1Gi
            nvidia.com/gpu: 1
          limits:
            cpu: 1
        """))
    assert problems == [
        ("t.yaml:6:10: podResources.requests.cpu: request 2 (2) is above the limit 1 (1) (hint: "
        "lower the request or raise limits.cpu to at least 2)"),
        ("t.yaml:7:24: podResources.requests.ephemeral-storage: 'ephemeral-storage' is not a "
        "pod-level resource (hint: pod-level resources are cpu, memory and hugepages-<size>; set "
        "ephemeral-storage on a container's resources)"),
        ("t.yaml:8:21: podResources.requests['nvidia.com/gpu']: 'nvidia.com/gpu' is not a "
        "pod-level resource (hint: pod-level resources are cpu, memory and hugepages-<size>; set "
        "nvidia.com/gpu on a container's resources)"),
        ("t.yaml:8:21: podResources.requests['nvidia.com/gpu']: nvidia.com/gpu has a request but "
        "no limit; it cannot be overcommitted (hint: set limits.nvidia.com/gpu: 1 (or give only "
        "the limit))"),
    ]


def test_json_schema_allows_exactly_the_pod_level_names() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    base = {"name": "app", "image": "busybox:1.36"}
    good = {**base, "podResources": {"limits": {"cpu": "1", "hugepages-1Gi": "2Gi"}}}
    assert list(validator.iter_errors(good)) == []
    for bad in ({"ephemeral-storage": "1Gi"}, {"nvidia.com/gpu": 1}, {}):
        data = {**base, "podResources": {"requests": bad}}
        assert list(validator.iter_errors(data)), bad
    node = json_schema()["properties"]["podResources"]
    assert "Kubernetes spec.resources" in node["description"]


def test_imported_from_a_pod_and_rendered_back() -> None:
    pod = dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: app
        spec:
          securityContext:
            runAsUser: 1000
          resources:
            requests:
              cpu: 0.5
            limits:
              memory: 200Mi
          containers:
          - name: app
            image: busybox:1.36
        """)
    (result,) = import_text(pod, "pod.yaml").pods
    assert not result.lost
    assert "podResources:\n  requests:\n    cpu: 0.5\n  limits:\n    memory: 200Mi\n" in result.text
    loaded = load_spec_text(result.text, "spec.yaml")
    assert render.render(loaded.model)["spec"]["resources"] == {
        "requests": {"cpu": "0.5"}, "limits": {"memory": "200Mi"}}
