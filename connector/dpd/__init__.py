"""The DPD's (data-protection officer's) access to a node: its audit log, its datasets
with their policies and history, its record of processing, counts of its decisions.

Only callers holding the DPD role (``[usage] dpd_role``, default ``dpd``) read any of it;
every read, and every refused attempt, is itself appended to the log (:func:`authorise`,
once per request). Each query is a coroutine taking the request's :class:`AuditContext`
and returning frozen values; :mod:`connector.graphql.dpd` serves them as GraphQL at
``/audit/graphql``, :func:`export_view` as files at ``/audit/export.csv`` and
``/audit/export.jsonld``.

>>> ctx = AuditContext(config, audit, identity, control=control)  # doctest: +SKIP
>>> page = await audit_log(ctx, FilterValues(decision="deny"), first=20)  # doctest: +SKIP
>>> [(e.seq, e.party, e.reason) for e in page.entries]  # doctest: +SKIP

Modules: :mod:`._context` (the context, the role check that logs), :mod:`._filter` (the
filter, checked), :mod:`._log` (entries, export, chain, what-if), :mod:`._node` (the node,
its names and purposes), :mod:`._datasets` (policies and their versions),
:mod:`._register` (the record of processing), :mod:`._counts`, :mod:`._views` (Starlette),
:mod:`._summary` (counts by participant type and purpose, for the families' page).
"""

from connector.dpd._agreements import AgreementRecord, agreements
from connector.dpd._context import AuditContext, Forbidden, authorise
from connector.dpd._counts import AuditCounts, Count, audit_counts
from connector.dpd._datasets import (
    DatasetPolicy,
    PolicySentence,
    PolicyVersionInfo,
    datasets,
    record_policy_versions,
)
from connector.dpd._filter import (
    FILTER_KEYS,
    LANGS,
    FilterValues,
    check_lang,
    checked_filter,
    filter_details,
    parse_moment,
)
from connector.dpd._log import (
    MAX_PAGE,
    ChainStatus,
    ExportFormat,
    LogPage,
    WhatIf,
    audit_chain,
    audit_export,
    audit_log,
    entries_for,
    what_if,
)
from connector.dpd._node import (
    Labelled,
    NodeInfo,
    labels,
    node_info,
    node_labels,
    party_labels,
    policy_purposes,
    purposes,
)
from connector.dpd._register import ProcessingRecord, processing_register
from connector.dpd._retention import RetentionStatus, retention_status
from connector.dpd._summary import UsageSummary, summary_view, usage_summary
from connector.dpd._views import WELL_KNOWN, export_view, on_startup, protected_resource

__all__ = [
    "FILTER_KEYS",
    "LANGS",
    "MAX_PAGE",
    "WELL_KNOWN",
    "AgreementRecord",
    "AuditContext",
    "AuditCounts",
    "ChainStatus",
    "Count",
    "DatasetPolicy",
    "ExportFormat",
    "FilterValues",
    "Forbidden",
    "Labelled",
    "LogPage",
    "NodeInfo",
    "PolicySentence",
    "PolicyVersionInfo",
    "ProcessingRecord",
    "RetentionStatus",
    "UsageSummary",
    "WhatIf",
    "agreements",
    "audit_chain",
    "audit_counts",
    "audit_export",
    "audit_log",
    "authorise",
    "check_lang",
    "checked_filter",
    "datasets",
    "entries_for",
    "export_view",
    "filter_details",
    "labels",
    "node_info",
    "node_labels",
    "on_startup",
    "parse_moment",
    "party_labels",
    "policy_purposes",
    "processing_register",
    "protected_resource",
    "purposes",
    "record_policy_versions",
    "retention_status",
    "summary_view",
    "usage_summary",
    "what_if",
]
