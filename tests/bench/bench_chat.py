"""Benchmark: time to first token through ``ChatService`` against a bare openai SDK stream.

Run: ``/tmp/venv/bin/python tests/bench/bench_chat.py``. Both sides talk to the same scripted
server on loopback, over a warm connection, with the same messages (system prompt + one user
message), ``stream_options.include_usage`` and the same scripted answer; runs alternate between
the sides, and which side goes first, so drift on a shared machine hits both alike. The service
side includes everything the service does before the first delta reaches the caller: reading
history from the store, choosing the context, building the request, wrapping chunks, and (after
the stream) the call-log line and the commit, which are timed separately. Target: median ≤ 10 ms
above the bare SDK call.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # a plain script: find tests.fakes

import openai

from sentinel.chat.calllog import CallLog
from sentinel.chat.history import ChatHistoryStore, MemoryHistoryStore, open_store
from sentinel.chat.provider import OpenAIProvider, provider_config
from sentinel.chat.service import ChatService
from tests.fakes.openai_server import FakeOpenAI

RUNS = 30
WARMUP = 10  # the first calls pay for lazy imports and model building inside the SDK
ANSWER = "A Pod is the smallest deployable unit: one or more containers sharing a network."
QUESTION = "What is a Pod?"


def bare_ttft(client: openai.OpenAI, messages: list[dict[str, str]]) -> float:
    """Seconds until the first content delta of a bare SDK stream (the rest is drained after)."""
    request: dict[str, Any] = {"model": "bench", "messages": messages, "stream": True,
                               "stream_options": {"include_usage": True}}
    t0 = time.perf_counter()
    stream: Any = client.chat.completions.create(**request)
    first = None
    for chunk in stream:
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - t0
    assert first is not None
    return first


def service_ttft(service: ChatService) -> tuple[float, float]:
    """Seconds to the first delta through the service, and seconds from the last delta to done."""
    t0 = time.perf_counter()
    first = None
    last = t0
    for _ in service.stream(QUESTION):
        last = time.perf_counter()
        if first is None:
            first = last - t0
    tail = time.perf_counter() - last  # finish + usage chunk + call log + commit
    service.clear_history()  # keep every request the same size as the bare one
    assert first is not None
    return first, tail


def median_ms(samples: list[float]) -> float:
    """Median in milliseconds."""
    return statistics.median(samples) * 1000


def run(label: str, make_store: Callable[[Path], ChatHistoryStore]) -> float:
    """Alternate bare and service runs on one server; print and return the median overhead."""
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.script([], default={"text": ANSWER})
        client = openai.OpenAI(api_key="sk-bench", base_url=fake.url, max_retries=0)
        store = make_store(Path(tmp))
        provider = OpenAIProvider(provider_config("sk-bench", fake.url, "bench"))
        service = ChatService(provider, store, store.create_conversation(),
                              call_log=CallLog(Path(tmp) / "calls.jsonl"))
        messages = [{"role": "system", "content": service.system_prompt},
                    {"role": "user", "content": QUESTION}]
        bare: list[float] = []
        ours: list[float] = []
        tails: list[float] = []
        try:
            for i in range(WARMUP + RUNS):
                if i % 2:  # alternate which side goes first, so order effects cancel out
                    s, tail = service_ttft(service)
                    b = bare_ttft(client, messages)
                else:
                    b = bare_ttft(client, messages)
                    s, tail = service_ttft(service)
                if i >= WARMUP:
                    bare.append(b)
                    ours.append(s)
                    tails.append(tail)
        finally:
            client.close()
            provider.close()
            store.close()
        overhead = median_ms(ours) - median_ms(bare)
        print(f"{label:<22} bare SDK {median_ms(bare):7.2f} ms   ChatService "
              f"{median_ms(ours):7.2f} ms   overhead {overhead:+6.2f} ms   "
              f"(ratio {median_ms(ours) / median_ms(bare):.2f}x; after-stream tail "
              f"{median_ms(tails):.2f} ms: call log + commit)")
        return overhead


def main() -> int:
    """Run both store kinds and report against the 10 ms target."""
    print(f"time to first token, median of {RUNS} runs (after {WARMUP} warm-up runs), loopback")
    worst = max(
        run("memory history", lambda tmp: MemoryHistoryStore()),
        run("TinyDB history", lambda tmp: open_store(tmp / "history")),
    )
    verdict = "within" if worst <= 10.0 else "ABOVE"
    print(f"worst overhead {worst:+.2f} ms: {verdict} the 10 ms target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
