"""Run limits of one chat turn: step bound, wall time, circuit breaker, no-progress detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentinel.chat.limits import (
    RunLimitReached,
    RunLimits,
    ToolLoopStopped,
    error_fingerprint,
    normalize_arguments,
)
from sentinel.chat.protocols import ToolOutcome
from sentinel.config import load_settings
from sentinel.errors import ConfigError, ToolError


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(error: str, content: str = "") -> ToolOutcome:
    return ToolOutcome(ok=False, content=content, error=error, truncated=False, summary="")


OK = ToolOutcome(ok=True, content="fine", error=None, truncated=False, summary="")


def test_stop_is_a_tool_error() -> None:
    assert issubclass(RunLimitReached, ToolLoopStopped)
    assert issubclass(ToolLoopStopped, ToolError)


def test_step_bound_counts_model_calls_after_the_first() -> None:
    guard = RunLimits(max_tool_steps=2).new_turn()
    for _ in range(3):  # the answer to the user plus two tool rounds
        guard.before_model_call()
    with pytest.raises(RunLimitReached) as info:
        guard.before_model_call()
    assert info.value.limit == "steps"
    assert info.value.reason == "more than 2 tool steps in one turn (setting max_tool_steps)"


def test_wall_time_bound_uses_the_injected_clock() -> None:
    clock = FakeClock()
    guard = RunLimits(turn_timeout=30, clock=clock).new_turn()
    clock.now += 4
    assert guard.before_model_call() == 26  # the model call may take what is left of the turn
    clock.now += 25.5
    assert guard.remaining() == pytest.approx(0.5)
    guard.before_tool_call("list_specs", "{}")
    clock.now += 0.5
    assert guard.remaining() == 0.0
    with pytest.raises(RunLimitReached) as info:
        guard.before_tool_call("read_spec", '{"name": "web"}')
    assert info.value.limit == "time" and "30 s" in info.value.reason
    with pytest.raises(RunLimitReached):
        guard.before_model_call()


def test_time_waiting_on_the_person_is_not_the_turns() -> None:
    clock = FakeClock()
    guard = RunLimits(turn_timeout=30, clock=clock).new_turn()
    guard.before_tool_call("apply_specs", "{}")
    clock.now += 300  # the person read the plan for five minutes, then answered
    guard.after_tool_result("apply_specs", "{}", ToolOutcome(True, "{}", waited=298))
    assert guard.elapsed() == pytest.approx(2)
    assert guard.before_model_call() == pytest.approx(28)  # the final answer still has time
    clock.now += 29
    with pytest.raises(RunLimitReached) as stop:
        guard.before_model_call()
    assert stop.value.limit == "time"


def test_each_turn_gets_a_fresh_guard() -> None:
    clock = FakeClock()
    limits = RunLimits(max_tool_steps=1, turn_timeout=10, clock=clock)
    first = limits.new_turn()
    first.before_model_call()
    first.before_model_call()
    clock.now += 60
    second = limits.new_turn()
    second.before_model_call()  # neither the steps nor the time of the first turn count
    assert second.model_calls == 1


def test_no_progress_on_the_same_call_with_equivalent_arguments() -> None:
    guard = RunLimits(repeat_limit=2).new_turn()
    guard.before_tool_call("read_spec", '{"name": "web", "x": [1, 2]}')
    guard.before_tool_call("read_spec", '{ "x":[1,2],\n "name":"web" }')  # same, reformatted
    guard.before_tool_call("read_spec", '{"name": "cache"}')
    guard.before_tool_call("list_specs", '{"name": "web", "x": [1, 2]}')
    with pytest.raises(RunLimitReached) as info:
        guard.before_tool_call("read_spec", '{"x": [1, 2], "name": "web"}')
    assert info.value.limit == "no_progress"
    assert info.value.reason == "no progress: read_spec called 3 times with the same arguments"


def test_a_successful_write_counts_as_progress() -> None:
    guard = RunLimits(repeat_limit=1).new_turn()
    guard.before_tool_call("list_specs", "{}")
    guard.after_tool_result("list_specs", "{}", OK)
    guard.before_tool_call("write_spec", '{"filename": "a.yaml"}')
    guard.after_tool_result("write_spec", '{"filename": "a.yaml"}', OK)
    guard.before_tool_call("list_specs", "{}")  # the folder changed, so listing again is fine
    with pytest.raises(RunLimitReached):
        guard.before_tool_call("list_specs", "{}")


def test_breaker_trips_on_the_same_error_n_times() -> None:
    guard = RunLimits(breaker_threshold=3).new_turn()
    guard.after_tool_result("write_spec", "{}", fail("the spec is invalid"))
    guard.after_tool_result("write_spec", "{}", fail("something else"))
    guard.after_tool_result("read_spec", "{}", fail("the spec is invalid"))
    guard.after_tool_result("write_spec", "{}", OK)
    guard.after_tool_result("write_spec", "{}", fail("the spec is invalid"))
    with pytest.raises(RunLimitReached) as info:
        guard.after_tool_result("write_spec", "{}", fail("the spec is invalid"))
    assert info.value.limit == "breaker"
    assert info.value.reason == (
        "write_spec failed 3 times with the same error: the spec is invalid "
        "(setting breaker_threshold)")


def problems(line: int, message: str) -> str:
    return json.dumps([{"file": "specs/a.yaml", "line": line, "column": 3,
                        "field": "image", "message": message, "hint": ""}])


def test_same_error_ignores_where_the_problem_sits_but_not_what_it_is() -> None:
    a = fail("the spec is invalid", problems(3, "not an image"))
    moved = fail("the spec is invalid", problems(9, "not an image"))
    other = fail("the spec is invalid", problems(3, "empty"))
    assert error_fingerprint(a) == error_fingerprint(moved)
    assert error_fingerprint(a) != error_fingerprint(other)
    guard = RunLimits(breaker_threshold=2).new_turn()
    guard.after_tool_result("write_spec", "{}", a)
    guard.after_tool_result("write_spec", "{}", other)
    with pytest.raises(RunLimitReached):
        guard.after_tool_result("write_spec", "{}", moved)


def test_normalize_arguments() -> None:
    assert normalize_arguments('{"b": 1, "a": {"d": 2, "c": 3}}') == '{"a":{"c":3,"d":2},"b":1}'
    assert normalize_arguments("") == "{}"
    assert normalize_arguments("  not json ") == "not json"


def test_from_settings(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "SENTINEL_MAX_TOOL_STEPS": "4",
           "SENTINEL_TURN_TIMEOUT": "9.5", "SENTINEL_BREAKER_THRESHOLD": "2"}
    limits = RunLimits.from_settings(load_settings(tmp_path, env))
    assert (limits.max_tool_steps, limits.turn_timeout, limits.breaker_threshold) == (4, 9.5, 2)


def test_token_budgets_of_the_turn_and_the_conversation() -> None:
    guard = RunLimits(max_turn_tokens=100, max_conversation_tokens=1000).new_turn()
    guard.check_tokens(99, 999)  # under both budgets
    with pytest.raises(RunLimitReached) as turn:
        guard.check_tokens(100, 500)
    assert turn.value.limit == "turn_tokens"
    assert turn.value.reason == ("this turn used 100 tokens, its budget is 100 "
                                 "(setting max_turn_tokens)")
    with pytest.raises(RunLimitReached) as whole:
        guard.check_tokens(10, 1000)
    assert whole.value.limit == "conversation_tokens"
    assert "max_conversation_tokens" in whole.value.reason and "/new" in whole.value.reason
    RunLimits(max_turn_tokens=0, max_conversation_tokens=0).new_turn().check_tokens(10**9, 10**9)


def test_token_budgets_from_settings(tmp_path: Path) -> None:
    limits = RunLimits.from_settings(load_settings(tmp_path, {"HOME": str(tmp_path)}))
    assert (limits.max_turn_tokens, limits.max_conversation_tokens) == (100_000, 0)
    env = {"HOME": str(tmp_path), "SENTINEL_MAX_TURN_TOKENS": "500",
           "SENTINEL_MAX_CONVERSATION_TOKENS": "0"}
    limits = RunLimits.from_settings(load_settings(tmp_path, env))
    assert (limits.max_turn_tokens, limits.max_conversation_tokens) == (500, 0)
    with pytest.raises(ConfigError, match="max_turn_tokens"):
        load_settings(tmp_path, {**env, "SENTINEL_MAX_TURN_TOKENS": "-1"})
