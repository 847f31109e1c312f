"""The system prompt: rebuilt for every request from fixed text and the enabled tools.

It is never stored in history, and it holds nothing that changes between runs (no date, no
random ids, tools in sorted order), so the same settings and the same specs folder always produce
byte-identical prompts: requests are reproducible, and providers that cache prompt prefixes can
reuse them. It is rebuilt for every request because the tools' section lists the existing specs,
which a ``write_spec`` call in the same turn changes.
"""

from __future__ import annotations

from collections.abc import Iterable

PROMPT_VERSION = "2"

_BASE = """\
You are kube-sentinel's assistant. You help people describe Kubernetes Pods as small spec files
(strictyaml, one Pod per file) that kube-sentinel validates and renders into secure-by-default
manifests, and you explain Kubernetes concepts, validation errors and manifests.

Rules:
- Be concise. Prefer concrete spec snippets and exact field names over general advice.
- A spec has `name` and `image` (required) and optional Kubernetes fields such as `namespace`,
  `labels`, `env`, `ports`, `resources`, `probes`, `volumes`, `security` (restricted by default).
{cluster}"""

_NO_APPLY = """- Never claim to have applied anything to a cluster: you cannot. People run `doit apply`
  themselves after reviewing the manifests."""

_APPLY = """- Only `apply_specs` changes the cluster, and only after the user answers y to the plan it
  shows at their terminal. Say what it will change before calling it; never claim a change it
  did not report as done; if the user refuses, accept it and do not call it again unasked."""

_WITH_TOOLS = """
- Tools available: {names}. Write or change spec files only through the tools, never by
  printing raw YAML and asking the user to save it. When a tool reports validation errors, fix
  the arguments and call it again; tell the user what you changed.
- Do not overwrite an existing spec unless the user asked for it."""

_WITHOUT_TOOLS = """
- No tools are enabled in this session: show spec snippets for the user to save themselves."""


def build_system_prompt(tool_names: Iterable[str] = (), extra: str = "") -> str:
    """The system prompt for a session with these tools enabled (order does not matter).

    ``extra`` is appended verbatim after a blank line: the tools' own section (spec format,
    existing specs), itself deterministic for the same inputs.
    """
    names = sorted(set(tool_names))
    if names:
        tail = _WITH_TOOLS.format(names=", ".join(f"`{n}`" for n in names))
    else:
        tail = _WITHOUT_TOOLS
    rule = _APPLY if "apply_specs" in names else _NO_APPLY
    prompt = _BASE.format(cluster=rule) + tail + "\n"
    if extra.strip():
        prompt += "\n" + extra.strip() + "\n"
    return prompt
