"""ChatService against the REAL openai SDK and the scripted server: the contract, rollback of
every failure kind (in memory and on disk), retries, resume, tools and the call log."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sentinel.chat.calllog import CallLog, read_calls
from sentinel.chat.context import MESSAGE_OVERHEAD_TOKENS
from sentinel.chat.history import ChatHistoryStore, MemoryHistoryStore, TinyDBHistoryStore
from sentinel.chat.limits import RunLimits
from sentinel.chat.prompt import build_system_prompt
from sentinel.chat.protocols import Notice, TextDelta, ToolActivity, ToolOutcome
from sentinel.chat.provider import OpenAIProvider, StreamChunk, provider_config
from sentinel.chat.service import CANCELLED, ChatService
from sentinel.errors import ProviderError, StreamInterrupted
from tests.fakes.openai_server import FakeOpenAI, refused_url

KEY = "sk-test-SECRET-0123456789abcdefghij"
TEST_TIMEOUT = 20.0  # per read of the stream; the slowest scripted gap is 0.3 s


@pytest.fixture(params=["memory", "tinydb"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Harness:
    """Builds services on one fake server; records the injected sleeps; closes what it opened."""

    def __init__(self, fake: FakeOpenAI, tmp: Path) -> None:
        self.fake = fake
        self.tmp = tmp
        self.sleeps: list[float] = []
        self.providers: list[OpenAIProvider] = []
        self.stores: list[ChatHistoryStore] = []
        self.call_log = CallLog(tmp / "calls.jsonl")

    def store(self, kind: str) -> ChatHistoryStore:
        store = MemoryHistoryStore() if kind == "memory" else TinyDBHistoryStore(self.tmp / "hist")
        self.stores.append(store)
        return store

    def service(self, store: ChatHistoryStore, cid: str | None = None, *,
                url: str | None = None, **kw: Any) -> ChatService:
        config = provider_config(KEY, url or self.fake.url, "test-model")
        # Seconds, not the default ten minutes: a server that stops answering fails the test fast.
        provider = OpenAIProvider(replace(config, timeout=TEST_TIMEOUT, connect_timeout=5.0))
        self.providers.append(provider)
        kw.setdefault("call_log", self.call_log)
        return ChatService(provider, store, cid or store.create_conversation(),
                           sleep=self.sleeps.append, jitter=lambda: 0.5, **kw)

    def close(self) -> None:
        for provider in self.providers:
            provider.close()
        for store in self.stores:
            store.close()


@pytest.fixture
def h(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(fake, tmp_path)
    yield harness
    harness.close()


def _bodies(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [r["body"] for r in fake.requests]


def _wire(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(m["role"], m.get("content")) for m in messages]


# --- the contract ---------------------------------------------------------------------------
def test_turn_streams_deltas_and_stores_exactly_their_join(h: Harness, store_kind: str) -> None:
    h.fake.script([{"text": "A Pod runs one or more containers.", "delay": 0.001}])
    svc = h.service(h.store(store_kind))
    deltas = list(svc.stream("what is a pod?"))
    assert len(deltas) == 7
    history = svc.get_history()
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == "what is a pod?"
    assert history[1]["content"] == "".join(deltas) == "A Pod runs one or more containers."
    assert history[0]["turn"] == history[1]["turn"] and history[0]["turn"].startswith("turn_")
    assert all(m["id"].startswith("msg_") and m["created"].endswith("Z") for m in history)
    (body,) = _bodies(h.fake)
    assert body["model"] == "test-model" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert "tools" not in body  # no tool runner configured → no tools parameter
    assert body["messages"] == [{"role": "system", "content": svc.system_prompt},
                                {"role": "user", "content": "what is a pod?"}]


def test_second_turn_carries_the_first_in_order(h: Harness, store_kind: str) -> None:
    h.fake.script([{"text": "first answer"}, {"text": "second answer"}])
    svc = h.service(h.store(store_kind))
    assert "".join(svc.stream("one")) == "first answer"
    assert "".join(svc.stream("two")) == "second answer"
    second = _bodies(h.fake)[1]["messages"]
    assert _wire(second)[1:] == [("user", "one"), ("assistant", "first answer"), ("user", "two")]
    assert [m["content"] for m in svc.get_history()] == ["one", "first answer", "two",
                                                         "second answer"]


def test_conversations_are_isolated(h: Harness, store_kind: str) -> None:
    store = h.store(store_kind)
    h.fake.script([{"text": "for A"}, {"text": "for B"}])
    a, b = h.service(store), h.service(store)
    list(a.stream("question A"))
    list(b.stream("question B"))
    assert [m["content"] for m in a.get_history()] == ["question A", "for A"]
    assert [m["content"] for m in b.get_history()] == ["question B", "for B"]
    assert _wire(_bodies(h.fake)[1]["messages"])[1:] == [("user", "question B")]


def test_system_prompt_is_deterministic_and_not_stored(h: Harness) -> None:
    h.fake.script([{"text": "x"}, {"text": "y"}])
    svc = h.service(h.store("memory"))
    list(svc.stream("a"))
    list(svc.stream("b"))
    prompts = [b["messages"][0] for b in _bodies(h.fake)]
    assert prompts[0] == prompts[1] == {"role": "system", "content": build_system_prompt()}
    assert all(m["role"] != "system" for m in svc.get_history())
    assert build_system_prompt(["b", "a"]) == build_system_prompt(["a", "b", "a"])


def test_system_prompt_names_the_tools_and_the_confirmation() -> None:
    with_apply = build_system_prompt(["cluster_status", "apply_specs", "write_spec"])
    assert "Tools available: `apply_specs`, `cluster_status`, `write_spec`." in with_apply
    assert ("Only `apply_specs` changes the cluster, and only after the user answers y to the "
            "plan it\n  shows at their terminal.") in with_apply
    assert "Never claim to have applied" not in with_apply
    reading = build_system_prompt(["cluster_status", "write_spec"])
    assert "Never claim to have applied anything to a cluster: you cannot." in reading
    assert "apply_specs" not in reading
    assert with_apply == build_system_prompt(["write_spec", "apply_specs", "cluster_status"])


def test_reset_clears_and_reinitializes(h: Harness, store_kind: str) -> None:
    h.fake.script([{"text": "old"}, {"text": "new"}])
    svc = h.service(h.store(store_kind))
    list(svc.stream("before"))
    cid = svc.conversation_id
    svc.reset()
    assert svc.get_history() == [] and svc.conversation_id == cid
    list(svc.stream("after"))
    assert _bodies(h.fake)[1]["messages"] == [
        {"role": "system", "content": svc.system_prompt}, {"role": "user", "content": "after"}]
    svc.clear_history()
    assert svc.get_history() == []


def test_first_turn_titles_the_conversation(h: Harness) -> None:
    h.fake.script([{"text": "ok"}])
    store = h.store("memory")
    svc = h.service(store)
    list(svc.stream("write a spec for nginx\nwith two replicas"))
    assert store.get_conversation(svc.conversation_id).title == "write a spec for nginx"


def test_a_key_in_the_first_message_leaves_no_piece_in_the_title(h: Harness) -> None:
    h.fake.script([{"text": "ok"}])
    store = h.store("memory")
    svc = h.service(store)
    key = "sk-proj-" + "A1b2C3d4" * 6
    list(svc.stream("x" * 47 + " " + key))  # the 60-character cut falls inside the key
    assert store.get_conversation(svc.conversation_id).title == "x" * 47 + " [redacted]"


# --- rollback: each failure leaves history exactly as it was ---------------------------------
FAILURES: dict[str, tuple[list[dict[str, Any]], type[Exception]]] = {
    "http_error": ([{"error": {"status": 400, "message": "bad request body"}}], ProviderError),
    "dropped_stream": ([{"text": "this answer will be cut", "drop_after": 3}], StreamInterrupted),
    "no_finish_reason": ([{"text": "never finishes", "no_finish": True}], StreamInterrupted),
    "error_event_mid_stream": ([{"text": "starts then fails", "stream_error": {
        "message": "the model crashed", "after": 2}}], StreamInterrupted),
    "retries_exhausted": ([{"error": {"status": 503, "message": "overloaded"}, "times": 4}],
                          ProviderError),
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failed_turn_rolls_back_in_memory_and_on_disk(h: Harness, store_kind: str,
                                                      failure: str) -> None:
    script, error = FAILURES[failure]
    h.fake.script([{"text": "kept answer"}, *script, {"text": "retried answer"}])
    store = h.store(store_kind)
    svc = h.service(store)
    list(svc.stream("kept question"))
    before = svc.get_history()
    shown: list[str] = []
    with pytest.raises(error):
        for delta in svc.stream("failing question"):
            shown.append(delta)  # noqa: PERF402 - keep what arrived before the failure
    assert svc.get_history() == before
    if store_kind == "tinydb":
        assert _reopened(h, svc.conversation_id) == before
    # the user simply sends it again
    assert "".join(svc.stream("failing question")) == "retried answer"
    assert [m["content"] for m in svc.get_history()][2:] == ["failing question", "retried answer"]
    if failure == "dropped_stream":
        assert "".join(shown) == "this answer"  # tokens were shown, so no retry happened


def _reopened(h: Harness, cid: str) -> list[dict[str, Any]]:
    fresh = TinyDBHistoryStore(h.tmp / "hist")
    try:
        return fresh.get_messages(cid)
    finally:
        fresh.close()


def test_ctrl_c_inside_the_iteration_rolls_back(h: Harness, store_kind: str) -> None:
    h.fake.script([{"text": "kept"}, {"text": "a b c d e f", "delay": 0.01}])
    svc = h.service(h.store(store_kind))
    list(svc.stream("first"))
    before = svc.get_history()
    events = svc.events("second")
    assert isinstance(next(events), TextDelta)
    with pytest.raises(StreamInterrupted, match="cancelled") as info:
        events.throw(KeyboardInterrupt())
    assert str(info.value) == CANCELLED
    assert svc.get_history() == before
    if store_kind == "tinydb":
        assert _reopened(h, svc.conversation_id) == before


def test_real_sigint_during_a_slow_stream_rolls_back(h: Harness) -> None:
    h.fake.script([{"text": "one two three four five six", "delay": 0.3}])
    svc = h.service(h.store("tinydb"))
    # Armed once the first word is shown: the signal then lands while the stream waits for the
    # next word (0.3 s apart), i.e. inside the iteration, as a Ctrl-C at the terminal would.
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
    shown: list[str] = []
    stream = svc.stream("slow please")
    outcome: BaseException | None = None
    try:
        for delta in stream:
            shown.append(delta)
            if len(shown) == 1:
                timer.start()
    except StreamInterrupted as exc:  # the signal landed inside the iteration (nearly always)
        outcome = exc
    except KeyboardInterrupt as exc:  # it landed in this loop's body: the stream is abandoned
        outcome = exc
    finally:
        timer.cancel()
        stream.close()
    assert outcome is not None
    if isinstance(outcome, StreamInterrupted):
        assert str(outcome) == CANCELLED
    assert 0 < len(shown) < 6
    assert svc.get_history() == [] and _reopened(h, svc.conversation_id) == []
    (record,) = read_calls(h.call_log.path)[0]
    assert record["error"] == "stream_interrupted" and record["ttft_ms"] is not None


def test_abandoned_iteration_commits_nothing(h: Harness) -> None:
    h.fake.script([{"text": "a b c d"}])
    svc = h.service(h.store("memory"))
    stream = svc.stream("hi")
    next(stream)
    stream.close()
    assert svc.get_history() == []


# --- retries ---------------------------------------------------------------------------------
def test_transient_errors_are_retried_with_backoff_then_succeed(h: Harness) -> None:
    h.fake.script([{"error": {"status": 429, "message": "rate limited"}, "times": 2},
                   {"text": "finally"}])
    svc = h.service(h.store("memory"))
    events = list(svc.events("hi"))
    notices = [e for e in events if isinstance(e, Notice)]
    assert [n.kind for n in notices] == ["retry", "retry"]
    assert "provider error 429: rate limited" in notices[0].message
    # exponential (0.5 s, 1 s ceilings) with the jitter source pinned at 0.5 → 3/4 of each
    assert h.sleeps == [0.375, 0.75]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "finally"
    assert len(h.fake.requests) == 3
    (record,) = read_calls(h.call_log.path)[0]
    assert record["retries"] == 2 and record["error"] is None


def test_backoff_is_capped_and_jittered(h: Harness) -> None:
    svc = h.service(h.store("memory"), max_retries=10)
    ceilings = [min(8.0, 0.5 * 2 ** n) for n in range(8)]
    assert [svc._backoff(n) for n in range(8)] == [c * 0.75 for c in ceilings]
    svc._jitter = lambda: 0.0
    assert svc._backoff(20) == 4.0


def test_retries_are_bounded(h: Harness) -> None:
    h.fake.script([{"error": {"status": 500, "message": "boom"}, "times": 10}])
    svc = h.service(h.store("memory"), max_retries=2)
    with pytest.raises(ProviderError) as info:
        list(svc.stream("hi"))
    assert info.value.status == 500 and "boom" in str(info.value)
    assert len(h.fake.requests) == 3 and len(h.sleeps) == 2
    (record,) = read_calls(h.call_log.path)[0]
    assert record["error"] == "provider" and record["status"] == 500 and record["retries"] == 2


def test_client_errors_are_not_retried(h: Harness) -> None:
    h.fake.script([{"error": {"status": 401, "message": "invalid key"}}])
    svc = h.service(h.store("memory"))
    with pytest.raises(ProviderError, match="401: invalid key") as info:
        list(svc.stream("hi"))
    assert info.value.hint == "check OPENAI_API_KEY" and h.sleeps == []


def test_connection_refused_is_retried_then_reported(h: Harness) -> None:
    with refused_url() as url:  # held for the whole test: refused, never someone else's server
        svc = h.service(h.store("memory"), url=url, max_retries=1)
        with pytest.raises(ProviderError, match="cannot reach") as info:
            list(svc.stream("hi"))
    assert info.value.status is None and len(h.sleeps) == 1
    assert "Connection refused" in str(info.value)


def test_drop_before_the_first_token_is_retried(h: Harness) -> None:
    h.fake.script([{"text": "lost", "drop_after": 1}, {"text": "second try"}])
    svc = h.service(h.store("memory"))
    assert "".join(svc.stream("hi")) == "second try"
    assert len(h.sleeps) == 1


def test_no_retry_after_the_first_token(h: Harness) -> None:
    h.fake.script([{"text": "half an answer", "drop_after": 2}, {"text": "never requested"}])
    svc = h.service(h.store("memory"))
    with pytest.raises(StreamInterrupted):
        list(svc.stream("hi"))
    assert len(h.fake.requests) == 1 and h.sleeps == [] and h.fake.queued == 1


class TextThenRetryableError:
    """A ``ChatProvider`` double: a few words, then a retryable error (as a provider that mapped
    a mid-answer failure to ``ProviderError`` would); the service must not retry after text."""

    model = "double"

    def __init__(self) -> None:
        self.calls = 0

    def stream_chat(self, messages: Any, *, tools: Any = None,
                    timeout: float | None = None) -> Generator[StreamChunk, None, None]:
        self.calls += 1
        yield StreamChunk(text="half an ")
        raise ProviderError("provider error 503: overloaded", status=503, retryable=True)


def test_a_retryable_error_after_text_is_not_retried() -> None:
    provider, store = TextThenRetryableError(), MemoryHistoryStore()
    sleeps: list[float] = []
    svc = ChatService(provider, store, store.create_conversation(), sleep=sleeps.append)
    shown: list[str] = []
    with pytest.raises(ProviderError, match="503"):
        shown.extend(svc.stream("hi"))
    assert provider.calls == 1 and sleeps == [] and svc.get_history() == []


# --- restart and resume ----------------------------------------------------------------------
def test_new_service_on_the_same_store_resumes(h: Harness) -> None:
    h.fake.script([{"text": "remembered"}, {"text": "continued"}])
    store = h.store("tinydb")
    first = h.service(store)
    list(first.stream("remember this"))
    cid = first.conversation_id
    store.close()
    reopened = h.store("tinydb")
    assert reopened.last_conversation() == cid
    second = h.service(reopened, cid)
    assert [m["content"] for m in second.get_history()] == ["remember this", "remembered"]
    list(second.stream("and now?"))
    assert _wire(_bodies(h.fake)[1]["messages"])[1:] == [
        ("user", "remember this"), ("assistant", "remembered"), ("user", "and now?")]


# --- tools -----------------------------------------------------------------------------------
class RecordingTools:
    """A ToolRunner double: answers every call and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, str]] = []

    def definitions(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {"name": n, "description": n,
                 "parameters": {"type": "object"}}} for n in ("list_specs", "read_spec")]

    def run(self, name: str, arguments: str, *, conversation_id: str,
            message_id: str) -> ToolOutcome:
        self.calls.append((name, arguments, conversation_id, message_id))
        return ToolOutcome(ok=True, content=f"result of {name}", summary=f"{name}: ok")


