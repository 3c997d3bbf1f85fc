"""Server-side sessions of the console: a random id in a cookie, everything else here.

A session ends after ``idle`` seconds without a request, ``max_age`` seconds after login,
or when its access token expires, whichever comes first. An ended session's id is
remembered for a while so that its owner is told « session expired », not « unknown ».

>>> store = SessionStore(idle=900, max_age=28800, clock=lambda: 0.0)
>>> s = store.create(token="t", token_exp=3600, party="p", name="n", username="u", roles=())
>>> store.lookup(s.id).status
'ok'
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

COOKIE = "guichet_console"
LOGIN_COOKIE = "guichet_console_login"
PENDING_LIFETIME = 600.0
TOMBSTONES = 10_000


@dataclass(frozen=True)
class Session:
    id: str
    token: str
    token_exp: float
    party: str
    name: str
    username: str
    roles: tuple[str, ...]
    csrf: str
    created: float
    last_seen: float


@dataclass(frozen=True)
class Lookup:
    status: Literal["ok", "expired", "unknown", "none"]
    session: Session | None = None


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the issuer, waiting for its callback (keyed by ``state``)."""

    state: str
    verifier: str
    redirect_uri: str
    audiences: tuple[str, ...]
    created: float


@dataclass
class SessionStore:
    idle: float
    max_age: float
    clock: Callable[[], float] = time.time
    _sessions: dict[str, Session] = field(default_factory=dict)
    _ended: dict[str, float] = field(default_factory=dict)
    _pending: dict[str, PendingLogin] = field(default_factory=dict)

    def create(
        self,
        *,
        token: str,
        token_exp: float,
        party: str,
        name: str,
        username: str,
        roles: tuple[str, ...],
    ) -> Session:
        now = self.clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            token=token,
            token_exp=token_exp,
            party=party,
            name=name,
            username=username,
            roles=roles,
            csrf=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
        )
        self._sessions[session.id] = session
        return session

    def lookup(self, session_id: str | None) -> Lookup:
        """The live session with this id (touched), or why there is none."""
        if not session_id:
            return Lookup("none")
        now = self.clock()
        session = self._sessions.get(session_id)
        if session is None:
            return Lookup("expired" if session_id in self._ended else "unknown")
        if (
            now - session.last_seen > self.idle
            or now - session.created > self.max_age
            or now >= session.token_exp
        ):
            self.end(session_id)
            return Lookup("expired")
        session = replace(session, last_seen=now)
        self._sessions[session_id] = session
        return Lookup("ok", session)

    def end(self, session_id: str) -> None:
        if self._sessions.pop(session_id, None) is not None:
            self._ended[session_id] = self.clock()
            if len(self._ended) > TOMBSTONES:
                oldest = min(self._ended, key=self._ended.__getitem__)
                del self._ended[oldest]

    def add_pending(self, login: PendingLogin) -> None:
        now = self.clock()
        for state in [s for s, p in self._pending.items() if now - p.created > PENDING_LIFETIME]:
            del self._pending[state]
        self._pending[login.state] = login

    def take_pending(self, state: str) -> PendingLogin | None:
        """The pending login for ``state``, once (single use), if not too old."""
        login = self._pending.pop(state, None)
        if login is None or self.clock() - login.created > PENDING_LIFETIME:
            return None
        return login
