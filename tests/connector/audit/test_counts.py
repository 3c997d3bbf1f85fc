"""The normalised ``{table}_datasets``: written with each entry, backfilled for old logs,
used by dataset filters, grouped counts and the quota counters (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from connector.audit import AuditFilter, AuditLog, Count
from connector.errors import AuditError
from tests.connector.audit.conftest import Db, record

pytestmark = pytest.mark.anyio

UNIV = "https://guichet.example/participants/univ"
CITY = "https://guichet.example/participants/city"


async def fill(log: AuditLog) -> None:
    """Six entries (the clock ticks one second each, from 09:00:01):

    seq party decision datasets
    1   univ  permit   mesures
    2   univ  deny     mesures capteurs
    3   city  permit   capteurs
    4   city  permit   (none)
    5   univ  permit   capteurs mesures capteurs   (a name twice counts once)
    6   city  deny     mesures
    """
    rows = [
        (UNIV, "permit", ("mesures",)),
        (UNIV, "deny", ("mesures", "capteurs")),
        (CITY, "permit", ("capteurs",)),
        (CITY, "permit", ()),
        (UNIV, "permit", ("capteurs", "mesures", "capteurs")),
        (CITY, "deny", ("mesures",)),
    ]
    for n, (party, decision, datasets) in enumerate(rows):
        await log.append(record(n, party=party, decision=decision, datasets=datasets))


async def test_one_row_per_dataset_named(db: Db, log: AuditLog) -> None:
    await fill(log)
    rows = await db.raw("SELECT seq, dataset FROM {t}_datasets ORDER BY seq, dataset")
    assert rows == [
        (1, "mesures"),
        (2, "capteurs"),
        (2, "mesures"),
        (3, "capteurs"),
        (5, "capteurs"),
        (5, "mesures"),
        (6, "mesures"),
    ]


async def test_grouped_counts(log: AuditLog) -> None:
    await fill(log)
    counts = await log.counts()
    assert (counts.total, counts.permit, counts.deny) == (6, 4, 2)
    assert counts.by_party == (
        Count(CITY, permit=2, deny=1, total=3),
        Count(UNIV, permit=2, deny=1, total=3),
    )
    assert counts.by_dataset == (
        Count("mesures", permit=2, deny=2, total=4),
        Count("capteurs", permit=2, deny=1, total=3),
    )
    univ = await log.counts(AuditFilter(party=UNIV, dataset="capteurs"))
    assert (univ.total, univ.permit, univ.deny) == (2, 1, 1)  # seq 2 and 5
    # entries 2 and 5 also name mesures: the dataset filter picks entries, not rows
    assert univ.by_dataset == (
        Count("capteurs", permit=1, deny=1, total=2),
        Count("mesures", permit=1, deny=1, total=2),
    )
    since = datetime(2026, 11, 26, 9, 0, 4, tzinfo=UTC)  # seq 4, 5, 6
    late = await log.counts(AuditFilter(since=since))
    assert (late.total, late.permit, late.deny) == (3, 2, 1)


async def test_quota_counters_in_one_statement(db: Db, log: AuditLog) -> None:
    await fill(log)
    statements: list[str] = []

    def capture(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    sa.event.listen(log.engine.sync_engine, "before_cursor_execute", capture)
    found = await log.count_per_dataset(
        AuditFilter(party=UNIV, decision="permit"), {"mesures", "capteurs", "nothing"}
    )
    sa.event.remove(log.engine.sync_engine, "before_cursor_execute", capture)
    assert found == {"mesures": 2, "capteurs": 1, "nothing": 0}  # seq 1, 5 / seq 5
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert "GROUP BY" in statements[-1].upper()
    assert await log.count_per_dataset(AuditFilter(), set()) == {}


async def test_distinct_decisions_and_datasets(log: AuditLog) -> None:
    await fill(log)
    assert await log.decisions() == {"permit", "deny"}
    assert await log.dataset_names() == {"mesures", "capteurs"}


async def test_a_log_written_before_the_table_is_backfilled(db: Db, log: AuditLog) -> None:
    await fill(log)
    drop = (
        []
        if db.kind == "postgres"
        else [f"DROP TRIGGER IF EXISTS {{t}}_datasets_no_{verb}" for verb in ("update", "delete")]
    )
    await db.tamper(*drop, "DELETE FROM {t}_datasets WHERE seq > 2")
    assert len(await db.raw("SELECT seq FROM {t}_datasets")) == 3
    reopened = db.log()
    try:
        await reopened.setup()
        counts = await reopened.counts(AuditFilter(dataset="mesures"))
    finally:
        await reopened.aclose()
    assert counts.total == 4  # seq 1, 2, 5, 6
    assert len(await db.raw("SELECT seq FROM {t}_datasets")) == 7


async def test_the_datasets_table_is_append_only(db: Db, log: AuditLog) -> None:
    await fill(log)
    with pytest.raises((AuditError, DBAPIError), match="append-only Guichet audit log"):
        await db.raw("DELETE FROM {t}_datasets")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "DELETE FROM {t}_datasets WHERE seq = 2 AND dataset = 'capteurs'",
            "ALTERED dataset index of entry #2: it does not list exactly the datasets the "
            "entry names (capteurs, mesures)",
        ),
        (
            "INSERT INTO {t}_datasets (seq, dataset) VALUES (4, 'mesures')",
            "ALTERED dataset index of entry #4: it does not list exactly the datasets the "
            "entry names (none)",
        ),
        (
            "INSERT INTO {t}_datasets (seq, dataset) VALUES (9, 'mesures')",
            "REMOVED entries from #9: the dataset index still lists entry #9",
        ),
    ],
)
async def test_verify_checks_the_index(db: Db, log: AuditLog, statement: str, message: str) -> None:
    await fill(log)
    assert (await log.verify(chunk=2)).ok
    drop = (
        []
        if db.kind == "postgres"
        else [f"DROP TRIGGER IF EXISTS {{t}}_datasets_no_{verb}" for verb in ("update", "delete")]
    )
    await db.tamper(*drop, statement)
    for chunk in (2, 1000):
        report = await log.verify(chunk=chunk)
        assert report.problem is not None and report.problem.message == message


async def test_verify_without_an_index_checks_the_chain_only(db: Db) -> None:
    writer = db.log()
    await writer.setup()
    await fill(writer)
    await writer.aclose()
    await db.tamper(f"DROP TABLE {db.table}_datasets")
    reader = db.log()
    try:
        report = await reader.verify()
    finally:
        await reader.aclose()
    assert report.ok and report.entries == 6
