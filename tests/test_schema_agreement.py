"""The layers agree where an audit of issue 9 found them apart.

The published JSON Schema refuses what the loader refuses on plain init containers (probes,
lifecycle hooks) and still allows both on sidecars; both take an emptyDir ``medium`` of huge
pages (``HugePages``, ``HugePages-<size>``) and refuse the same misspellings; ``hostAliases``
entries need no ``hostnames``, as in Kubernetes' ValidateHostAliases; and lists or strings
outside their bounds (``dnsConfig.nameservers`` ≤ 3, ``searches`` ≤ 32, non-empty lists) are
reported in the loader's words with a hint, never in pydantic's ("List should have at most 3
items after validation").
"""

from __future__ import annotations

import textwrap
from typing import Any

import kubernetes_validate
import pytest
import yaml
from jsonschema import Draft202012Validator

from sentinel import render
from sentinel.errors import SpecError
from sentinel.spec import load_spec_text, validate_data
from sentinel.spec.schema import json_schema

KUBERNETES_VERSION = kubernetes_validate.latest_version()
SCHEMA = Draft202012Validator(json_schema())
PROBES = {"liveness": {"tcp": {"port": 9000}}}
LIFECYCLE = {"preStop": {"sleep": {"seconds": 5}}}


def pod(**extra: Any) -> dict[str, Any]:
    return {"name": "web", "image": "nginxinc/nginx-unprivileged:1.27", **extra}


def schema_errors(data: dict[str, Any]) -> list[str]:
    return [e.message for e in SCHEMA.iter_errors(data)]


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as info:
        validate_data(data, "data")
    return [f"{p.field}: {p.message} (hint: {p.hint})" for p in info.value.problems]


# --- init containers and sidecars ---------------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [("probes", PROBES), ("lifecycle", LIFECYCLE)])
def test_schema_refuses_on_init_containers_what_the_loader_refuses(key: str, value: Any) -> None:
    data = pod(initContainers=[{"name": "setup", "image": "busybox:1.36", key: value}])
    [error] = SCHEMA.iter_errors(data)
    assert list(error.absolute_path) == ["initContainers", 0, key]
    [problem] = problems(data)
    assert problem.startswith(f"initContainers[0].{key}: ") and "sidecars" in problem


@pytest.mark.parametrize("kind", ["sidecars", "containers"])
def test_schema_and_loader_allow_probes_and_hooks_on_sidecars(kind: str) -> None:
    entry = {"name": "proxy", "image": "busybox:1.36", "probes": PROBES, "lifecycle": LIFECYCLE}
    data = pod(**{kind: [entry]})
    assert schema_errors(data) == []
    validate_data(data, "data")


def test_published_init_container_allows_no_value_for_probes_or_hooks() -> None:
    """The keys stay (the spec format knows them; the strictyaml shape has them too) with a
    description saying why, but ``not: {}`` lets no value through; sidecars keep them."""
    defs = json_schema()["$defs"]
    init, other = defs["InitContainer"]["properties"], defs["Container"]["properties"]
    assert set(init) == set(other)
    for key in ("probes", "lifecycle"):
        assert init[key]["not"] == {} and "Not allowed on an init container" in (
            init[key]["description"])
        assert "not" not in other[key]
    assert "not" not in defs["InitContainer"]  # refused at the key, not the whole container


# --- hostAliases ----------------------------------------------------------------------------------

ALIASES = """\
    name: web
    namespace: shop
    image: nginxinc/nginx-unprivileged:1.27
    hostAliases:
      - ip: 10.0.0.10
      - ip: 10.0.0.11
        hostnames:
          - db.internal
"""


def test_host_alias_without_hostnames_is_accepted_as_kubernetes_does() -> None:
    loaded = load_spec_text(textwrap.dedent(ALIASES), "t.yaml")
    manifest = render.render(loaded.model)
    assert manifest["spec"]["hostAliases"] == [
        {"ip": "10.0.0.10"}, {"ip": "10.0.0.11", "hostnames": ["db.internal"]}]
    reloaded = yaml.safe_load(render.dump_manifest(manifest))
    assert kubernetes_validate.validate(reloaded, KUBERNETES_VERSION, strict=True)
    assert schema_errors(pod(hostAliases=[{"ip": "10.0.0.10"}])) == []
    alias = json_schema()["$defs"]["HostAlias"]
    assert alias["required"] == ["ip"]


