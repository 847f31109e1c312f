"""The five spec tools through the real registry, loader, validator and renderer."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.spec_folder import SpecFolder
from sentinel.chat.spec_tools import (
    SpecTools,
    build_registry,
    schema_summary,
    spec_tools,
    tool_prompt_section,
)
from sentinel.chat.tools import ToolContext, ToolFailed, ToolRegistry
from sentinel.config import Settings, load_settings
from sentinel.errors import ConfigError, SpecError
from sentinel.spec import load_spec
from sentinel.spec.schema import json_schema

CHAT_DIR = Path(__file__).resolve().parents[2] / "sentinel" / "chat"
WHEN = datetime(2026, 11, 23, 17, 30, 5, tzinfo=UTC)
HEADER = "# written by kube-sentinel chat: conversation conv_1, message msg_1, 2026-11-23T17:30:05Z\n"

API: dict[str, Any] = {
    "name": "api",
    "namespace": "shop",
    "image": "nginxinc/nginx-unprivileged:1.27",
    "ports": [{"name": "http", "containerPort": 8080}],
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                  "limits": {"cpu": "500m", "memory": "128Mi"}},
}
WEB = """\
# hand-written
name: web
namespace: shop
image: nginxinc/nginx-unprivileged:1.27-alpine
"""
BROKEN = """\
name: Broken_Name
image: nginxinc/nginx-unprivileged:1.27
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text("")
    (root / "specs" / "web.yaml").write_text(WEB)
    (root / "specs" / "broken.yaml").write_text(BROKEN)
    return root


def settings_for(root: Path, **env: str) -> Settings:
    return load_settings(root, {"HOME": str(root.parent), **env})


@pytest.fixture
def registry(project: Path) -> ToolRegistry:
    return build_registry(settings_for(project), now=lambda: WHEN)


def call(reg: ToolRegistry, name: str, args: dict[str, Any] | str) -> ToolOutcome:
    text = args if isinstance(args, str) else json.dumps(args)
    return reg.run(name, text, conversation_id="conv_1", message_id="msg_1")


def specs_listing(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "specs").iterdir())


# ------------------------------------------------------------------ definitions and safety


def test_five_tools_read_and_write_tiers_only(registry: ToolRegistry) -> None:
    tiers = {t.name: t.tier for t in registry.offered()}
    assert tiers == {"list_specs": "read", "read_spec": "read", "validate_spec": "read",
                     "render_manifest": "read", "write_spec": "write"}
    assert not {"exec", "network"} & set(tiers.values())


def test_no_tool_module_imports_the_cluster_layer() -> None:
    for module in ("tools.py", "spec_tools.py", "spec_folder.py", "limits.py"):
        tree = ast.parse((CHAT_DIR / module).read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(n.startswith(("sentinel.kube", "subprocess")) for n in names), module
    probe = ("import sys, sentinel.chat.spec_tools, sentinel.chat.limits; "
             "print(sorted(m for m in sys.modules if m.startswith('sentinel.kube')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values()
                                                             for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_definitions_are_valid_function_schemas(registry: ToolRegistry) -> None:
    for definition in registry.definitions():
        params = definition["function"]["parameters"]
        Draft202012Validator.check_schema(params)
        # OpenAI function calling: an object at the top, no top-level combinators.
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert not {"anyOf", "oneOf", "allOf", "not", "enum", "$schema"} & set(params)
        for ref in _refs(params):  # every $ref resolves from the root of the parameters
            assert ref.startswith("#/$defs/") and ref.split("/")[-1] in params["$defs"], ref
    # the ~14 KB spec schema goes out once per request, with write_spec only
    with_schema = [d["function"]["name"] for d in registry.definitions()
                   if "$defs" in d["function"]["parameters"]]
    assert with_schema == ["write_spec"]


def test_write_spec_input_is_the_spec_json_schema(registry: ToolRegistry) -> None:
    params = next(d["function"]["parameters"] for d in registry.definitions()
                  if d["function"]["name"] == "write_spec")
    schema = json_schema()
    spec = dict(params["properties"]["spec"])
    assert spec.pop("description") == "the spec as data (never YAML text)"
    expected = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id",
                                                              "description")}
    assert {k: v for k, v in spec.items()} == expected
    assert params["$defs"] == schema.get("$defs", {})
    assert params["required"] == ["filename", "spec"]
    assert params["properties"]["overwrite"] == {
        "type": "boolean", "default": False,
        "description": "replace an existing file of that name"}


