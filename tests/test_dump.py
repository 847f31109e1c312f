"""dump_spec: plain data → block-style spec text that loads back to the same model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentinel.errors import SpecError
from sentinel.spec import dump_spec, load_spec, load_spec_text, validate_data
from sentinel.spec.quantity import parse_quantity, quantity_text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "samples" / "valid").glob("*.yaml")) + sorted(
    (REPO / "specs").glob("*.yaml")
)


def roundtrip(data: dict[str, Any]) -> str:
    text = dump_spec(data)
    assert load_spec_text(text, "dumped.yaml").model == validate_data(data, "data")
    return text


def test_dump_is_block_style_in_model_order() -> None:
    text = roundtrip(
        {
            "apply": False,
            "image": "nginx:1.27",
            "name": "web",
            "volumes": [{"mountPath": "/tmp", "emptyDir": {}, "name": "tmp"}],
            "labels": {"tier": "web", "version": "1.0"},
            "runAsUser": 101,
            "probes": {"readiness": {"tcp": {"port": 8080}}},
            "resources": {"requests": {"cpu": 0.25}},
        }
    )
    assert text == (
        "name: web\n"
        "labels:\n  tier: web\n  version: 1.0\n"
        "image: nginx:1.27\n"
        "resources:\n  requests:\n    cpu: 0.25\n"
        "probes:\n  readiness:\n    tcp:\n      port: 8080\n"
        "volumes:\n- name: tmp\n  emptyDir:\n  mountPath: /tmp\n"
        "runAsUser: 101\n"
        "apply: false\n"
    )


def test_dump_leaves_out_nulls_and_empty_collections() -> None:
    text = roundtrip(
        {
            "name": "web",
            "image": "nginx",
            "labels": {},
            "ports": [],
            "resources": None,
            "probes": {"liveness": {"exec": {"command": ["true"]}, "periodSeconds": None}},
        }
    )
    assert (
        text == "name: web\nimage: nginx\nprobes:\n  liveness:\n    exec:\n      command:\n"
        "      - true\n"
    )


def test_dump_quotes_what_would_read_back_differently() -> None:
    tricky = [
        "",
        "yes",
        "- item",
        "a: b",
        "#hash",
        "{x}",
        "[y]",
        " lead",
        "trail ",
        "'",
        '"',
        "multi\nline",
        "tab\there",
        "&anchor",
        "*alias",
        "!tag",
        "%",
        "@",
        "`",
        "null",
        "~",
        "=",
        "<<",
        "\n\x08",
        "\ufeffbom",
        "nel\x85",
        "ls\u2028",
        "ps\u2029",
        "cr\r",
        "del\x7f",
        "nul\x00",
        "emoji \U0001f600",
        "trailing \n",
        "\n\nlead",
        "  \n  ",
    ]
    data = {
        "name": "web",
        "image": "nginx",
        "args": tricky,
        "annotations": {f"k{i}": v for i, v in enumerate(tricky)},
    }
    model = load_spec_text(roundtrip(data), "t").model
    assert model.args == tricky


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_round_trips(path: Path) -> None:
    model = load_spec(path).model
    roundtrip(model.model_dump(by_alias=True, exclude_unset=True))


def test_dump_refuses_invalid_data_with_all_problems() -> None:
    with pytest.raises(SpecError) as info:
        dump_spec(
            {"name": "Web", "image": "nginx", "ports": [{"containerPort": 0}]},
            source="chat:web.yaml",
        )
    assert [(p.file, p.field) for p in info.value.problems] == [
        ("chat:web.yaml", "name"),
        ("chat:web.yaml", "ports[0].containerPort"),
    ]


def test_json_numbers_for_extended_resources_and_hugepages_round_trip() -> None:
    """A chat model sends ``nvidia.com/gpu: 1`` as a JSON number (the JSON Schema allows it):
    the model keeps it as quantity text, as it does cpu's, so the dump can write it and the file
    reads back to the same model."""
    text = roundtrip({
        "name": "trainer",
        "image": "nginx:1.27",
        "resources": {"requests": {"nvidia.com/gpu": 1},
                      "limits": {"nvidia.com/gpu": 1, "hugepages-2Mi": 134217728,
                                 "memory": "1Gi"}},
        "podResources": {"limits": {"hugepages-2Mi": 134217728, "memory": "2Gi"}},
    })
    assert "    nvidia.com/gpu: 1\n" in text and "    hugepages-2Mi: 134217728\n" in text
    model = validate_data({"name": "a", "image": "b", "resources": {"limits": {"x.io/y": 2}}}, "d")
    assert model.resources is not None and model.resources.limits is not None
    assert model.resources.limits.model_extra == {"x.io/y": "2"}


def test_empty_maps_and_lists_inside_entries_are_left_out() -> None:
    """``env: {}`` or ``ports: []`` of a sidecar (JSON data) mean "none", as at the top level;
    ``emptyDir: {}`` still means an emptyDir."""
    text = roundtrip({
        "name": "web",
        "image": "nginx:1.27",
        "sidecars": [{"name": "proxy", "image": "envoy", "env": {}, "ports": [],
                      "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    })
    assert text == (
        "name: web\nimage: nginx:1.27\n"
        "volumes:\n- name: tmp\n  emptyDir:\n"
        "sidecars:\n- name: proxy\n  image: envoy\n  volumeMounts:\n  - name: tmp\n"
        "    mountPath: /tmp\n"
    )


# --- property: every valid spec survives dump → load ---------------------------------------------

label = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,12}[a-z0-9])?", fullmatch=True)
subdomain = st.builds(".".join, st.lists(label, min_size=1, max_size=3)).filter(
    lambda s: len(s) <= 253
)
qualified = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?", fullmatch=True)
label_key = st.one_of(qualified, st.builds(lambda p, n: f"{p}/{n}", subdomain, qualified))
label_value = st.one_of(st.just(""), qualified)
text = st.text(st.characters(codec="utf-8"), max_size=30)  # any Unicode but surrogates
image = st.builds(
    lambda repo, tag: repo + tag,
    st.sampled_from(["nginx", "ghcr.io/acme/app", "registry.local:5000/a/b-c", "my_org/x__y"]),
    st.sampled_from(["", ":1.27", ":v2.0-rc.1", ":latest", "@sha256:" + "a" * 64]),
)
env_name = st.from_regex(r"[A-Za-z_][-._A-Za-z0-9]{0,10}", fullmatch=True).filter(
    lambda s: not s.startswith("..")
)
key_ref = st.fixed_dictionaries(
    {"name": subdomain, "key": st.from_regex(r"[a-z][-._a-z0-9]{0,8}", fullmatch=True)},
    optional={"optional": st.booleans()},
)
env_value = st.one_of(
    text,
    st.builds(lambda r: {"secretKeyRef": r}, key_ref),
    st.builds(lambda r: {"configMapKeyRef": r}, key_ref),
)
port_name = st.from_regex(r"[a-z]([a-z0-9]|-[a-z0-9]){0,6}", fullmatch=True)
QUANTITIES: list[str | int | float] = [
    "0",
    "1",
    "100m",
    "0.5",
    "250m",
    "2",
    "64Mi",
    "128Mi",
    "1Gi",
    "500M",
    "1e3",
    "1.5Gi",
    0,
    3,
    0.25,
    1.5,
    2048,
    1e-3,  # JSON numbers, as a chat model may send them
]
abs_path = st.builds(lambda parts: "/" + "/".join(parts), st.lists(label, max_size=3))
rel_path = st.builds("/".join, st.lists(label, min_size=1, max_size=3))


@st.composite
def ports(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(port_name, unique=True, max_size=3))
    numbers = draw(
        st.lists(st.integers(1, 65535), unique=True, min_size=len(names), max_size=len(names))
    )
    out = []
    for name, number in zip(names, numbers, strict=True):
        port: dict[str, Any] = {"name": name, "containerPort": number}
        if draw(st.booleans()):
            port["protocol"] = draw(st.sampled_from(["TCP", "UDP", "SCTP"]))
        out.append(port)
    unnamed: bool = draw(st.booleans())
    if out and unnamed:
        del out[0]["name"]
    return out


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for key in draw(
        st.lists(st.sampled_from(["cpu", "memory", "ephemeral-storage"]), unique=True, max_size=3)
    ):
        a, b = sorted(
            draw(st.lists(st.sampled_from(QUANTITIES), min_size=2, max_size=2)),
            key=lambda q: parse_quantity(str(quantity_text(q))),
        )
        which = draw(st.sampled_from(["both", "requests", "limits"]))
        if which in ("both", "requests"):
            requests[key] = a
        if which in ("both", "limits"):
            limits[key] = b
    out = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out  # may be empty: the caller filters, as an empty map is not a valid spec value


@st.composite
def probe(draw: st.DrawFn, names: list[str], kind: str) -> dict[str, Any]:
    port = draw(st.one_of(st.integers(1, 65535), *([st.sampled_from(names)] if names else [])))
    action = draw(st.sampled_from(["http", "tcp", "exec"]))
    out: dict[str, Any] = {
        "http": {"http": {"path": draw(abs_path), "port": port}},
        "tcp": {"tcp": {"port": port}},
        "exec": {"exec": {"command": draw(st.lists(text, min_size=1, max_size=3))}},
    }[action]
    for field, low in [
        ("initialDelaySeconds", 0),
        ("periodSeconds", 1),
        ("timeoutSeconds", 1),
        ("failureThreshold", 1),
    ]:
        if draw(st.booleans()):
            out[field] = draw(st.integers(low, 2**31 - 1))
    if draw(st.booleans()):
        out["successThreshold"] = 1 if kind != "readiness" else draw(st.integers(1, 10))
    return out


@st.composite
def volumes(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(label, unique=True, max_size=3))
    paths = draw(
        st.lists(
            abs_path.filter(lambda p: p != "/"),
            unique=True,
            min_size=len(names),
            max_size=len(names),
        )
    )
    out = []
    for name, path in zip(names, paths, strict=True):
        source: dict[str, Any] = draw(
            st.sampled_from(
                [
                    {"emptyDir": {}},
                    {"emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
                    {"configMap": {"name": "cfg", "optional": True}},
                    {"secret": {"secretName": "s"}},
                    {"persistentVolumeClaim": {"claimName": "data", "readOnly": False}},
                ]
            )
        )
        volume: dict[str, Any] = {"name": name, **source, "mountPath": path}
        if draw(st.booleans()):
            volume["readOnly"] = draw(st.booleans())
        if draw(st.booleans()):
            volume["subPath"] = draw(rel_path)
        out.append(volume)
    return out


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"name": draw(label), "image": draw(image)}
    port_list = draw(ports())
    names = [p["name"] for p in port_list if "name" in p]
    optional: dict[str, st.SearchStrategy[Any]] = {
        "namespace": label,
        "labels": st.dictionaries(label_key, label_value, max_size=3),
        "annotations": st.dictionaries(label_key, text, max_size=3),
        "imagePullPolicy": st.sampled_from(["Always", "IfNotPresent", "Never"]),
        "command": st.lists(text, min_size=1, max_size=3),
        "args": st.lists(text, min_size=1, max_size=3),
        "workingDir": abs_path,
        "env": st.dictionaries(env_name, env_value, max_size=4),
        "ports": st.just(port_list),
        "resources": resources().filter(bool),
        "probes": st.fixed_dictionaries(
            {}, optional={kind: probe(names, kind) for kind in ("liveness", "readiness", "startup")}
        ).filter(bool),
        "volumes": volumes(),
        "restartPolicy": st.sampled_from(["Always", "OnFailure", "Never"]),
        "serviceAccountName": subdomain,
        "nodeSelector": st.dictionaries(label_key, label_value, max_size=2),
        "security": st.sampled_from(["restricted", "baseline"]),
        "runAsUser": st.integers(1, 2**31 - 1),
        "runAsGroup": st.integers(0, 2**31 - 1),
        "fsGroup": st.integers(0, 2**31 - 1),
        "readOnlyRootFilesystem": st.booleans(),
        "output_path": rel_path.map(lambda p: p + ".yaml"),
        "apply": st.booleans(),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        data[key] = draw(optional[key])
    if "probes" in data and names:
        data["ports"] = port_list  # probes may name these ports
    return data


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(specs())
def test_any_valid_spec_round_trips(data: dict[str, Any]) -> None:
    roundtrip(data)
