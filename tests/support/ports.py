"""Ports for the test run's servers on 127.0.0.1.

A port is taken from 20000-32000, below the kernel's ephemeral range (32768 and up here),
so that outgoing connections never grab a port reserved for a server that starts later;
and no port is handed out twice in one test run, so two servers started a few seconds
apart never get the same one.
"""

from __future__ import annotations

import os
import random
import socket

_given: set[int] = set()
_rng = random.Random(os.getpid())


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    for _ in range(1000):
        port = _rng.randrange(20000, 32000)
        if port not in _given and _bindable(port):
            _given.add(port)
            return port
    raise RuntimeError("no free port on 127.0.0.1 in 20000-32000")


def free_block(count: int) -> int:
    """The first of ``count`` consecutive free ports (``guichet demo --port-base``)."""
    for _ in range(1000):
        base = _rng.randrange(20000, 32000 - count)
        block = range(base, base + count)
        if all(p not in _given and _bindable(p) for p in block):
            _given.update(block)
            return base
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1 in 20000-32000")
