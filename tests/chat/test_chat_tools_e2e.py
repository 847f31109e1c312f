"""Chat tools end to end: the real openai SDK against the scripted server, through ChatService.

The model's side is scripted in the fake (``tests/fakes/openai_server.py``); everything else is
real: SDK streaming and tool-call deltas, the service's turn loop, the tool registry, the loader,
TinyDB history, the ``sentinel`` CLI and ``doit``. Assertions read the fake's request log, i.e.
exactly what the model would have been sent.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sentinel.chat.history import TinyDBHistoryStore
from sentinel.chat.limits import RunLimits
from sentinel.chat.protocols import Notice, TextDelta, ToolActivity, TurnEvent
from sentinel.chat.provider import OpenAIProvider, provider_config
from sentinel.chat.service import OUT_OF_TIME, ChatService
from sentinel.chat.spec_tools import build_registry, tool_prompt_section
from sentinel.config import Settings, load_settings
from sentinel.errors import ProviderError
from tests.fakes.openai_server import FakeOpenAI

API: dict[str, Any] = {
    "name": "api",
    "namespace": "shop",
    "image": "nginxinc/nginx-unprivileged:1.27",
    "ports": [{"name": "http", "containerPort": 8080}],
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                  "limits": {"cpu": "500m", "memory": "128Mi"}},
}
BAD_API = dict(API, resources={"requests": {"memory": "1Gi"}, "limits": {"memory": "64Mi"}})
WEB = "name: web\nnamespace: shop\nimage: nginxinc/nginx-unprivileged:1.27-alpine\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "specs").mkdir(parents=True)
    (root / "sentinel.toml").write_text("")
    (root / "dodo.py").write_text("from sentinel.pipeline.dodo import *  # noqa: F401,F403\n")
    (root / "specs" / "web.yaml").write_text(WEB)
    return root


class Chat:
    """A ChatService wired like ``sentinel chat`` does, over the fake and a TinyDB history."""

    def __init__(self, fake: FakeOpenAI, project: Path, *, limits: RunLimits | None = None,
                 budget: int = 12000, conversation: str | None = None, **env: str) -> None:
        self.settings: Settings = load_settings(project, {"HOME": str(project.parent), **env})
        self.registry = build_registry(self.settings)
        self.limits = limits or RunLimits.from_settings(self.settings)
        self.store = TinyDBHistoryStore(project.parent / "history")
        # Short SDK timeouts: a silent server must fail the test in seconds, not after the
        # SDK's default 600 s read timeout.
        config = provider_config("sk-test", fake.url, "fake-model")
        self.provider = OpenAIProvider(replace(config, timeout=20.0, connect_timeout=5.0))
        cid = conversation or self.store.create_conversation("")
        self.service = ChatService(
            self.provider, self.store, cid, context_budget=budget, max_retries=0,
            tools=self.registry, guard_factory=self.limits.new_turn,
            prompt_extra=lambda: tool_prompt_section(self.registry, self.settings.specs_dir,
                                                     root=self.settings.root),
            sleep=lambda s: None)

    def turn(self, text: str) -> list[TurnEvent]:
        return list(self.service.events(text))

    def close(self) -> None:
        self.provider.close()
        self.store.close()


@pytest.fixture
def chat(fake: FakeOpenAI, project: Path) -> Iterator[Callable[..., Chat]]:
    made: list[Chat] = []

    def make(**kw: Any) -> Chat:
        made.append(Chat(fake, project, **kw))
        return made[-1]

    yield make
    for c in made:
        c.close()


def write_call(filename: str, spec: Any, **extra: Any) -> dict[str, Any]:
    return {"name": "write_spec", "arguments": {"filename": filename, "spec": spec, **extra}}


def tool_results(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The envelopes of the tool messages at the end of a logged request."""
    messages = request["body"]["messages"]
    tail: list[dict[str, Any]] = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        tail.insert(0, json.loads(message["content"]))
    return tail


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


# ------------------------------------------------------------------ writing a spec


