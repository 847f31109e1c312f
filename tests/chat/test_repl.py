"""The REPL: in-process for the commands, and ``sentinel chat`` as a subprocess driven through
piped stdin (and SIGINT) against the scripted server with the real SDK."""

from __future__ import annotations

import fcntl
import io
import os
import select
import signal
import stat
import subprocess
import termios
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from sentinel.chat.history import MemoryHistoryStore
from sentinel.chat.provider import OpenAIProvider, provider_config
from sentinel.chat.repl import HELP, Repl, format_message
from sentinel.chat.service import ChatService
from sentinel.cli.chat_cmds import choose_conversation
from sentinel.errors import UsageError
from tests.fakes.openai_server import FakeOpenAI


# --- in process ------------------------------------------------------------------------------
class Session:
    def __init__(self, fake: FakeOpenAI) -> None:
        self.store = MemoryHistoryStore()
        config = provider_config("sk-x", fake.url, "m")
        # seconds, not the default ten minutes: a silent server fails the test fast
        self.provider = OpenAIProvider(replace(config, timeout=20.0, connect_timeout=5.0))
        self.service = ChatService(self.provider, self.store, self.store.create_conversation(),
                                   sleep=lambda s: None)

    def run(self, text: str) -> tuple[int, list[str], str]:
        out, err = io.StringIO(), io.StringIO()
        repl = Repl(self.service, stdin=io.StringIO(text), stdout=out, stderr=err,
                    interactive=False)
        code = repl.run("banner")
        return code, out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def session(fake: FakeOpenAI) -> Iterator[Session]:
    s = Session(fake)
    yield s
    s.provider.close()


def test_turns_are_echoed_and_answered(fake: FakeOpenAI, session: Session) -> None:
    fake.script([{"text": "Hi there."}, {"text": "A Pod."}])
    code, out, err = session.run("hello\n\nwhat is a pod?\n")
    assert code == 0 and err == ""
    assert out == ["banner", "type /help for commands", "you> hello", "assistant> Hi there.",
                   "you> ", "you> what is a pod?", "assistant> A Pod."]


def test_slash_commands(fake: FakeOpenAI, session: Session) -> None:
    fake.script([{"text": "one"}, {"text": "two"}])
    first = session.service.conversation_id
    code, out, err = session.run("q1\n/new\nq2\n/list\n/switch " + first[:9] + "\n/history\n"
                                 "/reset\n/history\n/help\n/bogus\n/switch\n/exit\nnot read\n")
    assert code == 0
    second = next(line for line in out if line.startswith("new conversation ")).split()[-1]
    listing = out[out.index("you> /list") + 1: out.index("you> /list") + 3]
    assert listing[0].startswith(f"* {second}") and listing[0].endswith("q2")
    assert listing[1].startswith(f"  {first}") and "2 messages" in listing[1]
    assert f"switched to conversation {first} (2 messages)" in out
    after_switch = out.index("you> /history")
    assert out[after_switch + 1: after_switch + 3] == ["you> q1", "assistant> one"]
    assert f"conversation {first} cleared" in out
    assert out[out.index("you> /history", after_switch + 1) + 1] == "(no messages yet)"
    assert HELP.splitlines()[1] in out
    assert "not read" not in "\n".join(out)
    assert err.splitlines() == ["error: unknown command /bogus; /help lists the commands",
                                "error: /switch needs a conversation id; /list shows them"]


def test_delete_current_conversation_starts_a_new_one(fake: FakeOpenAI, session: Session) -> None:
    fake.script([{"text": "x"}])
    cid = session.service.conversation_id
    _, out, err = session.run(f"hi\n/delete {cid}\n/delete nope\n")
    assert f"deleted conversation {cid}" in out
    assert session.service.conversation_id != cid
    assert [c.id for c in session.store.list_conversations()] == [session.service.conversation_id]
    assert "'nope' matches no conversation" in err


