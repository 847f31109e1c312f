"""What history a request carries: the most recent messages that fit the token budget.

Token counts are *estimated*, not tokenized: one token per four characters (rounded up) of a
message's content, tool-call names and arguments, plus a fixed overhead of four tokens a message
for the role and framing. That is the usual rule of thumb for English and JSON with OpenAI's
tokenizers; it errs a little on the generous side for code, and it needs no tokenizer download
for local models whose vocabulary we do not know. The budget (setting ``context_budget``) covers
the history only; the system prompt is always sent.

Messages are grouped into units that are kept or dropped whole: an assistant message with
``tool_calls`` and the tool results answering it form one unit, so trimming never separates a
tool call from its result (the endpoint would reject the request). The messages of the turn in
progress are always sent, even over budget, since the model cannot answer without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 4


def estimate_tokens(chars: int) -> int:
    """Estimated tokens for ``chars`` characters (ceil of chars / 4)."""
    return -(-chars // CHARS_PER_TOKEN)


def message_chars(message: Mapping[str, Any]) -> int:
    """Characters of a message that reach the model: content, tool names and arguments."""
    chars = len(message.get("content") or "")
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        chars += len(function.get("name") or "") + len(function.get("arguments") or "")
    return chars


def message_tokens(message: Mapping[str, Any]) -> int:
    """Estimated tokens of one message including its framing overhead."""
    return estimate_tokens(message_chars(message)) + MESSAGE_OVERHEAD_TOKENS


@dataclass(frozen=True)
class SizeSplit:
    """How a request's size splits between system prompt, history and tool output."""

    system_chars: int
    history_chars: int
    tool_chars: int

    @property
    def system_tokens(self) -> int:
        """Estimated tokens of the system prompt."""
        return estimate_tokens(self.system_chars)

    @property
    def history_tokens(self) -> int:
        """Estimated tokens of user and assistant messages."""
        return estimate_tokens(self.history_chars)

    @property
    def tool_tokens(self) -> int:
        """Estimated tokens of tool results."""
        return estimate_tokens(self.tool_chars)


@dataclass(frozen=True)
class Selection:
    """The messages to send and how many older ones were left out."""

    messages: list[dict[str, Any]]
    dropped: int
    split: SizeSplit


def group_units(messages: Sequence[Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split messages into units; a tool-calling assistant message keeps its tool results."""
    units: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.get("role") == "tool" and units and _answers(units[-1], message):
            units[-1].append(dict(message))
        else:
            units.append([dict(message)])
    return units


def _answers(unit: list[dict[str, Any]], tool_message: Mapping[str, Any]) -> bool:
    head = unit[0]
    ids = {c.get("id") for c in head.get("tool_calls") or ()}
    return head.get("role") == "assistant" and tool_message.get("tool_call_id") in ids


def select_context(history: Sequence[Mapping[str, Any]], budget_tokens: int, *,
                   system_prompt: str, pinned: int = 0) -> Selection:
    """The newest whole units of ``history`` within ``budget_tokens``; the last ``pinned``
    messages (the turn in progress) are always included."""
    pinned = min(pinned, len(history))
    older = history[: len(history) - pinned]
    kept_tail = [dict(m) for m in history[len(history) - pinned:]]
    used = sum(message_tokens(m) for m in kept_tail)
    kept: list[dict[str, Any]] = []
    for unit in reversed(group_units(older)):
        cost = sum(message_tokens(m) for m in unit)
        if used + cost > budget_tokens:
            break  # stop at the first unit that does not fit: no gaps in the middle of history
        kept[:0] = unit
        used += cost
    # A tool result whose call was trimmed away (only possible with damaged history) is dropped
    # too: the endpoint rejects an orphan tool message.
    while kept and kept[0].get("role") == "tool":
        kept.pop(0)
    chosen = kept + kept_tail
    return Selection(messages=chosen, dropped=len(history) - len(chosen),
                     split=size_split(system_prompt, chosen))


def size_split(system_prompt: str, messages: Sequence[Mapping[str, Any]]) -> SizeSplit:
    """Characters of the system prompt, of the conversation and of tool results."""
    tool = sum(message_chars(m) for m in messages if m.get("role") == "tool")
    other = sum(message_chars(m) for m in messages if m.get("role") != "tool")
    return SizeSplit(system_chars=len(system_prompt), history_chars=other, tool_chars=tool)
