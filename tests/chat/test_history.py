"""Tests of the chat history store: the contract for both stores, then what TinyDB adds on disk."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from tinydb import TinyDB

from sentinel.chat.history import (
    SEGMENT,
    ChatHistoryStore,
    ConversationInfo,
    MemoryHistoryStore,
    TinyDBHistoryStore,
    open_store,
)
from sentinel.chat.storage import JournalStorage
from sentinel.errors import HistoryError

REPO = Path(__file__).resolve().parents[2]


def turn(n: int, *, size: int = 40) -> list[dict[str, Any]]:
    """A user + assistant exchange whose content says which turn it is."""
    tid = f"turn_{n:06x}"
    return [
        {"id": f"msg_u{n:06x}", "role": "user", "content": f"question {n} " + "q" * size,
         "created": "2026-11-23T10:00:00.000+00:00", "turn": tid},
        {"id": f"msg_a{n:06x}", "role": "assistant", "content": f"answer {n} " + "a" * size,
         "created": "2026-11-23T10:00:01.000+00:00", "turn": tid},
    ]


@pytest.fixture(params=["memory", "tinydb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChatHistoryStore]:
    """Each contract test runs against both implementations."""
    made: ChatHistoryStore = (MemoryHistoryStore() if request.param == "memory"
                              else TinyDBHistoryStore(tmp_path / "history"))
    yield made
    made.close()


# -- the contract, for both stores ------------------------------------------------------------


def test_new_conversation_is_empty_and_described(store: ChatHistoryStore) -> None:
    cid = store.create_conversation("Nginx pod")
    assert re.fullmatch(r"conv_[0-9a-f]{16}", cid)
    info = store.get_conversation(cid)
    assert (info.id, info.title, info.message_count) == (cid, "Nginx pod", 0)
    assert info.created == info.updated
    assert info.created.endswith("+00:00")
    assert store.get_messages(cid) == []


def test_messages_come_back_in_order_as_given(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    for n in range(5):
        store.append_messages(cid, turn(n))
    assert store.get_messages(cid) == [m for n in range(5) for m in turn(n)]
    assert store.get_conversation(cid).message_count == 10


def test_order_holds_across_segment_boundaries(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    expected = []
    for n in range(0, SEGMENT + 60, 7):  # turns of 7 messages straddle every boundary
        batch = [{"role": "user", "content": f"m{k}", "id": f"msg_{k}"} for k in range(n, n + 7)]
        store.append_messages(cid, batch)
        expected += batch
    got = store.get_messages(cid)
    assert [m["content"] for m in got] == [m["content"] for m in expected]
    assert store.get_conversation(cid).message_count == len(expected)


def test_missing_id_and_created_are_filled_in(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    store.append_messages(cid, [{"role": "user", "content": "hi"}])
    (stored,) = store.get_messages(cid)
    assert re.fullmatch(r"msg_[0-9a-f]{16}", stored["id"])
    assert stored["created"].endswith("+00:00")


def test_tool_calls_round_trip(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    call = {"id": "call_1", "type": "function",
            "function": {"name": "write_spec", "arguments": '{"name": "web"}'}}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "make a pod", "turn": "turn_1"},
        {"role": "assistant", "content": None, "tool_calls": [call], "turn": "turn_1"},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"ok": true}', "turn": "turn_1"},
        {"role": "assistant", "content": "done", "turn": "turn_1"},
    ]
    store.append_messages(cid, messages)
    got = store.get_messages(cid)
    assert [{k: v for k, v in m.items() if k not in ("id", "created")} for m in got] == messages


def test_stored_messages_are_detached_from_callers(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    function = {"name": "f", "arguments": "{}"}
    call = {"id": "c", "type": "function", "function": function}
    given: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "tool_calls": [call], "id": "msg_1"}]
    store.append_messages(cid, given)
    function["name"] = "changed-after-append"
    got = store.get_messages(cid)
    got[0]["tool_calls"][0]["function"]["name"] = "changed-after-read"
    got[0]["content"] = "changed"
    again = store.get_messages(cid)[0]
    assert again["tool_calls"][0]["function"]["name"] == "f"
    assert again["content"] is None


def test_conversations_are_isolated(store: ChatHistoryStore) -> None:
    a, b = store.create_conversation("a"), store.create_conversation("b")
    store.append_messages(a, turn(1))
    store.append_messages(b, turn(2))
    store.append_messages(a, turn(3))
    assert store.get_messages(a) == turn(1) + turn(3)
    assert store.get_messages(b) == turn(2)
    store.clear(a)
    assert store.get_messages(b) == turn(2)
    store.delete_conversation(b)
    assert store.get_messages(a) == []


def test_list_is_most_recently_updated_first(store: ChatHistoryStore) -> None:
    assert store.list_conversations() == []
    assert store.last_conversation() is None
    a, b, c = (store.create_conversation(t) for t in "abc")
    assert [i.id for i in store.list_conversations()] == [c, b, a]
    store.append_messages(a, turn(1))
    assert [i.id for i in store.list_conversations()] == [a, c, b]
    store.set_title(b, "renamed")  # renaming is not activity
    assert [i.id for i in store.list_conversations()] == [a, c, b]
    assert store.last_conversation() == a
    store.clear(c)
    assert store.last_conversation() == c
    assert all(isinstance(i, ConversationInfo) for i in store.list_conversations())


def test_delete_removes_only_that_conversation(store: ChatHistoryStore) -> None:
    a, b = store.create_conversation("a"), store.create_conversation("b")
    store.append_messages(a, turn(1))
    store.delete_conversation(a)
    assert [i.id for i in store.list_conversations()] == [b]
    for call in (store.get_conversation, store.get_messages, store.clear,
                 store.delete_conversation):
        with pytest.raises(HistoryError, match="no conversation"):
            call(a)
    with pytest.raises(HistoryError, match="no conversation"):
        store.append_messages(a, turn(2))
    with pytest.raises(HistoryError, match="no conversation"):
        store.set_title(a, "x")


def test_clear_keeps_the_conversation_and_appending_resumes(store: ChatHistoryStore) -> None:
    cid = store.create_conversation("keep me")
    for n in range(SEGMENT // 2 + 3):
        store.append_messages(cid, turn(n))
    store.clear(cid)
    info = store.get_conversation(cid)
    assert (info.title, info.message_count, store.get_messages(cid)) == ("keep me", 0, [])
    store.append_messages(cid, turn(999))
    assert store.get_messages(cid) == turn(999)


def test_titles_are_one_clean_line(store: ChatHistoryStore) -> None:
    cid = store.create_conversation("  two\nlines\x1b[31m  ")
    assert store.get_conversation(cid).title == "two lines [31m"
    store.set_title(cid, "x" * 500)
    assert store.get_conversation(cid).title == "x" * 200


@pytest.mark.parametrize("bad, reason", [
    ({"role": "system", "content": "prompt"}, "system messages are never stored"),
    ({"role": "robot", "content": "x"}, "role must be one of"),
    ({"content": "no role"}, "role must be one of"),
    ({"role": "user", "content": 42}, "content must be text"),
    ({"role": "user", "content": "x", "turn": 7}, "turn must be text"),
    ({"role": "assistant", "content": None, "tool_calls": "call"}, "tool_calls must be a list"),
    ({"role": "user", "content": "x", "extra": object()}, "cannot be stored as JSON"),
    ({"role": "user", "content": "x", "score": float("nan")}, "cannot be stored as JSON"),
])
def test_a_bad_message_rejects_the_whole_turn(store: ChatHistoryStore, bad: dict[str, Any],
                                              reason: str) -> None:
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    with pytest.raises(HistoryError, match=reason):
        store.append_messages(cid, [turn(2)[0], bad])
    assert store.get_messages(cid) == turn(1)
    assert store.get_conversation(cid).message_count == 2


def test_messages_must_be_a_list_of_dicts(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    with pytest.raises(HistoryError, match="list of message dicts"):
        store.append_messages(cid, {"role": "user", "content": "x"})  # type: ignore[arg-type]
    with pytest.raises(HistoryError, match="not a dict"):
        store.append_messages(cid, ["hello"])  # type: ignore[list-item]


@pytest.mark.parametrize("field", ["Authorization", "api_key", "X-Api-Key", "OPENAI_API_KEY",
                                   "proxy-authorization"])
def test_credential_fields_are_refused(store: ChatHistoryStore, field: str) -> None:
    cid = store.create_conversation()
    top = {"role": "user", "content": "x", field: "Bearer sk-abc"}
    nested = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"},
         "headers": {field: "Bearer sk-abc"}}]}
    for message in (top, nested):
        with pytest.raises(HistoryError, match="credential field"):
            store.append_messages(cid, [message])
    assert store.get_messages(cid) == []


def test_api_keys_in_text_are_redacted(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    key = "sk-proj-" + "A1b2C3d4" * 6
    store.append_messages(cid, [
        {"role": "user", "content": f"my key is {key}, keep it"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c", "type": "function",
             "function": {"name": "f", "arguments": json.dumps({"token": key})}}]},
    ])
    got = json.dumps(store.get_messages(cid))
    assert key not in got
    assert "my key is [redacted], keep it" in got
    # a short value such as the fakes' "sk-test-cram" is not key-shaped and is kept as typed
    store.append_messages(cid, [{"role": "user", "content": "sk-test-cram"}])
    assert store.get_messages(cid)[-1]["content"] == "sk-test-cram"


def test_api_keys_in_titles_are_redacted(store: ChatHistoryStore) -> None:
    key = "sk-proj-" + "A1b2C3d4" * 6
    cid = store.create_conversation(f"my key is {key}")
    assert store.get_conversation(cid).title == "my key is [redacted]"
    store.set_title(cid, "x" * 189 + " " + key)  # redacted before the 200-character cut
    assert store.get_conversation(cid).title == "x" * 189 + " [redacted]"


@pytest.mark.parametrize("text", ["task-0123456789ABCDEFGHIJKLMN", "sk-learn-training-pod-0001",
                                  "sk-short1A", "disk-Cache-Volume-For-App-0001"])
def test_key_like_but_harmless_words_are_kept(store: ChatHistoryStore, text: str) -> None:
    cid = store.create_conversation()
    store.append_messages(cid, [{"role": "user", "content": f"name it {text} please"}])
    assert store.get_messages(cid)[0]["content"] == f"name it {text} please"


def test_conversation_info_has_no_field_for_secrets() -> None:
    names = [f.name for f in dataclasses.fields(ConversationInfo)]
    assert names == ["id", "title", "created", "updated", "message_count"]


def test_a_closed_store_refuses_work(store: ChatHistoryStore) -> None:
    cid = store.create_conversation()
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.get_messages(cid)
    with pytest.raises(HistoryError, match="closed"):
        store.create_conversation()
    with pytest.raises(HistoryError, match="closed"):
        store.list_conversations()


def test_open_store_picks_the_implementation(tmp_path: Path) -> None:
    assert isinstance(open_store(None), MemoryHistoryStore)
    persisted = open_store(tmp_path / "h")
    assert isinstance(persisted, TinyDBHistoryStore)
    assert (tmp_path / "h" / "history.jsonl").stat().st_mode & 0o777 == 0o600  # chat is private


# -- TinyDB on disk ---------------------------------------------------------------------------


def journal(folder: Path) -> Path:
    return folder / "history.jsonl"


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    first = TinyDBHistoryStore(tmp_path / "h")
    a, b = first.create_conversation("a"), first.create_conversation("b")
    for n in range(SEGMENT + 5):
        first.append_messages(a if n % 3 else b, turn(n))
    first.set_title(b, "renamed")
    before = (first.list_conversations(), first.get_messages(a), first.get_messages(b))
    first.close()
    second = TinyDBHistoryStore(tmp_path / "h")
    assert (second.list_conversations(), second.get_messages(a), second.get_messages(b)) == before
    assert second.last_conversation() == before[0][0].id


def test_a_second_store_sees_the_first_ones_writes(tmp_path: Path) -> None:
    one, two = TinyDBHistoryStore(tmp_path / "h"), TinyDBHistoryStore(tmp_path / "h")
    cid = one.create_conversation("shared")
    one.append_messages(cid, turn(1))
    assert two.get_messages(cid) == turn(1)
    two.append_messages(cid, turn(2))  # two's TinyDB caches must not reuse one's ids
    one.append_messages(cid, turn(3))
    assert one.get_messages(cid) == two.get_messages(cid) == turn(1) + turn(2) + turn(3)


def test_two_stores_creating_conversations_in_turn_get_distinct_records(tmp_path: Path) -> None:
    one, two = TinyDBHistoryStore(tmp_path / "h"), TinyDBHistoryStore(tmp_path / "h")
    made = [store.create_conversation(f"c{n}") for n in range(3) for store in (one, two)]
    for store in (one, two):
        assert sorted(i.id for i in store.list_conversations()) == sorted(made)
        assert [store.get_conversation(cid).title for cid in made] == [
            f"c{n}" for n in range(3) for _ in (one, two)]


def test_delete_and_clear_erase_the_text_from_disk(tmp_path: Path) -> None:
    store = TinyDBHistoryStore(tmp_path / "h")
    a, b = store.create_conversation(), store.create_conversation()
    store.append_messages(a, [{"role": "user", "content": "secret-plan-alpha"}])
    store.append_messages(b, [{"role": "user", "content": "secret-plan-beta"}])
    store.append_messages(b, [{"role": "user", "content": "kept-text"}])
    assert b"secret-plan-alpha" in journal(tmp_path / "h").read_bytes()
    store.delete_conversation(a)
    store.clear(b)
    store.append_messages(b, [{"role": "user", "content": "after-clear"}])
    data = journal(tmp_path / "h").read_bytes()
    assert b"secret-plan-alpha" not in data and b"secret-plan-beta" not in data
    assert b"after-clear" in data
    assert [m["content"] for m in TinyDBHistoryStore(tmp_path / "h").get_messages(b)] == [
        "after-clear"]


def test_journal_compacts_as_it_grows_and_readers_follow(tmp_path: Path) -> None:
    writer, reader = TinyDBHistoryStore(tmp_path / "h"), TinyDBHistoryStore(tmp_path / "h")
    cid = writer.create_conversation()
    inode = journal(tmp_path / "h").stat().st_ino
    for n in range(400):  # ~2.5 kB a turn: passes the 256 kB compaction floor
        writer.append_messages(cid, turn(n, size=1200))
        if n == 10:
            assert len(reader.get_messages(cid)) == 22
    assert journal(tmp_path / "h").stat().st_ino != inode  # replaced by a compacted file
    assert reader.get_messages(cid) == writer.get_messages(cid)
    assert len(reader.get_messages(cid)) == 800
    reader.append_messages(cid, turn(400))
    assert writer.get_messages(cid)[-2:] == turn(400)
    assert not list((tmp_path / "h").glob(".*.tmp"))


def test_a_torn_last_line_is_ignored_then_cut(tmp_path: Path) -> None:
    store = TinyDBHistoryStore(tmp_path / "h")
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    with journal(tmp_path / "h").open("ab") as fh:
        fh.write(b'{"ops":[["put","msgs:x:0","1",{"role":"us')  # a writer killed mid-line
    reopened = TinyDBHistoryStore(tmp_path / "h")
    assert reopened.get_messages(cid) == turn(1)
    reopened.append_messages(cid, turn(2))
    assert TinyDBHistoryStore(tmp_path / "h").get_messages(cid) == turn(1) + turn(2)
    assert b'"role":"us\n' not in journal(tmp_path / "h").read_bytes()


def damage(folder: Path, line_index: int, replacement: bytes) -> bytes:
    lines = journal(folder).read_bytes().split(b"\n")
    lines[line_index] = replacement
    journal(folder).write_bytes(b"\n".join(lines))
    return journal(folder).read_bytes()


@pytest.mark.parametrize("line_index, replacement, problem", [
    (2, b"garbage typed by hand", r"history\.jsonl:3: the history file is damaged"),
    (2, b'{"ops": [["explode", "t"]]}', r"history\.jsonl:3: .*unknown operation"),
    (1, b"[1, 2]", r"history\.jsonl:2: .*not a transaction record"),
    (0, b'{"something": "else"}', "not a kube-sentinel history file"),
    (0, b'{"format": "kube-sentinel-history", "version": 99, "tables": {}}', "version 99"),
])
def test_damage_is_reported_and_never_overwritten(tmp_path: Path, line_index: int,
                                                  replacement: bytes, problem: str) -> None:
    store = TinyDBHistoryStore(tmp_path / "h")
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    store.append_messages(cid, turn(2))
    damaged = damage(tmp_path / "h", line_index, replacement)
    with pytest.raises(HistoryError, match=problem) as caught:
        TinyDBHistoryStore(tmp_path / "h")
    assert "move the file aside" in str(caught.value)
    with pytest.raises(HistoryError, match=problem):
        store.append_messages(cid, turn(3))  # the open store notices too, and writes nothing
    assert journal(tmp_path / "h").read_bytes() == damaged


@pytest.mark.parametrize("op, call, problem", [
    (["put", "conversations", "1", {"id": "conv_edited"}], "list",
     "conversation record .* damaged"),
    (["put", "conversations", "1", {"id": "c", "title": "", "created": "", "updated": "",
                                    "count": "2", "seq": 1}], "list", "record .* is damaged"),
    (["del", "msgs:{cid}:0", "1"], "messages", "should hold 2 messages but holds 1"),
])
def test_records_that_parse_but_make_no_sense_are_reported(
        tmp_path: Path, op: list[Any], call: str, problem: str) -> None:
    store = TinyDBHistoryStore(tmp_path / "h")
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    edited = json.loads(json.dumps(op).replace("{cid}", cid))
    with journal(tmp_path / "h").open("a") as fh:
        fh.write(json.dumps({"ops": [edited]}) + "\n")
    reopened = TinyDBHistoryStore(tmp_path / "h")
    with pytest.raises(HistoryError, match=problem) as caught:
        reopened.list_conversations() if call == "list" else reopened.get_messages(cid)
    assert "move" in str(caught.value) and "history.jsonl" in str(caught.value)


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    journal(tmp_path / "h").write_bytes(b"")
    with pytest.raises(HistoryError, match="history.jsonl:1: .*empty"):
        TinyDBHistoryStore(tmp_path / "h")
    assert journal(tmp_path / "h").read_bytes() == b""


def test_a_blank_line_is_harmless(tmp_path: Path) -> None:
    store = TinyDBHistoryStore(tmp_path / "h")
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    with journal(tmp_path / "h").open("ab") as fh:
        fh.write(b"\n")
    assert TinyDBHistoryStore(tmp_path / "h").get_messages(cid) == turn(1)


def test_wrong_kinds_of_path_are_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(HistoryError, match="must be a folder, not a file"):
        TinyDBHistoryStore(tmp_path / "file")
    journal(tmp_path / "dir").mkdir(parents=True)
    with pytest.raises(HistoryError, match="is a folder, expected the history file"):
        TinyDBHistoryStore(tmp_path / "dir")


# Root ignores file modes; as root the child first drops the two capabilities that let it.
DROP_DAC_AND_EXEC = textwrap.dedent("""
    import ctypes, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH: out of the bounding set
        assert libc.prctl(24, cap, 0, 0, 0) == 0, os.strerror(ctypes.get_errno())
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1]])  # exec recomputes the caps
""")


def test_permission_denied_is_reported(tmp_path: Path) -> None:
    TinyDBHistoryStore(tmp_path / "h").create_conversation()
    journal(tmp_path / "h").chmod(0o000)
    code = textwrap.dedent(f"""
        from pathlib import Path
        from sentinel.chat.history import TinyDBHistoryStore
        from sentinel.errors import HistoryError
        try:
            TinyDBHistoryStore(Path({str(tmp_path / 'h')!r}))
        except HistoryError as exc:
            print(exc)
    """)
    argv = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        argv = [sys.executable, "-c", DROP_DAC_AND_EXEC, code]
    done = subprocess.run(argv, check=False, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"{journal(tmp_path / 'h')}: cannot read the history file: Permission denied" in (
        done.stdout)
    assert "hint: check the file's permissions" in done.stdout


def test_a_held_lock_times_out_with_a_clear_message(tmp_path: Path) -> None:
    store = TinyDBHistoryStore(tmp_path / "h", lock_timeout=0.2)
    cid = store.create_conversation()
    with FileLock(str(tmp_path / "h" / "history.jsonl.lock")):
        with pytest.raises(HistoryError, match="another process held the history lock"):
            store.append_messages(cid, turn(1))
        assert store.get_messages(cid) == []  # reading needs no lock
    store.append_messages(cid, turn(1))
    assert store.get_messages(cid) == turn(1)


def test_a_failed_write_leaves_no_partial_line(tmp_path: Path) -> None:
    # A file-size limit makes the write fail part-way, as a full disk would.
    store = TinyDBHistoryStore(tmp_path / "h")
    cid = store.create_conversation()
    store.append_messages(cid, turn(1))
    size = journal(tmp_path / "h").stat().st_size
    code = textwrap.dedent(f"""
        import resource, signal
        from pathlib import Path
        from sentinel.chat.history import TinyDBHistoryStore
        from sentinel.errors import HistoryError
        store = TinyDBHistoryStore(Path({str(tmp_path / 'h')!r}))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({size} + 500, {size} + 500))
        try:
            store.append_messages({cid!r}, [{{"role": "user", "content": "x" * 5000}}])
        except HistoryError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                          text=True, timeout=60)
    assert "could not save the change" in done.stdout, done.stderr
    assert journal(tmp_path / "h").stat().st_size == size
    store.append_messages(cid, turn(2))
    assert TinyDBHistoryStore(tmp_path / "h").get_messages(cid) == turn(1) + turn(2)


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sentinel.chat.history import TinyDBHistoryStore
    folder, cid, name, turns = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = TinyDBHistoryStore(folder)
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(turns):
        tid = f"turn_{name}_{n}"
        store.append_messages(cid, [
            {"role": "user", "content": f"{name} asks {n} " + "q" * 200, "turn": tid},
            {"role": "assistant", "content": f"{name} answers {n} " + "a" * 400, "turn": tid},
        ])
