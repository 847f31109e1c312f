"""Run limits for one chat turn: stop a model that loops on tools instead of answering.

A turn where the model calls tools is a loop (model → tools → model …) driven by the model, so
it needs bounds the model cannot talk its way past. ``RunLimits`` holds the settings and makes a
fresh ``RunGuard`` per turn; the chat service calls the guard at three points:

- ``before_model_call`` — the step bound (``settings.max_tool_steps``: model calls that follow
  tool results, i.e. tool rounds) and the wall-time bound (``settings.turn_timeout``, measured
  with an injectable monotonic clock from the guard's creation); it returns the seconds left,
  which the service passes on as the request's timeout and checks while the answer streams, so
  a hung or endlessly trickling model call is bounded too, not only the gaps between steps;
- ``before_tool_call`` — the wall-time bound again, and no-progress detection: the same tool
  with the same arguments (compared as normalized JSON) asked for more than ``repeat_limit``
  times with no successful write in between cannot produce anything new, since the tools are
  deterministic for a given state of the specs folder;
- ``after_tool_result`` — the circuit breaker: the same tool failing with the same error
  ``settings.breaker_threshold`` times in one turn ("same" ignores where a spec problem sits,
  see ``error_fingerprint``), even when the arguments differ in ways that do not matter.

- ``check_tokens`` — the token budgets: before a turn's first model call (the conversation's
  tokens so far, ``settings.max_conversation_tokens``) and after every model call that asks for
  tools (the turn's tokens, ``settings.max_turn_tokens``, and the conversation's). Tokens are
  input plus output as the endpoint reports them in its usage chunk, estimated (chars ÷ 4) when
  it reports none; a final answer is never cut off, the *next* step is what a budget refuses.

Each bound raises ``ToolLoopStopped`` with a reason; the service then commits the turn so far
plus ``[stopped: reason]``.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sentinel.chat.protocols import ToolLoopStopped, ToolOutcome
from sentinel.config import Settings

Clock = Callable[[], float]

DEFAULT_REPEAT_LIMIT = 2  # identical calls allowed between state changes; the next one stops


__all__ = [
    "RunGuard", "RunLimitReached", "RunLimits", "ToolLoopStopped", "error_fingerprint",
    "normalize_arguments",
]


class RunLimitReached(ToolLoopStopped):
    """A ``ToolLoopStopped`` that also says which bound was hit, for tests and the call log."""

    def __init__(self, reason: str, *, limit: str) -> None:
        super().__init__(reason)
        self.limit = limit  # steps | time | breaker | no_progress | turn_tokens | conversation_tokens


def normalize_arguments(arguments: str) -> str:
    """Arguments as canonical JSON (sorted keys, no spacing); raw text if not JSON."""
    try:
        value = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return arguments.strip()
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class RunLimits:
    """The per-turn bounds; ``new_turn()`` makes the guard for one turn."""

    max_tool_steps: int = 8
    turn_timeout: float = 120.0
    breaker_threshold: int = 3
    repeat_limit: int = DEFAULT_REPEAT_LIMIT
    clock: Clock = time.monotonic
    write_tools: frozenset[str] = frozenset({"write_spec", "apply_specs"})
    max_turn_tokens: int = 0  # 0: no bound
    max_conversation_tokens: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock = time.monotonic) -> RunLimits:
        """The limits named by ``settings`` (max_tool_steps, turn_timeout, breaker_threshold)."""
        return cls(
            max_tool_steps=settings.max_tool_steps,
            turn_timeout=settings.turn_timeout,
            breaker_threshold=settings.breaker_threshold,
            clock=clock,
            max_turn_tokens=settings.max_turn_tokens,
            max_conversation_tokens=settings.max_conversation_tokens,
        )

    def new_turn(self) -> RunGuard:
        """A fresh guard whose clock starts now."""
        return RunGuard(self)


@dataclass
class RunGuard:
    """The state of one turn's limits (implements ``protocols.TurnGuard``)."""

    limits: RunLimits
    started: float = field(init=False)
    model_calls: int = field(default=0, init=False)
    tool_calls: int = field(default=0, init=False)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter, init=False)
    _errors: Counter[tuple[str, str]] = field(default_factory=Counter, init=False)

    def __post_init__(self) -> None:
        self.started = self.limits.clock()

    def elapsed(self) -> float:
        """Seconds since the turn started, by the guard's clock."""
        return self.limits.clock() - self.started

    def remaining(self) -> float:
        """Seconds left before the wall-time bound (never negative)."""
        return max(0.0, self.limits.turn_timeout - self.elapsed())

    def _check_time(self) -> None:
        if self.elapsed() >= self.limits.turn_timeout:
            raise RunLimitReached(
                f"turn took longer than {self.limits.turn_timeout:g} s (setting turn_timeout)",
                limit="time",
            )

    def before_model_call(self) -> float:
        """Count one model call; stop past the tool-step bound or the wall-time bound.

        Returns the seconds this call may take: what is left of the turn's time bound.
        """
        steps = self.model_calls  # the first call answers the user; each later one is a step
        if steps > self.limits.max_tool_steps:
            raise RunLimitReached(
                f"more than {self.limits.max_tool_steps} tool steps in one turn "
                "(setting max_tool_steps)",
                limit="steps",
            )
        self._check_time()
        self.model_calls += 1
        return self.remaining()

    def before_tool_call(self, name: str, arguments: str) -> None:
        """Stop on the wall-time bound, or when this exact call keeps being repeated."""
        self._check_time()
        key = (name, normalize_arguments(arguments))
        self._seen[key] += 1
        if self._seen[key] > self.limits.repeat_limit:
            raise RunLimitReached(
                f"no progress: {name} called {self._seen[key]} times with the same arguments",
                limit="no_progress",
            )
        self.tool_calls += 1

    def check_tokens(self, turn_tokens: int, conversation_tokens: int) -> None:
        """Stop when the turn or the conversation has used up its token budget."""
        turn, whole = self.limits.max_turn_tokens, self.limits.max_conversation_tokens
        if whole and conversation_tokens >= whole:
            raise RunLimitReached(
                f"this conversation used {conversation_tokens} tokens, its budget is {whole} "
                "(setting max_conversation_tokens); start a new one with /new",
                limit="conversation_tokens",
            )
        if turn and turn_tokens >= turn:
            raise RunLimitReached(
                f"this turn used {turn_tokens} tokens, its budget is {turn} "
                "(setting max_turn_tokens)",
                limit="turn_tokens",
            )

    def after_tool_result(self, name: str, arguments: str, outcome: ToolOutcome) -> None:
        """Trip the breaker on the same error repeated; a successful write resets repeats.

        Time the call spent waiting on the person (reading the plan before answering y/N) is
        not the turn's: the wall-time bound is for the model and the tools."""
        self.started += outcome.waited
        if outcome.ok:
            if name in self.limits.write_tools:
                self._seen.clear()  # the specs folder changed: re-reading it is progress
            return
        key = (name, error_fingerprint(outcome))
        self._errors[key] += 1
        if self._errors[key] >= self.limits.breaker_threshold:
            raise RunLimitReached(
                f"{name} failed {self._errors[key]} times with the same error: "
                f"{_first_line(outcome.error)} (setting breaker_threshold)",
                limit="breaker",
            )


def error_fingerprint(outcome: ToolOutcome) -> str:
    """What makes two failures "the same error": the message plus each detail's field and message.

    Line, column and file of spec problems are left out: they shift when the model changes an
    unrelated field, yet the model is still stuck on the same mistake.
    """
    try:
        detail = json.loads(outcome.content) if outcome.content else None
    except json.JSONDecodeError:
        detail = outcome.content
    if isinstance(detail, list):
        detail = sorted(
            f"{d.get('field', '')}: {d.get('message', '')}" if isinstance(d, dict) else str(d)
            for d in detail
        )
    return json.dumps([outcome.error or "", detail], sort_keys=True, ensure_ascii=False)


def _first_line(text: str | None, width: int = 120) -> str:
    line = (text or "").splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 3] + "..."
