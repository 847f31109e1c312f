"""A scripted OpenAI-compatible chat completions server for tests, cram transcripts and benchmarks.

The real ``openai`` SDK talks to it over loopback, so every test exercises the SDK's own request
building, SSE parsing and error mapping. Replies come from a queue of scripted responses; each
entry (a JSON object, also the format of ``samples/chat/*.json``) may hold:

    text           the answer, streamed in word-sized chunks (or ``chunks``: explicit pieces)
    tool_calls     [{"id"?, "name", "arguments": str|object, "fragment"?: int}] — streamed as
                   deltas: id and name once, then the arguments in fragments of ``fragment`` chars
    finish_reason  override ("stop", or "tool_calls" when tool_calls are present)
    no_finish      true: end the stream ([DONE]) without any finish_reason
    stream_error   {"message", "after"?: K}: after K chunks send an ``error`` event (HTTP 200)
                   instead of the rest, as some servers report failures mid-stream
    drop_after     K: close the socket after K chunks, the first being the role chunk (a dropped
                   stream: the client sees an incomplete chunked body)
    delay          seconds to sleep before each chunk (slow tokens); ``first_delay``: before the
                   first one
    usage          {"prompt_tokens", "completion_tokens"}; default estimated from the characters
    no_usage       true: send no usage chunk (as some local servers do)
    error          {"status", "message", "type"?, "code"?}: answer that HTTP error instead
    times          N: this entry answers N requests before it is used up (e.g. 2 errors, then
                   the next entry succeeds)

A script file is either a list of entries or ``{"responses": [...], "default": {...}}``; the
``default`` answers every request once the queue is empty (benchmarks), otherwise an empty queue
answers HTTP 500 saying so. Every request (method, path, headers, JSON body) is logged.

Control endpoints (used by ``openai_ctl.py`` from cram, stdlib only):
``POST /_fake/script`` (replace the queue), ``POST /_fake/append``, ``GET /_fake/requests``,
``POST /_fake/reset``, ``GET /_fake/state``.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

CHAT_PATH = "/v1/chat/completions"
# How a client hanging up shows on the server side; expected, so never printed as a traceback.
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class _State:
    """The queue, the default reply and the request log, shared by the handler threads."""

    queue: list[dict[str, Any]] = field(default_factory=list)
    default: dict[str, Any] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0
    hangups: int = 0  # clients that went away mid-answer or on an idle kept-alive connection

    def load(self, script: Any, *, append: bool = False) -> None:
        """Replace (or extend) the queue from a script: a list or ``{"responses", "default"}``."""
        if isinstance(script, list):
            responses, default = script, None
        elif isinstance(script, dict):
            responses, default = script.get("responses", []), script.get("default")
        else:
            raise TypeError("a script is a list of responses or an object with 'responses'")
        entries = [dict(r) for r in responses]
        with self.lock:
            if append:
                self.queue.extend(entries)
            else:
                self.queue = entries
            if default is not None or not append:
                self.default = default

    def next_response(self) -> dict[str, Any] | None:
        """Pop one use of the head entry (entries with ``times`` serve several requests)."""
        with self.lock:
            self.counter += 1
            if not self.queue:
                return dict(self.default) if self.default is not None else None
            head = self.queue[0]
            times = int(head.get("times", 1))
            if times <= 1:
                self.queue.pop(0)
            else:
                head["times"] = times - 1
            return dict(head)


def split_words(text: str) -> list[str]:
    """Split text into word-sized chunks that join back to exactly ``text``."""
    chunks: list[str] = []
    current = ""
    for ch in text:
        if ch in " \n" and current.strip():
            chunks.append(current)
            current = ""
        current += ch
    if current:
        chunks.append(current)
    return chunks


def _estimate(chars: int) -> int:
    return max(1, (chars + 3) // 4)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked SSE: a drop is then a transport error
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read the request log instead

    # --- plumbing -------------------------------------------------------------------------
    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def _send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    # --- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/_fake/requests":
            with state.lock:
                self._send_json(200, list(state.requests))
        elif self.path == "/_fake/state":
            with state.lock:
                self._send_json(200, {"queued": len(state.queue), "requests": len(state.requests)})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        state = self.server.state
        try:
            body = self._read_json()
        except json.JSONDecodeError as exc:
            self._send_json(400, {"error": {"message": f"invalid JSON body: {exc}"}})
            return
        if self.path in ("/_fake/script", "/_fake/append"):
            try:
                state.load(body, append=self.path.endswith("append"))
            except (TypeError, ValueError) as exc:
                self._send_json(400, {"error": {"message": str(exc)}})
                return
            self._send_json(200, {"queued": len(state.queue)})
        elif self.path == "/_fake/reset":
            with state.lock:
                state.queue, state.default, state.requests = [], None, []
            self._send_json(200, {"queued": 0})
        elif self.path == CHAT_PATH:
            with state.lock:
                headers = {k.lower(): v for k, v in self.headers.items()}
                state.requests.append(
                    {"method": "POST", "path": self.path, "headers": headers, "body": body})
            self._chat(body if isinstance(body, dict) else {})
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})

    def _chat(self, request: dict[str, Any]) -> None:
        state = self.server.state
        response = state.next_response()
        if response is None:
            self._send_json(500, {"error": {"message": "fake openai: no scripted response left",
                                            "type": "server_error"}})
            return
        if "error" in response:
            err = dict(response["error"])
            status = int(err.pop("status", 500))
            err.setdefault("type", "server_error" if status >= 500 else "invalid_request_error")
            self._send_json(status, {"error": err})
            return
        model = str(request.get("model", "fake-model"))
        prompt_chars = len(json.dumps(request.get("messages", [])))
        if request.get("stream"):
            self._stream(response, model, prompt_chars, request)
        else:
            self._complete(response, model, prompt_chars)

    def _tool_calls(self, response: dict[str, Any]) -> list[dict[str, Any]]:
        calls = []
        for i, call in enumerate(response.get("tool_calls") or []):
            args = call.get("arguments", "{}")
            calls.append({
                "id": call.get("id", f"call_{self.server.state.counter}_{i}"),
                "name": call["name"],
                "arguments": args if isinstance(args, str) else json.dumps(args),
                "fragment": int(call.get("fragment", 7)),
            })
        return calls

    def _usage(self, response: dict[str, Any], prompt_chars: int, out_chars: int) -> dict[str, int]:
        usage = dict(response.get("usage") or {})
        usage.setdefault("prompt_tokens", _estimate(prompt_chars))
        usage.setdefault("completion_tokens", _estimate(out_chars))
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return usage

    def _complete(self, response: dict[str, Any], model: str, prompt_chars: int) -> None:
        text = response.get("text") or "".join(response.get("chunks") or []) or None
        calls = self._tool_calls(response)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls
            ]
        finish = response.get("finish_reason") or ("tool_calls" if calls else "stop")
        out_chars = len(text or "") + sum(len(c["arguments"]) for c in calls)
        self._send_json(200, {
            "id": f"chatcmpl-{self.server.state.counter}", "object": "chat.completion",
            "created": 0, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": self._usage(response, prompt_chars, out_chars),
        })

    def _deltas(self, response: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"role": "assistant", "content": ""}
        pieces = response.get("chunks") or split_words(response.get("text") or "")
        for piece in pieces:
            yield {"content": piece}
        for index, call in enumerate(self._tool_calls(response)):
            yield {"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                   "function": {"name": call["name"], "arguments": ""}}]}
            args, size = call["arguments"], max(1, call["fragment"])
            for start in range(0, len(args), size):
                yield {"tool_calls": [{"index": index,
                                       "function": {"arguments": args[start:start + size]}}]}

    def _stream(self, response: dict[str, Any], model: str, prompt_chars: int,
                request: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {"id": f"chatcmpl-{self.server.state.counter}",
                "object": "chat.completion.chunk", "created": 0, "model": model}
        delay = float(response.get("delay", 0))
        first_delay = float(response.get("first_delay", delay))
        drop_after = response.get("drop_after")
        out_chars = 0
        sent = 0
        calls = self._tool_calls(response)
        stream_error = response.get("stream_error")
        try:
            for delta in self._deltas(response):
                if drop_after is not None and sent >= int(drop_after):
                    self._drop()
                    return
                if stream_error and sent >= int(stream_error.get("after", 0)):
                    error = {"message": stream_error.get("message", "error"),
                             "type": "server_error"}
                    self._chunk(b"data: " + json.dumps({"error": error}).encode() + b"\n\n")
                    self._chunk(b"data: [DONE]\n\n")
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                    return
                pause = first_delay if sent == 0 else delay
                if pause:
                    time.sleep(pause)
                out_chars += len(delta.get("content") or "")
                chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self._chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                sent += 1
            if drop_after is not None and sent >= int(drop_after):
                self._drop()
                return
            out_chars += sum(len(c["arguments"]) for c in calls)
            if not response.get("no_finish"):
                finish = response.get("finish_reason") or ("tool_calls" if calls else "stop")
                chunk = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
                self._chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            options = request.get("stream_options") or {}
            if options.get("include_usage") and not response.get("no_usage"):
                usage = self._usage(response, prompt_chars, out_chars)
                chunk = {**base, "choices": [], "usage": usage}
                self._chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self._chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except CLIENT_GONE:
            self.close_connection = True  # the client went away (e.g. Ctrl-C): nothing to do
            self.server.note_hangup()

    def _drop(self) -> None:
        """Close the socket mid-body: the client sees an incomplete chunked response."""
        self.close_connection = True
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up on a kept-alive connection is normal; anything else is printed."""
        if isinstance(sys.exc_info()[1], CLIENT_GONE):
            self.note_hangup()
            return
        super().handle_error(request, client_address)

    def note_hangup(self) -> None:
        """Count a client that went away (tests wait for it before reading stderr)."""
        with self.state.lock:
            self.state.hangups += 1


