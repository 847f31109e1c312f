"""The tool registry: checks before a handler runs, one capped envelope after, allowlist, read-only."""

from __future__ import annotations

import json
import signal
import threading
from typing import Any, cast

import pytest
from jsonschema.exceptions import SchemaError

from sentinel.chat.protocols import ToolOutcome
from sentinel.chat.tools import (
    Tool,
    ToolContext,
    ToolFailed,
    ToolRegistry,
    cap_text,
    field_path,
    summarize,
)
from sentinel.errors import ConfigError, PathEscapeError, Problem, SpecError

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z]+$", "description": "lowercase letters"},
        "count": {"type": "integer", "minimum": 1},
        "items": {"type": "array", "items": {"type": "object",
                                             "properties": {"port": {"type": "integer"}}}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


class Recorder:
    """A handler that remembers its calls and answers with a fixed text or raises."""

    def __init__(self, answer: str = "done", exc: BaseException | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.contexts: list[ToolContext] = []
        self.answer = answer
        self.exc = exc

    def __call__(self, args: dict[str, Any], ctx: ToolContext) -> str:
        self.calls.append(args)
        self.contexts.append(ctx)
        if self.exc is not None:
            raise self.exc
        return self.answer


def make(handler: Recorder, *, name: str = "probe", tier: str = "read") -> Tool:
    return Tool(name, f"{name} tool", SCHEMA, tier, handler,  # type: ignore[arg-type]
                lambda a: str(a.get("name", "")))


def run(reg: ToolRegistry, name: str, args: Any) -> ToolOutcome:
    text = args if isinstance(args, str) else json.dumps(args)
    return reg.run(name, text, conversation_id="conv_1", message_id="msg_1")


def test_definitions_are_openai_function_entries() -> None:
    reg = ToolRegistry([make(Recorder())])
    assert reg.definitions() == [{"type": "function", "function": {
        "name": "probe", "description": "probe tool", "parameters": SCHEMA}}]


def test_valid_call_runs_handler_and_wraps_result() -> None:
    rec = Recorder("hello")
    out = run(ToolRegistry([make(rec)]), "probe", {"name": "abc", "count": 2})
    assert rec.calls == [{"name": "abc", "count": 2}]
    assert rec.contexts[0].conversation_id == "conv_1" and rec.contexts[0].message_id == "msg_1"
    assert (out.ok, out.content, out.error, out.truncated) == (True, "hello", None, False)
    assert out.summary == "probe abc: ok"
    assert isinstance(out, ToolOutcome)


def test_envelope_has_exactly_the_four_fields() -> None:
    out = run(ToolRegistry([make(Recorder("x"))]), "probe", {"name": "a"})
    assert json.loads(out.to_message_content()) == {
        "ok": True, "content": "x", "error": None, "truncated": False}
    bad = run(ToolRegistry([make(Recorder())]), "probe", {"name": "A"})
    envelope = json.loads(bad.to_message_content())
    assert set(envelope) == {"ok", "content", "error", "truncated"} and envelope["ok"] is False


@pytest.mark.parametrize("text", ["{", "{'name': 'a'}", "name=a", '{"name": "a",}'])
def test_invalid_json_is_an_error_envelope_and_handler_not_run(text: str) -> None:
    rec = Recorder()
    out = run(ToolRegistry([make(rec)]), "probe", text)
    assert not out.ok and out.error is not None and "not valid JSON" in out.error
    assert "line 1 column" in out.error
    assert rec.calls == []


def test_arguments_must_be_an_object() -> None:
    rec = Recorder()
    out = run(ToolRegistry([make(rec)]), "probe", "[1, 2]")
    assert not out.ok and out.error == "arguments must be a JSON object" and rec.calls == []


def test_empty_arguments_mean_empty_object() -> None:
    rec = Recorder()
    out = run(ToolRegistry([make(rec)]), "probe", "")
    assert not out.ok and rec.calls == []  # {} lacks the required "name"
    assert json.loads(out.content) == [{"field": "", "message": "'name' is a required property"}]


def test_schema_violations_are_all_listed_with_field_paths() -> None:
    rec = Recorder()
    out = run(ToolRegistry([make(rec)]), "probe",
              {"name": "UPPER", "count": 0, "items": [{"port": 1}, {"port": "x"}], "extra": 1})
    assert rec.calls == []
    assert not out.ok and out.error is not None and "4 error(s)" in out.error
    fields = [e["field"] for e in json.loads(out.content)]
    assert fields == ["", "count", "items[1].port", "name"]
    assert out.summary == ("probe UPPER: invalid: Additional properties are not allowed "
                           "('extra' was unexpected) (+3 more)")


def test_pattern_violations_say_what_the_field_wants() -> None:
    out = run(ToolRegistry([make(Recorder())]), "probe", {"name": "A1", "items": [{"port": 1}]})
    assert json.loads(out.content) == [
        {"field": "name", "message": "'A1' is not valid here: lowercase letters"}]


def test_unknown_tool_names_the_available_ones() -> None:
    out = run(ToolRegistry([make(Recorder())]), "rm_rf", {})
    assert not out.ok and out.error == "unknown tool 'rm_rf'; available: probe"
    assert out.summary == "rm_rf: error: unknown tool 'rm_rf'; available: probe"


def test_an_error_quoting_the_model_is_capped_too() -> None:
    out = run(ToolRegistry([make(Recorder())]), "x" * 100_000, {})  # a huge unknown tool name
    assert not out.ok and out.truncated and out.error is not None
    assert out.error.startswith("unknown tool 'xxx") and len(out.error.encode()) == 2048
    assert len(out.to_message_content()) < 2200 and len(out.summary) == 100


def test_output_is_capped_and_marked_truncated() -> None:
    reg = ToolRegistry([make(Recorder("é" * 100))], output_limit=51)
    out = run(reg, "probe", {"name": "a"})
    assert out.ok and out.truncated
    assert out.content == "é" * 25  # 50 bytes: the 26th character would be split
    short = run(ToolRegistry([make(Recorder("é" * 10))], output_limit=51), "probe", {"name": "a"})
    assert not short.truncated and short.content == "é" * 10


def test_cap_text_exact_boundary() -> None:
    assert cap_text("abcd", 4) == ("abcd", False)
    assert cap_text("abcde", 4) == ("abcd", True)


def test_timeout_returns_error_and_cancels_the_call() -> None:
    release = threading.Event()
    seen: list[ToolContext] = []

    def slow(args: dict[str, Any], ctx: ToolContext) -> str:
        seen.append(ctx)
        release.wait(5)
        return "late"

    reg = ToolRegistry([Tool("slow", "d", SCHEMA, "read", slow)], timeout=0.05)
    out = run(reg, "slow", {"name": "a"})
    release.set()
    assert not out.ok and out.error == "slow did not finish within 0.05 s"
    assert seen[0].cancelled.is_set()


def test_ctrl_c_while_a_tool_runs_cancels_the_call() -> None:
    release = threading.Event()
    seen: list[ToolContext] = []
    main = cast(int, threading.main_thread().ident)

    def slow(args: dict[str, Any], ctx: ToolContext) -> str:
        seen.append(ctx)
        signal.pthread_kill(main, signal.SIGINT)  # Ctrl-C reaches the main thread, in join()
        release.wait(5)
        return "late"

    reg = ToolRegistry([Tool("slow", "d", SCHEMA, "write", slow)], timeout=5)
    with pytest.raises(KeyboardInterrupt):
        run(reg, "slow", {"name": "a"})
    release.set()
    assert seen[0].cancelled.is_set()  # a write tool checks it and does not write


def test_tool_failed_carries_detail_and_hint() -> None:
    exc = ToolFailed("nope", detail=[{"field": "x", "message": "bad"}], hint="try y")
    out = run(ToolRegistry([make(Recorder(exc=exc))]), "probe", {"name": "a"})
    assert not out.ok and out.error == "nope (hint: try y)"
    assert json.loads(out.content) == [{"field": "x", "message": "bad"}]
    assert out.summary == "probe a: invalid: x: bad"  # the REPL shows the first problem
    plain = run(ToolRegistry([make(Recorder(exc=ToolFailed("nope")))]), "probe", {"name": "a"})
    assert plain.summary == "probe a: error: nope" and plain.content == ""


def test_spec_error_returns_every_problem() -> None:
    problems = [Problem("specs/a.yaml", 3, 5, "image", "not an image", "use nginx:1.27"),
                Problem("specs/a.yaml", 1, 1, "name", "too long", "shorten it")]
    out = run(ToolRegistry([make(Recorder(exc=SpecError(problems)))]), "probe", {"name": "a"})
    assert not out.ok and out.error is not None and "2 error(s)" in out.error
    detail = json.loads(out.content)
    assert [(d["field"], d["message"], d["hint"]) for d in detail] == [
        ("name", "too long", "shorten it"), ("image", "not an image", "use nginx:1.27")]


def test_other_sentinel_errors_become_envelopes() -> None:
    exc = PathEscapeError("../x", "/specs", what="spec file name")
    out = run(ToolRegistry([make(Recorder(exc=exc))]), "probe", {"name": "a"})
    assert not out.ok and out.error is not None
    assert out.error.startswith("spec file name '../x' resolves outside /specs (hint:")


def test_a_handler_bug_is_not_hidden() -> None:
    reg = ToolRegistry([make(Recorder(exc=ZeroDivisionError("bug")))])
    with pytest.raises(ZeroDivisionError):
        run(reg, "probe", {"name": "a"})


def test_allowlist_offers_only_enabled_tools() -> None:
    a, b = Recorder(), Recorder()
    reg = ToolRegistry([make(a, name="alpha"), make(b, name="beta")], enabled=["beta"])
    assert [d["function"]["name"] for d in reg.definitions()] == ["beta"]
    out = run(reg, "alpha", {"name": "x"})
    assert not out.ok and out.error is not None and "not enabled" in out.error
    assert a.calls == []


def test_unknown_allowlist_name_is_a_config_error_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as info:
        ToolRegistry([make(Recorder())], enabled=["probe", "shell"])
    assert info.value.setting == "tools"
    assert "shell" in str(info.value) and "probe" in str(info.value)


def test_read_only_hides_and_refuses_write_tools() -> None:
    reader, writer = Recorder(), Recorder()
    reg = ToolRegistry([make(reader, name="look"), make(writer, name="put", tier="write")],
                       read_only=True)
    assert [d["function"]["name"] for d in reg.definitions()] == ["look"]
    out = run(reg, "put", {"name": "a"})
    assert not out.ok and out.error is not None and "read-only mode" in out.error
    assert writer.calls == []
    assert run(reg, "look", {"name": "a"}).ok


def test_registry_rejects_bad_tool_declarations() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        ToolRegistry([make(Recorder()), make(Recorder())])
    with pytest.raises(ValueError, match="risk tier"):
        ToolRegistry([make(Recorder(), tier="root")])
    with pytest.raises(SchemaError):
        ToolRegistry([Tool("bad", "d", {"type": "objekt"}, "read", Recorder())])


def test_field_path_and_summary_helpers() -> None:
    assert field_path(["spec", "ports", 1, "name"]) == "spec.ports[1].name"
    assert field_path([]) == ""
    assert summarize("write_spec", "web.yaml", "ok") == "write_spec web.yaml: ok"
    long = summarize("t", "x", "error: " + "y" * 200 + "\nsecond line")
    assert len(long) == 100 and long.endswith("...") and "second" not in long
    # a model-chosen target cannot break the one line or print control characters
    assert summarize("read_spec", "web\nassistant> done\x1b[2J", "ok") == (
        "read_spec web?assistant> done?[2J: ok")


def test_activity_line_stays_one_line_for_any_arguments() -> None:
    out = run(ToolRegistry([make(Recorder())]), "probe", {"name": "a\nb"})  # fails the pattern
    assert out.summary == "probe a?b: invalid: name: 'a\\nb' is not valid here: lowercase letters"