""")


def test_two_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    cid = TinyDBHistoryStore(folder).create_conversation("contended")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with contextlib.ExitStack() as stack:
        writers = [stack.enter_context(subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), cid, name, "200"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env))
            for name in ("left", "right")]
        for proc in writers:
            assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        for proc in writers:  # release both together so their appends interleave
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.close()
        for proc in writers:
            assert proc.wait(timeout=120) == 0
    messages = TinyDBHistoryStore(folder).get_messages(cid)
    assert len(messages) == 800
    pairs = [(messages[i], messages[i + 1]) for i in range(0, 800, 2)]
    assert all(u["turn"] == a["turn"] and u["role"] == "user" and a["role"] == "assistant"
               for u, a in pairs)
    for name in ("left", "right"):  # each writer's turns are all there, in its own order
        mine = [u["turn"] for u, _ in pairs if u["turn"].startswith(f"turn_{name}_")]
        assert mine == [f"turn_{name}_{n}" for n in range(200)]
    interleaved = sum(1 for (u, _), (v, _) in itertools.pairwise(pairs)
                      if u["turn"].split("_")[1] != v["turn"].split("_")[1])
    assert interleaved > 1  # the writers really did run at the same time


def test_storage_refuses_writes_outside_a_transaction(tmp_path: Path) -> None:
    storage = JournalStorage(tmp_path / "raw.jsonl")
    db = TinyDB(storage=lambda: storage)
    with pytest.raises(RuntimeError, match="outside a transaction"):
        db.table("t").insert({"a": 1})
    with storage.transaction():
        db.table("t").insert({"a": 1})
    assert TinyDB(storage=lambda: JournalStorage(tmp_path / "raw.jsonl")).table("t").all() == [
        {"a": 1}]
