"""The scripted OpenAI-compatible server behaves like an endpoint to the REAL openai SDK.

Every chat test rests on this fake, so it is tested on its own: streaming text, tool-call deltas,
usage, each injected failure, the request log and the control script used by cram.
"""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI, refused_url, split_words

REPO = Path(__file__).resolve().parent.parent
CTL = REPO / "tests" / "fakes" / "openai_ctl.py"


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    # seconds, not the SDK's ten minutes: a fake that stops answering fails the test fast
    sdk = openai.OpenAI(api_key="sk-test-fake", base_url=fake.url, max_retries=0, timeout=20.0)
    yield sdk
    sdk.close()


def _stream(client: openai.OpenAI, usage: bool = True) -> list[Any]:
    kwargs: dict[str, Any] = {"stream_options": {"include_usage": True}} if usage else {}
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True, **kwargs)
    return list(stream)


def test_split_words_joins_back() -> None:
    text = "Hello  there,\nworld! "
    assert "".join(split_words(text)) == text
    assert split_words(text) == ["Hello", "  there,", "\nworld!", " "]


def test_text_streams_in_chunks_with_finish_and_usage(fake: FakeOpenAI,
                                                      client: openai.OpenAI) -> None:
    fake.script([{"text": "A Pod is the smallest unit.", "usage": {"prompt_tokens": 11}}])
    chunks = _stream(client)
    content = [c.choices[0].delta.content for c in chunks
               if c.choices and c.choices[0].delta.content]
    assert "".join(content) == "A Pod is the smallest unit."
    assert len(content) == 6
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and finishes.count("stop") == 1
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 11 and chunks[-1].usage.completion_tokens == 7


def test_no_usage_chunk_unless_asked(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"text": "hi"}])
    assert all(c.usage is None for c in _stream(client, usage=False))


def test_tool_call_deltas_split_over_chunks(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"tool_calls": [
        {"id": "call_a", "name": "list_specs", "arguments": {}},
        {"id": "call_b", "name": "read_spec", "arguments": {"name": "web-frontend"},
         "fragment": 5},
    ]}])
    chunks = _stream(client)
    calls: dict[int, dict[str, str]] = {}
    names_seen = 0
    for chunk in chunks:
        for tc in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
            if tc.id:
                slot["id"] = tc.id
            if tc.function and tc.function.name:
                slot["name"] = tc.function.name
                names_seen += 1
            slot["arguments"] += (tc.function.arguments or "") if tc.function else ""
    assert names_seen == 2  # id and name once per call
    assert calls[0] == {"id": "call_a", "name": "list_specs", "arguments": "{}"}
    assert calls[1]["id"] == "call_b" and json.loads(calls[1]["arguments"]) == {
        "name": "web-frontend"}
    fragments = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls
                 and c.choices[0].delta.tool_calls[0].index == 1]
    assert len(fragments) >= 5  # 24 characters of arguments in pieces of 5, plus the header
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"


def test_http_error_n_times_then_success(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"error": {"status": 429, "message": "slow down"}, "times": 2},
                 {"text": "ok"}])
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as info:
            _stream(client)
        assert info.value.status_code == 429
        assert isinstance(info.value.body, dict) and info.value.body["message"] == "slow down"
    assert "".join(c.choices[0].delta.content or "" for c in _stream(client) if c.choices) == "ok"


def test_dropped_stream_is_a_transport_error_mid_iteration(fake: FakeOpenAI,
                                                           client: openai.OpenAI) -> None:
    fake.script([{"text": "one two three four", "drop_after": 3}])
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "one two"  # role chunk + two words, then the socket closed


def test_stream_without_finish_reason(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"text": "cut short", "no_finish": True}])
    chunks = _stream(client)
    assert all(c.choices[0].finish_reason is None for c in chunks if c.choices)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "cut short"


