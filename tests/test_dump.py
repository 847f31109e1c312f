"""dump_spec: plain data → block-style spec text that loads back to the same model."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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
#
# ``specs()`` draws valid specs over the whole spec surface: the main container's keys, further
# containers, init containers and sidecars (names and ports unique across the Pod, probes and
# hooks only where allowed, named ports their own), scheduling (tolerations, affinity, spreading,
# priority, gates, pull secrets, host aliases, DNS), lifecycle hooks within the grace period,
# envFrom and downward-API env, downwardAPI / projected / ephemeral volumes and huge-page
# emptyDirs (their page size requested), extended resources and hugepages. Each draw keeps to the rules, so every example
# must load, dump and load back to the same model. Random specs set about a quarter of the
# optional keys; ``specs(full=True)`` sets every key, with every volume kind and every kind of
# container, probe and hook (hypothesis favours early choices deep inside a composite, so a rare
# branch may go untried in one run; the full specs try each every time).

LOWER, UPPER, DIGITS = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
ALNUM = LOWER + UPPER + DIGITS


def ends_inside(edge: str, inner: str, most: int) -> st.SearchStrategy[str]:
    """``edge`` chars at both ends, ``inner`` ones between: like ``[e]([ie]{0,most}[e])?``.

    Built from text() rather than from_regex(), which cost most of the generation time."""
    one = st.sampled_from(edge)
    return st.one_of(one, st.builds(lambda a, b, c: a + b + c, one,
                                    st.text(st.sampled_from(inner), max_size=most), one))


def then(first: str, rest: str, most: int) -> st.SearchStrategy[str]:
    """One of ``first``, then up to ``most`` of ``rest``."""
    return st.builds(lambda a, b: a + b, st.sampled_from(first),
                     st.text(st.sampled_from(rest), max_size=most))


label = ends_inside(LOWER + DIGITS, LOWER + DIGITS + "-", 12)
subdomain = st.builds(".".join, st.lists(label, min_size=1, max_size=3))  # ≤ 44 < 253
qualified = ends_inside(ALNUM, ALNUM + "-_.", 10)
label_key = st.one_of(qualified, st.builds(lambda p, n: f"{p}/{n}", subdomain, qualified))
label_value = st.one_of(st.just(""), qualified)
text = st.text(st.characters(codec="utf-8"), max_size=30)  # any Unicode but surrogates
image = st.builds(
    lambda repo, tag: repo + tag,
    st.sampled_from(("nginx", "ghcr.io/acme/app", "registry.local:5000/a/b-c", "my_org/x__y")),
    st.sampled_from(("", ":1.27", ":v2.0-rc.1", ":latest", "@sha256:" + "a" * 64)),
)
env_name = then(LOWER + UPPER + "_", ALNUM + "-._", 10)
key_ref = st.fixed_dictionaries(
    {"name": subdomain, "key": then(LOWER, LOWER + DIGITS + "-._", 8)},
    optional={"optional": st.booleans()},
)
# IANA service names: a letter, then letters, digits or '-' + one of them (no '--', no '-' last)
port_name = st.builds(lambda a, rest: a + "".join(rest), st.sampled_from(LOWER), st.lists(
    st.one_of(st.sampled_from(LOWER + DIGITS), st.sampled_from(LOWER + DIGITS).map("-".__add__)),
    max_size=6))
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
mount_path = abs_path.filter(lambda p: p != "/")
rel_path = st.builds("/".join, st.lists(label, min_size=1, max_size=3))
ip = st.ip_addresses().map(str)


@st.composite
def some_of(draw: st.DrawFn, options: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """A map with at least one of ``options``' keys (no filter(bool): a retried filter makes
    hypothesis print the strategy, which for the affinity ones is tens of kB)."""
    keys = draw(st.lists(st.sampled_from(tuple(sorted(options))), unique=True, min_size=1))
    return {key: draw(options[key]) for key in sorted(keys)}


def every(options: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(options)


# --- env ---

# Downward API: a Pod field, or a request/limit with a divisor that fits its unit.
field_ref = st.sampled_from(
    ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
     "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
     "status.podIPs", "metadata.labels['app']", "metadata.annotations['example.com/owner']"]
).map(lambda path: {"fieldRef": {"fieldPath": path}})
RESOURCE_REFS = [("limits.cpu", "1m"), ("requests.cpu", None), ("requests.cpu", "1"),
                 ("limits.memory", "1Mi"), ("requests.memory", None),
                 ("limits.ephemeral-storage", "1Gi")]


def resource_ref(resource: str, divisor: str | None, container: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"resource": resource}
    if container is not None:
        ref["containerName"] = container
    if divisor is not None:
        ref["divisor"] = divisor
    return {"resourceFieldRef": ref}


resource_field_ref = st.sampled_from(RESOURCE_REFS).map(lambda rd: resource_ref(*rd))  # its own
env_value = st.one_of(
    text,
    st.builds(lambda r: {"secretKeyRef": r}, key_ref),
    st.builds(lambda r: {"configMapKeyRef": r}, key_ref),
    field_ref,
    resource_field_ref,
)


@functools.cache  # a strategy built once is validated once (built per draw: most of the time)
def env(full: bool) -> st.SearchStrategy[dict[str, Any]]:
    if not full:
        return st.dictionaries(env_name, env_value, max_size=4)
    return st.builds(lambda rest, pod, cpu: {**rest, "POD_FIELD": pod, "OWN_RESOURCE": cpu},
                     st.dictionaries(env_name, env_value, max_size=2), field_ref,
                     resource_field_ref)


@functools.cache
def env_from(full: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    source = st.one_of(
        st.builds(lambda n: {"configMapRef": {"name": n}}, subdomain),
        st.builds(lambda n, o: {"secretRef": {"name": n, "optional": o}}, subdomain,
                  st.booleans()),
    )
    prefix = env_name if full else st.none() | env_name
    return st.lists(st.builds(lambda s, p: {**s, "prefix": p} if p else s, source, prefix),
                    min_size=1, max_size=2)


# --- ports, resources, probes, hooks ---


@st.composite
def port_groups(draw: st.DrawFn, groups: int) -> list[list[dict[str, Any]]]:
    """Ports of ``groups`` containers: numbers and names unique across the Pod."""
    count = draw(st.integers(0, min(2 * groups, 5)))
    names = draw(st.lists(port_name, unique=True, min_size=count, max_size=count))
    numbers = draw(st.lists(st.integers(1, 65535), unique=True, min_size=count, max_size=count))
    out: list[list[dict[str, Any]]] = [[] for _ in range(groups)]
    for name, number in zip(names, numbers, strict=True):
        port: dict[str, Any] = {"containerPort": number}
        if draw(st.integers(0, 3)):
            port["name"] = name
        if draw(st.booleans()):
            port["protocol"] = draw(st.sampled_from(("TCP", "UDP", "SCTP")))
        out[draw(st.integers(0, groups - 1))].append(port)
    return out


EXTENDED = ["nvidia.com/gpu", "example.com/fpga", "hugepages-2Mi", "hugepages-1Gi"]


@st.composite
def resources(draw: st.DrawFn, full: bool = False) -> dict[str, Any]:
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for key in draw(
        st.lists(st.sampled_from(("cpu", "memory", "ephemeral-storage")), unique=True, max_size=3)
    ):
        a, b = sorted(
            draw(st.lists(st.sampled_from(QUANTITIES), min_size=2, max_size=2)),
            key=lambda q: parse_quantity(str(quantity_text(q))),
        )
        which = draw(st.sampled_from(("both", "requests", "limits")))
        if which in ("both", "requests"):
            requests[key] = a
        if which in ("both", "limits"):
            limits[key] = b
    # Extended resources (whole numbers) and hugepages cannot be overcommitted: a limit alone,
    # or a request equal to it; hugepages come with a cpu or memory amount.
    extended = EXTENDED if full else draw(st.lists(st.sampled_from(EXTENDED), unique=True,
                                                   max_size=2))
    for key in extended:
        amounts = [1, 2, "1", "4"] if "/" in key else ["128Mi", "2Gi", 134217728, "0"]
        amount = draw(st.sampled_from(amounts))
        limits[key] = amount
        if draw(st.booleans()):
            requests[key] = amount
    if any(k.startswith("hugepages-") for k in limits) and not any(
        k in part for part in (requests, limits) for k in ("cpu", "memory")
    ):
        limits["memory"] = "1Gi"
    out = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out  # may be empty: the caller filters, as an empty map is not a valid spec value


@st.composite
def http_get(draw: st.DrawFn, names: Sequence[str], headers: bool = False) -> dict[str, Any]:
    port = draw(st.one_of(st.integers(1, 65535), *([st.sampled_from(names)] if names else [])))
    out: dict[str, Any] = {"path": draw(abs_path), "port": port}
    if draw(st.booleans()):
        out["scheme"] = draw(st.sampled_from(("HTTP", "HTTPS")))
    if headers or draw(st.booleans()):
        out["httpHeaders"] = draw(st.lists(st.fixed_dictionaries({
            "name": then(ALNUM, ALNUM + "-", 10), "value": text}), min_size=1, max_size=2))
    return out


PROBE_ACTIONS = ["http", "tcp", "exec", "grpc"]


@st.composite
def probe(draw: st.DrawFn, names: Sequence[str], kind: str, action: str | None = None
          ) -> dict[str, Any]:
    action = action or draw(st.sampled_from(PROBE_ACTIONS))
    out: dict[str, Any]
    if action == "http":
        out = {"http": draw(http_get(names, headers=kind == "readiness"))}
    elif action == "tcp":
        port = draw(st.one_of(st.integers(1, 65535), *([st.sampled_from(names)] if names else [])))
        out = {"tcp": {"port": port}}
    elif action == "exec":
        out = {"exec": {"command": draw(st.lists(text, min_size=1, max_size=3))}}
    else:  # gRPC probes take port numbers only
        grpc: dict[str, Any] = {"port": draw(st.integers(1, 65535))}
        if draw(st.booleans()):
            grpc["service"] = draw(text)
        out = {"grpc": grpc}
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


@functools.cache
def probes(names: tuple[str, ...], full: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    if full:  # one of each kind of check
        return every({"liveness": probe(names, "liveness", "grpc"),
                      "readiness": probe(names, "readiness", "http"),
                      "startup": probe(names, "startup", "tcp")})
    return some_of({kind: probe(names, kind) for kind in ("liveness", "readiness", "startup")})


@st.composite
def lifecycle(draw: st.DrawFn, names: Sequence[str], grace: int, full: bool = False
              ) -> dict[str, Any]:
    """postStart/preStop hooks; a sleep lasts at most the grace period."""
    hooks = (["postStart", "preStop"] if full else
             draw(st.lists(st.sampled_from(("postStart", "preStop")), unique=True, min_size=1)))
    out: dict[str, Any] = {}
    for hook in hooks:
        action = ({"postStart": "httpGet", "preStop": "sleep"}[hook] if full else
                  draw(st.sampled_from(("exec", "httpGet", "sleep"))))
        if action == "exec":
            out[hook] = {"exec": {"command": draw(st.lists(text, min_size=1, max_size=2))}}
        elif action == "httpGet":
            out[hook] = {"httpGet": draw(http_get(names))}
        else:
            out[hook] = {"sleep": {"seconds": draw(st.integers(0, grace))}}
    return out


@functools.cache
def security_context(main: bool) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "runAsUser": st.integers(1, 2**31 - 1),
        "runAsGroup": st.integers(0, 2**31 - 1),
        "runAsNonRoot": st.just(True),
        "capabilities": st.just({"add": ["NET_BIND_SERVICE"]}),  # both profiles allow it
    }
    if not main:  # the main container's may be given at the top level instead, not both
        optional["readOnlyRootFilesystem"] = st.booleans()
    return some_of(optional)


# --- volumes ---


MAIN = "<main>"  # downward-API files name the main container: filled in by volumes()


def downward_volume() -> st.SearchStrategy[dict[str, Any]]:
    item = st.one_of(
        st.sampled_from(("metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels",
                         "metadata.annotations", "metadata.labels['app']")).map(
            lambda path: {"fieldRef": {"fieldPath": path}}),
        st.sampled_from(RESOURCE_REFS).map(lambda rd: resource_ref(*rd, container=MAIN)),
    )
    return st.builds(
        lambda paths, items: {"downwardAPI": {"items": [
            {"path": p, **i} for p, i in zip(paths, items, strict=False)]}},
        st.lists(rel_path, unique=True, min_size=2, max_size=2),
        st.lists(item, min_size=1, max_size=2),
    )


def projected_volume() -> st.SearchStrategy[dict[str, Any]]:
    """A token for another audience (why one projects), more sources; file paths unique."""
    token = st.one_of(
        st.builds(lambda a, n: {"serviceAccountToken": {"path": "token", "audience": a,
                                                        "expirationSeconds": n}},
                  st.sampled_from(("vault", "https://issuer.example.com")),
                  st.integers(600, 2**32)),
        st.just({"serviceAccountToken": {"path": "token"}}),
    )
    sources = [
        st.builds(lambda n: {"configMap": {"name": n, "items": [{"key": "app.yaml",
                                                                 "path": "config/app.yaml"}]}},
                  subdomain),
        st.builds(lambda n, o: {"secret": {"name": n, "optional": o}}, subdomain, st.booleans()),
        st.just({"downwardAPI": {"items": [
            {"path": "pod/labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "pod/memory", **resource_ref("limits.memory", "1Mi", container=MAIN)}]}}),
    ]
    return st.builds(
        lambda first, rest, mode: {"projected": {"sources": [first, *rest], **mode}},
        token,
        st.lists(st.sampled_from(range(len(sources))), unique=True, max_size=2).flatmap(
            lambda picks: st.tuples(*(sources[i] for i in picks)).map(list)),
        st.sampled_from(({}, {"defaultMode": 0o440}, {"defaultMode": 0o644})),
    )


ephemeral_volume = st.builds(
    lambda modes, size, extra: {"ephemeral": {"volumeClaimTemplate": {"spec": {
        "accessModes": modes, "resources": {"requests": {"storage": size}}, **extra}}}},
    st.one_of(st.lists(st.sampled_from(("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany")),
                       unique=True, min_size=1, max_size=2), st.just(["ReadWriteOncePod"])),
    st.sampled_from(("1Gi", "500Mi", 10)),
    st.fixed_dictionaries({}, optional={"storageClassName": subdomain,
                                        "volumeMode": st.sampled_from(("Filesystem", "Block"))}),
)


VOLUME_SOURCES = [  # the newer kinds first: hypothesis draws early choices more often
    projected_volume(),
    ephemeral_volume,
    downward_volume(),
    st.sampled_from(("HugePages-2Mi", "HugePages-1Gi", "HugePages")).map(
        lambda medium: {"emptyDir": {"medium": medium}}),
    st.just({"emptyDir": {}}),
    st.just({"emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}),
    st.just({"configMap": {"name": "cfg", "optional": True}}),
    st.just({"secret": {"secretName": "s"}}),
    st.just({"persistentVolumeClaim": {"claimName": "data", "readOnly": False}}),
]


def naming(node: Any, main: str) -> Any:
    """``node`` with the MAIN placeholder replaced by the main container's name."""
    if isinstance(node, dict):
        return {k: naming(v, main) for k, v in node.items()}
    if isinstance(node, list):
        return [naming(v, main) for v in node]
    return main if node == MAIN else node


