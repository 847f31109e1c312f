"""One chat conversation as a service: a turn in, streamed answer out, history kept consistent.

A *turn* is the user's message plus everything the model does to answer it: streamed text, and
possibly rounds of tool calls (request → tool-call deltas → run each call → next request with the
results → … until the model finishes). The turn's messages are collected in memory and committed
to the store in ONE ``append_messages`` call when the turn ends, so a turn that fails — provider
error, dropped stream, stream without finish reason, Ctrl-C, the consumer walking away — leaves
history exactly as it was, in memory and on disk, and the user can simply send it again.

Retries: a transient provider error (429, 408, 409, 5xx, connection refused or dropped) *before
the first token of a model call* is retried up to ``max_retries`` times with exponential backoff
and jitter; once tokens were shown the turn is rolled back instead, because a retry would show a
second, different answer after the first half of another one. The sleep function, clock and
random source are injected so tests need no real waiting.

A run limit (``TurnGuard``) stopping the turn is not a failure: the turn so far is committed plus
an assistant message ``[stopped: reason]``, and unanswered tool calls get a "not run" result so the
history stays valid for the endpoint. The guard's wall-time bound also covers a model call in
flight: what is left of it is the request's timeout, and it is checked as chunks arrive; a call
that runs out of time keeps the text already shown and stops the turn the same way.

Tokens: each assistant message of a turn records the ``usage`` of the model call that produced
it (input and output tokens as the endpoint reported them, or estimated from characters with
``estimated: true`` when it reported none); the sum over a conversation's stored messages is
what its token budget (``TurnGuard.check_tokens``) is measured against.

A model-call log that cannot be written does not fail the turn either (the answer was shown): the
turn is committed and a ``warning`` notice carries the log's error.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Generator
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from sentinel.chat.calllog import CallLog, CallRecord
from sentinel.chat.context import Selection, estimate_tokens, message_tokens, select_context
from sentinel.chat.history import ChatHistoryStore
from sentinel.chat.messages import redact_secrets
from sentinel.chat.prompt import build_system_prompt
from sentinel.chat.protocols import (
    Notice,
    TextDelta,
    ToolActivity,
    ToolLoopStopped,
    ToolOutcome,
    ToolRunner,
    TurnEvent,
    TurnGuard,
)
from sentinel.chat.provider import ChatProvider, StreamChunk, Usage
from sentinel.errors import ConfigError, ProviderError, StreamInterrupted

Message = dict[str, Any]
CANCELLED = "the turn was cancelled (Ctrl-C); history is unchanged, send it again to retry"
OUT_OF_TIME = "the model was still answering when the turn's time ran out (setting turn_timeout)"
# A socket timeout may fire a few milliseconds before the service's clock reaches the deadline.
_DEADLINE_SLACK = 0.05


class _OutOfTime(ToolLoopStopped):
    """The turn's time ran out during a model call; ``text`` is what was already shown."""

    def __init__(self, text: str) -> None:
        super().__init__(OUT_OF_TIME)
        self.text = text


def new_id(prefix: str) -> str:
    """A random id like ``msg_3f2a…`` (32 hex digits)."""
    return f"{prefix}_{uuid.uuid4().hex}"


def utc_now() -> str:
    """The current time as ISO-8601 UTC with milliseconds and a ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def conversation_tokens(messages: list[Message]) -> int:
    """Tokens a conversation has used: the sum of its assistant messages' recorded usage."""
    total = 0
    for message in messages:
        usage = message.get("usage")
        if isinstance(usage, dict):
            for key in ("input_tokens", "output_tokens"):
                value = usage.get(key)
                if isinstance(value, int) and not isinstance(value, bool):
                    total += value
    return total


def title_from(text: str, width: int = 60) -> str:
    """A conversation title from its first message: the first line, keys redacted, shortened
    (in that order: a key cut short would no longer look like one, and a piece would be kept)."""
    line = " ".join(redact_secrets(text.split("\n", 1)[0]).split())
    return line if len(line) <= width else line[: width - 3].rstrip() + "..."


