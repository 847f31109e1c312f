"""The provider boundary: configuration errors, and every SDK outcome mapped to a category.

The REAL openai SDK talks to the scripted server; nothing in the SDK is patched.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest

from sentinel.chat.provider import (
    DEFAULT_MODEL,
    PLACEHOLDER_KEY,
    OpenAIProvider,
    StreamChunk,
    provider_config,
    wire_message,
)
from sentinel.errors import EXIT_USAGE, ChatConfigError, ProviderError, StreamInterrupted
from tests.fakes.openai_server import FakeOpenAI, refused_url

USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
def provider(fake: FakeOpenAI) -> Iterator[OpenAIProvider]:
    config = provider_config("sk-test-provider", fake.url, "m1")
    # Seconds, not the default ten minutes: a server that stops answering fails the test fast.
    p = OpenAIProvider(replace(config, timeout=20.0, connect_timeout=5.0))
    yield p
    p.close()


def _collect(provider: OpenAIProvider, **kw: object) -> list[StreamChunk]:
    return list(provider.stream_chat(USER, **kw))  # type: ignore[arg-type]


# --- configuration -------------------------------------------------------------------------
def test_neither_key_nor_base_url_is_a_config_error_saying_what_to_set() -> None:
    with pytest.raises(ChatConfigError) as info:
        provider_config(None, "  ", None)
    message = str(info.value)
    assert "OPENAI_API_KEY" in message and "OPENAI_BASE_URL" in message
    assert "localhost:11434/v1" in message  # a working local example
    assert info.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize("url", ["localhost:11434/v1", "not a url", "ftp://host/v1", "http://"])
def test_a_base_url_that_is_not_http_is_a_config_error(url: str) -> None:
    with pytest.raises(ChatConfigError, match="is not an http:// or https:// URL") as info:
        provider_config("sk-x", url, None)
    assert info.value.setting == "OPENAI_BASE_URL" and info.value.exit_code == EXIT_USAGE
    assert "http://localhost:11434/v1" in str(info.value)
    assert provider_config(None, " https://example.test/v1 ", None).base_url == (
        "https://example.test/v1")


def test_base_url_without_key_sends_a_placeholder(fake: FakeOpenAI) -> None:
    config = provider_config(None, fake.url, None)
    assert config.api_key == PLACEHOLDER_KEY and config.model == DEFAULT_MODEL == "gpt-4o-mini"
    fake.script([{"text": "local"}])
    p = OpenAIProvider(config)
    try:
        assert "".join(c.text for c in _collect(p)) == "local"
    finally:
        p.close()
    assert fake.requests[0]["headers"]["authorization"] == f"Bearer {PLACEHOLDER_KEY}"
    assert fake.requests[0]["body"]["model"] == "gpt-4o-mini"


def test_key_alone_targets_openai_and_model_is_kept() -> None:
    config = provider_config("sk-abc", None, "gpt-4.1")
    assert (config.base_url, config.model, config.api_key) == (None, "gpt-4.1", "sk-abc")
    assert "sk-abc" not in repr(config)


def test_importing_the_service_does_not_import_openai() -> None:
    code = ("import sys, sentinel.chat.service, sentinel.chat.repl, sentinel.cli.chat_cmds;"
            "print('openai' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- streaming -----------------------------------------------------------------------------
def test_chunks_are_neutral_and_complete(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"text": "two words", "usage": {"prompt_tokens": 9, "completion_tokens": 2}}])
    chunks = _collect(provider)
    assert "".join(c.text for c in chunks) == "two words"
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["stop"]
    usage = [c.usage for c in chunks if c.usage]
    assert len(usage) == 1 and (usage[0].input_tokens, usage[0].output_tokens) == (9, 2)


def test_tool_deltas_and_tools_parameter(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"tool_calls": [{"id": "c9", "name": "list_specs", "arguments": '{"a": 1}',
                                  "fragment": 3}]}])
    tools = [{"type": "function", "function": {"name": "list_specs", "parameters": {}}}]
    deltas = [d for c in _collect(provider, tools=tools) for d in c.tool_calls]
    assert deltas[0].id == "c9" and deltas[0].name == "list_specs"
    assert all(d.id is None and d.name is None for d in deltas[1:])
    assert "".join(d.arguments for d in deltas) == '{"a": 1}' and len(deltas) == 4
    assert fake.requests[0]["body"]["tools"] == tools


def test_metadata_is_stripped_before_sending(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    stored = {"id": "msg_1", "role": "user", "content": "hi", "created": "t", "turn": "turn_1"}
    assert wire_message(stored) == {"role": "user", "content": "hi"}
    fake.script([{"text": "ok"}])
    list(provider.stream_chat([stored]))
    assert fake.requests[0]["body"]["messages"] == [{"role": "user", "content": "hi"}]


# --- error mapping -------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "retryable"), [
    (400, False), (401, False), (404, False), (408, True), (409, True), (429, True),
    (500, True), (502, True), (503, True),
])
def test_http_errors_become_provider_errors(fake: FakeOpenAI, provider: OpenAIProvider,
                                            status: int, retryable: bool) -> None:
    fake.script([{"error": {"status": status, "message": f"the provider says {status}"}}])
    with pytest.raises(ProviderError) as info:
        _collect(provider)
    err = info.value
    assert err.status == status and err.retryable is retryable
    assert err.message == f"provider error {status}: the provider says {status}"
    assert err.category == "provider"


def test_auth_and_model_errors_carry_hints(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"error": {"status": 401, "message": "bad key"}},
                 {"error": {"status": 404, "message": "no such model"}}])
    with pytest.raises(ProviderError, match="hint: check OPENAI_API_KEY"):
        _collect(provider)
    with pytest.raises(ProviderError, match="check the model name"):
        _collect(provider)


def test_unreachable_endpoint_is_retryable_provider_error() -> None:
    with refused_url() as url:  # held, so no other server can take the port meanwhile
        p = OpenAIProvider(provider_config("k", url, "m"))
        try:
            with pytest.raises(ProviderError, match="cannot reach the model endpoint") as info:
                _collect(p)
        finally:
            p.close()
    assert info.value.retryable and info.value.status is None
    assert "Connection refused" in str(info.value)


def test_drop_after_content_is_stream_interrupted(fake: FakeOpenAI,
                                                  provider: OpenAIProvider) -> None:
    fake.script([{"text": "a b c d", "drop_after": 2}])
    seen: list[str] = []
    with pytest.raises(StreamInterrupted, match="dropped"):
        for chunk in provider.stream_chat(USER):
            seen.append(chunk.text)
    assert "".join(seen) == "a"


def test_drop_before_content_is_retryable(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"text": "a b", "drop_after": 1}])
    with pytest.raises(ProviderError, match="before the answer started") as info:
        _collect(provider)
    assert info.value.retryable


def test_error_event_inside_the_stream(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"text": "a b c", "stream_error": {"message": "context overflow", "after": 0}},
                 {"text": "a b c", "stream_error": {"message": "context overflow", "after": 3}}])
    with pytest.raises(ProviderError, match="^provider error: context overflow$") as info:
        _collect(provider)
    assert not info.value.retryable
    with pytest.raises(StreamInterrupted, match="ended the answer with an error: context overflow"):
        _collect(provider)


def test_stream_without_finish_reason_is_interrupted(fake: FakeOpenAI,
                                                     provider: OpenAIProvider) -> None:
    fake.script([{"text": "no end", "no_finish": True}])
    with pytest.raises(StreamInterrupted, match="without a finish reason"):
        _collect(provider)


def test_finish_reason_length_is_a_normal_end(fake: FakeOpenAI, provider: OpenAIProvider) -> None:
    fake.script([{"text": "truncated by max_tokens", "finish_reason": "length"}])
    assert [c.finish_reason for c in _collect(provider) if c.finish_reason] == ["length"]