@st.composite
def volumes(draw: st.DrawFn, main: str, full: bool = False) -> list[dict[str, Any]]:
    sources = VOLUME_SOURCES
    kinds = (list(range(len(sources))) if full else
             draw(st.lists(st.sampled_from(range(len(sources))), min_size=1, max_size=3)))
    names = draw(st.lists(label, unique=True, min_size=len(kinds), max_size=len(kinds)))
    paths = draw(st.lists(mount_path, unique=True, min_size=len(kinds), max_size=len(kinds)))
    out = []
    for name, path, kind in zip(names, paths, kinds, strict=True):
        volume: dict[str, Any] = {"name": name, **naming(draw(sources[kind]), main)}
        if draw(st.integers(0, 4)):  # else only other containers mount it
            volume["mountPath"] = path
            if draw(st.booleans()):
                volume["readOnly"] = draw(st.booleans())
            if draw(st.booleans()):
                volume["subPath"] = draw(rel_path)
        out.append(volume)
    return out


# --- containers ---


@st.composite
def container(
    draw: st.DrawFn, name: str, kind: str, ports: list[dict[str, Any]], volume_names: list[str],
    grace: int, full: bool,
) -> dict[str, Any]:
    """An entry of containers, initContainers or sidecars (init: no probes, no hooks)."""
    out: dict[str, Any] = {"name": name, "image": draw(image)}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "imagePullPolicy": st.sampled_from(("Always", "IfNotPresent", "Never")),
        "command": st.lists(text, min_size=1, max_size=2),
        "args": st.lists(text, min_size=1, max_size=2),
        "workingDir": abs_path,
        "env": env(full),
        "envFrom": env_from(full),
        "resources": resources(full).filter(bool),
        "securityContext": security_context(main=False),
    }
    if ports:
        optional["ports"] = st.just(ports)
    if volume_names:
        optional["volumeMounts"] = st.builds(
            lambda mounts: [{"name": n, "mountPath": p, **extra} for n, p, extra in mounts],
            st.lists(st.tuples(st.sampled_from(volume_names), mount_path,
                               st.fixed_dictionaries({}, optional={"readOnly": st.booleans(),
                                                                   "subPath": rel_path})),
                     min_size=1, max_size=2, unique_by=lambda m: m[1]),
        )
    names = [p["name"] for p in ports if "name" in p]
    if kind != "initContainers":
        optional["probes"] = probes(tuple(names), full)
        optional["lifecycle"] = lifecycle(names, grace, full)
    for key in sorted(optional):
        if full or draw(st.sampled_from(SOME)):
            out[key] = draw(optional[key])
    if ("probes" in out or "lifecycle" in out) and names:
        out["ports"] = ports  # they may name these ports
    return out


