"""The model endpoint: the only module that imports ``openai``, and only when chat runs.

It turns the SDK's streaming chunks into small neutral ``StreamChunk`` values and the SDK's
exceptions into the project's categories, so the service never sees an SDK type:

- the request was refused (HTTP status)           → ``ProviderError(status, message)``;
  429, 408, 409 and 5xx are ``retryable``
- the endpoint could not be reached, or the stream
  dropped before any content arrived              → ``ProviderError(status=None, retryable=True)``
- an error event inside the stream                → ``ProviderError`` before any content,
                                                    ``StreamInterrupted`` after
- the stream dropped after content arrived, or
  ended without a finish reason                   → ``StreamInterrupted``

The SDK client is created with ``max_retries=0``: the service owns retries (bounded backoff with
jitter, and never after the first token was shown). Values come in as arguments; this module does
not read the environment (the SDK would read ``OPENAI_API_KEY``/``OPENAI_BASE_URL`` on its own,
which is why both are always passed explicitly).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from sentinel.errors import ChatConfigError, ProviderError, StreamInterrupted

if TYPE_CHECKING:
    import openai

DEFAULT_MODEL = "gpt-4o-mini"
# Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the SDK refuses to run without one.
PLACEHOLDER_KEY = "sk-no-key-required"
# Keys of a stored message that the endpoint understands; the rest (id, created, turn) is ours.
WIRE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")
RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True)
class ProviderConfig:
    """Where to send requests and with which credentials; ``repr`` never shows the key."""

    model: str
    base_url: str | None
    api_key: str = field(repr=False)
    timeout: float = 600.0
    connect_timeout: float = 10.0


def provider_config(api_key: str | None, base_url: str | None, model: str | None) -> ProviderConfig:
    """Check the provider settings; neither key nor base URL → ``ChatConfigError`` (exit 2)."""
    key = (api_key or "").strip()
    url = (base_url or "").strip() or None
    if not key and not url:
        raise ChatConfigError(
            "chat needs a model endpoint: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set",
            setting="OPENAI_API_KEY",
            hint="export OPENAI_API_KEY=sk-... for OpenAI, or OPENAI_BASE_URL=http://localhost:"
                 "11434/v1 for a local OpenAI-compatible server (Ollama, vLLM, llama.cpp)",
        )
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # Caught here, not at the first request, where it would be retried as unreachable.
            raise ChatConfigError(
                f"OPENAI_BASE_URL {url!r} is not an http:// or https:// URL",
                setting="OPENAI_BASE_URL",
                hint="write the whole URL with its /v1 path, e.g. http://localhost:11434/v1",
            )
    chosen = (model or "").strip() or DEFAULT_MODEL
    return ProviderConfig(model=chosen, base_url=url, api_key=key or PLACEHOLDER_KEY)


@dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of one tool call; ``id``/``name`` arrive once, ``arguments`` in pieces."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class Usage:
    """Token counts from the final usage chunk."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class StreamChunk:
    """One streamed chunk in neutral form."""

    text: str = ""
    tool_calls: tuple[ToolCallDelta, ...] = ()
    finish_reason: str | None = None
    usage: Usage | None = None


class ChatProvider(Protocol):
    """What the service needs from a model endpoint."""

    model: str

    def stream_chat(self, messages: Sequence[Mapping[str, Any]], *,
                    tools: Sequence[Mapping[str, Any]] | None = None,
                    timeout: float | None = None
                    ) -> Generator[StreamChunk, None, None]:
        """Stream one completion; raises ``ProviderError`` or ``StreamInterrupted``.

        ``timeout`` (seconds), when given, caps this request's waits below the configured ones:
        the service passes what is left of the turn's time bound.
        """
        ...


def wire_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """A stored message without our metadata keys, as the endpoint expects it."""
    return {k: message[k] for k in WIRE_KEYS if k in message}