def test_allowlist_and_read_only_from_settings(project: Path) -> None:
    reg = build_registry(settings_for(project, SENTINEL_TOOLS="list_specs,read_spec"))
    assert [d["function"]["name"] for d in reg.definitions()] == ["list_specs", "read_spec"]
    with pytest.raises(ConfigError) as info:
        build_registry(settings_for(project, SENTINEL_TOOLS="list_specs,apply"))
    assert info.value.setting == "tools" and "apply" in str(info.value)
    ro = build_registry(settings_for(project, SENTINEL_READ_ONLY="1"))
    assert "write_spec" not in [d["function"]["name"] for d in ro.definitions()]
    out = call(ro, "write_spec", {"filename": "api.yaml", "spec": API})
    assert not out.ok and out.error is not None and "read-only" in out.error
    assert specs_listing(project) == ["broken.yaml", "web.yaml"]


# ------------------------------------------------------------------ read tools


def test_list_specs(registry: ToolRegistry, project: Path) -> None:
    out = call(registry, "list_specs", {})
    assert out.ok and out.summary == "list_specs: ok"
    listing = json.loads(out.content)
    assert listing["specs_dir"] == "specs"
    broken, web = listing["specs"]
    assert web == {"spec": "web", "file": "specs/web.yaml", "valid": True,
                   "namespace": "shop", "name": "web"}
    assert broken["spec"] == "broken" and broken["valid"] is False and broken["errors"] >= 1
    assert "specs/broken.yaml:1" in broken["first_error"]


def test_list_specs_without_a_specs_folder(tmp_path: Path) -> None:
    (tmp_path / "sentinel.toml").write_text("")
    out = call(build_registry(settings_for(tmp_path)), "list_specs", {})
    assert out.ok and json.loads(out.content)["specs"] == []


@pytest.mark.parametrize("name", ["web", "web.yaml"])
def test_read_spec(registry: ToolRegistry, name: str) -> None:
    out = call(registry, "read_spec", {"name": name})
    assert out.ok and out.content == WEB and out.summary == f"read_spec {name}: ok"


def test_read_spec_unknown_and_invalid(registry: ToolRegistry, project: Path) -> None:
    out = call(registry, "read_spec", {"name": "../../etc/passwd"})
    assert not out.ok and out.error is not None
    assert out.error.startswith("no spec named '../../etc/passwd' in specs")
    assert "existing specs: broken, web" in out.error
    bad = call(registry, "read_spec", {"name": "broken"})  # shown as is, to be fixed
    assert bad.ok and bad.content == BROKEN
    (project / "specs" / "empty.yaml").write_text("")
    empty = call(registry, "read_spec", {"name": "empty"})  # the loader's reader refuses it
    assert not empty.ok and "file is empty" in empty.content


def test_symlink_out_of_the_folder_is_not_readable(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: secret\nimage: nginxinc/nginx-unprivileged:1.27\n")
    (project / "specs" / "leak.yaml").symlink_to(secret)
    reg = build_registry(settings_for(project))
    assert "leak" not in [r["spec"] for r in json.loads(call(reg, "list_specs", {}).content)["specs"]]
    out = call(reg, "read_spec", {"name": "leak"})
    assert not out.ok and "no spec named 'leak'" in (out.error or "")


def test_validate_spec(registry: ToolRegistry) -> None:
    ok = call(registry, "validate_spec", {"spec": API})
    assert ok.ok and json.loads(ok.content)["valid"] is True
    assert call(registry, "validate_spec", {"name": "web"}).ok
    bad_data = dict(API, resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})
    bad = call(registry, "validate_spec", {"spec": bad_data})
    assert not bad.ok and (bad.error or "").startswith("the spec is invalid (1 error(s))")
    assert bad.summary == ("validate_spec api: invalid: resources.requests.cpu: "
                           "request 2 (2) is above the limit 1 (1)")
    problems = json.loads(bad.content)
    assert [p["field"] for p in problems] == ["resources.requests.cpu"]
    assert problems[0]["hint"]
    both = call(registry, "validate_spec", {"name": "web", "spec": API})
    assert not both.ok and "exactly one of" in (both.error or "")
    assert not call(registry, "validate_spec", {}).ok