# --- scheduling ---

selector_requirement = st.one_of(
    st.builds(lambda k, op, vs: {"key": k, "operator": op, "values": vs}, label_key,
              st.sampled_from(("In", "NotIn")), st.lists(label_value, min_size=1, max_size=2)),
    st.builds(lambda k, op: {"key": k, "operator": op}, label_key,
              st.sampled_from(("Exists", "DoesNotExist"))),
)
label_selector = some_of({
    "matchLabels": st.dictionaries(label_key, label_value, min_size=1, max_size=2),
    "matchExpressions": st.lists(selector_requirement, min_size=1, max_size=2),
})
node_requirement = st.one_of(
    selector_requirement,
    st.builds(lambda k, op, n: {"key": k, "operator": op, "values": [str(n)]}, label_key,
              st.sampled_from(("Gt", "Lt")), st.integers(0, 10**6)),
)
node_term = some_of({
    "matchExpressions": st.lists(node_requirement, min_size=1, max_size=2),
    "matchFields": st.lists(st.builds(lambda vs: {"key": "metadata.name", "operator": "In",
                                                  "values": vs},
                                      st.lists(label, min_size=1, max_size=2)),
                            min_size=1, max_size=1),
})
node_affinity = some_of({
    "requiredDuringSchedulingIgnoredDuringExecution": st.builds(
        lambda terms: {"nodeSelectorTerms": terms}, st.lists(node_term, min_size=1, max_size=2)),
    "preferredDuringSchedulingIgnoredDuringExecution": st.lists(
        st.builds(lambda w, t: {"weight": w, "preference": t}, st.integers(1, 100), node_term),
        min_size=1, max_size=2),
})
pod_term = st.fixed_dictionaries({"topologyKey": label_key}, optional={
    "labelSelector": label_selector,
    "namespaces": st.lists(label, unique=True, min_size=1, max_size=2),
    "namespaceSelector": label_selector,
    "matchLabelKeys": st.lists(label_key, unique=True, min_size=1, max_size=2),
})
pod_affinity = some_of({
    "requiredDuringSchedulingIgnoredDuringExecution": st.lists(pod_term, min_size=1, max_size=2),
    "preferredDuringSchedulingIgnoredDuringExecution": st.lists(
        st.builds(lambda w, t: {"weight": w, "podAffinityTerm": t}, st.integers(1, 100),
                  pod_term), min_size=1, max_size=2),
})
AFFINITIES = {"nodeAffinity": node_affinity, "podAffinity": pod_affinity,
              "podAntiAffinity": pod_affinity}
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
toleration = st.one_of(
    st.builds(lambda k, e: {"key": k, "operator": "Exists", **e}, label_key,
              st.sampled_from(({}, {"effect": "NoSchedule"}))),
    st.builds(lambda k, v, e: {"key": k, "operator": "Equal", "value": v, "effect": e},
              label_key, label_value, st.sampled_from(EFFECTS)),
    st.builds(lambda k, v: {"key": k, "value": v}, label_key, label_value),  # Equal by default
    st.builds(lambda s: {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                         "effect": "NoExecute", "tolerationSeconds": s}, st.integers(0, 3600)),
    st.builds(lambda op, n: {"key": "example.com/sla", "operator": op, "value": str(n)},
              st.sampled_from(("Gt", "Lt")), st.integers(1, 10**6)),
    st.just({"operator": "Exists"}),  # every taint
)


