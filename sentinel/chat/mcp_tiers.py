"""Which registry tools an MCP client may call, decided by risk tier alone.

The chat has a person at the terminal; an MCP client may be an agent with nobody watching, so
``sentinel mcp`` exposes tiers from an allowlist: the read tiers (``read``, ``cluster-read``)
always, ``write`` (spec files inside the specs folder) only with ``--allow-write``, and every
other tier never — ``cluster-write`` (``apply_specs``, which needs a person's ``y``), ``exec``,
``network`` and any tier added later. Deciding by tier rather than by tool name means a tool
added to the registry later is exposed or hidden without touching this module, and a tier
nobody listed here stays hidden (fail closed).

This module imports nothing heavy: ``sentinel mcp --help`` renders its text from these names.
"""

from __future__ import annotations

READ_TIERS: frozenset[str] = frozenset({"read", "cluster-read"})
WRITE_TIERS: frozenset[str] = frozenset({"write"})


def offered_over_mcp(tier: str, *, allow_write: bool) -> bool:
    """Whether a tool of ``tier`` is offered to MCP clients."""
    return tier in READ_TIERS or (allow_write and tier in WRITE_TIERS)


def mcp_refusal(name: str, tier: str, *, allow_write: bool) -> str | None:
    """Why a tool of ``tier`` is not offered over MCP (None when it is), with what to do."""
    if offered_over_mcp(tier, allow_write=allow_write):
        return None
    if tier in WRITE_TIERS:
        return (f"tool {name!r} writes spec files and is not offered over MCP unless the server "
                "was started with 'sentinel mcp --allow-write'; nothing was written")
    if tier.startswith("cluster-"):
        return (f"tool {name!r} (tier {tier!r}) is never offered over MCP: changes to a cluster "
                "need a person's confirmation at a terminal (run 'doit apply' or 'sentinel chat')")
    allowed = ", ".join(sorted(READ_TIERS | WRITE_TIERS))
    return (f"tool {name!r} (tier {tier!r}) is never offered over MCP: only the tiers "
            f"{allowed} are")


def tiers_help() -> str:
    """The ``--help`` paragraph naming what is offered, from the same sets the server uses."""
    reads = ", ".join(sorted(READ_TIERS))
    writes = ", ".join(sorted(WRITE_TIERS))
    return (
        "tools by risk tier:\n"
        f"  always offered:            tiers {reads} (list/read/validate/render specs, and the\n"
        "                             read-only cluster tools where the registry has them)\n"
        f"  only with --allow-write:   tier {writes} (write_spec: spec files in specs_dir only,\n"
        "                             headed by a provenance comment naming the MCP client)\n"
        "  never:                     every other tier, including cluster-write (apply_specs):\n"
        "                             an MCP client has no human confirmation gate, so cluster\n"
        "                             changes stay with 'doit apply' and 'sentinel chat'. Tools\n"
        "                             added to the registry later follow their tier; an unknown\n"
        "                             tier is never offered."
    )
