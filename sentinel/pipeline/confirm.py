"""The confirmation gate in front of every cluster change (``doit apply``, ``doit delete``).

The question goes to the terminal itself (``/dev/tty``), not through ``input()``: doit runs
actions in worker processes under ``doit -n 2`` whose stdin is not the terminal (doit #177), and
doit may capture stdout. Whether there is a person to ask is decided in the main process when
the tasks are created (stdin is a terminal) and confirmed by being able to open ``/dev/tty``.
With nobody to ask and no ``--yes``, the gate refuses: nothing is changed and the message says
how to confirm. Ctrl-C at the question cancels the same way, without a traceback.
"""

from __future__ import annotations

import os
import sys
import termios
from collections.abc import Sequence
from typing import Any

from sentinel.errors import ConfirmationRefused

TTY = "/dev/tty"
INTERRUPT = "\x03"  # Ctrl-C, as a character while the question is open


def has_terminal() -> bool:
    """True if this process was started from an interactive terminal (checked at task creation)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        return False


def describe(verb: str, context: str, pods: Sequence[tuple[str, str]]) -> str:
    """What the change will touch: the context, each namespace and its Pods."""
    namespaces = sorted({ns for ns, _ in pods})
    lines = [(f"{verb} {len(pods)} Pod(s) in context '{context}', "
             f"namespace(s): {', '.join(namespaces)}")]
    for ns in namespaces:
        names = sorted(name for pns, name in pods if pns == ns)
        lines.append(f"  {ns}: {', '.join(names)}")
    return "\n".join(lines)


def confirm(verb: str, context: str, pods: Sequence[tuple[str, str]], *, yes: bool,
            interactive: bool, command: str, tty_path: str = TTY) -> None:
    """Return if the change is confirmed; raise ``ConfirmationRefused`` otherwise (nothing done)."""
    ask(verb, describe(verb.capitalize(), context, pods), yes=yes, interactive=interactive,
        command=command, tty_path=tty_path)


def ask(verb: str, summary: str, *, yes: bool, interactive: bool, command: str,
        tty_path: str = TTY) -> None:
    """Show ``summary`` and ask y/N; return if confirmed, raise ``ConfirmationRefused`` if not."""
    if yes:
        return
    how = f"run `{command} --yes` to confirm without a prompt"
    if not interactive:
        raise ConfirmationRefused(
            f"refusing to {verb} without confirmation (no terminal to ask on); nothing was "
            f"changed.\n{summary}", hint=how)
    try:
        fd = os.open(tty_path, os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        raise ConfirmationRefused(
            f"refusing to {verb} without confirmation (cannot open {tty_path}: {exc.strerror}); "
            f"nothing was changed.\n{summary}", hint=how) from exc
    try:
        answer = _ask(fd, f"{summary}\nProceed? [y/N] ")
        if not answer.endswith("\n"):
            os.write(fd, b"\n")
    except OSError as exc:
        raise ConfirmationRefused(f"{verb} not confirmed ({tty_path}: {exc.strerror}); "
                                  "nothing was changed", hint=how) from exc
    finally:
        os.close(fd)
    if INTERRUPT in answer:
        raise ConfirmationRefused(f"{verb} cancelled (Ctrl-C); nothing was changed", hint=how)
    if answer.strip().lower() not in ("y", "yes"):
        raise ConfirmationRefused(f"{verb} not confirmed; nothing was changed", hint=how)


def _ask(fd: int, question: str) -> str:
    """Show ``question``, read one answer line; on a terminal Ctrl-C ends the line instead of
    signalling.

    A SIGINT would reach every process of the terminal's foreground group, so under
    ``doit -n 2`` doit's main process would die with a traceback while the worker asks. So while
    the question is open, signal keys are off and Ctrl-C is an extra end-of-line character
    (``VEOL``); the kernel still does the line editing. The mode is set before the question
    shows, so an answer typed as soon as it appears is already read that way.
    """
    try:
        saved: list[Any] | None = termios.tcgetattr(fd)
    except termios.error:  # not a terminal: read it as it is
        saved = None
    if saved is not None:
        quiet = [*saved[:6], list(saved[6])]
        quiet[3] &= ~termios.ISIG
        quiet[6][termios.VEOL] = INTERRUPT.encode()
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        os.write(fd, question.encode())
        return os.read(fd, 1024).decode("utf-8", "replace")  # the terminal hands over one line
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