def test_write_spec_through_the_sdk_then_validate_and_generate(
        fake: FakeOpenAI, project: Path, chat: Callable[..., Chat]) -> None:
    fake.script([{"tool_calls": [dict(write_call("api.yaml", API), fragment=5)]},
                 {"text": "I created specs/api.yaml."}])
    c = chat()
    events = c.turn("Create an api Pod in shop")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I created specs/api.yaml."
    assert [e.summary for e in events if isinstance(e, ToolActivity)] == ["write_spec api.yaml: ok"]

    first, second = fake.requests
    assert [t["function"]["name"] for t in first["body"]["tools"]] == [
        "list_specs", "read_spec", "validate_spec", "render_manifest", "write_spec"]
    system = first["body"]["messages"][0]["content"]
    assert "- web (specs/web.yaml): shop/web, valid" in system
    assert "- api (specs/api.yaml)" in second["body"]["messages"][0]["content"]  # re-listed
    call = second["body"]["messages"][-2]["tool_calls"][0]
    assert len(call["function"]["arguments"]) > 40  # the fake sent it in 5-character fragments
    assert json.loads(call["function"]["arguments"]) == {"filename": "api.yaml", "spec": API}
    [envelope] = tool_results(second)
    assert envelope["ok"] is True and envelope["error"] is None

    history = c.service.get_history()
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant"]
    assert len({m["turn"] for m in history}) == 1
    header = (project / "specs" / "api.yaml").read_text().splitlines()[0]
    assert header.startswith(f"# written by kube-sentinel chat: conversation "
                             f"{c.service.conversation_id}, message {history[1]['id']}, ")

    validated = run_cli(["sentinel", "validate", "specs"], project)
    assert validated.returncode == 0, validated.stderr
    generated = run_cli(["doit", "generate"], project)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    manifest = (project / "manifests" / "shop" / "api.yaml").read_text()
    assert manifest.startswith("apiVersion: v1\nkind: Pod\n") and "name: api" in manifest


def test_invalid_call_writes_nothing_and_the_next_request_carries_the_errors(
        fake: FakeOpenAI, project: Path, chat: Callable[..., Chat]) -> None:
    fake.script([{"tool_calls": [write_call("api.yaml", BAD_API)]},
                 {"tool_calls": [{"name": "write_spec", "arguments": '{"filename": "api.yaml",'}]},
                 {"tool_calls": [write_call("api.yaml", API)]},
                 {"text": "Fixed the memory request."}])
    c = chat()
    events = c.turn("Create api")
    summaries = [e.summary for e in events if isinstance(e, ToolActivity)]
    assert summaries[0].startswith("write_spec api.yaml: invalid: resources.requests.memory: ")
    assert summaries[1].startswith("write_spec: error: arguments are not valid JSON")
    assert summaries[2] == "write_spec api.yaml: ok"

    [invalid] = tool_results(fake.requests[1])
    assert invalid["ok"] is False
    assert invalid["error"].startswith("the spec is invalid (1 error(s)); nothing was written")
    problems = json.loads(invalid["content"])
    assert problems[0]["field"] == "resources.requests.memory"
    assert problems[0]["message"] and problems[0]["hint"]
    [broken_json] = tool_results(fake.requests[2])
    assert broken_json["ok"] is False and "not valid JSON" in broken_json["error"]
    assert sorted(p.name for p in (project / "specs").iterdir()) == ["api.yaml", "web.yaml"]


def test_names_escaping_the_folder_in_one_response_with_several_calls(
        fake: FakeOpenAI, project: Path, tmp_path: Path, chat: Callable[..., Chat]) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("untouched\n")
    (project / "specs" / "link.yaml").symlink_to(outside)
    names = ["../x.yaml", "/etc/x.yaml", "a/b.yaml", "link.yaml"]
    fake.script([{"tool_calls": [write_call(n, API, overwrite=True) for n in names]},
                 {"text": "I could not write any of them."}])
    c = chat()
    c.turn("write it everywhere")
    results = tool_results(fake.requests[1])
    assert len(results) == 4 and not any(r["ok"] for r in results)
    for bad in results[:3]:  # refused by the schema's file name pattern
        assert bad["error"].startswith("arguments do not match the schema of write_spec")
        assert [e["field"] for e in json.loads(bad["content"])] == ["filename"]
    assert results[3]["error"].startswith("spec file name 'link.yaml' resolves outside ")
    assert outside.read_text() == "untouched\n"
    assert not (project / "x.yaml").exists() and not (project / "specs" / "a").exists()
    assert sorted(p.name for p in (project / "specs").iterdir()) == ["link.yaml", "web.yaml"]