def test_tool_round_runs_calls_and_sends_results(h: Harness, store_kind: str) -> None:
    tools = RecordingTools()
    h.fake.script([
        {"text": "Let me look. ", "tool_calls": [
            {"id": "call_1", "name": "list_specs", "arguments": {}},
            {"id": "call_2", "name": "read_spec", "arguments": {"name": "web"}}]},
        {"text": "You have one spec."},
    ])
    svc = h.service(h.store(store_kind), tools=tools)
    events = list(svc.events("what specs?"))
    activity = [e for e in events if isinstance(e, ToolActivity)]
    assert [a.summary for a in activity] == ["list_specs: ok", "read_spec: ok"]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    history = svc.get_history()
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "tool", "assistant"]
    assert text == history[1]["content"] + history[4]["content"]
    assert [c["function"]["name"] for c in history[1]["tool_calls"]] == ["list_specs",
                                                                         "read_spec"]
    assert tools.calls[1] == ("read_spec", '{"name": "web"}', svc.conversation_id,
                              history[1]["id"])
    first, second = _bodies(h.fake)
    assert [t["function"]["name"] for t in first["tools"]] == ["list_specs", "read_spec"]
    assert [(m["role"], m.get("tool_call_id")) for m in second["messages"][3:]] == [
        ("tool", "call_1"), ("tool", "call_2")]
    assert json.loads(second["messages"][3]["content"]) == {
        "ok": True, "content": "result of list_specs", "error": None, "truncated": False}
    assert "created" not in second["messages"][1]  # our metadata never reaches the endpoint