class _Call:
    """What one model call produced, accumulated from its chunks."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.finish: str | None = None
        self.usage: Usage | None = None
        self.estimated_input = 0  # the request's estimated tokens, for an endpoint without usage

    def add(self, chunk: StreamChunk) -> None:
        """Fold one chunk in: text appended, tool-call fragments joined by their index."""
        if chunk.text:
            self.text.append(chunk.text)
        for delta in chunk.tool_calls:
            slot = self.calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            slot["id"] = delta.id or slot["id"]
            slot["name"] = delta.name or slot["name"]
            slot["arguments"] += delta.arguments
        self.finish = chunk.finish_reason or self.finish
        self.usage = chunk.usage or self.usage

    def used(self) -> tuple[Usage, bool]:
        """The call's tokens: the endpoint's usage, else an estimate (and whether estimated)."""
        if self.usage is not None:
            return self.usage, False
        out = sum(len(t) for t in self.text) + sum(
            len(c["name"]) + len(c["arguments"]) for c in self.calls.values())
        return Usage(self.estimated_input, estimate_tokens(out)), True

    def tool_calls(self) -> list[dict[str, Any]]:
        """The assembled tool calls in index order, as an assistant message carries them."""
        return [
            {"id": c["id"] or new_id("call"), "type": "function",
             "function": {"name": c["name"], "arguments": c["arguments"] or "{}"}}
            for _, c in sorted(self.calls.items())
        ]


class ChatService:
    """Streams turns of one conversation at a time against a provider and a history store."""

    def __init__(
        self,
        provider: ChatProvider,
        store: ChatHistoryStore,
        conversation_id: str,
        *,
        context_budget: int = 12000,
        max_retries: int = 3,
        tools: ToolRunner | None = None,
        guard_factory: Callable[[], TurnGuard] | None = None,
        call_log: CallLog | None = None,
        prompt_extra: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], str] = utc_now,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
    ) -> None:
        self.provider = provider
        self.store = store
        self.conversation_id = conversation_id
        self.context_budget = context_budget
        self.max_retries = max_retries
        self.tools = tools
        self.guard_factory = guard_factory
        self.call_log = call_log
        self.prompt_extra = prompt_extra
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._now = now
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._definitions = tools.definitions() if tools is not None else []
        self._log_failure: ConfigError | None = None  # the turn's first call-log write error

    # --- the contract ---------------------------------------------------------------------
    @property
    def system_prompt(self) -> str:
        """The deterministic system prompt (never stored; rebuilt for every request)."""
        extra = self.prompt_extra() if self.prompt_extra is not None else ""
        return build_system_prompt((d["function"]["name"] for d in self._definitions), extra)

    def get_history(self) -> list[Message]:
        """The committed messages of the current conversation, oldest first."""
        return list(self.store.get_messages(self.conversation_id))

    def clear_history(self) -> None:
        """Forget every message of the current conversation (the conversation stays)."""
        self.store.clear(self.conversation_id)

    def reset(self) -> None:
        """Clear the conversation and start it afresh (the system prompt is rebuilt per request,
        so re-initializing is clearing; the conversation id is kept)."""
        self.clear_history()

    def switch(self, conversation_id: str) -> None:
        """Continue another (existing) conversation."""
        self.store.get_conversation(conversation_id)  # raises HistoryError when unknown
        self.conversation_id = conversation_id

    def new_conversation(self, title: str = "") -> str:
        """Start a new, empty conversation and make it current."""
        self.conversation_id = self.store.create_conversation(title)
        return self.conversation_id

    def stream(self, user_text: str) -> Generator[str, None, None]:
        """Run one turn, yielding the answer's text deltas.

        Joined, they equal the assistant text stored for the turn (the contents of its assistant
        messages, in order); a turn stopped by a run limit additionally stores
        ``[stopped: reason]``, which ``events`` reports as a ``Notice``.
        """
        with closing(self.events(user_text)) as events:
            for event in events:
                if isinstance(event, TextDelta):
                    yield event.text

    def events(self, user_text: str) -> Generator[TurnEvent, None, None]:
        """Run one turn, yielding text deltas, tool activity and notices (retries, stops)."""
        cid = self.conversation_id
        turn = new_id("turn")
        self._log_failure = None
        history = self.get_history()
        pending: list[Message] = [self._message("user", turn, content=user_text)]
        guard = self.guard_factory() if self.guard_factory is not None else None
        prior = conversation_tokens(history)
        turn_tokens = 0
        try:
            if guard is not None:
                guard.check_tokens(0, prior)
            while True:
                budget = guard.before_model_call() if guard is not None else None
                call = yield from self._model_call(cid, turn, history, pending, budget)
                reply = self._message("assistant", turn, content="".join(call.text) or None)
                tool_calls = call.tool_calls()
                if tool_calls:
                    reply["tool_calls"] = tool_calls
                used, estimated = call.used()
                reply["usage"] = {"input_tokens": used.input_tokens,
                                  "output_tokens": used.output_tokens, "estimated": estimated}
                turn_tokens += used.input_tokens + used.output_tokens
                pending.append(reply)
                if not tool_calls:
                    break
                if guard is not None:
                    guard.check_tokens(turn_tokens, prior + turn_tokens)
                yield from self._run_tools(cid, turn, reply, pending, guard)
        except ToolLoopStopped as stop:
            if isinstance(stop, _OutOfTime) and stop.text:  # shown, so stored (deltas == history)
                pending.append(self._message("assistant", turn, content=stop.text))
            self._answer_unanswered(turn, pending, stop.reason)
            pending.append(self._message("assistant", turn, content=f"[stopped: {stop.reason}]"))
            self._commit(cid, pending, first_turn=not history)
            yield Notice("stopped", stop.reason)
            yield from self._log_notice()
            return
        except KeyboardInterrupt as exc:
            raise StreamInterrupted(CANCELLED) from exc
        self._commit(cid, pending, first_turn=not history)
        yield from self._log_notice()

    def _log_notice(self) -> Generator[TurnEvent, None, None]:
        """Say once per turn that the call log was not written (the turn itself was stored)."""
        failure, self._log_failure = self._log_failure, None
        if failure is not None:
            yield Notice("warning", str(failure))

    # --- one model call, with retries before the first token ------------------------------
    def _model_call(self, cid: str, turn: str, history: list[Message], pending: list[Message],
                    budget: float | None = None) -> Generator[TurnEvent, None, _Call]:
        system = self.system_prompt
        selection = select_context(history + pending, self.context_budget,
                                   system_prompt=system, pinned=len(pending))
        request = [{"role": "system", "content": system}, *selection.messages]
        estimated_input = estimate_tokens(len(system)) + sum(
            message_tokens(m) for m in selection.messages)
        started, t0 = self._now(), self._clock()
        deadline = None if budget is None else t0 + budget
        retries = 0
        call = _Call()
        ttft: float | None = None
        error: str | None = "stream_interrupted"  # what an escaping exception means, unless set
        status: int | None = None
        try:
            while True:
                call = _Call()
                call.estimated_input = estimated_input
                left = None if deadline is None else deadline - self._clock()
                try:
                    chunks = self.provider.stream_chat(request, tools=self._definitions or None,
                                                       timeout=left)
                    with closing(chunks):
                        for chunk in chunks:
                            call.add(chunk)
                            if ttft is None and (chunk.text or chunk.tool_calls):
                                ttft = self._clock() - t0
                            if chunk.text:
                                yield TextDelta(chunk.text)
                            if call.finish is None and self._past(deadline):
                                error = "turn_timeout"  # a trickling stream: stop it here
                                raise _OutOfTime("".join(call.text))
                except ProviderError as err:
                    status = err.status
                    if self._past(deadline, _DEADLINE_SLACK):  # e.g. the timeout we passed
                        error = "turn_timeout"
                        raise _OutOfTime("".join(call.text)) from err
                    if not (err.retryable and retries < self.max_retries and not call.text):
                        error = err.category
                        raise
                    delay = self._backoff(retries)
                    if deadline is not None and self._clock() + delay >= deadline:
                        error = err.category  # no time left to retry: the error stands
                        raise
                    retries += 1
                    yield Notice("retry", f"{err.message}; retrying in {delay:.1f}s "
                                          f"({retries}/{self.max_retries})")
                    self._sleep(delay)
                    continue
                error, status = None, None
                return call
        except StreamInterrupted as err:
            if self._past(deadline, _DEADLINE_SLACK):  # the timeout we passed, after content
                error = "turn_timeout"
                raise _OutOfTime("".join(call.text)) from err
            error = err.category
            raise
        finally:
            self._log(cid, turn, started, t0, ttft, retries, error, status, call, selection)

    def _past(self, deadline: float | None, slack: float = 0.0) -> bool:
        """Whether the model call's deadline (if any) has passed, allowing ``slack`` seconds."""
        return deadline is not None and self._clock() >= deadline - slack

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half fixed, half random, capped."""
        ceiling = min(self.backoff_cap, self.backoff_base * (1 << attempt))
        return ceiling / 2 + self._jitter() * ceiling / 2

    # --- tools ----------------------------------------------------------------------------
    def _run_tools(self, cid: str, turn: str, reply: Message, pending: list[Message],
                   guard: TurnGuard | None) -> Generator[TurnEvent, None, None]:
        for tc in reply["tool_calls"]:
            name, arguments = tc["function"]["name"], tc["function"]["arguments"]
            if guard is not None:
                guard.before_tool_call(name, arguments)
            if self.tools is None:
                outcome = ToolOutcome(ok=False, content="", error="no tools are enabled",
                                      summary=f"{name}: no tools are enabled")
            else:
                outcome = self.tools.run(name, arguments, conversation_id=cid,
                                         message_id=reply["id"])
            pending.append(self._message("tool", turn, content=outcome.to_message_content(),
                                         tool_call_id=tc["id"]))
            yield ToolActivity(name=name, ok=outcome.ok, summary=outcome.summary or name)
            if guard is not None:
                guard.after_tool_result(name, arguments, outcome)

    def _answer_unanswered(self, turn: str, pending: list[Message], reason: str) -> None:
        """Give every tool call left without a result a "not run" result (endpoints require one)."""
        answered = {m.get("tool_call_id") for m in pending if m["role"] == "tool"}
        for message in list(pending):
            for tc in message.get("tool_calls") or ():
                if tc["id"] not in answered:
                    content = ToolOutcome(ok=False, content="",
                                          error=f"not run: {reason}").to_message_content()
                    pending.append(self._message("tool", turn, content=content,
                                                 tool_call_id=tc["id"]))

    # --- storage and logging --------------------------------------------------------------
    def _message(self, role: str, turn: str, **fields: Any) -> Message:
        return {"id": new_id("msg"), "role": role, **fields, "created": self._now(), "turn": turn}

    def _commit(self, cid: str, pending: list[Message], *, first_turn: bool) -> None:
        self.store.append_messages(cid, pending)  # one call: the whole turn or nothing
        if first_turn and not self.store.get_conversation(cid).title:
            self.store.set_title(cid, title_from(pending[0].get("content") or ""))

    def _log(self, cid: str, turn: str, started: str, t0: float, ttft: float | None,
             retries: int, error: str | None, status: int | None, call: _Call,
             selection: Selection) -> None:
        if self.call_log is None:
            return
        split = selection.split
        # A call that finished without usage is logged with the estimate the budgets used.
        used, estimated = call.used() if call.usage or error is None else (None, False)
        record = CallRecord(
            conversation=cid, model=self.provider.model, start=started,
            latency_ms=round((self._clock() - t0) * 1000, 3),
            ttft_ms=None if ttft is None else round(ttft * 1000, 3),
            input_tokens=used.input_tokens if used else None,
            output_tokens=used.output_tokens if used else None,
            tokens_estimated=estimated,
            retries=retries, error=error, status=status, finish_reason=call.finish, turn=turn,
            request={
                "messages": len(selection.messages) + 1, "dropped": selection.dropped,
                "system_chars": split.system_chars, "system_tokens": split.system_tokens,
                "history_chars": split.history_chars, "history_tokens": split.history_tokens,
                "tool_chars": split.tool_chars, "tool_tokens": split.tool_tokens,
            },
        )
        try:
            self.call_log.append(record)
        except ConfigError as err:  # a log problem must not throw away an answer already shown
            self._log_failure = self._log_failure or err