def test_overwrite_is_refused_without_the_flag(
        fake: FakeOpenAI, project: Path, chat: Callable[..., Chat]) -> None:
    twin = dict(API, name="web")
    fake.script([{"tool_calls": [write_call("web.yaml", twin)]},
                 {"tool_calls": [write_call("web.yaml", twin, overwrite=True)]},
                 {"text": "Replaced web.yaml as you asked."}])
    c = chat()
    c.turn("replace web")
    [refused] = tool_results(fake.requests[1])
    assert refused["ok"] is False and "already exists" in refused["error"]
    [done] = tool_results(fake.requests[2])
    assert done["ok"] is True
    assert "image: nginxinc/nginx-unprivileged:1.27\n" in (project / "specs/web.yaml").read_text()


def test_read_only_mode_offers_no_write_tool_and_refuses_a_call(
        fake: FakeOpenAI, project: Path, chat: Callable[..., Chat]) -> None:
    fake.script([{"tool_calls": [write_call("api.yaml", API)]}, {"text": "Read-only, sorry."}])
    c = chat(SENTINEL_READ_ONLY="1")
    c.turn("create api")
    assert "write_spec" not in [t["function"]["name"] for t in fake.requests[0]["body"]["tools"]]
    assert "Read-only mode is on" in fake.requests[0]["body"]["messages"][0]["content"]
    [refused] = tool_results(fake.requests[1])
    assert refused["ok"] is False and "read-only" in refused["error"]
    assert not (project / "specs" / "api.yaml").exists()


# ------------------------------------------------------------------ run limits


def stopped(c: Chat, events: list[TurnEvent]) -> str:
    notices = [e.message for e in events if isinstance(e, Notice) and e.kind == "stopped"]
    assert len(notices) == 1
    last = c.service.get_history()[-1]
    assert last["role"] == "assistant" and last["content"] == f"[stopped: {notices[0]}]"
    return notices[0]


