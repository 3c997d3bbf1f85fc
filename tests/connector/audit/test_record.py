"""Records, their validation, and the hash an entry carries (computed here by hand)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.audit import GENESIS, AuditFilter, AuditRecord
from connector.audit.operation import normalise_document, operation_hash
from connector.audit.record import seal
from connector.errors import AuditError, QueryError

PARTY = "https://guichet.example/participants/univ"
RULE = "https://guichet.example/policies/atmo#hourly"


def test_hash_is_sha256_of_the_canonical_json_written_by_hand() -> None:
    rec = AuditRecord(
        party=PARTY,
        decision="permit",
        operation_hash="0f" * 32,
        datasets=("mesures-salles", "https://guichet.example/datasets/capteurs"),
        client_id="univ-app",
        purpose="https://w3id.org/dpv#AcademicResearch",
        operation_name="Hourly",
        rule=RULE,
        reason="agrégats horaires",
        duties=("aggregate",),
        rows_returned=24,
        details={"minGroup": 5, "note": "é"},
    )
    # Paris is UTC+1 in November: 10:30:00.5 local is 09:30:00.500000Z.
    paris = timezone(timedelta(hours=1))
    entry = seal(
        rec,
        seq=1,
        node="atmo",
        time=datetime(2026, 11, 26, 10, 30, 0, 500000, paris),
        prev_hash=GENESIS,
    )
    text = (
        '{"client_id":"univ-app",'
        '"datasets":["mesures-salles","https://guichet.example/datasets/capteurs"],'
        '"decision":"permit",'
        '"details":{"minGroup":5,"note":"é"},'
        '"duties":["aggregate"],'
        '"node":"atmo",'
        '"operation_hash":"' + "0f" * 32 + '",'
        '"operation_name":"Hourly",'
        '"party":"https://guichet.example/participants/univ",'
        '"prev_hash":"' + "0" * 64 + '",'
        '"purpose":"https://w3id.org/dpv#AcademicResearch",'
        '"reason":"agrégats horaires",'
        '"rows_returned":24,'
        '"rule":"https://guichet.example/policies/atmo#hourly",'
        '"seq":1,'
        '"time":"2026-11-26T09:30:00.500000Z"}'
    )
    assert entry.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert entry.time == datetime(2026, 11, 26, 9, 30, 0, 500000, tzinfo=UTC)


def test_nulls_and_empty_lists_are_hashed_too() -> None:
    rec = AuditRecord(party=PARTY, decision="deny", operation_hash="a" * 64)
    entry = seal(rec, seq=7, node="n", time=datetime(2026, 1, 2, tzinfo=UTC), prev_hash="b" * 64)
    text = (
        '{"client_id":null,"datasets":[],"decision":"deny","details":{},"duties":[],'
        '"node":"n","operation_hash":"' + "a" * 64 + '","operation_name":null,'
        '"party":"https://guichet.example/participants/univ","prev_hash":"' + "b" * 64 + '",'
        '"purpose":null,"reason":"","rows_returned":null,"rule":null,"seq":7,'
        '"time":"2026-01-02T00:00:00.000000Z"}'
    )
    assert entry.hash == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"party": "atmo"}, "party: expected an absolute IRI, got 'atmo'"),
        ({"rule": "rule 1"}, "rule: expected an absolute IRI"),
        ({"decision": "Permit"}, "decision: expected a lower-case token"),
        ({"operation_hash": "xyz"}, "operation_hash: expected 64 lower-case hex digits"),
        ({"datasets": "mesures"}, "datasets: expected a list"),
        ({"datasets": ("a", "b c")}, "datasets[1]: expected a non-empty name or IRI"),
        ({"duties": ("",)}, "duties[0]: expected a non-empty name"),
        ({"client_id": ""}, "client_id: expected a non-empty string or None"),
        ({"rows_returned": -1}, "rows_returned: expected a non-negative integer"),
        ({"rows_returned": True}, "rows_returned: expected a non-negative integer"),
        ({"time": datetime(2026, 1, 1)}, "time: expected a timezone-aware datetime"),
        ({"details": {"x": [1, float("nan")]}}, "details.x[1]: nan is not a finite number"),
    ],
)
def test_invalid_records_name_the_field(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"party": PARTY, "decision": "permit", "operation_hash": "0" * 64}
    values.update(fields)
    with pytest.raises(AuditError) as caught:
        AuditRecord(**values)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


def test_record_is_normalised() -> None:
    rec = AuditRecord(
        party=PARTY,
        decision="permit",
        operation_hash="0" * 64,
        datasets=["a", "b"],  # type: ignore[arg-type]
        details={"t": (1, 2.0)},
        time=datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
    )
    assert rec.datasets == ("a", "b")
    assert rec.details == {"t": [1, 2]}
    assert rec.time == datetime(2026, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert str(rec.time.tzinfo) == "UTC"


def test_filter_refuses_naive_times() -> None:
    with pytest.raises(QueryError, match="audit filter since: expected a timezone-aware"):
        AuditFilter(since=datetime(2026, 1, 1))


def test_operation_hash_ignores_layout_and_comments_but_not_variables() -> None:
    a = operation_hash("query Q($id: ID!) { building(rnbId: $id) { rnbId } }", {"id": "X"})
    b = operation_hash("# hello\nquery Q($id:ID!){building(rnbId:$id){\n  rnbId\n}}", {"id": "X"})
    c = operation_hash("query Q($id: ID!) { building(rnbId: $id) { rnbId } }", {"id": "Y"})
    assert a == b != c
    # the fingerprint is SHA-256 of {"document": <printed>, "variables": {...}} in JCS
    printed = "query Q($id: ID!) {\n  building(rnbId: $id) {\n    rnbId\n  }\n}"
    assert normalise_document("query Q($id: ID!) { building(rnbId: $id) { rnbId } }") == printed
    text = '{"document":' + '"' + printed.replace("\n", "\\n") + '","variables":{"id":"X"}}'
    assert a == hashlib.sha256(text.encode()).hexdigest()


def test_operation_hash_of_an_unparseable_document() -> None:
    text = '{"document":"{ broken","variables":{}}'
    assert operation_hash("{   broken\n") == hashlib.sha256(text.encode()).hexdigest()