def test_slow_tokens_arrive_one_by_one(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"text": "a b c", "delay": 0.05}])
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    arrivals = []
    start = time.monotonic()
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(time.monotonic() - start)
    assert len(arrivals) == 3
    # A lower bound that load cannot break: the server slept 0.05 s before each of its four
    # chunks (role, a, b, c) after the request left. (Gaps between arrivals are not bounded:
    # a client that stalls reads several chunks at once.)
    assert arrivals[2] >= 4 * 0.05


def test_non_streaming_completion(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"text": "plain"}, {"tool_calls": [{"name": "list_specs", "arguments": "{}"}]}])
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert reply.choices[0].message.content == "plain" and reply.usage is not None
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert reply.choices[0].finish_reason == "tool_calls"
    calls = reply.choices[0].message.tool_calls or []
    assert calls[0].function.name == "list_specs"  # type: ignore[union-attr]


def test_request_log_keeps_bodies_and_headers(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script([{"text": "one"}])
    _stream(client)
    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer sk-test-fake"
    assert request["body"]["messages"] == [{"role": "user", "content": "hi"}]
    assert request["body"]["stream_options"] == {"include_usage": True}


def test_empty_queue_answers_500_and_default_answers_forever(fake: FakeOpenAI,
                                                             client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted response left"):
        _stream(client)
    fake.script([], default={"text": "again"})
    for _ in range(3):
        assert "".join(c.choices[0].delta.content or "" for c in _stream(client)
                       if c.choices) == "again"


def _ctl(fake: FakeOpenAI, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CTL), "--url", fake.url, *args], check=False,
                          capture_output=True, text=True, timeout=30)


def test_control_script_loads_scripts_and_shows_requests(fake: FakeOpenAI, client: openai.OpenAI,
                                                         tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"responses": [{"text": "from a file"}]}))
    assert _ctl(fake, "script", str(script)).returncode == 0
    assert fake.queued == 1
    chunks = _stream(client)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "from a file"
    assert _ctl(fake, "count").stdout == "1\n"
    assert _ctl(fake, "messages", "1").stdout == "user: hi\n"
    log = json.loads(_ctl(fake, "requests").stdout)
    assert log[0]["body"]["model"] == "m"
    bad = _ctl(fake, "messages", "5")
    assert bad.returncode != 0 and "no request 5 (have 1)" in bad.stderr
    assert _ctl(fake, "reset").returncode == 0 and fake.requests == []


def test_every_sample_chat_script_loads(fake: FakeOpenAI) -> None:
    scripts = sorted((REPO / "samples" / "chat").glob("*.json"))
    assert scripts, "samples/chat/*.json must exist"
    for path in scripts:
        result = _ctl(fake, "script", str(path))
        assert result.returncode == 0, (path, result.stderr)
        assert fake.queued >= 1, path


def _wait_for_hangups(fake: FakeOpenAI, count: int) -> None:
    deadline = time.monotonic() + 10
    while fake.hangups < count:
        assert time.monotonic() < deadline, f"the server saw {fake.hangups} hang-ups, not {count}"
        time.sleep(0.01)


def test_clients_hanging_up_print_no_tracebacks(fake: FakeOpenAI, client: openai.OpenAI,
                                                capfd: pytest.CaptureFixture[str]) -> None:
    fake.script([{"text": "a b c d e f g h", "delay": 0.05}])
    stream = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    next(iter(stream))
    stream.close()  # hang up mid-answer, as Ctrl-C in the REPL does
    with socket.create_connection(fake._server.server_address) as sock:
        sock.sendall(b"GET /_fake/state HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")  # answered, connection kept
        # reset the kept-alive connection (SO_LINGER 0 sends RST): the server's read then fails
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _wait_for_hangups(fake, 2)
    assert "Traceback" not in capfd.readouterr().err


def test_refused_url_refuses_and_keeps_the_port() -> None:
    with refused_url() as url:
        port = int(url.removeprefix("http://127.0.0.1:").removesuffix("/v1"))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        squatter = socket.socket()
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        with squatter, pytest.raises(OSError, match="Address already in use"):
            squatter.bind(("127.0.0.1", port))
