"""The audit log: durable appends, torn lines skipped with a warning, ``sentinel audit`` output."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from sentinel.cli import main
from sentinel.errors import SentinelError
from sentinel.kube import audit


def record(name: str, result: str = "created", message: str = "") -> audit.AuditRecord:
    return audit.AuditRecord(
        time="2026-01-02T03:04:05+00:00", user="alice", operation="apply", context="fake",
        server="http://127.0.0.1:1", namespace="default", name=name, spec=f"specs/{name}.yaml",
        manifest_sha256="ab" * 32, result=result, message=message,
    )


def test_append_and_read_back(tmp_path: Path) -> None:
    log = tmp_path / "state" / "audit.jsonl"
    audit.append(log, [record("web"), record("api", "error", "forbidden (403)")])
    audit.append(log, [record("web", "unchanged")])
    records, warnings = audit.read(log)
    assert warnings == []
    assert [(r.name, r.result) for r in records] == [
        ("web", "created"), ("api", "error"), ("web", "unchanged")]
    assert records[1].message == "forbidden (403)"
    assert all(line.endswith("}") for line in log.read_text().splitlines())


def test_missing_log_reads_empty(tmp_path: Path) -> None:
    assert audit.read(tmp_path / "none.jsonl") == ([], [])


def test_torn_last_line_is_skipped_and_not_glued_to_the_next(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    audit.append(log, [record("web")])
    with log.open("a") as fh:
        fh.write('{"time": "2026-01-02T03:04:06+00:00", "user": "al')  # the crash
    records, warnings = audit.read(log)
    assert [r.name for r in records] == ["web"]
    assert warnings == [f"{log}:2: skipped a torn last line (an interrupted write)"]
    audit.append(log, [record("api")])
    records, warnings = audit.read(log)
    assert [r.name for r in records] == ["web", "api"]
    assert warnings == [f"{log}:2: skipped an unreadable line"]


def _writer(log: str, worker: int) -> None:
    for n in range(25):
        audit.append(Path(log), [record(f"w{worker}-{n}")])


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(log), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    records, warnings = audit.read(log)
    assert warnings == []
    assert len(records) == 100
    assert {r.name for r in records} == {f"w{w}-{n}" for w in range(4) for n in range(25)}


def test_unwritable_log_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "audit.jsonl").mkdir()  # a folder where the file should be
    with pytest.raises(SentinelError, match="cannot write the audit log"):
        audit.append(folder / "audit.jsonl", [record("web")])


def test_log_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the log's folder should be")
    with pytest.raises(SentinelError, match="cannot write the audit log"):
        audit.append(tmp_path / "state" / "audit.jsonl", [record("web")])


def test_cli_table_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SENTINEL_AUDIT_LOG", str(log))
    monkeypatch.chdir(tmp_path)
    assert main(["audit"]) == 0
    assert "no audit records yet" in capsys.readouterr().out
    audit.append(log, [record("web"), record("api", "error", "specs/api.yaml: forbidden")])
    with log.open("a") as fh:
        fh.write("{torn")
    assert main(["audit"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["TIME", "USER", "OP", "CONTEXT", "POD", "RESULT", "SPEC", "SHA256"]
    assert lines[1].split() == ["2026-01-02T03:04:05+00:00", "alice", "apply", "fake",
                                "default/web", "created", "specs/web.yaml", "abababababab"]
    assert "default/api: specs/api.yaml: forbidden" in out
    assert "skipped a torn last line" in err and "Traceback" not in err
    assert main(["audit", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == ["web", "api"]
    assert data[0]["manifest_sha256"] == "ab" * 32 and data[0]["user"] == "alice"
    assert main(["audit", "--json", "--limit", "1"]) == 0
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["api"]
    assert main(["audit", "--json", "--limit", "3"]) == 0  # more than there are: all of them
    assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["web", "api"]


@pytest.mark.parametrize("limit", ["-1", "x"])
def test_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["audit", "--limit", limit])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --limit: expected a whole number >= 0, not '{limit}'" in err
