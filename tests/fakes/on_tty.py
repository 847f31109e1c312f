"""Run a command on a fresh pseudo-terminal and answer its y/N question (for cram transcripts).

    python on_tty.py ANSWER COMMAND [ARG ...]

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
from pathlib import Path

LAUNCHER = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execvp(sys.argv[1], sys.argv[1:])")


def run_on_tty(argv: list[str], cwd: Path | None, env: dict[str, str] | None,
               answer: bytes | None, timeout: float = 120) -> tuple[int, str]:
    """Run ``argv`` with a fresh pty as controlling terminal and stdio; type ``answer`` when
    ``[y/N]`` appears (None: never). Returns the exit code and the output (``\\r\\n`` -> ``\\n``).

    The pty is made the controlling terminal by a tiny launcher in a new session rather than by
    ``preexec_fn``, which is unsafe while a test's server threads run."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *argv], cwd=cwd, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, answered, deadline = b"", False, time.monotonic() + timeout
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
                if answer is not None and not answered and b"[y/N]" in out:
                    os.write(master, answer)
                    answered = True
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
    return code, out.decode("utf-8", "replace").replace("\r\n", "\n")


def main(argv: list[str]) -> int:
    """Run ``argv[1:]`` on a pty, answer ``argv[0]``; print its output, return its exit code."""
    code, out = run_on_tty(argv[1:], None, None, argv[0].encode() + b"\n")
    sys.stdout.write(out)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
