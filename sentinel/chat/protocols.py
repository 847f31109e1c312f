"""The seams between the chat service and its collaborators: tools, run limits, turn events.

``ChatService`` drives a turn; the tool registry (``tools.py``) and the run limits (``limits.py``)
plug in through ``ToolRunner`` and ``TurnGuard`` so neither side imports the other's internals.
The REPL consumes the ``TurnEvent`` values that ``ChatService.events`` yields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sentinel.errors import ToolError


class ToolLoopStopped(ToolError):
    """A run limit ended the turn (step bound, wall time, circuit breaker); ``reason`` says which.

    The service commits what the turn did so far plus an assistant message ``[stopped: reason]``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"stopped: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class ToolOutcome:
    """What one tool call produced; ``summary`` is the one line the REPL prints."""

    ok: bool
    content: str
    error: str | None = None
    truncated: bool = False
    summary: str = ""
    waited: float = 0.0  # seconds spent waiting on the person (a y/N): not the turn's time

    def to_message_content(self) -> str:
        """The JSON envelope sent back to the model: ``{ok, content, error, truncated}``."""
        envelope: dict[str, Any] = {"ok": self.ok, "content": self.content, "error": self.error,
                                    "truncated": self.truncated}
        return json.dumps(envelope, ensure_ascii=False)


class ToolRunner(Protocol):
    """The tool registry as the service sees it."""

    def definitions(self) -> list[dict[str, Any]]:
        """Tool definitions in the OpenAI ``tools=`` format."""
        ...

    def run(self, name: str, arguments: str, *, conversation_id: str,
            message_id: str) -> ToolOutcome:
        """Run one call; failures come back as ``ToolOutcome(ok=False)``, not exceptions."""
        ...


class TurnGuard(Protocol):
    """Run limits for one turn; any method may raise ``ToolLoopStopped``."""

    def before_model_call(self) -> float | None:
        """Called before every request of the turn (step bound, wall time); returns the seconds
        the request may take (what is left of the turn's time bound), or None for no bound."""
        ...

    def before_tool_call(self, name: str, arguments: str) -> None:
        """Called before each tool call runs."""
        ...

    def after_tool_result(self, name: str, arguments: str, outcome: ToolOutcome) -> None:
        """Called after each tool call (circuit breaker on repeated identical errors)."""
        ...

    def check_tokens(self, turn_tokens: int, conversation_tokens: int) -> None:
        """Called before a turn's first model call and after each one that asks for tools, with
        the tokens used so far (the turn's, the conversation's including this turn)."""
        ...


@dataclass(frozen=True)
class TextDelta:
    """A piece of the assistant's answer, to print as it arrives."""

    text: str


@dataclass(frozen=True)
class ToolActivity:
    """A tool call ran; ``summary`` is one line for the REPL."""

    name: str
    ok: bool
    summary: str


@dataclass(frozen=True)
class Notice:
    """Something the user should know that is not part of the answer (a retry, a stop)."""

    kind: str  # "retry" | "stopped" | "warning"
    message: str


TurnEvent = TextDelta | ToolActivity | Notice
