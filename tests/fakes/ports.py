"""A loopback port whose connections are refused, held for as long as a test needs it.

A port that was merely freed can be bound again by any server on the machine meanwhile; one
that accepts and never answers turns "connection refused" into a wait for a client's timeout.
Keeping the port bound but not listening makes every connect fail at once, and nothing else can
take it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port, bound and not listening, for the duration of the block."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # no SO_REUSEADDR: the port is ours alone
        yield int(sock.getsockname()[1])
