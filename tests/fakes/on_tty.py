"""Run a command on a fresh pseudo-terminal and answer its y/N question (for cram transcripts).

    python on_tty.py ANSWER COMMAND [ARG ...]
    python on_tty.py --chat MESSAGE ANSWER sentinel chat [ARG ...]

The command gets the pty as its controlling terminal and stdio, as when a person runs it; when
``[y/N]`` appears, ``ANSWER`` and a newline are typed. Its output is printed with the
terminal's ``\\r\\n`` turned back into ``\\n``, and its exit code is this script's.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

LAUNCHER = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execvp(sys.argv[1], sys.argv[1:])")


def run_on_tty(argv: list[str], cwd: Path | None, env: dict[str, str] | None,
               answer: bytes | None, timeout: float = 120) -> tuple[int, str]:
    """Run ``argv`` with a fresh pty as controlling terminal and stdio; type ``answer`` when
    ``[y/N]`` appears (None: never). Returns the exit code and the output (``\\r\\n`` -> ``\\n``).
    """
    return run_dialog(argv, cwd, env, [] if answer is None else [(b"[y/N]", answer)], timeout)


def run_dialog(argv: list[str], cwd: Path | None, env: dict[str, str] | None,
               dialog: Sequence[tuple[bytes | Callable[[], bool], bytes]], timeout: float = 120
               ) -> tuple[int, str]:
    """Run ``argv`` on a fresh pty as its controlling terminal and stdio, as a person does, and
    hold a conversation: for each ``(expect, send)`` in turn, wait until ``expect`` appears in
    the output after the previous match (or, for a callable, until it returns True: e.g. the
    fake API has seen a write), then type ``send``. Returns the exit code and the
    output (``\\r\\n`` -> ``\\n``).
    The program must end on its own (e.g. a last step that types ``/exit``).

    The pty is made the controlling terminal by a tiny launcher in a new session rather than by
    ``preexec_fn``, which is unsafe while a test's server threads run."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *argv], cwd=cwd, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, step, seen, deadline = b"", 0, 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child side closed
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
            while step < len(dialog):
                expect, send = dialog[step]
                if callable(expect):
                    if not expect():
                        break
                else:
                    at = out.find(expect, seen)
                    if at < 0:
                        break
                    seen = at + len(expect)
                os.write(master, send)
                step += 1
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
    return code, out.decode("utf-8", "replace").replace("\r\n", "\n")


def main(argv: list[str]) -> int:
    """Run a command on a pty and answer it; print its output, return its exit code.

    ``ANSWER COMMAND...`` types ``ANSWER`` at the y/N question. ``--chat MESSAGE ANSWER
    COMMAND...`` is for ``sentinel chat``: types ``MESSAGE`` at the first ``you>`` prompt,
    ``ANSWER`` at the y/N question, and ``/exit`` at the next prompt."""
    if argv[:1] == ["--chat"]:
        message, answer, command = argv[1], argv[2], argv[3:]
        code, out = run_dialog(command, None, None, [
            (b"you> ", message.encode() + b"\n"), (b"[y/N]", answer.encode() + b"\n"),
            (b"you> ", b"/exit\n")])
    else:
        code, out = run_on_tty(argv[1:], None, None, argv[0].encode() + b"\n")
    sys.stdout.write(out)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
