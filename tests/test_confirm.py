"""The confirmation gate on its own: a pseudo-terminal stands in for /dev/tty."""

from __future__ import annotations

import os
import select
import termios
import threading
import time
from collections.abc import Iterator

import pytest

from sentinel.errors import ConfirmationRefused
from sentinel.pipeline.confirm import confirm, describe

PODS = [("shop", "web"), ("default", "hello"), ("shop", "cache")]


def drain(fd: int) -> bytes:
    """Everything the terminal has for us right now."""
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        out += os.read(fd, 4096)
    return out


@pytest.fixture
def tty() -> Iterator[tuple[int, str]]:
    """(master fd, slave path) of a fresh pseudo-terminal."""
    master, slave = os.openpty()
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


def test_describe_names_context_namespaces_and_pods() -> None:
    assert describe("Apply", "prod", PODS) == (
        "Apply 3 Pod(s) in context 'prod', namespace(s): default, shop\n"
        "  default: hello\n"
        "  shop: cache, web"
    )


@pytest.mark.parametrize("answer", [b"y\n", b"Yes\n", b"  YES \n"])
def test_yes_on_the_terminal_confirms(tty: tuple[int, str], answer: bytes) -> None:
    master, path = tty
    os.write(master, answer)
    confirm("apply", "prod", PODS, yes=False, interactive=True, command="doit apply",
            tty_path=path)
    assert b"Proceed? [y/N]" in drain(master)  # after the terminal's echo of the answer


@pytest.mark.parametrize("answer", [b"\n", b"n\n", b"yep\n"])
def test_anything_else_refuses(tty: tuple[int, str], answer: bytes) -> None:
    master, path = tty
    os.write(master, answer)
    with pytest.raises(ConfirmationRefused, match="apply not confirmed; nothing was changed"):
        confirm("apply", "prod", PODS, yes=False, interactive=True, command="doit apply",
                tty_path=path)


def test_yes_flag_never_asks(tty: tuple[int, str]) -> None:
    master, path = tty
    confirm("delete", "prod", PODS, yes=True, interactive=True, command="doit delete",
            tty_path=path)
    os.set_blocking(master, False)
    with pytest.raises(BlockingIOError):
        os.read(master, 4096)  # nothing was written to the terminal


def test_no_terminal_refuses_and_says_how() -> None:
    with pytest.raises(ConfirmationRefused) as info:
        confirm("delete", "prod", PODS, yes=False, interactive=False, command="doit delete")
    text = str(info.value)
    assert "refusing to delete without confirmation (no terminal to ask on)" in text
    assert "hint: run `doit delete --yes` to confirm without a prompt" in text


def test_unopenable_terminal_refuses() -> None:
    with pytest.raises(ConfirmationRefused, match="cannot open /nonexistent/tty"):
        confirm("apply", "prod", PODS, yes=False, interactive=True, command="doit apply",
                tty_path="/nonexistent/tty")


def test_ctrl_c_at_the_question_cancels_and_restores_the_terminal(tty: tuple[int, str]) -> None:
    master, path = tty
    slave = os.open(path, os.O_RDWR | os.O_NOCTTY)
    seen = bytearray()

    def type_ctrl_c() -> None:  # only once asked: before that, Ctrl-C would be a signal key
        deadline = time.monotonic() + 30
        while b"[y/N]" not in seen and time.monotonic() < deadline:
            seen.extend(drain(master))
        os.write(master, b"\x03")

    typist = threading.Thread(target=type_ctrl_c)
    typist.start()
    try:
        with pytest.raises(ConfirmationRefused, match=r"apply cancelled \(Ctrl-C\); nothing"):
            confirm("apply", "prod", PODS, yes=False, interactive=True, command="doit apply",
                    tty_path=path)
        typist.join(10)
        attrs = termios.tcgetattr(slave)
        assert attrs[3] & termios.ISIG  # signal keys are back on
        assert attrs[6][termios.VEOL] != b"\x03"
    finally:
        os.close(slave)
