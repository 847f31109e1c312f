"""The tool registry ``sentinel chat`` uses: the spec tools and the cluster tools together.

Kept apart from ``spec_tools`` so the spec tools stay free of ``sentinel.kube``; the order here
(spec tools, then cluster reads, then the one cluster write) is the order the model is offered
them and the order the system prompt lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sentinel.chat.cluster_tools import cluster_read_tools
from sentinel.chat.plan_tools import plan_tools
from sentinel.chat.spec_tools import spec_tools
from sentinel.chat.tools import ToolRegistry
from sentinel.config import Settings


def build_registry(settings: Settings, *, now: Callable[[], datetime] | None = None) -> ToolRegistry:
    """Every chat tool, filtered by ``tools`` and ``read_only`` and capped by ``settings``."""
    return ToolRegistry(
        [*spec_tools(settings), *cluster_read_tools(settings), *plan_tools(settings)],
        enabled=settings.tools,
        read_only=settings.read_only,
        output_limit=settings.tool_output_limit,
        timeout=settings.tool_timeout,
        now=now,
    )