def test_failed_turn_is_reported_and_can_be_retried(fake: FakeOpenAI, session: Session) -> None:
    fake.script([{"text": "partial answer here", "drop_after": 3}, {"text": "full answer"}])
    _, out, err = session.run("ask\nask\n")
    assert out[2:] == ["you> ask", "assistant> partial answer", "you> ask",
                       "assistant> full answer"]
    assert "error: the answer stream dropped" in err
    assert "the turn was rolled back (history unchanged)" in err
    assert [m["content"] for m in session.service.get_history()] == ["ask", "full answer"]


def test_tool_activity_and_notices_get_their_own_lines(fake: FakeOpenAI,
                                                       session: Session) -> None:
    fake.script([{"error": {"status": 503, "message": "busy"}},
                 {"text": "Checking.", "tool_calls": [{"name": "list_specs", "arguments": {}}]},
                 {"text": "Done."}])
    code, out, err = session.run("go\n")
    assert code == 0 and err == ""
    assert out[3].startswith("  (retry: provider error 503: busy; retrying in ")
    assert out[4:] == ["assistant> Checking.", "  tool list_specs: no tools are enabled",
                       "assistant> Done."]


def test_format_message_shapes() -> None:
    call = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "read_spec",
                                                     "arguments": '{"name":"web"}'}}]}
    assert format_message(call) == '  tool call: read_spec({"name": "web"})'
    assert format_message({"role": "tool", "content": "x" * 200}).endswith("...")


def test_resume_policy() -> None:
    store = MemoryHistoryStore()
    first, how = choose_conversation(store, new=False, wanted=None)
    assert how == "new"  # nothing to resume
    store.append_messages(first, [{"role": "user", "content": "q"},
                                  {"role": "assistant", "content": "a"}])
    assert choose_conversation(store, new=False, wanted=None) == (first, "resumed, 2 messages")
    second, how = choose_conversation(store, new=True, wanted=None)
    assert second != first and how == "new"
    # started after the last message and left empty: that is the one used last
    assert choose_conversation(store, new=False, wanted=None) == (second, "resumed, 0 messages")
    assert choose_conversation(store, new=False, wanted=first[:12]) == (
        first, "continued, 2 messages")  # --conversation with a unique prefix
    with pytest.raises(UsageError, match="matches several conversations"):
        choose_conversation(store, new=False, wanted="conv_")
    store.append_messages(first, [{"role": "user", "content": "again"}])
    assert choose_conversation(store, new=False, wanted=None)[0] == first  # newest message