def test_host_alias_hostnames_are_still_checked() -> None:
    text = textwrap.dedent(ALIASES).replace("db.internal", "DB_internal")
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    assert [p.format() for p in info.value.problems] == [
        ("t.yaml:8:9: hostAliases[1].hostnames[0]: 'DB_internal' is not a valid DNS-1123 "
        "subdomain (hint: use lowercase letters, digits, '-' and '.', each part starting and "
        "ending alphanumeric)")]


# --- emptyDir medium ------------------------------------------------------------------------------

MEDIA = {
    "": True, "Memory": True, "HugePages": True, "HugePages-2Mi": True, "HugePages-1Gi": True,
    "HugePages-512Ki": True, "memory": False, "Disk": False, "hugepages-2Mi": False,
    "HugePages-": False, "HugePages-0": False, "HugePages-2MiB": False, "HugePages2Mi": False,
}


@pytest.mark.parametrize(("medium", "valid"), list(MEDIA.items()), ids=[m or "disk" for m in MEDIA])
def test_empty_dir_medium_loader_and_schema_agree(medium: str, valid: bool) -> None:
    # A huge page medium needs its page size requested (a Pod rule the schema cannot say).
    size = medium.removeprefix("HugePages-") if valid and medium.startswith("HugePages-") else "2Mi"
    data = pod(volumes=[{"name": "pages", "mountPath": "/pages", "emptyDir": {"medium": medium}}],
               resources={"limits": {"memory": "1Gi", f"hugepages-{size}": "64Mi"}})
    assert (schema_errors(data) == []) is valid
    if valid:
        validate_data(data, "data")
    else:
        [problem] = problems(data)
        assert problem.startswith("volumes[0].emptyDir.medium: ")
        assert "HugePages" in problem or "write Memory" in problem


# --- bounds in the loader's words -----------------------------------------------------------------


def test_too_many_items_in_a_spec_file_have_a_message_hint_and_line() -> None:
    servers = "".join(f"    - 10.0.0.{i}\n" for i in range(1, 5))
    searches = "".join(f"    - s{i}.example.com\n" for i in range(33))
    text = (f"name: web\nimage: nginx:1.27\ndnsConfig:\n  nameservers:\n{servers}"
            f"  searches:\n{searches}")
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "t.yaml")
    assert [p.format() for p in info.value.problems] == [
        ("t.yaml:5:5: dnsConfig.nameservers: has 4 items; at most 3 are allowed "
        "(hint: remove 1, keep at most 3 items)"),
        ("t.yaml:10:5: dnsConfig.searches: has 33 items; at most 32 are allowed "
        "(hint: remove 1, keep at most 32 items)"),
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"command": []}, "command: must not be empty (hint: add at least one item)"),
        ({"dnsConfig": {"nameservers": [f"10.0.0.{i}" for i in range(1, 6)]}},
         ("dnsConfig.nameservers: has 5 items; at most 3 are allowed "
         "(hint: remove 2, keep at most 3 items)")),
        ({"dnsConfig": {"options": [{"name": ""}]}},
         "dnsConfig.options[0].name: must not be empty (hint: write a value)"),
        ({"volumes": [{"name": "roots", "mountPath": "/roots", "projected": {"sources": [
            {"clusterTrustBundle": {"path": "roots.pem", "name": "b" * 300}}]}}]},
         ("volumes[0].projected.sources[0].clusterTrustBundle.name: is 300 characters long "
         "(max 253) (hint: shorten it to at most 253 characters)")),
    ],
    ids=["empty-list", "too-many", "empty-string", "long-string"],
)
def test_bounds_of_plain_data_have_a_message_and_hint(extra: dict[str, Any], expected: str) -> None:
    assert problems(pod(**extra)) == [expected]
