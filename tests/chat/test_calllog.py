"""The model-call log: durable appends, tolerant reading, totals, and ``sentinel calls``."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from sentinel.chat.calllog import CallLog, CallRecord, read_calls, totals_by_conversation
from sentinel.errors import ConfigError


def record(conversation: str, **kw: object) -> CallRecord:
    base: dict[str, object] = {
        "conversation": conversation, "model": "m", "start": "2026-01-01T00:00:00.000Z",
        "latency_ms": 100.0, "ttft_ms": 20.0, "input_tokens": 10, "output_tokens": 5,
        "retries": 0, "error": None}
    base.update(kw)
    return CallRecord(**base)  # type: ignore[arg-type]


def test_append_writes_one_json_line_per_call_private_to_the_user(tmp_path: Path) -> None:
    log = CallLog(tmp_path / "deep" / "calls.jsonl")
    log.append(record("conv_a"))
    log.append(record("conv_b", error="provider", status=503, retries=3))
    lines = log.path.read_text().splitlines()
    assert len(lines) == 2
    second = json.loads(lines[1])
    assert (second["conversation"], second["error"], second["status"], second["retries"]) == (
        "conv_b", "provider", 503, 3)
    assert set(second) == {"conversation", "model", "start", "latency_ms", "ttft_ms",
                           "input_tokens", "output_tokens", "retries", "error", "status",
                           "finish_reason", "turn", "request", "tokens_estimated"}
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600


def test_unwritable_log_is_a_config_error_naming_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot write the model-call log") as info:
        CallLog(blocker / "calls.jsonl").append(record("c"))
    assert info.value.setting == "call_log" and "SENTINEL_CALL_LOG" in str(info.value)


def test_reader_skips_a_torn_last_line_and_foreign_lines(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    log = CallLog(path)
    log.append(record("conv_a"))
    with path.open("a") as fh:
        fh.write('[1, 2]\n{"conversation": "conv_b", "mod')  # not a record; torn by a crash
    records, skipped = read_calls(path)
    assert [r["conversation"] for r in records] == ["conv_a"] and skipped == 2
    assert read_calls(tmp_path / "missing.jsonl") == ([], 0)


def test_totals_per_conversation(tmp_path: Path) -> None:
    rows = [
        record("conv_b", start="2026-01-02T00:00:00.000Z"),
        record("conv_a", start="2026-01-01T00:00:00.000Z", input_tokens=7, output_tokens=None),
        record("conv_a", start="2026-01-03T00:00:00.000Z", error="stream_interrupted",
               retries=2, latency_ms=50.5, model="other"),
    ]
    totals = totals_by_conversation(json.loads(r.to_json()) for r in rows)
    assert [t.conversation for t in totals] == ["conv_a", "conv_b"]
    a = totals[0]
    assert (a.calls, a.errors, a.retries, a.input_tokens, a.output_tokens) == (2, 1, 2, 17, 5)
    assert a.latency_ms == 150.5 and a.models == ["m", "other"]
    assert (a.first, a.last) == ("2026-01-01T00:00:00.000Z", "2026-01-03T00:00:00.000Z")


def test_totals_ignore_fields_of_the_wrong_type() -> None:
    damaged = {"conversation": "conv_x", "latency_ms": "slow", "retries": "2", "start": None}
    (totals,) = totals_by_conversation([damaged, {"conversation": "conv_x", "latency_ms": [1]}])
    assert (totals.calls, totals.latency_ms, totals.retries) == (2, 0.0, 0)


def _calls(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sentinel", "calls", *args], check=False, capture_output=True, text=True,
                          timeout=60, env=os.environ.copy())


def test_sentinel_calls_prints_totals_and_json(tmp_path: Path) -> None:
    empty = _calls()
    assert empty.returncode == 0 and empty.stdout.startswith("no model calls logged yet")
    log = CallLog(Path(os.environ["SENTINEL_CALL_LOG"]))
    log.append(record("conv_1111", input_tokens=120, output_tokens=30, latency_ms=1500.0))
    log.append(record("conv_1111", error="provider", retries=3, latency_ms=250.0))
    log.append(record("conv_2222", start="2026-02-01T00:00:00.000Z"))
    table = _calls()
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["conversation", "calls", "errors", "retries", "in", "tokens",
                                "out", "tokens", "tokens", "latency"]
    assert lines[1].split() == ["conv_1111", "2", "1", "3", "130", "35", "165", "1.75s"]
    assert lines[2].split() == ["conv_2222", "1", "0", "0", "10", "5", "15", "0.10s"]
    data = json.loads(_calls("--json").stdout)
    assert data["call_log"] == os.environ["SENTINEL_CALL_LOG"] and data["skipped_lines"] == 0
    first = data["conversations"][0]
    assert (first["conversation"], first["calls"], first["input_tokens"]) == ("conv_1111", 2, 130)


def test_sentinel_calls_cost_from_the_prices_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    log = CallLog(Path(os.environ["SENTINEL_CALL_LOG"]))
    log.append(record("conv_1111", input_tokens=2_000_000, output_tokens=500_000))
    log.append(record("conv_1111", model="other-model", input_tokens=10, output_tokens=10))
    log.append(CallRecord(**{**record("conv_2222").__dict__, "tokens_estimated": True}))
    monkeypatch.setenv("SENTINEL_PRICES", f"{record('x').model}=0.15/0.60")
    table = _calls()
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[-1] == "cost"
    # 2 M input at $0.15 + 0.5 M output at $0.60 = $0.60, plus an unpriced model
    assert lines[1].split()[-1] == "$0.6000+?"
    assert lines[2].split()[-1] == "$0.0000" and "~15" in lines[2].split()
    assert any("no price for other-model" in line for line in lines)
    assert any("estimated" in line for line in lines)
    data = json.loads(_calls("--json").stdout)
    first, second = data["conversations"]
    assert first["cost"] == 0.6 and first["unpriced"] == ["other-model"]
    assert second["estimated_calls"] == 1 and data["priced"] is True


def test_prices_setting_refuses_bad_values(tmp_path: Path) -> None:
    from sentinel.config import load_settings

    root = tmp_path / "p"
    root.mkdir()
    (root / "sentinel.toml").write_text(
        '[sentinel.prices]\n"gpt-4o-mini" = { input = 0.15, output = 0.6 }\n')
    assert load_settings(root, {}).prices == {"gpt-4o-mini": (0.15, 0.6)}
    for bad in ("gpt=1", "gpt=a/b", "gpt=-1/2", "=1/2"):
        with pytest.raises(ConfigError, match="setting 'prices'"):
            load_settings(root, {"SENTINEL_PRICES": bad})
    (root / "sentinel.toml").write_text('[sentinel.prices]\n"m" = { input = 1 }\n')
    with pytest.raises(ConfigError, match="input = N, output = N"):
        load_settings(root, {})