@st.composite
def spread(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Constraints with unique topologyKey / whenUnsatisfiable pairs."""
    pairs = draw(st.lists(
        st.tuples(label_key, st.sampled_from(("DoNotSchedule", "ScheduleAnyway"))),
        unique=True, min_size=1, max_size=2))
    out = []
    for key, when in pairs:
        constraint: dict[str, Any] = {"maxSkew": draw(st.integers(1, 5)), "topologyKey": key,
                                      "whenUnsatisfiable": when}
        extra = {"labelSelector": label_selector,
                 "nodeAffinityPolicy": st.sampled_from(("Honor", "Ignore")),
                 "nodeTaintsPolicy": st.sampled_from(("Honor", "Ignore")),
                 "matchLabelKeys": st.lists(label_key, unique=True, min_size=1, max_size=2)}
        if when == "DoNotSchedule":
            extra["minDomains"] = st.integers(1, 5)
        constraint.update(draw(st.fixed_dictionaries({}, optional=extra)))
        out.append(constraint)
    return out


@st.composite
def dns(draw: st.DrawFn, full: bool = False) -> dict[str, Any]:
    """dnsPolicy and/or dnsConfig; None comes with nameservers."""
    policies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]
    policy = draw(st.sampled_from(policies if full else [None, *policies]))
    options = {
        "nameservers": st.lists(ip, min_size=1, max_size=3),
        "searches": st.lists(subdomain, min_size=1, max_size=3),
        "options": st.lists(st.fixed_dictionaries(
            {"name": st.sampled_from(("ndots", "timeout", "edns0"))},
            optional={"value": st.sampled_from(("1", "2", "5"))}), min_size=1, max_size=2),
    }
    config = draw(every(options) if full else st.fixed_dictionaries({}, optional=options))
    if policy == "None" and "nameservers" not in config:
        config["nameservers"] = [draw(ip)]
    out: dict[str, Any] = {}
    if policy is not None:
        out["dnsPolicy"] = policy
    if config:
        out["dnsConfig"] = config
    return out or {"dnsPolicy": "Default"}


def named(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, str]]]:
    return st.lists(strategy, unique=True, min_size=1, max_size=2).map(
        lambda names: [{"name": n} for n in names])


@functools.cache
def scheduling(full: bool) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "tolerations": st.lists(toleration, min_size=1, max_size=3),
        "affinity": every(AFFINITIES) if full else some_of(AFFINITIES),
        "topologySpreadConstraints": spread(),
        "priorityClassName": subdomain,
        "schedulingGates": named(label_key),
        "imagePullSecrets": named(subdomain),
        "activeDeadlineSeconds": st.integers(1, 2**31 - 1),
        "hostAliases": st.lists(st.fixed_dictionaries(
            {"ip": ip}, optional={"hostnames": st.lists(subdomain, min_size=1, max_size=2)}),
            min_size=1, max_size=2),
    }


# --- the spec ---

CONTAINER_LISTS = ("initContainers", "sidecars", "containers")
SOME = (False, True, False, False)  # a key is set in about 1 example in 4
OPTIONAL_KEYS = (
    "namespace", "labels", "annotations", "containerName", "imagePullPolicy", "command", "args",
    "workingDir", "env", "envFrom", "ports", "resources", "probes", "lifecycle",
    "securityContext", "volumes", "restartPolicy", "terminationGracePeriodSeconds",
    "serviceAccountName", "nodeSelector", "security", "runAsUser", "runAsGroup", "fsGroup",
    "readOnlyRootFilesystem", "output_path", "apply", "dns", *scheduling(False),
    *CONTAINER_LISTS,
)


TOP_LEVEL: dict[str, st.SearchStrategy[Any]] = {  # keys whose values depend on nothing else
    "namespace": label,
    "labels": st.dictionaries(label_key, label_value, max_size=3),
    "annotations": st.dictionaries(label_key, text, max_size=3),
    "imagePullPolicy": st.sampled_from(("Always", "IfNotPresent", "Never")),
    "command": st.lists(text, min_size=1, max_size=3),
    "args": st.lists(text, min_size=1, max_size=3),
    "workingDir": abs_path,
    "securityContext": security_context(main=True),
    "restartPolicy": st.sampled_from(("Always", "OnFailure", "Never")),
    "serviceAccountName": subdomain,
    "nodeSelector": st.dictionaries(label_key, label_value, max_size=2),
    "security": st.sampled_from(("restricted", "baseline")),
    "runAsUser": st.integers(1, 2**31 - 1),
    "runAsGroup": st.integers(0, 2**31 - 1),
    "fsGroup": st.integers(0, 2**31 - 1),
    "readOnlyRootFilesystem": st.booleans(),
    "output_path": rel_path.map(lambda p: p + ".yaml"),
    "apply": st.booleans(),
}


@st.composite
def specs(draw: st.DrawFn, full: bool = False) -> dict[str, Any]:
    # One byte per key, one draw for all (a draw per key cost more than the rest): a key is set
    # when its byte is 192 or more, about 1 in 4; all zeros, where shrinking heads, sets none.
    chances = draw(st.binary(min_size=len(OPTIONAL_KEYS), max_size=len(OPTIONAL_KEYS)))
    keys = {k for k, c in zip(OPTIONAL_KEYS, chances, strict=True) if full or c >= 192}
    data: dict[str, Any] = {"name": draw(label), "image": draw(image)}
    if "containerName" in keys:
        data["containerName"] = draw(label)
    main = data.get("containerName", data["name"])
    if "terminationGracePeriodSeconds" in keys:
        data["terminationGracePeriodSeconds"] = draw(st.integers(0, 120))
    grace = data.get("terminationGracePeriodSeconds", 30)  # a sleep ends within it
    lists = [k for k in CONTAINER_LISTS if k in keys]
    others = draw(st.lists(label.filter(lambda n: n != main), unique=True,
                           min_size=len(lists), max_size=len(lists) + 2 * bool(lists)))
    kinds = lists + [draw(st.sampled_from(lists)) for _ in others[len(lists):]]
    groups = draw(port_groups(1 + len(others)))
    port_list = groups[0]
    names = [p["name"] for p in port_list if "name" in p]
    needs: dict[str, Callable[[], st.SearchStrategy[Any]]] = {  # built only when drawn
        "env": lambda: env(full),
        "envFrom": lambda: env_from(full),
        "ports": lambda: st.just(port_list),
        "resources": lambda: resources(full).filter(bool),
        "probes": lambda: probes(tuple(names), full),
        "lifecycle": lambda: lifecycle(names, grace, full),
        "volumes": lambda: volumes(main, full),
    }
    fixed = {**TOP_LEVEL, **scheduling(full)}
    for key in sorted(keys & (set(fixed) | set(needs))):
        data[key] = draw(fixed[key] if key in fixed else needs[key]())
    if "dns" in keys:
        data.update(draw(dns(full)))
    if ("probes" in data or "lifecycle" in data) and names:
        data["ports"] = port_list  # probes and hooks may name these ports
    volume_names = [v["name"] for v in data.get("volumes", ())]
    for name, kind, ports in zip(others, kinds, groups[1:], strict=True):
        data.setdefault(kind, []).append(
            draw(container(name, kind, ports, volume_names, grace, full)))
    return pages_requested(data)


def pages_requested(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each huge page medium's size requested, as the kubelet needs: the main
    container asks for a size no container asks for; plain HugePages names the size when the Pod
    asks for more than one (or asks for 2Mi when it asks for none)."""
    media = [v["emptyDir"] for v in data.get("volumes", ()) if
             str(v.get("emptyDir", {}).get("medium", "")).startswith("HugePages")]
    entries = [data, *(e for k in CONTAINER_LISTS for e in data.get(k, ()))]
    sizes = {k.removeprefix("hugepages-") for e in entries
             for part in e.get("resources", {}).values() for k in part
             if k.startswith("hugepages-")}

    def request(size: str) -> None:
        resources = data.setdefault("resources", {})
        resources.setdefault("limits", {})[f"hugepages-{size}"] = "128Mi"
        if not any(k in part for part in resources.values() for k in ("cpu", "memory")):
            resources["limits"]["memory"] = "1Gi"  # hugepages come with a cpu or memory amount
        sizes.add(size)

    for medium in media:
        size = medium["medium"].removeprefix("HugePages").removeprefix("-")
        if size and size not in sizes:
            request(size)
    for medium in media:
        if medium["medium"] == "HugePages" and not sizes:
            request("2Mi")
        elif medium["medium"] == "HugePages" and len(sizes) > 1:
            medium["medium"] = f"HugePages-{min(sizes)}"
    return data


@settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(specs())
def test_any_valid_spec_round_trips(data: dict[str, Any]) -> None:
    roundtrip(data)


# The keys of the Pod surface beyond one container (issue 9) that specs() must keep drawing.
DRAWN = {
    "containerName", "initContainers", "sidecars", "containers", "volumeMounts",
    "securityContext", "envFrom", "prefix", "fieldRef", "resourceFieldRef", "lifecycle", "sleep",
    "httpGet", "grpc", "httpHeaders", "tolerations", "affinity", "nodeAffinity", "podAffinity",
    "podAntiAffinity", "topologySpreadConstraints", "priorityClassName", "schedulingGates",
    "imagePullSecrets", "activeDeadlineSeconds", "terminationGracePeriodSeconds", "hostAliases",
    "dnsPolicy", "dnsConfig", "downwardAPI", "projected", "serviceAccountToken", "ephemeral",
    "medium", "nvidia.com/gpu", "hugepages-2Mi", "hugepages-1Gi",
}


def _keys(node: Any, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(key)
            _keys(value, out)
    elif isinstance(node, list):
        for value in node:
            _keys(value, out)
    return out


@settings(max_examples=4, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(specs(full=True))
def test_a_full_spec_has_every_new_key_and_round_trips(data: dict[str, Any]) -> None:
    """A full spec holds every key of DRAWN (a strategy that stops drawing one fails here, not
    silently) with everything else a spec can have, and round-trips. Each costs about 0.3 s, so
    the random round trip above draws none: its specs set about a quarter of the keys."""
    assert DRAWN <= _keys(data, set()), sorted(DRAWN - _keys(data, set()))
    roundtrip(data)
