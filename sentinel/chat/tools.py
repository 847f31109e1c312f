"""The chat tool registry: what the model may call, checked before it runs, one envelope after.

The model never gets to run anything directly. Each call goes through ``ToolRegistry.run``:

1. the tool must exist, be in the allowlist (``settings.tools``) and, while
   ``settings.read_only`` is on, be of a reading tier (``read``: the specs folder,
   ``cluster-read``: the live cluster); ``write`` (spec files) and ``cluster-write`` (the
   cluster, behind the user's y/N) are then neither offered nor run;
2. the arguments must be a JSON object that satisfies the tool's JSON Schema (Draft 2020-12),
   checked with ``jsonschema`` *before* the handler sees them;
3. the handler runs in a worker thread with a deadline;
4. whatever happens, the result is one ``ToolOutcome`` (``protocols.py``) — the envelope
   ``{ok, content, error, truncated}`` sent back to the model, with ``content`` capped in size
   (for a failure it carries the structured detail, e.g. spec problems) — plus a one-line
   summary for the REPL. The service's own results ("not run" after a stop) are ToolOutcomes
   too, so the model reads one shape whatever happened. Expected failures (bad arguments,
   invalid specs, paths that escape, timeouts, an unreachable cluster) never raise out of
   ``run``; only a bug in a handler does. A handler that shortens its own output (a log cut
   from the top) returns ``Content(text, truncated=True)`` instead of a plain string.

Why abandoning a timed-out worker thread is acceptable: Python cannot kill a thread, and every
tool here is local and bounded (it reads or writes a few small files inside the specs folder, the
loader caps file sizes), so a slow call finishes on its own shortly after; the thread is a daemon
so it never blocks interpreter exit. A write tool additionally checks ``ToolContext.cancelled``
right before it writes, so a call reported to the model as timed out (or cut short by Ctrl-C)
does not write afterwards.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from sentinel.chat.protocols import ToolOutcome
from sentinel.errors import ConfigError, SentinelError, SpecError, ToolError

RiskTier = Literal["read", "write", "cluster-read", "cluster-write", "exec", "network"]
RISK_TIERS: tuple[RiskTier, ...] = ("read", "write", "cluster-read", "cluster-write", "exec",
                                    "network")
READ_TIERS: frozenset[str] = frozenset({"read", "cluster-read"})  # what read_only leaves on
NO_TIMEOUT = float("inf")  # a Tool.timeout for a call that waits on the user (apply_specs)

DEFAULT_OUTPUT_LIMIT = 16 * 1024  # bytes of UTF-8 content per result
DEFAULT_TIMEOUT = 10.0  # seconds per tool call
SUMMARY_WIDTH = 100  # characters of one REPL activity line
ERROR_LIMIT = 2048  # bytes of an envelope's error: it may quote the model (e.g. a tool name)


class ToolFailed(ToolError):
    """A handler's expected failure, with optional structured detail (e.g. spec problems)."""

    def __init__(self, message: str, *, detail: Any = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.detail = detail


@dataclass
class ToolContext:
    """What a handler knows about the call besides its arguments."""

    conversation_id: str
    message_id: str
    origin: str = "chat"  # who asked: "chat" (the REPL's model) or "mcp" (an MCP client)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Content:
    """A handler's result that it already fitted to the limit itself (``truncated`` if cut)."""

    text: str
    truncated: bool = False


Handler = Callable[[dict[str, Any], ToolContext], str | Content]
TargetOf = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Tool:
    """One tool: its name, what it does, its input schema, its risk tier and its handler."""

    name: str
    description: str
    parameters: dict[str, Any]  # JSON Schema (draft 2020-12) of the arguments object
    tier: RiskTier
    handler: Handler
    target: TargetOf = lambda args: ""  # what the call is about, for the REPL line
    timeout: float | None = None  # None: the registry's; NO_TIMEOUT: waits on the user

    def definition(self) -> dict[str, Any]:
        """The OpenAI ``tools=`` entry for this tool."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


class ToolRegistry:
    """The enabled tools, and the one place a tool call is checked, run and wrapped."""

    def __init__(
        self,
        tools: Iterable[Tool],
        *,
        enabled: Sequence[str] = (),
        read_only: bool = False,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        timeout: float = DEFAULT_TIMEOUT,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._all: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._all:
                raise ValueError(f"duplicate tool name {tool.name!r}")
            if tool.tier not in RISK_TIERS:
                raise ValueError(f"tool {tool.name!r}: unknown risk tier {tool.tier!r}")
            Draft202012Validator.check_schema(tool.parameters)
            self._all[tool.name] = tool
        unknown = sorted(set(enabled) - set(self._all))
        if unknown:
            raise ConfigError(
                f"setting 'tools' names unknown tool(s): {', '.join(unknown)}",
                setting="tools",
                hint=f"list some of {', '.join(sorted(self._all))} in sentinel.toml or "
                     "SENTINEL_TOOLS (comma-separated; empty enables all)",
            )
        allowed = set(enabled) if enabled else set(self._all)
        self.read_only = read_only
        self._enabled = {n: t for n, t in self._all.items() if n in allowed}
        self._validators = {
            n: Draft202012Validator(t.parameters) for n, t in self._enabled.items()
        }
        self.output_limit = output_limit
        self.timeout = timeout
        self._now = now

    def offered(self) -> list[Tool]:
        """The tools the model is offered: enabled, minus write tools in read-only mode."""
        return [t for t in self._enabled.values() if self._refusal(t) is None]

    def tool(self, name: str) -> Tool | None:
        """Any registered tool by name (enabled or not)."""
        return self._all.get(name)

    def definitions(self) -> list[dict[str, Any]]:
        """The OpenAI ``tools=`` parameter: one function definition per offered tool."""
        return [t.definition() for t in self.offered()]

    def _refusal(self, tool: Tool) -> str | None:
        if tool.name not in self._enabled:
            return f"tool {tool.name!r} is not enabled (setting 'tools')"
        if self.read_only and tool.tier not in READ_TIERS:
            return f"tool {tool.name!r} is disabled: chat is in read-only mode (setting 'read_only')"
        return None

    def run(
        self, name: str, arguments: str, *, conversation_id: str, message_id: str,
        origin: str = "chat",
    ) -> ToolOutcome:
        """Check and run one tool call; always returns an envelope for expected failures.

        ``origin`` says who asked (``chat`` or ``mcp``); write tools record it as provenance.
        """
        tool = self._all.get(name)
        if tool is None:
            offered = ", ".join(t.name for t in self.offered()) or "none"
            return self._failure(name, "", f"unknown tool {name!r}; available: {offered}")
        refusal = self._refusal(tool)
        if refusal is not None:
            return self._failure(name, "", refusal)
        try:
            args = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            return self._failure(
                name, "", f"arguments are not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno}); send one JSON object matching the tool's schema")
        if not isinstance(args, dict):
            return self._failure(name, "", "arguments must be a JSON object")
        target = _safe_target(tool, args)
        errors = schema_errors(self._validators[name], args)
        if errors:
            return self._failure(
                name, target,
                f"arguments do not match the schema of {name} ({len(errors)} error(s)); "
                "fix them and call again",
                detail=errors,
            )
        ctx = ToolContext(conversation_id=conversation_id, message_id=message_id, origin=origin)
        if self._now is not None:
            ctx.now = self._now
        return self._execute(tool, args, target, ctx)

    def _execute(
        self, tool: Tool, args: dict[str, Any], target: str, ctx: ToolContext
    ) -> ToolOutcome:
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["content"] = tool.handler(args, ctx)
            # Not swallowed: carried to the calling thread, which maps or re-raises it.
            except BaseException as exc:  # noqa: BLE001
                box["exc"] = exc

        worker = threading.Thread(target=work, name=f"tool-{tool.name}", daemon=True)
        limit = self.timeout if tool.timeout is None else tool.timeout
        try:
            worker.start()
            worker.join(None if limit == NO_TIMEOUT else limit)
        except BaseException:  # Ctrl-C: the turn is rolled back, so the call must not write later
            ctx.cancelled.set()
            raise
        if worker.is_alive():
            ctx.cancelled.set()  # a write tool checks this before writing
            return self._failure(
                tool.name, target, f"{tool.name} did not finish within {limit:g} s"
            )
        exc = box.get("exc")
        if exc is None:
            content = box["content"]
            if isinstance(content, Content):
                return self._success(tool.name, target, content.text, cut=content.truncated)
            return self._success(tool.name, target, str(content))
        if isinstance(exc, ToolFailed):
            return self._failure(tool.name, target, exc.message, detail=exc.detail, hint=exc.hint)
        if isinstance(exc, SpecError):
            return self._failure(
                tool.name, target, f"the spec is invalid ({len(exc.errors)} error(s)); "
                "fix every field listed and call again",
                detail=[p.to_dict() for p in exc.problems],
            )
        if isinstance(exc, SentinelError):
            return self._failure(tool.name, target, exc.message, hint=exc.hint)
        raise exc  # a bug in a handler: not the model's fault, so it must not be hidden

    def _success(self, name: str, target: str, content: str, *, cut: bool = False) -> ToolOutcome:
        text, truncated = cap_text(content, self.output_limit)
        return ToolOutcome(True, text, None, truncated or cut, summarize(name, target, "ok"))

    def _failure(
        self, name: str, target: str, error: str, *, detail: Any = None, hint: str | None = None
    ) -> ToolOutcome:
        message, cut = cap_text(f"{error} (hint: {hint})" if hint else error, ERROR_LIMIT)
        content = "" if detail is None else json.dumps(detail, ensure_ascii=False)
        text, truncated = cap_text(content, self.output_limit)
        return ToolOutcome(False, text, message, truncated or cut,
                            summarize(name, target, _failure_result(error, detail)))


def _failure_result(error: str, detail: Any) -> str:
    """The REPL's result word: the first listed problem when there are any, else the error."""
    items = [d for d in detail if isinstance(d, dict)] if isinstance(detail, list) else []
    if not items:
        return f"error: {error}"
    first = items[0]
    where = f"{first['field']}: " if first.get("field") else ""
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    return f"invalid: {where}{first.get('message', '')}{more}"


def _safe_target(tool: Tool, args: Mapping[str, Any]) -> str:
    try:
        return str(tool.target(args))
    except (KeyError, TypeError, AttributeError):  # arguments of the wrong shape
        return ""


def schema_errors(validator: Draft202012Validator, args: Any) -> list[dict[str, str]]:
    """Every schema violation as ``{"field", "message"}``, sorted by field path."""
    found: list[dict[str, str]] = []
    for err in validator.iter_errors(args):
        found.extend(_flatten(err))
    return sorted(found, key=lambda e: (e["field"], e["message"]))


def _flatten(err: ValidationError) -> list[dict[str, str]]:
    # anyOf/oneOf failures say little at the top; their sub-errors name the real field.
    if err.context:
        best = [e for e in err.context if len(e.absolute_path) >= len(err.absolute_path)]
        if best:
            deepest = max(len(e.absolute_path) for e in best)
            return [x for e in best if len(e.absolute_path) == deepest for x in _flatten(e)]
    message = err.message
    description = err.schema.get("description") if isinstance(err.schema, dict) else None
    if err.validator == "pattern" and description:
        # "'x' does not match '^[a-z0-9]…$'" tells a model less than what the field is for.
        message = f"{err.instance!r} is not valid here: {description}"
    return [{"field": field_path(err.absolute_path), "message": _short(message)}]


def field_path(parts: Iterable[str | int]) -> str:
    """``spec.ports[1].name`` from a jsonschema path deque; empty means the whole object."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def cap_text(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary), and whether cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text, False
    return raw[:limit].decode("utf-8", errors="ignore"), True


def summarize(name: str, target: str, result: str) -> str:
    """One REPL line: ``tool target: result``, first line only, within ``SUMMARY_WIDTH``."""
    head = f"{name} {target}".rstrip() if target else name
    line = f"{head}: {result.splitlines()[0] if result else ''}"
    # The target comes from the model's arguments: a newline in it must not fake a REPL line.
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    # ASCII on purpose: the REPL may run under LANG=C (cram does)
    return line if len(line) <= SUMMARY_WIDTH else line[: SUMMARY_WIDTH - 3] + "..."