# --- as a subprocess -------------------------------------------------------------------------
def _env(fake: FakeOpenAI | None, **extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    if fake is not None:
        env.update(OPENAI_BASE_URL=fake.url, OPENAI_API_KEY="sk-test-repl")
    return env


def _chat(fake: FakeOpenAI | None, text: str, *args: str, cwd: Path) -> (
        subprocess.CompletedProcess[str]):
    return subprocess.run(["sentinel", "chat", *args], check=False, input=text, capture_output=True,
                          text=True, timeout=60, env=_env(fake), cwd=cwd)


def test_piped_session_persists_and_resumes(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script([{"text": "Hello!"}, {"text": "Still here."}, {"text": "Fresh."}])
    first = _chat(fake, "hi\n", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    banner = first.stdout.splitlines()[0]
    assert banner.startswith("conversation conv_") and banner.endswith("(new); model gpt-4o-mini")
    cid = banner.split()[1]
    assert first.stdout.splitlines()[2:] == ["you> hi", "assistant> Hello!"]
    second = _chat(fake, "/history\nmore\n", cwd=tmp_path)
    assert second.stdout.splitlines()[0] == (f"conversation {cid} (resumed, 2 messages); "
                                             "model gpt-4o-mini")
    assert second.stdout.splitlines()[3:5] == ["you> hi", "assistant> Hello!"]
    third = _chat(fake, "new one\n", "--new", "--model", "other-model", cwd=tmp_path)
    assert third.stdout.splitlines()[0].endswith("(new); model other-model")
    assert fake.requests[-1]["body"]["model"] == "other-model"
    again = _chat(fake, "", "--conversation", cid[:10], cwd=tmp_path)
    assert again.stdout.splitlines()[0].startswith(f"conversation {cid} (continued, 4 messages)")


def test_model_setting_is_the_default_and_model_flag_wins(fake: FakeOpenAI,
                                                          tmp_path: Path) -> None:
    fake.script([{"text": "a"}, {"text": "b"}])
    env = _env(fake, SENTINEL_MODEL="from-setting")
    for args, model in (((), "from-setting"), (("--model", "from-flag"), "from-flag")):
        result = subprocess.run(["sentinel", "chat", "--memory", *args], input="hi\n", env=env,
                                cwd=tmp_path, check=False, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0].endswith(f"; model {model}")
        assert fake.requests[-1]["body"]["model"] == model


def test_context_budget_setting_trims_what_is_sent(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script([], default={"text": "an answer of some length"})
    for budget, carried in (("12000", 4), ("12", 2)):  # 12 tokens: room for the new message only
        env = _env(fake, SENTINEL_CONTEXT_BUDGET=budget)
        result = subprocess.run(["sentinel", "chat", "--memory"], input="first question\nsecond\n",
                                env=env, cwd=tmp_path, check=False, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        sent = fake.requests[-1]["body"]["messages"]
        assert sent[0]["role"] == "system" and sent[-1]["content"] == "second"
        assert len(sent) == carried, (budget, sent)


def test_memory_session_saves_nothing(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script([{"text": "Gone soon."}])
    result = _chat(fake, "hi\n", "--memory", cwd=tmp_path)
    assert result.returncode == 0 and "(in memory, not saved)" in result.stdout
    assert not Path(os.environ["SENTINEL_HISTORY"]).exists()


def test_unknown_conversation_is_a_usage_error(fake: FakeOpenAI, tmp_path: Path) -> None:
    result = _chat(fake, "", "--conversation", "conv_nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --conversation conv_nope: is not a conversation")
    assert "Traceback" not in result.stderr


def test_missing_provider_configuration_exits_2(tmp_path: Path) -> None:
    result = _chat(None, "hi\n", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "neither OPENAI_API_KEY nor OPENAI_BASE_URL is set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_real_chat_never_writes_the_api_key(fake: FakeOpenAI, tmp_path: Path) -> None:
    key = f"sk-proj-Ab1{uuid.uuid4().hex}"  # shaped like a real key: mixed case and digits
    fake.script([{"text": f"You pasted {key}; never share it."},
                 {"error": {"status": 401, "message": f"Incorrect API key provided: {key}"}}])
    env = dict(os.environ, OPENAI_BASE_URL=fake.url, OPENAI_API_KEY=key)
    result = subprocess.run(["sentinel", "chat"], input=f"my key is {key}\nagain\n", env=env,
                            cwd=tmp_path, check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "provider error 401" in result.stderr
    assert fake.requests[0]["headers"]["authorization"] == f"Bearer {key}"  # it was used
    history = Path(os.environ["SENTINEL_HISTORY"])
    call_log = Path(os.environ["SENTINEL_CALL_LOG"])
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert call_log in written and any(p.parent == history for p in written)
    assert "[redacted]" in (history / "history.jsonl").read_text()  # what was pasted, redacted
    for path in written:
        assert key not in path.read_text(errors="replace"), path


class Live:
    """``sentinel chat`` with a pipe we keep writing to and output read as it arrives."""

    def __init__(self, fake: FakeOpenAI, cwd: Path) -> None:
        self.proc = subprocess.Popen(["sentinel", "chat"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=_env(fake), cwd=cwd)
        self.buffer = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := os.read(self.proc.stdout.fileno(), 4096):
            with self.lock:
                self.buffer += chunk

    def text(self) -> str:
        with self.lock:
            return self.buffer.decode()

    def wait_for(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return self.text()
            time.sleep(0.01)
        raise AssertionError(f"{needle!r} never appeared in:\n{self.text()}")

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def finish(self) -> int:
        """Close our end of stdin (Ctrl-D), wait for the exit, release the pipes."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass  # the process already exited
        try:
            code = self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:  # hung: do not leave it running after the test
                self.proc.kill()
                self.proc.wait()
            self.reader.join(timeout=5)
            self.proc.stdout.close()
        return code


def test_tokens_stream_and_ctrl_c_cancels_the_turn(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script([{"text": "w1 w2 w3 w4 w5 w6 w7 w8", "delay": 0.15}, {"text": "after"}])
    live = Live(fake, tmp_path)
    try:
        live.send("slow please")
        seen = live.wait_for("assistant> w1")
        assert "w8" not in seen  # printed as it arrives, long before the stream ends
        live.proc.send_signal(signal.SIGINT)
        live.wait_for("error: the turn was cancelled (Ctrl-C)")
        live.send("/history")
        live.send("again")
        live.wait_for("assistant> after")
    finally:
        code = live.finish()
    assert code == 0
    out = live.text()
    assert "Traceback" not in out
    history = out[out.index("you> /history"):].splitlines()
    assert history[1] == "(no messages yet)"  # the cancelled turn left nothing behind


def test_ctrl_c_at_the_prompt_exits_cleanly(fake: FakeOpenAI, tmp_path: Path) -> None:
    live = Live(fake, tmp_path)
    try:
        live.wait_for("type /help for commands")
        live.proc.send_signal(signal.SIGINT)
        live.proc.wait(timeout=30)
    finally:
        code = live.finish()
    assert code == 0 and "Traceback" not in live.text()


def test_memory_and_conversation_together_is_a_usage_error(fake: FakeOpenAI,
                                                           tmp_path: Path) -> None:
    result = _chat(fake, "", "--memory", "--conversation", "conv_x", cwd=tmp_path)
    assert result.returncode == 2 and "cannot continue conversation conv_x" in result.stderr


def test_terminal_session_uses_readline_and_saves_input_history(fake: FakeOpenAI,
                                                                tmp_path: Path) -> None:
    fake.script([{"text": "Hi from a terminal."}])
    master, slave = os.openpty()
    proc = subprocess.Popen(["sentinel", "chat"], stdin=slave, stdout=slave, stderr=slave,
                            env=_env(fake, TERM="dumb"), cwd=tmp_path)
    os.close(slave)
    seen = b""

    def read_until(needle: bytes) -> None:
        """Read until ``needle`` appears in output not yet matched."""
        nonlocal seen
        deadline = time.monotonic() + 20
        while needle not in seen:
            chunk = _read_pty(master, deadline)
            assert chunk, (needle, seen)
            seen += chunk
        seen = seen[seen.index(needle) + len(needle):]

    try:
        read_until(b"you> ")
        os.write(master, b"hello there\r")
        read_until(b"Hi from a terminal.")
        read_until(b"you> ")  # the next prompt: readline is waiting again
        os.write(master, b"\x04")  # Ctrl-D at the prompt
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    saved = Path(os.environ["SENTINEL_HISTORY"]).parent / "chat-input-history"
    assert "hello there" in saved.read_text()


# --- on a real terminal (a pty that is the session's controlling terminal) --------------------
class Terminal:
    """``sentinel chat`` on a pseudo-terminal that is its controlling terminal, so the keys we
    type go through the terminal driver: Ctrl-C (0x03) becomes SIGINT as at a real terminal."""

    def __init__(self, fake: FakeOpenAI, cwd: Path, *args: str) -> None:
        master, slave = os.openpty()
        self.proc = subprocess.Popen(
            ["sentinel", "chat", *args], stdin=slave, stdout=slave, stderr=slave,
            env=_env(fake, TERM="dumb"), cwd=cwd, start_new_session=True,
            preexec_fn=_take_terminal)  # noqa: PLW1509 - one ioctl before exec, no locks
        os.close(slave)
        self.master = master
        self.seen = b""
        self.transcript = b""

    def read_until(self, needle: bytes, timeout: float = 20.0) -> bytes:
        """Read until ``needle`` appears in output not yet matched; return what came before."""
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            chunk = _read_pty(self.master, deadline)
            assert chunk, (needle, self.transcript)
            self.seen += chunk
            self.transcript += chunk
        before, _, self.seen = self.seen.partition(needle)
        return before

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int:
        """Wait for the exit (killing a process that hangs) and release the terminal."""
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)


def _read_pty(fd: int, deadline: float) -> bytes:
    """What the terminal shows next; b"" when nothing came before ``deadline`` or the child
    closed the terminal (a blocking read alone would wait forever on a silent child)."""
    ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
    if not ready:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:  # EIO: every process holding the terminal has exited
        return b""


def _take_terminal() -> None:
    """In the child, after setsid: make the pty on stdin the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _sent(fake: FakeOpenAI) -> list[str]:
    return [r["body"]["messages"][-1]["content"] for r in fake.requests]


def test_terminal_line_editing_and_input_history(fake: FakeOpenAI, tmp_path: Path) -> None:
    fake.script([], default={"text": "ok."})
    key = f"sk-proj-Ab1{uuid.uuid4().hex}"
    term = Terminal(fake, tmp_path)
    try:
        term.read_until(b"you> ")
        term.type(b"worlx\x7fd\x01hello \r")  # backspace fixes a typo, Ctrl-A goes to the start
        term.read_until(b"ok.")
        term.read_until(b"you> ")
        term.type(b"\x10\r")  # Ctrl-P recalls the previous line
        term.read_until(b"ok.")
        term.read_until(b"you> ")
        term.type(f"my key {key}\r".encode())  # pasted by mistake
        term.read_until(b"ok.")
        term.read_until(b"you> ")
        term.type(b"\x04")  # Ctrl-D
    finally:
        code = term.close()
    assert code == 0
    assert _sent(fake) == ["hello world", "hello world", f"my key {key}"]
    input_history = Path(os.environ["SENTINEL_HISTORY"]).parent / "chat-input-history"
    saved = input_history.read_text()
    assert "my key [redacted]" in saved and key not in saved
    assert stat.S_IMODE(input_history.stat().st_mode) == 0o600  # readline creates it private
    again = Terminal(fake, tmp_path)  # a new session recalls input from the saved history file
    try:
        again.read_until(b"you> ")
        again.type(b"\x10\x10\r")  # two lines back: the one before the redacted one
        again.read_until(b"ok.")
        again.read_until(b"you> ")
        again.type(b"\x04")
    finally:
        code = again.close()
    assert code == 0 and _sent(fake)[-1] == "hello world"


def test_terminal_ctrl_c_cancels_the_stream_then_exits_at_the_prompt(fake: FakeOpenAI,
                                                                      tmp_path: Path) -> None:
    fake.script([{"text": "w1 w2 w3 w4 w5 w6 w7 w8", "delay": 0.3}])
    term = Terminal(fake, tmp_path)
    try:
        term.read_until(b"you> ")
        term.type(b"slow please\r")
        term.read_until(b"assistant> w1")
        term.type(b"\x03")  # Ctrl-C while the answer streams: the terminal sends SIGINT
        shown = term.read_until(b"error: the turn was cancelled (Ctrl-C)")
        term.read_until(b"you> ")
        term.type(b"\x03")  # Ctrl-C at the prompt: the session ends
    finally:
        code = term.close()
    assert code == 0
    assert b"w8" not in shown and b"Traceback" not in term.transcript
    after = _chat(fake, "/history\n", cwd=tmp_path)
    assert "(resumed, 0 messages)" in after.stdout.splitlines()[0]
    assert "(no messages yet)" in after.stdout  # nothing of the cancelled turn was kept


def test_read_only_flag_offers_no_write_tool(fake: FakeOpenAI, tmp_path: Path) -> None:
    (tmp_path / "sentinel.toml").write_text("")
    fake.script([{"text": "ok"}, {"text": "ok"}])
    for args in ((), ("--read-only",)):
        result = _chat(fake, "hi\n", "--memory", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    offered = [{t["function"]["name"] for t in r["body"].get("tools", [])} for r in fake.requests]
    assert "write_spec" in offered[0] and "write_spec" not in offered[1]
    assert "list_specs" in offered[1]
    assert "Read-only mode is on" in fake.requests[1]["body"]["messages"][0]["content"]
