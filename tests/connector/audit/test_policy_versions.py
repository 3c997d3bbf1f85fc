"""The policy history next to the audit log: a version per change, none for the same
document, newest first; two nodes starting at once agree (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime

import pytest

from connector.audit import AuditLog, PolicyVersions
from tests.connector.audit.conftest import Db

pytestmark = pytest.mark.anyio

A = {"uid": "https://example.org/policy/a", "permission": [{"action": "use"}], "n": 1.0}
B = {"uid": "https://example.org/policy/a", "permission": [{"action": "read"}]}
C = {"uid": "https://example.org/policy/c", "title": "Énergie"}


def at(hour: int) -> datetime:
    return datetime(2026, 11, 26, hour, tzinfo=UTC)


def canonical(doc: object) -> str:
    """JCS by hand for these documents: sorted keys, no spaces, 1.0 written as 1."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).replace(
        "1.0", "1"
    )


async def test_versions_follow_changes(log: AuditLog) -> None:
    versions = PolicyVersions(log)
    first = await versions.record({"a": A, "c": C}, now=at(9))
    again = await versions.record({"a": A, "c": C}, now=at(10))
    changed = await versions.record({"a": B, "c": C}, now=at(11))
    back = await versions.record({"a": A}, now=at(12))
    assert [(v.dataset, v.version) for v in first] == [("a", 1), ("c", 1)]
    assert again == []
    assert [(v.dataset, v.version) for v in changed + back] == [("a", 2), ("a", 3)]
    history = await versions.history("a")
    assert [(v.version, v.first_seen, v.policy) for v in history] == [
        (3, at(12), canonical(A)),
        (2, at(11), canonical(B)),
        (1, at(9), canonical(A)),
    ]
    assert history[0].sha256 == hashlib.sha256(canonical(A).encode()).hexdigest()
    assert [(v.dataset, v.version) for v in await versions.history()] == [
        ("a", 3),
        ("a", 2),
        ("a", 1),
        ("c", 1),
    ]


async def test_two_nodes_starting_at_once_record_one_version(db: Db, log: AuditLog) -> None:
    logs = [db.log() for _ in range(3)]
    try:
        added = await asyncio.gather(
            *(PolicyVersions(each).record({"a": A}, now=at(9)) for each in logs)
        )
    finally:
        for each in logs:
            await each.aclose()
    assert sorted(len(a) for a in added) == [0, 0, 1]
    assert [v.version for v in await PolicyVersions(log).history("a")] == [1]


async def test_history_is_append_only(db: Db, log: AuditLog) -> None:
    await PolicyVersions(log).record({"a": A}, now=at(9))
    with pytest.raises(Exception, match="append-only Guichet audit log"):
        await db.raw("DELETE FROM {t}_policy_versions")
