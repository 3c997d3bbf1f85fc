"""Counts for the DPD's charts, by party and by dataset, on SQLite and PostgreSQL; filter
values are checked and a nonsense one is a GraphQL error naming the field."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.connector.dpd.console_node import Dpd, P, running, write_console_node
from tests.connector.usage.conftest import Clock
from tests.connector.usage.test_enforcement import BUILDING

pytestmark = pytest.mark.anyio

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_databases = itertools.count(1)
PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
COUNTS = """query($f: AuditFilterInput, $lang: String) { auditCounts(filter: $f, lang: $lang) {
  total permit deny byParty { key label permit deny total }
  byDataset { key label permit deny total } } }"""


@pytest.fixture(params=BACKENDS)
def audit_db(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    make: Callable[[str], str] = request.getfixturevalue("postgres_database")
    return make(f"counts_{next(_databases)}")


async def three_callers(dpd: Dpd) -> None:
    """Six decisions: the city reads both datasets; the public and Ana (school staff) may
    read the register but not the city's energie (its only permission is for the city)."""
    for token in ("city", None, "ana"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await dpd.client.post("/graphql", json={"query": BUILDING}, headers=headers)
        assert r.status_code == 200


def row(key: str, label: str, permit: int, deny: int) -> dict[str, object]:
    return {"key": key, "label": label, "permit": permit, "deny": deny, "total": permit + deny}


async def test_counts_by_party_and_dataset(
    tmp_path: Path, clock: Clock, audit_db: str | None
) -> None:
    async with running(write_console_node(tmp_path, audit_db=audit_db), clock) as dpd:
        await three_callers(dpd)
        everything = (await dpd.data(COUNTS))["auditCounts"]
        denied = (await dpd.data(COUNTS, f={"decision": "deny"}, lang="en"))["auditCounts"]
        register = (
            await dpd.data(
                COUNTS,
                f={
                    "dataset": "registre",
                    "since": "2026-03-10T09:00:00Z",
                    "until": "2026-03-10T09:00:01Z",
                },
            )
        )["auditCounts"]
        later = (await dpd.data(COUNTS, f={"since": "2026-03-10T09:00:01", "until": "2026-03-11"}))[
            "auditCounts"
        ]
    # 6 decisions + this read itself (a permit of the DPD, naming no dataset)
    assert everything == {
        "total": 7,
        "permit": 5,
        "deny": 2,
        "byParty": [  # most entries first, then by IRI
            row(P + "ana", "Ana Lopez", 1, 1),
            row(P + "city", "Service de la ville", 2, 0),
            row(PUBLIC, "Public (sans jeton)", 1, 1),
            row(P + "city/dpd", P + "city/dpd", 1, 0),
        ],
        "byDataset": [
            row("energie", "Consommations", 1, 2),
            row("registre", "Registre des bâtiments", 3, 0),
        ],
    }
    assert denied == {
        "total": 2,
        "permit": 0,
        "deny": 2,
        "byParty": [row(P + "ana", "Ana Lopez", 0, 1), row(PUBLIC, "Public (no token)", 0, 1)],
        "byDataset": [row("energie", "Consommations", 0, 2)],
    }
    assert (register["total"], register["byDataset"]) == (
        3,
        [row("registre", "Registre des bâtiments", 3, 0)],
    )
    # the node's clock stands still at 09:00 (the DPD's reads are stamped by the log's own
    # clock, today): nothing between 09:00:01 (no offset: UTC) and the next day
    assert later == {"total": 0, "permit": 0, "deny": 0, "byParty": [], "byDataset": []}


NONSENSE = [
    ({"decision": "maybe"}, "filter.decision: expected one of deny, permit, got 'maybe'"),
    (
        {"since": "yesterday"},
        "filter.since: expected an ISO 8601 date-time such as 2026-11-26T00:00:00Z, "
        "got 'yesterday'",
    ),
    (
        {"until": "2026-13-01"},
        "filter.until: expected an ISO 8601 date-time such as 2026-11-26T00:00:00Z, "
        "got '2026-13-01'",
    ),
    (
        {"since": "2026-03-10T10:00:00Z", "until": "2026-03-10T09:00:00Z"},
        "filter.until: expected a date-time after filter.since (2026-03-10T10:00:00+00:00), "
        "got 2026-03-10T09:00:00+00:00",
    ),
    ({"party": "city"}, "filter.party: expected an absolute IRI, got 'city'"),
    ({"purpose": "research"}, "filter.purpose: expected an absolute IRI, got 'research'"),
    (
        {"dataset": "castles"},
        "filter.dataset: expected one of energie, mesures, registre, got 'castles'",
    ),
]


@pytest.mark.parametrize(("f", "message"), NONSENSE)
async def test_nonsense_filters_are_named(
    tmp_path: Path, clock: Clock, f: dict[str, str], message: str
) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        for query in (COUNTS, "query($f: AuditFilterInput) { auditLog(filter: $f) { endCursor } }"):
            body = await dpd(query, f=f)
            assert body["data"] is None
            assert [e["message"] for e in body["errors"]] == [message]
        r = await dpd.client.get(
            "/audit/export.csv",
            params={k: v for k, v in f.items()},
            headers={"Authorization": "Bearer dpd"},
        )
        assert r.status_code == 400
        assert r.json()["error"].removeprefix("filter.") == message.removeprefix("filter.")


async def test_a_decision_the_log_holds_is_accepted(tmp_path: Path, clock: Clock) -> None:
    from connector.audit import AuditRecord

    async with running(write_console_node(tmp_path), clock) as dpd:
        await dpd.app.state.usage.audit.append(
            AuditRecord(party=P + "x", decision="not-applicable", operation_hash="0" * 64)
        )
        counts = (await dpd.data(COUNTS, f={"decision": "not-applicable"}))["auditCounts"]
    assert (counts["total"], counts["permit"], counts["deny"]) == (1, 0, 0)
    assert counts["byParty"] == [
        {"key": P + "x", "label": P + "x", "permit": 0, "deny": 0, "total": 1}
    ]
