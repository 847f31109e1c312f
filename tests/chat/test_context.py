"""Context selection: newest whole units within the budget; a tool call never loses its result."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sentinel.chat.context import (
    MESSAGE_OVERHEAD_TOKENS,
    estimate_tokens,
    group_units,
    message_tokens,
    select_context,
    size_split,
)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str | None, *calls: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [{"id": c, "type": "function",
                                  "function": {"name": "read_spec", "arguments": "{}"}}
                                 for c in calls]
    return message


def tool(call_id: str, text: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": text}


def test_estimate_is_ceil_of_chars_over_four() -> None:
    assert [estimate_tokens(n) for n in (0, 1, 4, 5, 8, 9)] == [0, 1, 1, 2, 2, 3]
    assert message_tokens(user("abcd")) == 1 + MESSAGE_OVERHEAD_TOKENS
    call = assistant(None, "c1")  # "read_spec" + "{}" = 11 chars → 3 tokens
    assert message_tokens(call) == 3 + MESSAGE_OVERHEAD_TOKENS


def test_everything_fits_under_a_large_budget() -> None:
    history = [user("a"), assistant("b"), user("c")]
    selection = select_context(history, 10_000, system_prompt="sys", pinned=1)
    assert selection.messages == history and selection.dropped == 0


def test_oldest_messages_are_dropped_first() -> None:
    history = [user("x" * 40), assistant("y" * 40), user("z" * 40), assistant("w" * 40),
               user("now")]
    per = estimate_tokens(40) + MESSAGE_OVERHEAD_TOKENS  # 14
    now = message_tokens(history[-1])  # 5
    selection = select_context(history, now + 2 * per - 1, system_prompt="", pinned=1)
    assert selection.messages == history[3:] and selection.dropped == 3
    selection = select_context(history, now + 2 * per, system_prompt="", pinned=1)
    assert selection.messages == history[2:] and selection.dropped == 2


def test_turn_in_progress_is_always_sent_even_over_budget() -> None:
    history = [user("old"), assistant("older"), user("q" * 400)]
    selection = select_context(history, 5, system_prompt="", pinned=1)
    assert selection.messages == [history[-1]]


def test_tool_call_and_results_are_one_unit() -> None:
    history = [user("a"), assistant(None, "c1", "c2"), tool("c1", "r1" * 30),
               tool("c2", "r2" * 30), assistant("done"), user("next")]
    units = group_units(history)
    assert [len(u) for u in units] == [1, 3, 1, 1]
    unit_cost = sum(message_tokens(m) for m in history[1:4])
    tail = message_tokens(history[4]) + message_tokens(history[5])
    # room for the tail plus part of the tool unit: the whole unit is dropped, not half of it
    selection = select_context(history, tail + unit_cost - 1, system_prompt="", pinned=1)
    assert selection.messages == history[4:]
    selection = select_context(history, tail + unit_cost, system_prompt="", pinned=1)
    assert selection.messages == history[1:]


def test_orphan_tool_result_is_never_sent_first() -> None:
    history = [tool("gone", "stale"), user("q")]
    selection = select_context(history, 1000, system_prompt="", pinned=1)
    assert selection.messages == [user("q")]


def test_size_split_separates_system_history_and_tools() -> None:
    messages = [user("abcd"), assistant(None, "c1"), tool("c1", "x" * 10)]
    split = size_split("s" * 8, messages)
    assert (split.system_chars, split.history_chars, split.tool_chars) == (8, 4 + 11, 10)
    assert (split.system_tokens, split.history_tokens, split.tool_tokens) == (2, 4, 3)


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 8))):
        out.append(user("u" * draw(st.integers(0, 80))))
        calls = [f"c{n}_{k}" for k in range(draw(st.integers(0, 3)))]
        if calls:
            out.append(assistant(None, *calls))
            out.extend(tool(c, "t" * draw(st.integers(0, 120))) for c in calls)
        out.append(assistant("a" * draw(st.integers(0, 80))))
    out.append(user("now"))
    return out


@given(histories(), st.integers(0, 400))
def test_trimming_never_separates_a_call_from_its_result(history: list[dict[str, Any]],
                                                          budget: int) -> None:
    selection = select_context(history, budget, system_prompt="", pinned=1)
    sent = selection.messages
    assert sent[-1] == user("now")
    assert sent == history[len(history) - len(sent):]  # a contiguous newest suffix
    calls = {tc["id"] for m in sent for tc in m.get("tool_calls") or ()}
    results = {m["tool_call_id"] for m in sent if m["role"] == "tool"}
    assert calls == results
    assert sent[0]["role"] != "tool"
    if len(sent) > 1:
        assert sum(message_tokens(m) for m in sent) <= max(budget, message_tokens(sent[-1]))
