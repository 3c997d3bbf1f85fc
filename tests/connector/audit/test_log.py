"""Appending, reading and filtering, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from connector.audit import GENESIS, AuditFilter, AuditLog
from connector.errors import AuditError, QueryError
from tests.connector.audit.conftest import PARTY, Db, record

pytestmark = pytest.mark.anyio

UNIV = "https://guichet.example/participants/univ"
ECOLE = "https://guichet.example/participants/ecole"
RESEARCH = "https://w3id.org/dpv#AcademicResearch"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 26, hour, minute, tzinfo=UTC)


async def test_entries_chain_from_the_genesis(log: AuditLog) -> None:
    first = await log.append(record(1))
    second = await log.append(record(2, decision="deny", datasets=()))
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert first.node == "atmo"
    # the injected clock ticks one second per record, from 09:00:00Z
    assert [first.time, second.time] == [at(9, 0).replace(second=1), at(9, 0).replace(second=2)]
    assert await log.query() == [first, second]
    assert await log.head() == (2, second.hash)
    report = await log.verify()
    assert report.ok and report.entries == 2
    assert str(report) == f"ok: 2 entries, chain intact, head {second.hash}"


async def test_empty_log_verifies(log: AuditLog) -> None:
    report = await log.verify()
    assert str(report) == f"ok: 0 entries, chain intact, head {GENESIS}"


async def test_setup_is_idempotent_and_triggers_refuse_changes(db: Db, log: AuditLog) -> None:
    await log.append(record(1))
    await log.setup()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        async with log.engine.begin() as conn:
            await conn.execute(sa.text(f"UPDATE {db.table} SET reason = 'x'"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        async with log.engine.begin() as conn:
            await conn.execute(sa.text(f"DELETE FROM {db.table}"))
    assert len(await log.query()) == 1


async def test_a_fork_is_refused_by_the_database(db: Db, log: AuditLog) -> None:
    """Two entries may not extend the same predecessor, even written without the log."""
    await log.append(record(1))
    await log.append(record(2))
    columns = (
        "time, node, party, client_id, purpose, operation_hash, operation_name, datasets, "
        "decision, rule, reason, duties, rows_returned, details, prev_hash"
    )
    with pytest.raises(sa.exc.IntegrityError):
        await db.tamper(
            f"INSERT INTO {{t}} (seq, {columns}, hash) SELECT 3, {columns}, "
            f"'{'e' * 64}' FROM {{t}} WHERE seq = 2"
        )
    assert [e.seq for e in await log.query()] == [1, 2]


async def filled(log: AuditLog) -> None:
    """Nine hand-made entries (seq: who, decision, datasets, purpose, time)."""
    rows = [
        (UNIV, "permit", ("mesures-salles",), RESEARCH, at(8)),  # 1
        (UNIV, "deny", ("metres",), RESEARCH, at(9)),  # 2
        (ECOLE, "permit", ("mesures-salles", "capteurs"), None, at(9, 30)),  # 3
        (PARTY, "permit", ("mesures",), None, at(10)),  # 4
        (UNIV, "permit", ("capteurs",), RESEARCH, at(10, 30)),  # 5
        (ECOLE, "deny", ("https://guichet.example/datasets/m%_x",), None, at(11)),  # 6
        (UNIV, "permit", ("mesures-salles",), "https://w3id.org/dpv#Other", at(12)),  # 7
        (PARTY, "deny", (), None, at(13)),  # 8
        (ECOLE, "permit", ("Mesures-Salles",), None, at(14)),  # 9
    ]
    for n, (party, decision, datasets, purpose, time) in enumerate(rows, 1):
        await log.append(
            record(n, party=party, decision=decision, datasets=datasets, purpose=purpose, time=time)
        )


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ({"party": UNIV}, [1, 2, 5, 7]),
        ({"decision": "deny"}, [2, 6, 8]),
        ({"dataset": "mesures-salles"}, [1, 3, 7]),  # not "mesures", not "Mesures-Salles"
        ({"dataset": "mesures"}, [4]),
        ({"dataset": "capteurs"}, [3, 5]),
        ({"dataset": "https://guichet.example/datasets/m%_x"}, [6]),
        ({"dataset": "m%"}, []),
        ({"purpose": RESEARCH}, [1, 2, 5]),
        ({"since": at(10)}, [4, 5, 6, 7, 8, 9]),
        ({"until": at(10)}, [1, 2, 3]),
        ({"since": at(9), "until": at(11)}, [2, 3, 4, 5]),
        ({"party": UNIV, "decision": "permit", "dataset": "mesures-salles"}, [1, 7]),
        (
            {
                "party": ECOLE,
                "since": at(9, 30),
                "until": at(
                    9,
                    30,
                ),
            },
            [],
        ),
    ],
)
async def test_filters(log: AuditLog, criteria: dict[str, object], expected: list[int]) -> None:
    await filled(log)
    found = await log.query(AuditFilter(**criteria))  # type: ignore[arg-type]
    assert [e.seq for e in found] == expected


async def test_time_filter_with_an_offset(log: AuditLog) -> None:
    await filled(log)
    from datetime import timedelta, timezone

    paris = timezone(timedelta(hours=1))  # 11:00 in Paris is 10:00Z
    found = await log.query(AuditFilter(since=datetime(2026, 11, 26, 11, 0, tzinfo=paris)))
    assert [e.seq for e in found][:2] == [4, 5]


async def test_filters_are_sql(db: Db, log: AuditLog) -> None:
    await filled(log)
    statements: list[str] = []

    def capture(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    sa.event.listen(log.engine.sync_engine, "before_cursor_execute", capture)
    found = await log.query(AuditFilter(party=UNIV, dataset="capteurs", since=at(10)), limit=5)
    sa.event.remove(log.engine.sync_engine, "before_cursor_execute", capture)
    assert [e.seq for e in found] == [5]
    select = next(s for s in statements if s.lstrip().upper().startswith("SELECT"))
    where = select.upper().split("WHERE", 1)[1]
    assert f"SEQ IN (SELECT {log.datasets.name.upper()}.SEQ" in where
    assert ".PARTY =" in where and ".TIME >=" in where and "LIMIT" in where


async def test_pages(log: AuditLog) -> None:
    await filled(log)
    page1 = await log.query(AuditFilter(decision="permit"), limit=2)
    page2 = await log.query(AuditFilter(decision="permit"), limit=2, after=page1[-1].seq)
    page3 = await log.query(AuditFilter(decision="permit"), limit=2, after=page2[-1].seq)
    assert [[e.seq for e in p] for p in (page1, page2, page3)] == [[1, 3], [4, 5], [7, 9]]
    newest = await log.query(limit=3, newest_first=True)
    older = await log.query(limit=3, newest_first=True, after=newest[-1].seq)
    assert [e.seq for e in newest + older] == [9, 8, 7, 6, 5, 4]
    every = [e.seq async for e in log.entries(AuditFilter(party=UNIV), chunk=2)]
    assert every == [1, 2, 5, 7]


@pytest.mark.parametrize("limit", [0, 1001, True])
async def test_limit_is_bounded(log: AuditLog, limit: int) -> None:
    with pytest.raises(QueryError, match="audit query limit: expected 1 to 1000"):
        await log.query(limit=limit)


async def test_stored_entries_round_trip(log: AuditLog) -> None:
    written = await log.append(
        record(
            1,
            client_id="c",
            purpose=RESEARCH,
            operation_name="Q",
            rule=UNIV + "#r",
            duties=("aggregate", "https://www.w3.org/ns/odrl/2/attribute"),
            rows_returned=0,
            details={"nested": {"list": [1, 2.5, "é", None, True]}},
            reason='é\n"quoted"',
        )
    )
    (read,) = await log.query()
    assert read == written
    assert read.details == {"nested": {"list": [1, 2.5, "é", None, True]}}


def test_unsupported_or_invalid_databases() -> None:
    with pytest.raises(AuditError, match="is not valid"):
        AuditLog("nonsense://", node="n")
    with pytest.raises(AuditError, match="audit table name"):
        AuditLog("sqlite+aiosqlite://", node="n", table="drop table x")
    with pytest.raises(AuditError, match="node: expected"):
        AuditLog("sqlite+aiosqlite://", node="")


async def test_unreachable_database_is_an_audit_error(tmp_path: object) -> None:
    log = AuditLog("postgresql+asyncpg://nobody@127.0.0.1:1/none", node="n")
    with pytest.raises(AuditError, match="cannot append to the audit log"):
        await log.append(record(1))
    with pytest.raises(AuditError, match="cannot read the audit log"):
        await log.query()
    await log.aclose()


async def test_naive_clock_is_refused(db: Db) -> None:
    log = db.log(clock=lambda: datetime(2026, 1, 1))
    await log.setup()
    with pytest.raises(AuditError, match="clock: expected a timezone-aware datetime"):
        await log.append(record(1))
    await log.aclose()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(AuditError, match="an in-memory SQLite database belongs to one"):
        AuditLog("sqlite+aiosqlite://", node="n")


async def test_a_shared_engine_is_left_open(db: Db) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(db.url)
    try:
        log = AuditLog(engine, node="n", table=db.table)
        again = AuditLog(engine, node="n", table=db.table)  # the SQLite recipe is installed once
        await log.setup()
        await log.append(record(1))
        await again.append(record(2))
        await log.aclose()
        async with engine.connect() as conn:  # still usable
            count = (await conn.execute(sa.text(f"SELECT count(*) FROM {db.table}"))).scalar()
        assert count == 2
        assert (await again.verify()).ok
    finally:
        await engine.dispose()
