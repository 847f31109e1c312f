"""Fuzzing the loader: whatever bytes or text it is given, it either loads or raises SpecError.

Random bytes, random text, YAML-flavoured noise and mutations of the valid specs (lines deleted,
duplicated, swapped, re-indented, values replaced, characters inserted) must never surface any
other exception, and every problem must point inside the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.errors import SpecError
from sentinel.spec import LoadedSpec, load_spec, load_spec_text

REPO = Path(__file__).resolve().parent.parent
VALID_TEXTS = [
    p.read_text(encoding="utf-8")
    for p in sorted((REPO / "samples" / "valid").glob("*.yaml"))
    + sorted((REPO / "specs").glob("*.yaml"))
]
FUZZ = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check_text(text: str) -> None:
    """Load ``text``; only SpecError may escape, and problems must point at real lines."""
    try:
        loaded = load_spec_text(text, "fuzz.yaml")
    except SpecError as exc:
        assert exc.problems
        lines = text.count("\n") + 2  # a problem may point just past the last line
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml"
            assert problem.line is None or 1 <= problem.line <= lines, problem
            assert problem.column is None or problem.column >= 1, problem
            assert problem.message and problem.hint, problem
            problem.format()
    else:
        assert isinstance(loaded, LoadedSpec)


def test_valid_texts_exist() -> None:
    assert len(VALID_TEXTS) >= 10
    for text in VALID_TEXTS:
        load_spec_text(text, "valid.yaml")


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "spec.yaml"


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(fuzz_file: Path, data: bytes) -> None:
    fuzz_file.write_bytes(data)
    try:
        load_spec(fuzz_file)
    except SpecError as exc:
        assert exc.problems and all(p.file == str(fuzz_file) for p in exc.problems)


@FUZZ
@given(st.text(max_size=500))
def test_random_text(text: str) -> None:
    check_text(text)


YAML_BITS = st.sampled_from(
    [
        "name",
        "image",
        "ports",
        "- ",
        ": ",
        ":",
        "\n",
        "\n  ",
        "\n    ",
        "  ",
        "{",
        "}",
        "[",
        "]",
        "&a",
        "*a",
        "!!str",
        "!x",
        "#",
        "|",
        ">",
        "'",
        '"',
        "?",
        ",",
        "%YAML 1.2",
        "---",
        "...",
        "<<",
        "=",
        "~",
        "null",
        "yes",
        "0x1",
        "1e3",
        "\t",
        "\r\n",
        "\ufeff",
        "\x85",
        "\u2028",
        "é",
        "emptyDir",
        "containerPort",
        "resources",
        "requests",
        "cpu",
        "100m",
        "probes",
        "http",
        "runAsUser",
        "9" * 5000,
        "1e999999",
        "-0",
        "+1",
        "0o17",
        "1_000",
        "tolerations",
        "operator: Gt",
        "operator: Lt",
        "value: '900'",
        "mode: 0644",
        "defaultMode: 01777",
        "0800",
        "image:",
        "reference: ",
        "pullPolicy: Never",
        "volumeMounts",
        "subPath: x",
        "clusterTrustBundle",
        "podCertificate",
        "signerName: example.com/x",
        "keyType: ED25519",
        "podResources",
        "pids: '2048'",
        # the Pod surface beyond one container: keys, and values their rules look at
        "containerName",
        "initContainers",
        "sidecars",
        "containers",
        "- name: side",
        "envFrom",
        "configMapRef",
        "secretRef",
        "prefix: APP_",
        "fieldRef",
        "fieldPath: status.podIP",
        "resourceFieldRef",
        "resource: limits.cpu",
        "divisor: 1m",
        "lifecycle",
        "postStart",
        "preStop",
        "sleep",
        "seconds: 40",
        "httpGet",
        "httpHeaders",
        "grpc",
        "service",
        "securityContext",
        "capabilities",
        "NET_BIND_SERVICE",
        "terminationGracePeriodSeconds",
        "activeDeadlineSeconds",
        "imagePullSecrets",
        "priorityClassName",
        "affinity",
        "nodeAffinity",
        "podAntiAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution",
        "preferredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
        "matchExpressions",
        "labelSelector",
        "topologyKey",
        "weight: 0",
        "operator: In",
        "values",
        "topologySpreadConstraints",
        "maxSkew",
        "whenUnsatisfiable: DoNotSchedule",
        "minDomains",
        "schedulingGates",
        "hostAliases",
        "ip: 10.0.0.1",
        "hostnames",
        "dnsPolicy: None",
        "dnsConfig",
        "nameservers",
        "searches",
        "downwardAPI",
        "projected",
        "sources",
        "serviceAccountToken",
        "expirationSeconds: 599",
        "ephemeral",
        "volumeClaimTemplate",
        "accessModes",
        "storage: 1Gi",
        "medium: HugePages-2Mi",
        "medium: HugePages",
        "hugepages-2Mi",
        "nvidia.com/gpu",
    ]
)


@FUZZ
@given(st.lists(YAML_BITS, max_size=60).map("".join))
def test_yaml_flavoured_noise(text: str) -> None:
    check_text(text)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(VALID_TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "indent", "dedent", "value", "insert", "key"]
            )
        )
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        elif action == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
        elif action == "dedent":
            lines[i] = lines[i].lstrip()
        elif action == "value" and ": " in lines[i]:
            head = lines[i].split(": ", 1)[0]
            lines[i] = f"{head}: {draw(st.text(max_size=20))}"
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(max_size=5)) + lines[i][at:]
        elif action == "key" and ":" in lines[i]:
            indent = len(lines[i]) - len(lines[i].lstrip())
            rest = lines[i].split(":", 1)[1]
            key = draw(st.text(st.characters(codec="ascii"), min_size=1, max_size=12))
            lines[i] = " " * indent + key + ":" + rest
    return "\n".join(lines) + "\n"


@FUZZ
@given(mutated())
def test_mutated_valid_specs(text: str) -> None:
    check_text(text)
