"""``sentinel mcp``: serve the chat's tools to an MCP client (an editor, an agent) over stdio.

The server itself is ``sentinel.chat.mcp_server``, imported inside the handler: the ``mcp`` SDK
(with its HTTP stack) costs far more than ``sentinel --help`` or ``validate`` may. Settings are
read before serving, so a bad setting is the usual one-line error and exit 2, not a protocol
message; once serving, stdout carries only JSON-RPC and logs go to stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from sentinel.chat.mcp_tiers import tiers_help
from sentinel.errors import EXIT_OK, UsageError

# The tools by name, as the registry offers them (a test checks this against the registry).
DESCRIPTION = """\
A Model Context Protocol server on stdin/stdout offering the chat's tools to
any MCP client:
  spec tools:          list_specs, read_spec, validate_spec, render_manifest
  cluster-read tools:  cluster_status, pod_events, pod_logs, plan, diff_spec
                       (read-only, on the settings' kube context; in a fleet
                       an optional 'context' argument names one of them)
  with --allow-write:  write_spec
apply_specs and every cluster-changing tool are never offered."""

EPILOG = tiers_help() + """

The tools are the chat's (sentinel chat): the same JSON Schemas, the same validation as
'sentinel validate', the same {ok, content, error, truncated} envelope (as structuredContent;
isError when ok is false). The 'tools' and 'read_only' settings apply as in chat.

stdout carries only the MCP protocol; log lines go to stderr. The server ends when the client
closes stdin. Exit codes: 0 normal end, 2 configuration error (before serving)."""


def register(subparsers: Any) -> None:
    """Add the ``mcp`` command."""
    p = subparsers.add_parser(
        "mcp", help="serve the spec tools to an MCP client over stdio",
        description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--allow-write", action="store_true",
                   help="also offer write_spec (spec files inside specs_dir only)")
    p.add_argument("--project", metavar="DIR", type=Path,
                   help="the project folder (where sentinel.toml or specs/ is; default: the "
                        "current folder) — for clients that cannot set a working folder")
    p.add_argument("--quiet", action="store_true", help="log only warnings and errors to stderr")
    p.set_defaults(func=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    """Load settings and the registry, then serve until the client hangs up."""
    from sentinel.chat.mcp_server import McpTools, serve_stdio
    from sentinel.chat.registry import build_registry
    from sentinel.config import load_settings

    project: Path | None = args.project
    if project is not None and not project.is_dir():
        raise UsageError(f"--project {project}: not a folder",
                         hint="pass the folder that holds your specs/ (or sentinel.toml)")
    settings = load_settings(project)
    registry = build_registry(settings)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("sentinel mcp: %(message)s"))
    logger = logging.getLogger("sentinel.mcp")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if args.quiet else logging.INFO)
    logger.propagate = False
    try:
        serve_stdio(McpTools(registry, allow_write=args.allow_write))
    finally:
        logger.removeHandler(handler)
    return EXIT_OK