def test_run_limit_stops_the_turn_and_commits_it(h: Harness) -> None:
    tools = RecordingTools()
    loop = {"tool_calls": [{"name": "list_specs", "arguments": {}}], "times": 5}
    h.fake.script([loop])
    limits = RunLimits(max_tool_steps=1)
    svc = h.service(h.store("memory"), tools=tools, guard_factory=limits.new_turn)
    events = list(svc.events("loop forever"))
    (stop,) = [e for e in events if isinstance(e, Notice)]
    assert stop.kind == "stopped"
    history = svc.get_history()
    assert history[-1]["role"] == "assistant"
    assert history[-1]["content"] == f"[stopped: {stop.message}]"
    calls = [tc["id"] for m in history for tc in m.get("tool_calls") or ()]
    results = [m["tool_call_id"] for m in history if m["role"] == "tool"]
    assert sorted(calls) == sorted(results)  # every call has its result: history stays valid


def test_stop_before_a_call_answers_it_as_not_run(h: Harness) -> None:
    from sentinel.chat.protocols import ToolLoopStopped

    class StopSecondCall:
        def __init__(self) -> None:
            self.seen = 0

        def before_model_call(self) -> None:
            return None

        def before_tool_call(self, name: str, arguments: str) -> None:
            self.seen += 1
            if self.seen == 2:
                raise ToolLoopStopped("too many tool calls")

        def after_tool_result(self, name: str, arguments: str, outcome: ToolOutcome) -> None:
            return None

        def check_tokens(self, turn_tokens: int, conversation_tokens: int) -> None:
            return None

    h.fake.script([{"tool_calls": [{"id": "c1", "name": "list_specs", "arguments": {}},
                                   {"id": "c2", "name": "read_spec", "arguments": {}}]}])
    svc = h.service(h.store("memory"), tools=RecordingTools(), guard_factory=StopSecondCall)
    list(svc.events("go"))
    history = svc.get_history()
    tool_results = {m["tool_call_id"]: json.loads(m["content"]) for m in history
                    if m["role"] == "tool"}
    assert tool_results["c1"]["ok"] is True
    assert tool_results["c2"] == {"ok": False, "content": "",
                                  "error": "not run: too many tool calls", "truncated": False}
    assert history[-1]["content"] == "[stopped: too many tool calls]"