@contextmanager
def refused_url() -> Iterator[str]:
    """A base URL on 127.0.0.1 whose connections are refused for as long as the block runs.

    The port stays bound but not listening, so a connect is refused at once (RST) and nothing
    else can take the port meanwhile. A port that was merely freed (a stopped server's) can be
    bound again by any server on the machine; one that accepts and never answers turns
    "connection refused" into a wait for the SDK's read timeout, which is how a test once hung.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # no SO_REUSEADDR: the port is ours alone
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


class FakeOpenAI:
    """The scripted server on 127.0.0.1 with a free port; a context manager that stops it."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self._thread: threading.Thread | None = None

    @property
    def root(self) -> str:
        """``http://127.0.0.1:PORT`` (control endpoints live under ``/_fake``)."""
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def url(self) -> str:
        """The OpenAI base URL, ending in ``/v1`` (what ``OPENAI_BASE_URL`` is set to)."""
        return f"{self.root}/v1"

    base_url = url

    def start(self) -> Self:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (if started) and free the port."""
        if self._thread is not None:
            self._server.shutdown()  # blocks until serve_forever returns: only when it runs
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, responses: Any, *, default: dict[str, Any] | None = None) -> None:
        """Replace the queue (a list of responses, or a whole script object)."""
        if isinstance(responses, list) and default is not None:
            responses = {"responses": responses, "default": default}
        self._server.state.load(responses)

    def append(self, *responses: dict[str, Any]) -> None:
        """Add responses at the end of the queue."""
        self._server.state.load(list(responses), append=True)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every chat request so far: ``{"method", "path", "headers", "body"}``."""
        with self._server.state.lock:
            return list(self._server.state.requests)

    @property
    def hangups(self) -> int:
        """How many times a client went away mid-answer or on an idle connection."""
        with self._server.state.lock:
            return self._server.state.hangups

    @property
    def queued(self) -> int:
        """How many scripted entries are left."""
        with self._server.state.lock:
            return len(self._server.state.queue)