class OpenAIProvider:
    """``ChatProvider`` over the ``openai`` SDK (streaming chat completions)."""

    def __init__(self, config: ProviderConfig) -> None:
        import openai  # lazy: ~0.4 s, and only chat needs it

        self._openai = openai
        self.config = config
        self.model = config.model
        self._client = openai.OpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            max_retries=0,  # the service retries, with its own policy
            timeout=openai.Timeout(config.timeout, connect=config.connect_timeout),
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def stream_chat(self, messages: Sequence[Mapping[str, Any]], *,
                    tools: Sequence[Mapping[str, Any]] | None = None,
                    timeout: float | None = None
                    ) -> Generator[StreamChunk, None, None]:
        """Stream one completion (see the module docstring for the error mapping)."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [wire_message(m) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if tools:
            kwargs["tools"] = list(tools)
        oa = self._openai
        if timeout is not None:  # a hung endpoint then fails when the turn's time is up
            cap = max(timeout, 0.001)
            kwargs["timeout"] = oa.Timeout(min(cap, self.config.timeout),
                                           connect=min(cap, self.config.connect_timeout))
        try:
            stream = self._client.chat.completions.create(**kwargs)
        except oa.APIStatusError as exc:
            raise _status_error(exc) from exc
        except oa.APIConnectionError as exc:
            raise ProviderError(
                f"cannot reach the model endpoint {self._where()}: {_cause(exc)}",
                retryable=True,
                hint="check OPENAI_BASE_URL and that the server is running",
            ) from exc
        except oa.APIError as exc:  # e.g. a 200 answer the SDK could not make sense of
            raise ProviderError(f"unexpected answer from {self._where()}: {exc.message}") from exc
        yield from self._iterate(stream)

    def _iterate(self, stream: openai.Stream[Any]) -> Generator[StreamChunk, None, None]:
        oa = self._openai
        seen_content = False
        finished = False
        try:
            for raw in stream:
                chunk = _convert(raw)
                finished = finished or chunk.finish_reason is not None
                seen_content = seen_content or bool(chunk.text or chunk.tool_calls)
                yield chunk
        except oa.APIStatusError as exc:
            raise _status_error(exc) from exc
        except (oa.APIConnectionError, ValueError, OSError) as exc:
            if not seen_content:
                raise ProviderError(
                    f"the connection to {self._where()} dropped before the answer started: "
                    f"{_cause(exc)}",
                    retryable=True,
                ) from exc
            raise StreamInterrupted(f"the answer stream dropped: {_cause(exc)}") from exc
        except oa.APIError as exc:  # an error event inside a 200 stream: the provider's verdict
            if not seen_content:
                raise ProviderError(f"provider error: {exc.message}") from exc
            raise StreamInterrupted(
                f"the provider ended the answer with an error: {exc.message}") from exc
        finally:
            stream.close()
        if not finished:
            raise StreamInterrupted("the answer stream ended without a finish reason")

    def _where(self) -> str:
        return self.config.base_url or "api.openai.com"


def _convert(raw: Any) -> StreamChunk:
    """SDK chunk → ``StreamChunk`` (choices may be empty on the usage chunk)."""
    usage = None
    if raw.usage is not None:
        usage = Usage(int(raw.usage.prompt_tokens or 0), int(raw.usage.completion_tokens or 0))
    if not raw.choices:
        return StreamChunk(usage=usage)
    choice = raw.choices[0]
    delta = choice.delta
    calls = tuple(
        ToolCallDelta(
            index=int(tc.index),
            id=tc.id,
            name=tc.function.name if tc.function else None,
            arguments=(tc.function.arguments or "") if tc.function else "",
        )
        for tc in (delta.tool_calls or []) if delta is not None
    )
    text = (delta.content or "") if delta is not None else ""
    return StreamChunk(text=text, tool_calls=calls, finish_reason=choice.finish_reason,
                       usage=usage)


def _status_error(exc: Any) -> ProviderError:
    """``APIStatusError`` → ``ProviderError`` carrying the status and the provider's message."""
    status = int(exc.status_code)
    message = exc.message
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        inner: dict[str, Any] = error if isinstance(error, dict) else body
        if isinstance(inner.get("message"), str):
            message = inner["message"]
    retryable = status in RETRYABLE_STATUS or status >= 500
    hint = None
    if status == 401:
        hint = "check OPENAI_API_KEY"
    elif status == 404:
        hint = "check the model name (--model or the 'model' setting) and OPENAI_BASE_URL"
    return ProviderError(f"provider error {status}: {message}", status=status,
                         retryable=retryable, hint=hint)


def _cause(exc: BaseException) -> str:
    """The most specific message: the transport error under the SDK's generic wrapper."""
    inner = exc.__cause__ or exc.__context__
    if inner is not None and str(inner):
        return f"{type(inner).__name__}: {inner}"
    return str(exc) or type(exc).__name__
