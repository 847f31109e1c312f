"""``sentinel mcp``: the chat's tool registry served to MCP clients over stdio.

Built on the official ``mcp`` SDK's low-level ``Server``, because it takes each tool's
``inputSchema`` as given: the JSON Schemas an MCP client sees are the registry's own, byte for
byte the ones the chat model gets. Nothing is reimplemented here — every call goes through
``ToolRegistry.run`` (allowlist, read-only mode, JSON Schema check, the loader's validation,
deadline, output cap), and its ``ToolOutcome`` envelope is mapped to an MCP result:

- ``isError`` is ``not ok``, so every failure (bad arguments, an invalid spec, a refused write,
  a timeout) is a tool error the client's model can read and correct, never a protocol error;
- ``content`` is one text block: the tool's output, or for a failure the error and then its
  structured detail (e.g. the spec's problems as JSON);
- ``structuredContent`` is the envelope itself, ``{ok, content, error, truncated}``.

Which tools are offered is decided by tier (``mcp_tiers.py``); a tool that is not offered is
refused by name even if a client calls it anyway. Writes record the origin ``mcp`` and the
client in their provenance comment. stdout carries only JSON-RPC: the SDK's stdio transport
points fd 1 at stderr while it serves, and every log line goes to the ``sentinel.mcp`` logger,
which the CLI sends to stderr.

This is the only module that imports ``mcp``; ``sentinel.cli.mcp_cmds`` imports it lazily so
``sentinel --help`` and ``sentinel validate`` stay light.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from sentinel import __version__
from sentinel.chat.mcp_tiers import READ_TIERS, mcp_refusal, offered_over_mcp
from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.tools import Tool, ToolRegistry, cap_text, summarize

log = logging.getLogger("sentinel.mcp")

SERVER_NAME = "kube-sentinel"
INSTRUCTIONS = (
    "kube-sentinel turns small spec files (one Kubernetes Pod per file) into validated, "
    "secure Pod manifests. Use list_specs to see the project's specs, validate_spec and "
    "render_manifest to check spec data before anything is written, and write_spec (when "
    "offered) to create a spec file: send spec data matching its schema, never YAML text. "
    "An invalid call writes nothing and returns every problem (field, message, hint): fix them "
    "and call again. Nothing here changes a cluster."
)


class McpTools:
    """The registry as an MCP client sees it: the tools its tiers allow, mapped results."""

    def __init__(self, registry: ToolRegistry, *, allow_write: bool) -> None:
        self.registry = registry
        self.allow_write = allow_write
        self.session = secrets.token_hex(4)  # names this server process in provenance

    def offered(self) -> list[Tool]:
        """The registry's offered tools that the MCP tier policy allows, in registry order."""
        return [t for t in self.registry.offered()
                if offered_over_mcp(t.tier, allow_write=self.allow_write)]

    def list_tools(self) -> list[types.Tool]:
        """MCP tool definitions: name, description and the registry's JSON Schema unchanged."""
        return [
            types.Tool(
                name=t.name, description=t.description, input_schema=t.parameters,
                annotations=types.ToolAnnotations(read_only_hint=t.tier in READ_TIERS),
            )
            for t in self.offered()
        ]

    def call(self, name: str, arguments: dict[str, Any] | None, *, client: str,
             request_id: str) -> types.CallToolResult:
        """Run one call through the registry (blocking) and map its envelope to an MCP result."""
        outcome = self._run(name, arguments, client=client, request_id=request_id)
        log.info("%s", outcome.summary or name)
        return to_call_result(outcome)

    def _run(self, name: str, arguments: dict[str, Any] | None, *, client: str,
             request_id: str) -> ToolOutcome:
        tool = self.registry.tool(name)
        if tool is not None:
            refusal = mcp_refusal(tool.name, tool.tier, allow_write=self.allow_write)
            if refusal is not None:
                return refused(name, refusal)
        # Unknown and disabled tools: the registry's own refusal, which lists what is offered,
        # would name tools MCP does not offer, so say it here from the MCP list.
        if tool is None or name not in {t.name for t in self.registry.offered()}:
            offered = ", ".join(t.name for t in self.offered()) or "none"
            why = "unknown tool" if tool is None else "tool not enabled (setting 'tools' or " \
                                                      "'read_only')"
            return refused(name, f"{why} {name!r}; available: {offered}")
        return self.registry.run(
            name, json.dumps({} if arguments is None else arguments),
            conversation_id=f"{client}_{self.session}", message_id=f"request_{request_id}",
            origin="mcp",
        )


def refused(name: str, message: str) -> ToolOutcome:
    """A failure envelope for a call the MCP policy refuses before the registry sees it."""
    text, _ = cap_text(message, 2048)  # it quotes the client's tool name
    return ToolOutcome(False, "", text, False, summarize(name, "", f"refused: {text}"))


def to_call_result(outcome: ToolOutcome) -> types.CallToolResult:
    """The MCP result for an envelope: isError = not ok, text content, the envelope structured."""
    if outcome.ok:
        text = outcome.content
    else:
        text = outcome.error or "failed"
        if outcome.content:
            text += "\n" + outcome.content
    envelope = json.loads(outcome.to_message_content())
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=envelope,
        is_error=not outcome.ok,
    )


_CLIENT_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def client_label(ctx: ServerRequestContext[Any, Any]) -> str:
    """The client's name from its initialize request (``mcp-client`` if it gave none)."""
    params = ctx.session.client_params
    name = params.client_info.name if params is not None and params.client_info else ""
    return _CLIENT_CHARS.sub("_", name)[:40] or "mcp-client"


def build_server(tools: McpTools) -> Server[Any]:
    """The low-level MCP server with tools/list and tools/call bound to ``tools``."""

    async def on_list_tools(ctx: ServerRequestContext[Any, Any],
                            params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools.list_tools())

    async def on_call_tool(ctx: ServerRequestContext[Any, Any],
                           params: types.CallToolRequestParams) -> types.CallToolResult:
        # The registry blocks (a worker thread with a deadline): keep the event loop free.
        call = partial(tools.call, params.name, params.arguments, client=client_label(ctx),
                       request_id=str(ctx.request_id))
        return await anyio.to_thread.run_sync(call)

    return Server(SERVER_NAME, version=__version__, instructions=INSTRUCTIONS,
                  on_list_tools=on_list_tools, on_call_tool=on_call_tool)


def serve_stdio(tools: McpTools) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    server = build_server(tools)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    names = ", ".join(t.name for t in tools.offered()) or "none"
    log.info("serving %d tool(s) over stdio: %s", len(tools.offered()), names)
    anyio.run(main)