def test_validate_spec_reports_collisions_unless_replacing_that_file(registry: ToolRegistry) -> None:
    twin = dict(API, name="web")  # same shop/web as specs/web.yaml
    out = call(registry, "validate_spec", {"spec": twin})
    assert not out.ok and "collides" in (out.error or "")
    assert "specs/web.yaml" in out.content
    assert call(registry, "validate_spec", {"spec": twin, "filename": "web.yaml"}).ok


def test_render_manifest(registry: ToolRegistry) -> None:
    by_name = call(registry, "render_manifest", {"name": "web"})
    assert by_name.ok and by_name.content.startswith("apiVersion: v1\nkind: Pod\n")
    from_data = call(registry, "render_manifest", {"spec": API})
    assert from_data.ok and "name: api" in from_data.content and "namespace: shop" in from_data.content
    assert not call(registry, "render_manifest", {"name": "broken"}).ok


# ------------------------------------------------------------------ write_spec


def test_write_spec_writes_a_loadable_file_with_provenance(registry: ToolRegistry,
                                                           project: Path) -> None:
    out = call(registry, "write_spec", {"filename": "api.yaml", "spec": API})
    assert out.ok, out.error
    assert out.summary == "write_spec api.yaml: ok"
    result = json.loads(out.content)
    assert (result["written"], result["replaced"]) == ("specs/api.yaml", False)
    text = (project / "specs" / "api.yaml").read_text()
    assert text.startswith(HEADER)
    loaded = load_spec(project / "specs" / "api.yaml")
    assert (loaded.model.namespace, loaded.model.name) == ("shop", "api")
    assert not list((project / "specs").glob(".*.tmp"))


def test_invalid_spec_writes_nothing_and_returns_every_problem(registry: ToolRegistry,
                                                               project: Path) -> None:
    data = dict(API, resources={"requests": {"memory": "1Gi"}, "limits": {"memory": "64Mi"}})
    out = call(registry, "write_spec", {"filename": "api.yaml", "spec": data})
    assert not out.ok and (out.error or "").startswith("the spec is invalid (1 error(s)); "
                                                       "nothing was written (hint: fix every")
    problems = json.loads(out.content)
    assert problems and all({"field", "message", "hint"} <= set(p) for p in problems)
    assert problems[0]["field"] == "resources.requests.memory"
    assert specs_listing(project) == ["broken.yaml", "web.yaml"]


def test_schema_violation_writes_nothing(registry: ToolRegistry, project: Path) -> None:
    data = {k: v for k, v in API.items() if k != "image"} | {"colour": "blue"}
    out = call(registry, "write_spec", {"filename": "api.yaml", "spec": data})
    assert not out.ok and "do not match the schema" in (out.error or "")
    fields = {e["field"] for e in json.loads(out.content)}
    assert fields == {"spec"}  # missing image and the unknown key are both reported at spec
    assert len(json.loads(out.content)) == 2
    assert specs_listing(project) == ["broken.yaml", "web.yaml"]


@pytest.mark.parametrize("filename", ["../x.yaml", "/etc/x.yaml", "a/b.yaml", "..yaml", "X.yaml",
                                      "web", "web.yml", ".hidden.yaml", "a\x00.yaml"])
def test_names_leaving_the_folder_or_not_simple_are_refused(
        registry: ToolRegistry, project: Path, filename: str) -> None:
    out = call(registry, "write_spec", {"filename": filename, "spec": API})
    assert not out.ok
    assert specs_listing(project) == ["broken.yaml", "web.yaml"]
    assert not (project / "x.yaml").exists()


@pytest.mark.parametrize("filename", ["../x.yaml", "/etc/x.yaml", "a/b.yaml", "web",
                                      "a" * 64 + ".yaml"])
def test_handler_refuses_bad_names_even_without_the_schema(project: Path, filename: str) -> None:
    tools = SpecTools(project / "specs", project / "manifests", project)
    ctx = ToolContext(conversation_id="c", message_id="m")
    with pytest.raises(ToolFailed, match="is not allowed"):
        tools.write_spec({"filename": filename, "spec": API}, ctx)


