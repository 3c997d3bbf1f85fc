"""The audit table, its append-only triggers, and the mapping between rows and entries.

One row per entry; everything the hash covers lives in that row, so ``verify`` needs no
other table. Lists and objects are stored as text: ``datasets`` as the names separated
and surrounded by single spaces (``" a b "``; names never hold spaces),
``duties`` and ``details`` as canonical JSON; the same names, one row each, in
``{table}_datasets`` (:func:`datasets_table`), which dataset filters and counts use.
``time`` is the fixed-width UTC text of :func:`~connector.audit.record.format_time`,
compared as text (``COLLATE "C"`` on PostgreSQL). ``seq`` is the primary key and
``prev_hash`` and ``hash`` are UNIQUE, so two writers can never both extend the same
head: a fork is refused by the database itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from connector.audit.canonical import canonical_json
from connector.audit.record import StoredEntry, details_text, format_time, parse_time
from connector.errors import AuditError

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,40}")


def check_table_name(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise AuditError(
            f"audit table name: expected lower-case letters, digits and '_' "
            f"(at most 41, not starting with a digit), got {name!r}"
        )
    return name


def audit_table(name: str) -> sa.Table:
    time_type = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("time", time_type, nullable=False),
        sa.Column("node", sa.Text, nullable=False),
        sa.Column("party", sa.Text, nullable=False),
        sa.Column("client_id", sa.Text),
        sa.Column("purpose", sa.Text),
        sa.Column("operation_hash", sa.String(64), nullable=False),
        sa.Column("operation_name", sa.Text),
        sa.Column("datasets", sa.Text, nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("rule", sa.Text),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("duties", sa.Text, nullable=False),
        sa.Column("rows_returned", sa.BigInteger),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("prev_hash", name=f"{name}_prev_hash_key"),
        sa.UniqueConstraint("hash", name=f"{name}_hash_key"),
        sa.Index(f"{name}_time_idx", "time"),
        # (column, seq): a filtered page in chain order reads the index, no sort
        sa.Index(f"{name}_party_seq_idx", "party", "seq"),
        sa.Index(f"{name}_decision_seq_idx", "decision", "seq"),
    )


def datasets_table(name: str) -> sa.Table:
    """``{name}_datasets(seq, dataset)``: one row per dataset an entry names, written in the
    same transaction as the entry, so that per-dataset counts are a ``GROUP BY`` (and a quota
    count an index lookup) rather than a substring scan. Not covered by the hash: derived
    from the ``datasets`` column, which is."""
    return sa.Table(
        f"{name}_datasets",
        sa.MetaData(),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("dataset", sa.Text, primary_key=True),
        sa.Index(f"{name}_datasets_dataset_idx", "dataset", "seq"),
    )


def dataset_rows(entry: StoredEntry) -> list[dict[str, Any]]:
    return [{"seq": entry.seq, "dataset": d} for d in dict.fromkeys(entry.datasets)]


def append_only_ddl(name: str, dialect: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE (and TRUNCATE on PostgreSQL).

    They stop mistakes and the node's own code, not an administrator: the owner of the
    database can drop or disable them (``ALTER TABLE ... DISABLE TRIGGER``,
    ``session_replication_role = replica``, or editing the SQLite file). That is what
    :meth:`AuditLog.verify` is for.
    """
    message = f"{name} is the append-only Guichet audit log"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_no_{verb.lower()} BEFORE {verb} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', "
        f"MESSAGE = '{message}'; END $$",
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = "
        f"'{name}_append_only' AND tgrelid = '{name}'::regclass) THEN "
        f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {name} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_append_only(); END IF; END $$",
    ]


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory-lock key serialising the writers of table ``name``."""
    digest = hashlib.sha256(f"guichet-audit:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _names_text(names: tuple[str, ...]) -> str:
    return f" {' '.join(names)} " if names else ""


def to_row(entry: StoredEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "time": format_time(entry.time),
        "node": entry.node,
        "party": entry.party,
        "client_id": entry.client_id,
        "purpose": entry.purpose,
        "operation_hash": entry.operation_hash,
        "operation_name": entry.operation_name,
        "datasets": _names_text(entry.datasets),
        "decision": entry.decision,
        "rule": entry.rule,
        "reason": entry.reason,
        "duties": canonical_json(list(entry.duties)),
        "rows_returned": entry.rows_returned,
        "details": details_text(entry) or canonical_json(entry.details),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


@dataclass(frozen=True)
class Decoded:
    """A row read back: the entry, or why the stored text cannot be an entry at all."""

    seq: int
    hash: str
    entry: StoredEntry | None
    malformed: str | None = None


def decode(row: Mapping[Any, Any]) -> Decoded:
    """The entry a row holds. Text that is not exactly what :func:`to_row` writes (say a
    ``details`` edited by hand) is reported as malformed rather than silently normalised."""
    seq, stored_hash = int(row["seq"]), str(row["hash"])
    try:
        entry = _entry(row)
        canonical = to_row(entry)
    except (AuditError, KeyError, TypeError, ValueError) as exc:
        return Decoded(seq, stored_hash, None, f"stored content cannot be read: {exc}")
    for column, value in canonical.items():
        if row[column] != value:
            return Decoded(
                seq, stored_hash, None, f"column {column} is not in the form the log writes"
            )
    return Decoded(seq, stored_hash, entry)


def _entry(row: Mapping[Any, Any]) -> StoredEntry:
    duties = json.loads(row["duties"])
    details = json.loads(row["details"])
    if not isinstance(duties, list) or not all(isinstance(d, str) for d in duties):
        raise ValueError("duties is not a JSON list of strings")
    if not isinstance(details, dict):
        raise ValueError("details is not a JSON object")
    return StoredEntry(
        seq=int(row["seq"]),
        time=parse_time(str(row["time"])),
        node=str(row["node"]),
        party=str(row["party"]),
        client_id=row["client_id"],
        purpose=row["purpose"],
        operation_hash=str(row["operation_hash"]),
        operation_name=row["operation_name"],
        datasets=tuple(str(row["datasets"]).split()),
        decision=str(row["decision"]),
        rule=row["rule"],
        reason=str(row["reason"]),
        duties=tuple(duties),
        rows_returned=None if row["rows_returned"] is None else int(row["rows_returned"]),
        details=details,
        prev_hash=str(row["prev_hash"]),
        hash=str(row["hash"]),
    )
