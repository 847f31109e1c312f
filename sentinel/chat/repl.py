"""The terminal chat loop: read a line, run a slash command or a turn, stream the answer.

It works the same on a terminal and with piped stdin (so cram can drive it): on a terminal it
uses ``readline`` for line editing and input history (saved in a file under the data folder);
with piped input it echoes each line after the prompt so a transcript reads like a session.
Answers are written delta by delta with a flush after each, so tokens appear as they arrive.

Ctrl-C while an answer streams cancels the turn (the service rolls it back and history is
unchanged); Ctrl-C or Ctrl-D at the prompt ends the session with exit code 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TextIO

from sentinel.chat.messages import redact_secrets
from sentinel.chat.protocols import Notice, TextDelta, ToolActivity
from sentinel.chat.service import CANCELLED, ChatService
from sentinel.errors import ChatError, ConfigError, HistoryError

PROMPT = "you> "
ANSWER = "assistant> "
HELP = """\
commands:
  /new          start a new conversation
  /reset        clear this conversation's messages
  /history      show this conversation's messages
  /list         list conversations (* marks the current one)
  /switch ID    continue another conversation (a unique prefix of its id is enough)
  /delete ID    delete a conversation
  /help         show this help
  /exit         leave (Ctrl-D too); Ctrl-C cancels an answer while it streams"""


class Repl:
    """One interactive session over a ``ChatService``."""

    def __init__(self, service: ChatService, *, stdin: TextIO, stdout: TextIO, stderr: TextIO,
                 interactive: bool, input_history: Path | None = None) -> None:
        self.service = service
        self.stdin, self.out, self.err = stdin, stdout, stderr
        self.interactive = interactive
        self.input_history = input_history
        self._commands: dict[str, Callable[[str], bool]] = {
            "/new": self._new, "/reset": self._reset, "/history": self._history,
            "/list": self._list, "/switch": self._switch, "/delete": self._delete,
            "/help": self._help, "/exit": self._exit, "/quit": self._exit,
        }

    # --- the loop -------------------------------------------------------------------------
    def run(self, banner: str) -> int:
        """Run until /exit, Ctrl-D or Ctrl-C at the prompt; returns the exit code (0)."""
        self._say(banner)
        self._say("type /help for commands")
        self._start_readline()
        try:
            for line in self._lines():
                text = line.strip()
                if not text:
                    continue
                if text.startswith("/"):
                    if not self._command(text):
                        break
                    continue
                self._turn(text)
        except KeyboardInterrupt:
            self._say("")  # Ctrl-C outside a turn (e.g. during a slash command): leave cleanly
        finally:
            self._save_readline()
        return 0

    def _lines(self) -> Iterator[str]:
        while True:
            try:
                if self.interactive:
                    line = input(PROMPT)
                else:
                    raw = self.stdin.readline()
                    if not raw:
                        return  # EOF (Ctrl-D on a pipe)
                    line = raw.rstrip("\n")
                    self._say(PROMPT + line)
            except EOFError:
                self._say("")
                return
            except KeyboardInterrupt:
                self._say("")
                return
            yield line

    # --- a turn ---------------------------------------------------------------------------
    def _turn(self, text: str) -> None:
        at_line_start = True
        events = self.service.events(text)
        try:
            with closing(events):
                for event in events:
                    if isinstance(event, TextDelta):
                        if at_line_start:
                            self.out.write(ANSWER)
                            at_line_start = False
                        self.out.write(event.text)
                        self.out.flush()
                    else:
                        if not at_line_start:
                            self.out.write("\n")
                            at_line_start = True
                        self._event_line(event)
        except KeyboardInterrupt:
            self._end_line(at_line_start)
            self._error(CANCELLED)
            return
        except ChatError as err:
            self._end_line(at_line_start)
            if isinstance(err.__cause__, KeyboardInterrupt):
                self._error(CANCELLED)
                return
            self._error(f"{err}\n  the turn was rolled back (history unchanged); "
                        "send the message again to retry")
            return
        except (HistoryError, ConfigError) as err:
            self._end_line(at_line_start)
            self._error(str(err))
            return
        self._end_line(at_line_start)

    def _event_line(self, event: ToolActivity | Notice) -> None:
        if isinstance(event, ToolActivity):
            self._say(f"  tool {event.summary}")
        elif event.kind == "stopped":
            self._say(f"  [stopped: {event.message}]")
        else:
            self._say(f"  ({event.kind}: {event.message})")

    # --- slash commands -------------------------------------------------------------------
    def _command(self, text: str) -> bool:
        """Run a command; False ends the session."""
        name, _, arg = text.partition(" ")
        handler = self._commands.get(name.lower())
        if handler is None:
            self._error(f"unknown command {name}; /help lists the commands")
            return True
        try:
            return handler(arg.strip())
        except HistoryError as err:
            self._error(str(err))
            return True

    def _new(self, arg: str) -> bool:
        cid = self.service.new_conversation()
        self._say(f"new conversation {cid}")
        return True

    def _reset(self, arg: str) -> bool:
        self.service.reset()
        self._say(f"conversation {self.service.conversation_id} cleared")
        return True

    def _history(self, arg: str) -> bool:
        messages = self.service.get_history()
        if not messages:
            self._say("(no messages yet)")
        for message in messages:
            self._say(format_message(message))
        return True

    def _list(self, arg: str) -> bool:
        infos = self.service.store.list_conversations()
        if not infos:
            self._say("(no conversations)")
        for info in infos:
            mark = "*" if info.id == self.service.conversation_id else " "
            title = info.title or "(untitled)"
            self._say(f"{mark} {info.id}  {info.message_count:>3} messages  {title}")
        return True

    def _switch(self, arg: str) -> bool:
        cid = self._resolve(arg, "/switch")
        if cid is not None:
            self.service.switch(cid)
            count = len(self.service.get_history())
            self._say(f"switched to conversation {cid} ({count} messages)")
        return True

    def _delete(self, arg: str) -> bool:
        cid = self._resolve(arg, "/delete")
        if cid is None:
            return True
        self.service.store.delete_conversation(cid)
        self._say(f"deleted conversation {cid}")
        if cid == self.service.conversation_id:
            self._say(f"new conversation {self.service.new_conversation()}")
        return True

    def _help(self, arg: str) -> bool:
        self._say(HELP)
        return True

    def _exit(self, arg: str) -> bool:
        return False

    def _resolve(self, arg: str, command: str) -> str | None:
        """A conversation id from an id or a unique prefix of one; None after saying why."""
        if not arg:
            self._error(f"{command} needs a conversation id; /list shows them")
            return None
        ids = [info.id for info in self.service.store.list_conversations()]
        if arg in ids:
            return arg
        matches = [cid for cid in ids if cid.startswith(arg)]
        if len(matches) == 1:
            return matches[0]
        what = "matches several" if matches else "matches no"
        self._error(f"{arg!r} {what} conversation; /list shows them")
        return None

    # --- output and readline --------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _error(self, text: str) -> None:
        self.out.flush()
        self.err.write(f"error: {text}\n")
        self.err.flush()

    def _end_line(self, at_line_start: bool) -> None:
        if not at_line_start:
            self._say("")

    def _start_readline(self) -> None:
        if not self.interactive:
            return
        try:
            import readline
        except ImportError:  # e.g. Windows without pyreadline: plain input() still works
            return
        readline.set_history_length(1000)
        if self.input_history is not None and self.input_history.is_file():
            try:
                readline.read_history_file(self.input_history)
            except OSError:
                pass  # an unreadable history file only costs the recalled lines

    def _save_readline(self) -> None:
        if not self.interactive or self.input_history is None:
            return
        try:
            import readline

            # A key pasted at the prompt must not land in the file (history stores never hold one).
            for index in range(readline.get_current_history_length()):
                line = readline.get_history_item(index + 1)
                if line and redact_secrets(line) != line:
                    readline.replace_history_item(index, redact_secrets(line))
            self.input_history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(self.input_history)
        except (ImportError, OSError):
            pass  # losing recalled input lines is not worth failing the session over


def format_message(message: dict[str, Any]) -> str:
    """One stored message as a line (or lines) for /history."""
    role = message.get("role", "?")
    if role == "user":
        return f"{PROMPT}{message.get('content') or ''}"
    if role == "tool":
        return f"  tool result: {_short(message.get('content') or '')}"
    parts = []
    if message.get("content"):
        parts.append(f"{ANSWER}{message['content']}")
    for tc in message.get("tool_calls") or ():
        fn = tc.get("function", {})
        parts.append(f"  tool call: {fn.get('name')}({_short(fn.get('arguments') or '')})")
    return "\n".join(parts) or ANSWER


def _short(text: str, limit: int = 100) -> str:
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
    except json.JSONDecodeError:
        pass
    return text if len(text) <= limit else text[: limit - 3] + "..."
