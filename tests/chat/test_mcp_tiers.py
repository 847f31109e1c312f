"""The MCP tier policy: read tiers always, write only with --allow-write, anything else never.

The tiers are checked on the registry's tools in this process (``McpTools`` without a
transport), so a tool of a tier the server must never offer is shown to be both hidden from
tools/list and refused when a client calls it by name anyway — its handler never runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentinel.chat.mcp_server import McpTools, to_call_result
from sentinel.chat.mcp_tiers import READ_TIERS, WRITE_TIERS, mcp_refusal, offered_over_mcp
from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.registry import build_registry
from sentinel.chat.tools import RISK_TIERS, Tool, ToolContext, ToolRegistry
from sentinel.cli.mcp_cmds import DESCRIPTION, EPILOG
from sentinel.config import load_settings

CLUSTER_WRITE = "is never offered over MCP: changes to a cluster need a person's confirmation"
EMPTY = {"type": "object", "properties": {}, "additionalProperties": False}


def registry_with(ran: list[str], *, read_only: bool = False) -> ToolRegistry:
    def handler(name: str) -> Any:
        def run(args: dict[str, Any], ctx: ToolContext) -> str:
            ran.append(f"{name} {ctx.origin} {ctx.conversation_id} {ctx.message_id}")
            return f"{name} ran"
        return run

    return ToolRegistry(
        [Tool(f"t_{tier}", f"a {tier} tool", EMPTY, tier, handler(f"t_{tier}"))
         for tier in RISK_TIERS],
        read_only=read_only,
    )


@pytest.mark.parametrize(
    ("tier", "plain", "with_write"),
    [("read", True, True), ("cluster-read", True, True), ("write", False, True),
     ("cluster-write", False, False), ("exec", False, False), ("network", False, False),
     ("some-future-tier", False, False)],
)
def test_tier_policy(tier: str, plain: bool, with_write: bool) -> None:
    assert offered_over_mcp(tier, allow_write=False) is plain
    assert offered_over_mcp(tier, allow_write=True) is with_write
    assert (mcp_refusal("x", tier, allow_write=True) is None) is with_write


def test_refusals_say_why_and_what_to_do() -> None:
    apply = mcp_refusal("apply_specs", "cluster-write", allow_write=True)
    assert apply is not None and "never offered over MCP" in apply and "doit apply" in apply
    write = mcp_refusal("write_spec", "write", allow_write=False)
    assert write is not None and "sentinel mcp --allow-write" in write
    other = mcp_refusal("run", "exec", allow_write=True)
    assert other == ("tool 'run' (tier 'exec') is never offered over MCP: only the tiers "
                     "cluster-read, read, write are")


def test_only_allowed_tiers_are_listed() -> None:
    ran: list[str] = []
    assert [t.name for t in McpTools(registry_with(ran), allow_write=False).list_tools()] == [
        "t_read", "t_cluster-read"]
    assert [t.name for t in McpTools(registry_with(ran), allow_write=True).list_tools()] == [
        "t_read", "t_write", "t_cluster-read"]


@pytest.mark.parametrize(
    ("name", "allow_write", "why"),
    [("t_exec", False, "is never offered over MCP: only the tiers"),
     ("t_network", True, "is never offered over MCP: only the tiers"),
     ("t_write", False, "is not offered over MCP unless the server was started with"),
     ("t_cluster-write", False, CLUSTER_WRITE),
     ("t_cluster-write", True, CLUSTER_WRITE)],
    ids=["exec", "network", "write", "cluster-write", "cluster-write-allow-write"],
)
def test_a_hidden_tool_called_by_name_is_refused_and_never_runs(name: str, allow_write: bool,
                                                                 why: str) -> None:
    ran: list[str] = []
    tools = McpTools(registry_with(ran), allow_write=allow_write)
    assert name not in [t.name for t in tools.list_tools()]
    result = tools.call(name, {}, client="c", request_id="1")
    assert result.is_error is True
    assert result.structured_content is not None
    assert result.structured_content["ok"] is False
    assert why in result.structured_content["error"]
    assert ran == []


def test_read_only_setting_still_wins_over_allow_write() -> None:
    ran: list[str] = []
    tools = McpTools(registry_with(ran, read_only=True), allow_write=True)
    assert [t.name for t in tools.list_tools()] == ["t_read", "t_cluster-read"]
    result = tools.call("t_write", {}, client="c", request_id="1")
    assert result.is_error is True and ran == []
    assert result.structured_content is not None
    assert "not enabled" in result.structured_content["error"]


def test_a_call_runs_through_the_registry_with_mcp_origin() -> None:
    ran: list[str] = []
    tools = McpTools(registry_with(ran), allow_write=True)
    result = tools.call("t_write", None, client="zed", request_id="7")
    assert result.is_error is False
    assert ran == [f"t_write mcp zed_{tools.session} request_7"]


def test_envelope_mapping() -> None:
    ok = to_call_result(ToolOutcome(True, "text", None, True, "s"))
    assert ok.is_error is False
    assert ok.structured_content == {"ok": True, "content": "text", "error": None,
                                     "truncated": True}
    bad = to_call_result(ToolOutcome(False, json.dumps([{"field": "name"}]), "invalid", False))
    assert bad.is_error is True
    assert bad.content[0].text == 'invalid\n[{"field": "name"}]'  # type: ignore[union-attr]


def test_help_names_every_tier_set() -> None:
    for tier in READ_TIERS | WRITE_TIERS | {"cluster-write"}:
        assert tier in EPILOG
    assert "apply_specs" in EPILOG and "never" in EPILOG


def test_help_description_names_the_registry_tools_by_tier(tmp_path: Path) -> None:
    """``sentinel mcp --help`` lists the tools by name: exactly what the registry offers per
    tier, so a tool added later shows up here or fails this test."""
    registry = build_registry(load_settings(tmp_path, {"HOME": str(tmp_path)}))
    by_tier: dict[str, list[str]] = {}
    for tool in registry.offered():
        by_tier.setdefault(tool.tier, []).append(tool.name)
    rows = {label.strip(): names.strip() for label, _, names in
            (line.partition(":  ") for line in DESCRIPTION.splitlines() if ":  " in line)}
    assert rows == {"spec tools": ", ".join(by_tier.pop("read")),
                    "cluster-read tools": ", ".join(by_tier.pop("cluster-read")),
                    "with --allow-write": ", ".join(by_tier.pop("write"))}
    assert by_tier == {"cluster-write": ["apply_specs"]}
    assert DESCRIPTION.splitlines()[-1] == (
        "apply_specs and every cluster-changing tool are never offered.")
