"""An emptyDir of huge pages needs its page size requested by the Pod (``podrules.py``).

The kubelet (pkg/volume/emptydir, getPageSizeMountOption) mounts ``medium: HugePages-<size>``
only if some container, init container (so sidecar) or the Pod-level resources request
``hugepages-<size>`` of that size, compared as quantities; plain ``HugePages`` needs exactly one
page size in the Pod. Otherwise the Pod is admitted and its volume never mounts.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from sentinel.errors import SpecError
from sentinel.spec import load_spec_text, validate_data

HEAD = """\
name: dpdk
image: registry.example.com/dataplane/dpdk:1.0
"""
MOUNT = """\
volumes:
  - name: pages
    emptyDir:
      medium: {medium}
    mountPath: /pages
"""


def spec(medium: str, rest: str = "") -> str:
    return HEAD + MOUNT.format(medium=medium) + dedent(rest)


def lines(text: str) -> list[str]:
    """The formatted problems of a spec text (which must be invalid)."""
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    return [p.format() for p in info.value.problems]


MAIN_2MI = """\
resources:
  limits:
    memory: 1Gi
    hugepages-2Mi: 128Mi
"""
MAIN_TWO_SIZES = """\
resources:
  limits:
    memory: 1Gi
    hugepages-2Mi: 128Mi
    hugepages-1Gi: 2Gi
"""


@pytest.mark.parametrize("medium", ["HugePages-2Mi", "HugePages-2048Ki", "HugePages"])
def test_a_requested_size_or_plain_hugepages_with_one_size_loads(medium: str) -> None:
    loaded = load_spec_text(spec(medium, MAIN_2MI), "t.yaml")
    assert loaded.model.volumes[0].emptyDir is not None
    assert loaded.model.volumes[0].emptyDir.medium == medium


def test_a_size_no_container_requests_is_refused_at_the_medium() -> None:
    assert lines(spec("HugePages-1Gi", MAIN_2MI)) == [
        (
            "t.yaml:6:15: volumes[0].emptyDir.medium: HugePages-1Gi needs a container requesting "
            "hugepages-1Gi; none does (the kubelet cannot mount it) (hint: add "
            "resources.requests/limits hugepages-1Gi to the container that mounts it, or use the "
            "size the Pod requests: HugePages-2Mi)"
        )
    ]


def test_a_size_without_any_huge_page_request_is_refused() -> None:
    assert lines(spec("HugePages-2Mi")) == [
        (
            "t.yaml:6:15: volumes[0].emptyDir.medium: HugePages-2Mi needs a container requesting "
            "hugepages-2Mi; none does (the kubelet cannot mount it) (hint: add "
            "resources.requests/limits hugepages-2Mi to the container that mounts it)"
        )
    ]


def test_plain_hugepages_without_a_request_is_refused() -> None:
    assert lines(spec("HugePages")) == [
        (
            "t.yaml:6:15: volumes[0].emptyDir.medium: HugePages needs a container requesting "
            "hugepages-<size>; none does (the kubelet cannot mount it) (hint: add "
            "resources.requests/limits hugepages-<size> (e.g. hugepages-2Mi) to the container that "
            "mounts it)"
        )
    ]


def test_plain_hugepages_with_two_sizes_must_name_the_size() -> None:
    assert lines(spec("HugePages", MAIN_TWO_SIZES)) == [
        (
            "t.yaml:6:15: volumes[0].emptyDir.medium: HugePages needs the Pod to request one huge "
            "page size; it requests hugepages-2Mi and hugepages-1Gi (the kubelet cannot mount it) "
            "(hint: name the size: HugePages-2Mi or HugePages-1Gi)"
        )
    ]


def test_two_sizes_in_two_containers_count_as_two() -> None:
    other = """\
        containers:
          - name: helper
            image: busybox:1.36
            resources:
              limits:
                cpu: 100m
                hugepages-1Gi: 1Gi
        """
    [problem] = lines(spec("HugePages", MAIN_2MI + dedent(other)))
    assert "it requests hugepages-2Mi and hugepages-1Gi" in problem


def test_one_size_spelled_two_ways_is_one_size() -> None:
    other = """\
        containers:
          - name: helper
            image: busybox:1.36
            resources:
              limits:
                cpu: 100m
                hugepages-2048Ki: 64Mi
        """
    load_spec_text(spec("HugePages", MAIN_2MI + dedent(other)), "t.yaml")


@pytest.mark.parametrize("kind", ["sidecars", "initContainers", "containers"])
def test_the_request_of_another_container_counts(kind: str) -> None:
    other = f"""\
        {kind}:
          - name: pager
            image: busybox:1.36
            resources:
              requests:
                memory: 64Mi
                hugepages-1Gi: 1Gi
              limits:
                hugepages-1Gi: 1Gi
            volumeMounts:
              - name: pages
                mountPath: /pages
        """
    for medium in ("HugePages-1Gi", "HugePages"):
        load_spec_text(spec(medium, other), "t.yaml")


def test_a_pod_level_request_counts() -> None:
    pod = """\
        resources:
          limits:
            memory: 1Gi
        podResources:
          limits:
            memory: 2Gi
            hugepages-1Gi: 2Gi
        """
    load_spec_text(spec("HugePages-1Gi", pod), "t.yaml")


def test_a_misspelled_medium_has_only_its_own_error() -> None:
    [problem] = lines(spec("HugePages-0"))
    assert "'HugePages-0' is not a huge page medium" in problem


def test_json_data_gets_the_same_finding() -> None:
    data = {"name": "dpdk", "image": "busybox:1.36",
            "resources": {"limits": {"memory": "1Gi", "hugepages-2Mi": "128Mi"}},
            "volumes": [{"name": "pages", "emptyDir": {"medium": "HugePages-1Gi"},
                         "mountPath": "/pages"}]}
    with pytest.raises(SpecError) as info:
        validate_data(data, "data")
    [problem] = info.value.problems
    assert problem.field == "volumes[0].emptyDir.medium"
    assert problem.message.startswith("HugePages-1Gi needs a container requesting hugepages-1Gi")