def test_step_bound_stops_a_runaway_model(fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    calls = [{"name": "read_spec", "arguments": {"name": "web"}},
             {"name": "list_specs", "arguments": {}},
             {"name": "validate_spec", "arguments": {"name": "web"}},
             {"name": "render_manifest", "arguments": {"name": "web"}}]
    fake.script([{"tool_calls": [c]} for c in calls])
    c = chat(SENTINEL_MAX_TOOL_STEPS="2")
    reason = stopped(c, c.turn("loop"))
    assert reason == "more than 2 tool steps in one turn (setting max_tool_steps)"
    assert len(fake.requests) == 3 and fake.queued == 1


def test_circuit_breaker_stops_the_same_error(fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    fake.script([{"tool_calls": [write_call(f"{n}.yaml", BAD_API)]} for n in "abcde"])
    c = chat(SENTINEL_BREAKER_THRESHOLD="3")
    reason = stopped(c, c.turn("keep trying"))
    assert reason.startswith("write_spec failed 3 times with the same error: the spec is invalid")
    assert len(fake.requests) == 3


def test_no_progress_stops_a_repeated_call(fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    fake.script([], default={"tool_calls": [{"name": "list_specs", "arguments": {}}]})
    c = chat()
    events = c.turn("list forever")
    assert stopped(c, events) == "no progress: list_specs called 3 times with the same arguments"
    assert len(fake.requests) == 3
    history = c.service.get_history()
    unanswered = json.loads(history[-2]["content"])  # the third call got a "not run" result
    assert history[-2]["role"] == "tool" and unanswered["ok"] is False
    assert unanswered["error"].startswith("not run: no progress: list_specs called 3 times")
    # the service's own result and the registry's results are one envelope shape
    envelopes = [json.loads(m["content"]) for m in history if m["role"] == "tool"]
    assert len(envelopes) == 3 and [e["ok"] for e in envelopes] == [True, True, False]
    assert all(list(e) == ["ok", "content", "error", "truncated"] for e in envelopes)
    assert all(isinstance(e["truncated"], bool) and isinstance(e["content"], str)
               for e in envelopes)


def test_wall_time_bound_with_an_injected_clock(fake: FakeOpenAI,
                                                chat: Callable[..., Chat]) -> None:
    ticks = iter(range(0, 1000, 10))
    limits = RunLimits(turn_timeout=25, clock=lambda: float(next(ticks)))
    fake.script([], default={"tool_calls": [{"name": "list_specs", "arguments": {}}]})
    c = chat(limits=limits)
    # clock reads: start 0, model call 10, tool call 20, next model call 30 > 25 → stop
    assert stopped(c, c.turn("slow")) == "turn took longer than 25 s (setting turn_timeout)"
    assert len(fake.requests) == 1


def test_wall_time_bounds_a_hung_model_call(fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    # The second answer would start after 30 s; the turn has 2 s, so the request's timeout (what
    # is left of the turn) cuts it off and the turn so far is kept with the stop. Without that
    # timeout the turn would wait the full 30 s: the 10 s bound below is loose on purpose.
    fake.script([{"tool_calls": [{"name": "list_specs", "arguments": {}}]},
                 {"text": "too late", "first_delay": 30}])
    c = chat(limits=RunLimits(turn_timeout=2.0))  # ample for the first call on a busy machine
    started = time.monotonic()
    events = c.turn("list")
    assert time.monotonic() - started < 10
    assert stopped(c, events) == OUT_OF_TIME
    assert not [e for e in events if isinstance(e, TextDelta)]
    assert [m["role"] for m in c.service.get_history()] == ["user", "assistant", "tool",
                                                            "assistant"]
    assert len(fake.requests) == 2


def test_wall_time_bounds_a_trickling_answer(fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    # Each word arrives 0.2 s after the last: no single read times out, yet the turn must end.
    fake.script([{"text": " ".join(["word"] * 60), "delay": 0.2}])  # 12 s in all
    c = chat(limits=RunLimits(turn_timeout=2.0))
    events = c.turn("talk")
    assert stopped(c, events) == OUT_OF_TIME
    shown = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert shown.startswith("word") and len(shown) < len(" ".join(["word"] * 60))
    history = c.service.get_history()
    assert [m["role"] for m in history] == ["user", "assistant", "assistant"]
    assert history[1]["content"] == shown  # what was shown is what is stored


def test_turn_token_budget_stops_before_the_next_step(fake: FakeOpenAI,
                                                       chat: Callable[..., Chat]) -> None:
    usage = {"prompt_tokens": 300, "completion_tokens": 20}
    fake.script([], default={"tool_calls": [{"name": "list_specs", "arguments": {}}],
                             "usage": usage})
    c = chat(SENTINEL_MAX_TURN_TOKENS="700")
    # 320 tokens, a tool round, 640, a tool round, 960 >= 700: stop before the third tool round
    assert stopped(c, c.turn("loop")) == ("this turn used 960 tokens, its budget is 700 "
                                          "(setting max_turn_tokens)")
    assert len(fake.requests) == 3
    replies = [m for m in c.service.get_history() if m["role"] == "assistant" and "usage" in m]
    assert [m["usage"] for m in replies] == [
        {"input_tokens": 300, "output_tokens": 20, "estimated": False}] * 3
    assert "usage" not in fake.requests[-1]["body"]["messages"][1]  # ours, never sent


def test_conversation_token_budget_stops_the_next_turn_at_once(
        fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    fake.script([{"text": "first answer", "usage": {"prompt_tokens": 900, "completion_tokens": 150}},
                 {"text": "never asked"}])
    c = chat(SENTINEL_MAX_CONVERSATION_TOKENS="1000", SENTINEL_MAX_TURN_TOKENS="0")
    c.turn("one")  # a final answer is never cut off, even past the budget
    assert c.service.get_history()[-1]["content"] == "first answer"
    reason = stopped(c, c.turn("two"))
    assert reason.startswith("this conversation used 1050 tokens, its budget is 1000")
    assert len(fake.requests) == 1 and fake.queued == 1


def test_tokens_are_estimated_when_the_endpoint_sends_no_usage(
        fake: FakeOpenAI, chat: Callable[..., Chat]) -> None:
    fake.script([], default={"tool_calls": [{"name": "read_spec", "arguments": {"name": "web"}}],
                             "no_usage": True})
    c = chat(SENTINEL_MAX_TURN_TOKENS="2000")
    reason = stopped(c, c.turn("read it"))
    assert reason.startswith("this turn used ") and reason.endswith("(setting max_turn_tokens)")
    replies = [m for m in c.service.get_history() if m["role"] == "assistant" and "usage" in m]
    assert replies and all(m["usage"]["estimated"] is True for m in replies)
    # the estimate is the request's characters / 4: it grows with the history sent
    inputs = [m["usage"]["input_tokens"] for m in replies]
    assert inputs == sorted(inputs) and inputs[0] > 100
    assert sum(m["usage"]["input_tokens"] + m["usage"]["output_tokens"] for m in replies) >= 2000


# ------------------------------------------------------------------ history


def pairs_intact(messages: list[dict[str, Any]]) -> bool:
    """Every tool result follows its call, and every call has all its results."""
    open_ids: set[str] = set()
    for message in messages:
        if message["role"] == "tool":
            if message["tool_call_id"] not in open_ids:
                return False
            open_ids.discard(message["tool_call_id"])
        else:
            if open_ids:
                return False
            open_ids = {c["id"] for c in message.get("tool_calls") or ()}
    return not open_ids


def test_tool_turns_are_stored_restored_and_trimmed_in_pairs(
        fake: FakeOpenAI, project: Path, chat: Callable[..., Chat]) -> None:
    big = {"name": "read_spec", "arguments": {"name": "web"}}
    script: list[dict[str, Any]] = []
    for n in range(4):
        script += [{"tool_calls": [big, {"name": "list_specs", "arguments": {}}]},
                   {"text": f"answer {n} " + "x" * 200}]
    fake.script(script)
    # 450 tokens puts the budget's edge inside a tool unit in the later requests: trimming
    # message by message (no units, no orphan check) sends a tool result without its call and
    # fails pairs_intact below; whole units keep every request valid.
    first = chat(budget=450)
    for n in range(2):
        first.turn(f"question {n}")
    stored = first.service.get_history()
    cid = first.service.conversation_id
    first.close()

    resumed = chat(budget=450, conversation=cid)
    assert resumed.service.get_history() == stored  # restored from TinyDB as written
    assert [m["role"] for m in stored[:5]] == ["user", "assistant", "tool", "tool", "assistant"]
    assert stored[1]["tool_calls"][0]["function"]["name"] == "read_spec"
    assert json.loads(stored[2]["content"])["content"] == WEB
    for n in range(2, 4):
        resumed.turn(f"question {n}")
    sent = [r["body"]["messages"][1:] for r in fake.requests]
    # the resumed session's first request carries the stored tool calls and results as stored
    def tool_part(messages: list[dict[str, Any]]) -> list[Any]:
        return [(m["role"], m.get("tool_call_id"), m.get("tool_calls"), m.get("content"))
                for m in messages if m.get("tool_calls") or m["role"] == "tool"]

    assert tool_part(sent[4]) == tool_part(stored) and len(tool_part(stored)) == 6
    assert all(pairs_intact(messages) for messages in sent)
    assert len(sent[-1]) < len(resumed.service.get_history())  # the budget did trim
    assert any(m["role"] == "tool" for m in sent[-1])


def test_a_failed_turn_rolls_back_its_tool_calls(fake: FakeOpenAI, project: Path,
                                                  chat: Callable[..., Chat]) -> None:
    fake.script([{"text": "hello"},
                 {"tool_calls": [write_call("api.yaml", API)]},
                 {"error": {"status": 400, "message": "bad request"}}])
    c = chat()
    c.turn("hi")
    before = c.service.get_history()
    with pytest.raises(ProviderError):
        c.turn("create api")
    assert c.service.get_history() == before
    # The write itself was real and atomic; the next turn's system prompt lists the file.
    assert (project / "specs" / "api.yaml").exists()