# --- call log and secrets --------------------------------------------------------------------
def test_call_log_records_each_model_call(h: Harness) -> None:
    h.fake.script([{"tool_calls": [{"name": "list_specs", "arguments": {}}],
                    "usage": {"prompt_tokens": 50, "completion_tokens": 5}},
                   {"text": "done", "usage": {"prompt_tokens": 80, "completion_tokens": 2}}])
    svc = h.service(h.store("memory"), tools=RecordingTools())
    list(svc.stream("count my specs"))
    records, skipped = read_calls(h.call_log.path)
    assert skipped == 0 and len(records) == 2
    first, second = records
    assert first["conversation"] == svc.conversation_id == second["conversation"]
    assert first["model"] == "test-model" and first["turn"] == second["turn"]
    assert (first["input_tokens"], first["output_tokens"]) == (50, 5)
    assert (second["input_tokens"], second["output_tokens"]) == (80, 2)
    assert first["finish_reason"] == "tool_calls" and second["finish_reason"] == "stop"
    assert first["error"] is None and first["retries"] == 0
    assert first["latency_ms"] >= first["ttft_ms"] > 0
    assert first["start"].endswith("Z")
    system = len(svc.system_prompt)
    assert first["request"]["system_chars"] == system == second["request"]["system_chars"]
    assert first["request"]["tool_chars"] == 0
    tool_message = next(m for m in svc.get_history() if m["role"] == "tool")
    assert second["request"]["tool_chars"] == len(tool_message["content"])
    assert second["request"]["history_chars"] == len("count my specs") + len("list_specs") + 2
    assert second["request"]["tool_tokens"] == -(-len(tool_message["content"]) // 4)
    assert second["request"]["messages"] == 4


def test_call_log_estimates_tokens_when_the_endpoint_sends_no_usage(h: Harness) -> None:
    h.fake.script([{"text": "x" * 400, "no_usage": True}])
    svc = h.service(h.store("memory"), tools=RecordingTools())
    list(svc.stream("a question"))
    [record] = read_calls(h.call_log.path)[0]
    assert record["tokens_estimated"] is True and record["output_tokens"] == 100
    # the request's estimate: system prompt, then "a question" (3) plus a message's framing
    assert record["input_tokens"] == (-(-len(svc.system_prompt) // 4) + 3
                                      + MESSAGE_OVERHEAD_TOKENS)
    reply = svc.get_history()[-1]
    assert reply["usage"] == {"input_tokens": record["input_tokens"], "output_tokens": 100,
                              "estimated": True}


def test_unwritable_call_log_keeps_the_turn_and_warns_once(h: Harness) -> None:
    h.fake.script([{"tool_calls": [{"name": "list_specs", "arguments": {}}]}, {"text": "done"}])
    blocked = h.tmp / "calls-is-a-folder"
    blocked.mkdir()
    svc = h.service(h.store("memory"), tools=RecordingTools(), call_log=CallLog(blocked))
    events = list(svc.events("count my specs"))
    notices = [e for e in events if isinstance(e, Notice)]
    assert [n.kind for n in notices] == ["warning"]  # two calls failed to log: said once
    assert "cannot write the model-call log" in notices[0].message
    assert [m["role"] for m in svc.get_history()] == ["user", "assistant", "tool", "assistant"]


def test_api_key_never_reaches_history_or_call_log(h: Harness) -> None:
    h.fake.script([{"text": "fine"}, {"error": {"status": 500, "message": "x"}, "times": 9}])
    svc = h.service(h.store("tinydb"))
    list(svc.stream("hello"))
    with pytest.raises(ProviderError):
        list(svc.stream("again"))
    assert h.fake.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"  # it was used
    files = [p for p in h.tmp.rglob("*") if p.is_file()]
    assert h.call_log.path in files and any(p.parent.name == "hist" for p in files)
    for path in files:
        assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in repr(h.providers[-1].config)


def test_trimmed_request_keeps_newest_whole_units(h: Harness) -> None:
    h.fake.script([], default={"text": "x" * 40})
    svc = h.service(h.store("memory"), context_budget=60)
    for n in range(6):
        list(svc.stream(f"question {n} " + "q" * 40))
    last = _bodies(h.fake)[-1]["messages"]
    assert last[0]["role"] == "system" and last[-1]["content"].startswith("question 5")
    assert 2 <= len(last) < 12
    assert last[1]["role"] == "user"  # whole turns are kept, newest first
    records, _ = read_calls(h.call_log.path)
    assert records[-1]["request"]["dropped"] == 11 - (len(last) - 1)

