"""The console's sessions: their clock, and their store shared by several processes (two
gateways behind one address, a node's workers) through one database — here two stores on
one SQLite file, and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from connector.console.sessions import PendingLogin, SessionStore

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def make(store: SessionStore, token_exp: float = 10_000.0) -> str:
    session = await store.create(
        token="t", token_exp=token_exp, party="p", name="n", username="u", roles=("dpd",)
    )
    return session.id


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    make_db: Callable[[str], str] = request.getfixturevalue("postgres_database")
    return make_db("console_sessions")


@pytest.fixture
async def stores(database: str | None) -> AsyncIterator[tuple[SessionStore, SessionStore, Clock]]:
    clock = Clock()
    one = SessionStore(idle=100, max_age=250, clock=clock, database=database)
    # in memory there is one process: the "other" store is the same one
    other = one if database is None else SessionStore(100, 250, clock, database)
    yield one, other, clock
    await one.aclose()
    if other is not one:
        await other.aclose()


async def test_sessions_expire_when_idle_old_or_their_token_is(stores) -> None:
    store, _, clock = stores
    sid = await make(store)
    assert (await store.lookup(None)).status == "none"
    assert (await store.lookup("forged")).status == "unknown"
    clock.now += 100
    assert (await store.lookup(sid)).status == "ok"  # exactly the idle limit is still fine
    clock.now += 101
    assert (await store.lookup(sid)).status == "expired"
    assert (await store.lookup(sid)).status == "expired"  # remembered, not "unknown"
    old = await make(store)
    for _ in range(3):
        clock.now += 90
        last = (await store.lookup(old)).status
    assert last == "expired"  # 270 s > max_age 250 s, though never idle 100 s
    short = await make(store, token_exp=clock.now + 10)
    clock.now += 10
    assert (await store.lookup(short)).status == "expired"
    assert len({await make(store) for _ in range(50)}) == 50


async def test_a_pending_login_is_taken_once_and_not_after_ten_minutes(stores) -> None:
    store, other, clock = stores
    await store.add_pending(PendingLogin("s1", "v", "http://x/cb", ("a", "b"), clock.now))
    taken = await other.take_pending("s1")  # the callback reached the other gateway
    assert taken == PendingLogin("s1", "v", "http://x/cb", ("a", "b"), 1000.0)
    assert await store.take_pending("s1") is None
    assert await other.take_pending("s1") is None
    await store.add_pending(PendingLogin("s2", "v", "http://x/cb", ("a",), clock.now))
    clock.now += 601
    assert await other.take_pending("s2") is None


async def test_one_console_across_processes(stores) -> None:
    one, other, clock = stores
    sid = await make(one)
    found = (await other.lookup(sid)).session
    assert found is not None and found.party == "p" and found.roles == ("dpd",)
    assert found.csrf == (await one.lookup(sid)).session.csrf  # type: ignore[union-attr]
    clock.now += 60
    assert (await other.lookup(sid)).status == "ok"  # a request at the other one...
    clock.now += 60
    assert (await one.lookup(sid)).status == "ok"  # ...kept it alive here (120 s > idle)
    await other.end(sid)  # logout at the other gateway
    assert (await one.lookup(sid)).status == "expired"


async def test_the_cookie_value_is_not_in_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    store = SessionStore(idle=100, max_age=250, database=url)
    sid = await make(store)
    async with store.engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT * FROM guichet_console_sessions"))).all()
    await store.aclose()
    assert len(rows) == 1
    assert all(sid not in str(v) for v in rows[0])
