"""Request ids: one per HTTP request, sent back in ``X-Request-Id``, put in every masked
error (``extensions.requestId``) and in the log line that goes with it, so that a caller
quoting the id leads the operator to the line.

An incoming ``X-Request-Id`` is kept when it is a short safe token (1 to 64 ASCII
letters, digits, ``.``, ``_``, ``:`` or ``-``): a gateway passes its own to the nodes it
asks, and one request is one id in every log. Anything else is replaced by a fresh one.

>>> accept_request_id("gw-7f3a"), len(accept_request_id("two words"))
('gw-7f3a', 16)
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.types import Scope

HEADER = "x-request-id"
_SAFE = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_current: ContextVar[str | None] = ContextVar("guichet_request_id", default=None)


def new_request_id() -> str:
    """16 random hexadecimal digits."""
    return secrets.token_hex(8)


def accept_request_id(incoming: str | None) -> str:
    """``incoming`` if it is a short safe token, else a new id."""
    if incoming is not None and _SAFE.fullmatch(incoming):
        return incoming
    return new_request_id()


def request_id_of(scope: Scope) -> str | None:
    """The id :class:`~connector.edge.Edge` gave the request of ``scope``."""
    state = scope.get("state") or {}
    found = state.get("request_id")
    return found if isinstance(found, str) else None


def current_request_id() -> str | None:
    """The id of the request being served (in this task and the tasks it started)."""
    return _current.get()


@contextmanager
def serving(request_id: str) -> Iterator[None]:
    """Make ``request_id`` the :func:`current_request_id` within the block."""
    token = _current.set(request_id)
    try:
        yield
    finally:
        _current.reset(token)