def test_symlink_target_is_refused(registry: ToolRegistry, project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("untouched\n")
    (project / "specs" / "api.yaml").symlink_to(outside)
    for overwrite in (False, True):
        out = call(registry, "write_spec",
                   {"filename": "api.yaml", "spec": API, "overwrite": overwrite})
        assert not out.ok
    assert outside.read_text() == "untouched\n"
    assert (project / "specs" / "api.yaml").is_symlink()


def test_symlink_inside_the_folder_is_not_replaced(registry: ToolRegistry, project: Path) -> None:
    (project / "specs" / "alias.yaml").symlink_to(project / "specs" / "web.yaml")
    out = call(registry, "write_spec", {"filename": "alias.yaml", "spec": API, "overwrite": True})
    assert not out.ok and out.error is not None
    assert out.error.startswith("specs/alias.yaml is a symlink; it is not replaced")
    assert (project / "specs" / "web.yaml").read_text() == WEB


def test_overwrite_needs_the_flag(registry: ToolRegistry, project: Path) -> None:
    twin = dict(API, name="web")
    refused = call(registry, "write_spec", {"filename": "web.yaml", "spec": twin})
    assert not refused.ok and "already exists" in (refused.error or "")
    assert "overwrite: true" in (refused.error or "")
    assert (project / "specs" / "web.yaml").read_text() == WEB
    done = call(registry, "write_spec", {"filename": "web.yaml", "spec": twin, "overwrite": True})
    assert done.ok and json.loads(done.content)["replaced"] is True
    assert (project / "specs" / "web.yaml").read_text().startswith(HEADER)


def test_collision_with_another_file_is_refused(registry: ToolRegistry, project: Path) -> None:
    out = call(registry, "write_spec", {"filename": "web2.yaml", "spec": dict(API, name="web")})
    assert not out.ok and "collides" in (out.error or "")
    assert any("web.yaml" in json.dumps(p) for p in json.loads(out.content))
    assert not (project / "specs" / "web2.yaml").exists()


def test_a_file_appearing_meanwhile_is_not_clobbered(project: Path) -> None:
    target = project / "specs" / "api.yaml"

    def racing_clock() -> datetime:
        target.write_text("someone else's\n")  # lands between the existence check and the write
        return WHEN

    reg = build_registry(settings_for(project), now=racing_clock)
    out = call(reg, "write_spec", {"filename": "api.yaml", "spec": API})
    assert not out.ok and "appeared meanwhile" in (out.error or "")
    assert target.read_text() == "someone else's\n"


def test_a_cancelled_call_does_not_write(project: Path) -> None:
    tools = SpecTools(project / "specs", project / "manifests", project)
    ctx = ToolContext(conversation_id="c", message_id="m")
    ctx.cancelled.set()
    with pytest.raises(ToolFailed, match="timed out"):
        tools.write_spec({"filename": "api.yaml", "spec": API}, ctx)
    assert not (project / "specs" / "api.yaml").exists()


def test_provenance_ids_cannot_break_the_comment(project: Path) -> None:
    reg = build_registry(settings_for(project), now=lambda: WHEN)
    out = reg.run("write_spec", json.dumps({"filename": "api.yaml", "spec": API}),
                  conversation_id="conv\nname: evil", message_id="msg 1")
    assert out.ok, out.error
    first, second = (project / "specs" / "api.yaml").read_text().splitlines()[:2]
    assert first.startswith("# written by kube-sentinel chat: conversation conv_name:_evil,")
    assert not second.startswith("name: evil")


# ------------------------------------------------------------------ system prompt section


def test_prompt_section_is_deterministic_and_complete(project: Path) -> None:
    settings = settings_for(project)
    reg = build_registry(settings)
    first = tool_prompt_section(reg, settings.specs_dir, root=settings.root)
    assert first == tool_prompt_section(build_registry(settings), settings.specs_dir,
                                        root=settings.root)
    for tool in ("list_specs", "read_spec", "validate_spec", "render_manifest", "write_spec"):
        assert f"- {tool} (" in first
    assert "may not: touch a Kubernetes cluster" in first
    assert first.index("- broken (specs/broken.yaml): invalid") < first.index(
        "- web (specs/web.yaml): shop/web, valid")
    assert "- name (required): string" in first and "- image (required)" in first
    assert "## Spec format (one Pod per file; full JSON Schema: write_spec's spec parameter)" in first
    assert "Read-only mode" not in first
    (project / "specs" / "aaa.yaml").write_text(WEB.replace("web", "aaa"))
    assert "- aaa (specs/aaa.yaml): shop/aaa, valid" in tool_prompt_section(
        reg, settings.specs_dir, root=settings.root)


def test_prompt_section_in_read_only_mode(project: Path) -> None:
    settings = settings_for(project, SENTINEL_READ_ONLY="true")
    text = tool_prompt_section(build_registry(settings), settings.specs_dir)
    assert "Read-only mode is on" in text and "- write_spec" not in text
    assert "and create spec files" not in text
    # no tool definition carries the schema now, so the prompt does not point to one
    assert "## Spec format (one Pod per file)\n" in text and "JSON Schema" not in text


def test_schema_summary_lists_every_top_level_field() -> None:
    schema = json_schema()
    lines = schema_summary(schema)
    assert [line.split(":")[0].split(" ")[1] for line in lines] == list(schema["properties"])


def test_spec_tools_bind_the_settings_folders(project: Path) -> None:
    tools = spec_tools(settings_for(project, SENTINEL_SPECS_DIR="elsewhere"))
    os.makedirs(project / "elsewhere")
    listing = json.loads(tools[0].handler({}, ToolContext(conversation_id="c", message_id="m")))
    assert listing == {"specs_dir": "elsewhere", "specs": []}


def test_write_spec_creates_a_missing_specs_folder(tmp_path: Path) -> None:
    (tmp_path / "sentinel.toml").write_text("")
    out = call(build_registry(settings_for(tmp_path), now=lambda: WHEN), "write_spec",
               {"filename": "api.yaml", "spec": API})
    assert out.ok, out.error
    assert load_spec(tmp_path / "specs" / "api.yaml").model.name == "api"


def test_output_cap_and_timeout_come_from_settings(project: Path) -> None:
    reg = build_registry(settings_for(project, SENTINEL_TOOL_OUTPUT_LIMIT="20",
                                      SENTINEL_TOOL_TIMEOUT="2.5"))
    assert (reg.output_limit, reg.timeout) == (20, 2.5)
    out = call(reg, "read_spec", {"name": "web"})
    assert out.ok and out.truncated and out.content == WEB[:20]
    assert json.loads(out.to_message_content())["truncated"] is True


def test_remembered_loads_follow_file_changes(registry: ToolRegistry, project: Path) -> None:
    def states() -> dict[str, bool]:
        listing = json.loads(call(registry, "list_specs", {}).content)["specs"]
        return {row["spec"]: row["valid"] for row in listing}

    assert states() == {"broken": False, "web": True}
    assert states() == {"broken": False, "web": True}  # served from memory, same answer
    (project / "specs" / "web.yaml").write_text(WEB.replace("name: web", "name: Web_"))
    (project / "specs" / "broken.yaml").write_text(BROKEN.replace("Broken_Name", "fixed"))
    assert states() == {"broken": True, "web": False}
    bad = call(registry, "validate_spec", {"name": "web"})
    again = call(registry, "validate_spec", {"name": "web"})
    assert not bad.ok and bad.content == again.content and "specs/web.yaml" in bad.content


def test_unreadable_spec_is_named_as_the_user_sees_it(tmp_path: Path) -> None:
    """A problem reading a spec names ``specs/x.yaml``, never the absolute path."""
    settings = load_settings(tmp_path, {"HOME": str(tmp_path)})
    settings.specs_dir.mkdir()
    (settings.specs_dir / "empty.yaml").write_text("")
    folder = SpecFolder(settings.specs_dir, settings.output_dir, settings.root)
    with pytest.raises(SpecError) as info:
        folder.load(settings.specs_dir.resolve() / "empty.yaml")
    with pytest.raises(SpecError) as read_info:
        folder.read_text(settings.specs_dir.resolve() / "empty.yaml")
    assert read_info.value.problems[0].file == "specs/empty.yaml"
    assert info.value.problems[0].file == "specs/empty.yaml"
    assert str(tmp_path) not in str(info.value)
