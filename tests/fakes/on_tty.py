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

LAUNCHER = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execvp(sys.argv[1], sys.argv[1:])")


def main(argv: list[str]) -> int:
    """Run ``argv[1:]`` on a pty, answer ``argv[0]``; return its exit code."""
    answer, command = argv[0].encode() + b"\n", argv[1:]
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, *command], stdin=slave,
                            stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out, answered, deadline = b"", False, time.monotonic() + 120
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
                if not answered and b"[y/N]" in out:
                    os.write(master, answer)
                    answered = True
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
    sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
