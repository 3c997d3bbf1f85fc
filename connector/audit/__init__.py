"""The node's tamper-evident audit log: every usage-control decision, hash-chained.

>>> from connector.audit import AuditLog, AuditRecord, operation_hash
>>> log = AuditLog("sqlite+aiosqlite:///audit.db", node="atmo")   # doctest: +SKIP
>>> await log.setup()                                               # doctest: +SKIP
>>> await log.append(AuditRecord(party="https://example.org/p/ecole", decision="permit",
...                              operation_hash=operation_hash("{ buildings { rnbId } }"),
...                              datasets=("registre-batiments",)))  # doctest: +SKIP

Modules: :mod:`.record` (values and the hash), :mod:`.canonical` (canonical JSON),
:mod:`.log` (storage, concurrency), :mod:`.reads` (queries),
:mod:`.engines` (the state database's engines), :mod:`.counts` (grouped counts),
:mod:`.policy_versions` (the history of each dataset's policy), :mod:`.verify` (the chain check),
:mod:`.export` (CSV, JSON-LD PROV-O), :mod:`.operation` (operation fingerprints),
:mod:`.cli` (``guichet audit verify|export``).
"""

from connector.audit.canonical import canonical_json
from connector.audit.counts import Count, Counts, UseCount
from connector.audit.engines import create_tables, state_engines
from connector.audit.export import CSV_COLUMNS, GUI_TERMS, export_csv, export_jsonld
from connector.audit.log import AuditLog
from connector.audit.operation import operation_hash
from connector.audit.policy_versions import PolicyVersion, PolicyVersions
from connector.audit.reads import MAX_LIMIT
from connector.audit.record import (
    GENESIS,
    AuditFilter,
    AuditRecord,
    Outcome,
    StoredEntry,
)
from connector.audit.verify import Problem, VerifyReport

__all__ = [
    "CSV_COLUMNS",
    "GENESIS",
    "GUI_TERMS",
    "MAX_LIMIT",
    "AuditFilter",
    "AuditLog",
    "AuditRecord",
    "Count",
    "Counts",
    "Outcome",
    "PolicyVersion",
    "PolicyVersions",
    "Problem",
    "StoredEntry",
    "UseCount",
    "VerifyReport",
    "canonical_json",
    "create_tables",
    "export_csv",
    "export_jsonld",
    "operation_hash",
    "state_engines",
]
