"""The model-call log: one JSON line per request to the model endpoint, and totals over it.

Each record says which conversation and model, when it started, how long it took, the time to
the first token, the token counts from the usage chunk, how many retries it needed, the error
category if it failed, and how the request's size split between system prompt, history and tool
output (characters and estimated tokens). No record holds a credential: the API key never reaches
this module.

Records are appended (``O_APPEND``, one ``write`` per line, then ``fsync``) rather than written
through ``atomic_write``: rewriting a growing log for every call would make each call slower than
the last, and an append of one line is atomic enough that a crash loses at most that line, which
the reader skips.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sentinel.errors import ConfigError


@dataclass
class CallRecord:
    """One model call (one request, with its retries)."""

    conversation: str
    model: str
    start: str  # ISO-8601 UTC
    latency_ms: float  # the whole call: retries, backoff and the full stream
    ttft_ms: float | None  # from the call's start, retries included; None when no token came
    input_tokens: int | None  # from the usage chunk, else estimated; None for a failed call
    output_tokens: int | None
    retries: int
    error: str | None  # category: provider, stream_interrupted, tool, ... or None
    status: int | None = None  # HTTP status of a provider error
    finish_reason: str | None = None
    turn: str = ""
    request: dict[str, int] = field(default_factory=dict)  # size split, see module docstring
    tokens_estimated: bool = False  # the endpoint sent no usage: the counts are chars / 4

    def to_json(self) -> str:
        """One compact JSON line (without the newline)."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))


class CallLog:
    """Appends ``CallRecord`` lines to a file (created with mode 0600 on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: CallRecord) -> None:
        """Append one record durably; an unwritable path is a ``ConfigError`` naming the setting."""
        line = (record.to_json() + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the model-call log {self.path}: {exc.strerror}",
                setting="call_log",
                hint="set call_log in sentinel.toml or SENTINEL_CALL_LOG to a writable file",
            ) from exc


def read_calls(path: Path) -> tuple[list[dict[str, Any]], int]:
    """All records of the log and the number of unreadable lines skipped (a torn last line)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise ConfigError(f"cannot read the model-call log {path}: {exc.strerror}",
                          setting="call_log") from exc
    records: list[dict[str, Any]] = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        if isinstance(value, dict) and isinstance(value.get("conversation"), str):
            records.append(value)
        else:
            skipped += 1
    return records, skipped


@dataclass
class ConversationTotals:
    """Sums over one conversation's calls."""

    conversation: str
    calls: int = 0
    errors: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    first: str = ""
    last: str = ""
    models: list[str] = field(default_factory=list)
    estimated_calls: int = 0  # calls whose tokens are estimates (the endpoint sent no usage)
    cost: float | None = None  # USD, from the prices of the models that have one
    unpriced: list[str] = field(default_factory=list)  # models used without a price

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``sentinel calls --json``."""
        data = asdict(self)
        data["latency_ms"] = round(self.latency_ms, 1)
        if self.cost is not None:
            data["cost"] = round(self.cost, 6)
        return data

    @property
    def tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


def call_cost(rec: Mapping[str, Any], prices: Mapping[str, tuple[float, float]]) -> float | None:
    """USD of one logged call at ``prices`` (per million tokens); None if its model has none."""
    price = prices.get(str(rec.get("model")))
    if price is None:
        return None
    return (_int(rec.get("input_tokens")) * price[0]
            + _int(rec.get("output_tokens")) * price[1]) / 1_000_000


def totals_by_conversation(records: Iterable[dict[str, Any]],
                           prices: Mapping[str, tuple[float, float]] | None = None
                           ) -> list[ConversationTotals]:
    """Totals per conversation, ordered by each conversation's first call; with ``prices``
    (model -> input/output USD per million tokens) also the cost."""
    by_id: dict[str, ConversationTotals] = {}
    for rec in records:
        cid = rec["conversation"]
        tot = by_id.setdefault(cid, ConversationTotals(conversation=cid))
        tot.calls += 1
        tot.errors += 1 if rec.get("error") else 0
        tot.retries += _int(rec.get("retries"))
        tot.input_tokens += _int(rec.get("input_tokens"))
        tot.output_tokens += _int(rec.get("output_tokens"))
        tot.latency_ms += _number(rec.get("latency_ms"))
        start = str(rec.get("start") or "")
        tot.first = min(tot.first, start) if tot.first else start
        tot.last = max(tot.last, start)
        model = rec.get("model")
        if isinstance(model, str) and model not in tot.models:
            tot.models.append(model)
        tot.estimated_calls += 1 if rec.get("tokens_estimated") is True else 0
        if prices:
            cost = call_cost(rec, prices)
            if cost is not None:
                tot.cost = (tot.cost or 0.0) + cost
            elif str(model) not in tot.unpriced:
                tot.unpriced.append(str(model))
    return sorted(by_id.values(), key=lambda t: (t.first, t.conversation))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _number(value: Any) -> float:
    """A logged duration, or 0 for anything else (a hand-edited line must not crash the totals)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
