"""What the audit trail says about a request: the records :class:`UsageControl` appends.

:class:`~connector.usage.control.UsageControl` decides and appends; the wording of each
entry — its outcome, its reason code, the keys the request read, the agreement a token is
bound to, the refusal before any decision — is this module's, in pure functions of the
decision, so that what the DPD and ``guichet audit export`` see is written in one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from connector.audit import AuditRecord, Outcome
from connector.edge import current_request_id
from connector.identity import Identity
from connector.usage.decision import Decision, RequestDecision
from connector.usage.reasons import refusal_code


def decision_records(
    decision: RequestDecision, *, operation_hash: str, operation_name: str | None
) -> list[AuditRecord]:
    """One record per decision of the request; a use still pending (the query never
    reached the aggregate) is logged as a deny, ``not-executed``."""
    records = []
    for d in decision.decisions.values():
        if d.pending:  # the query never reached the aggregate: nothing was returned
            d = replace(
                d,
                outcome=Outcome.DENY,
                per_group=None,
                reason="not executed: " + d.reason,
                code="not-executed",
            )
        details = _details(decision, d)
        records.append(
            AuditRecord(
                time=decision.time,
                party=decision.identity.party,
                decision=d.outcome,
                operation_hash=operation_hash,
                datasets=(d.dataset.id,),
                client_id=decision.identity.client_id,
                purpose=decision.identity.purpose,
                operation_name=operation_name,
                rule=d.rule,
                reason=d.reason,
                duties=d.duties,
                rows_returned=decision.rows.get(d.dataset.id, 0) if d.permitted else 0,
                details=details,
            )
        )
    return records


def _details(decision: RequestDecision, d: Decision) -> dict[str, Any]:
    """The entry's ``details``: why, at what grain, what the request read."""
    details: dict[str, Any] = {"action": str(d.action)}
    if d.code:
        details["reasonCode"] = d.code
    if request_id := current_request_id():  # the answer's X-Request-Id, its logs'
        details["requestId"] = request_id
    if d.level:
        details["aggregationLevel"] = d.level
    if d.grain is not None:
        details["cells"] = {
            "unit": d.grain.unit,
            "minRows": d.grain.min_rows,
            "minSubjects": d.grain.min_subjects,
        }
    if "inform" in d.duties:
        details["informDpd"] = True
    if decision.identity.datasets is not None:  # a token bound to an agreement
        bound = decision.identity.claims
        details["boundTo"] = {k: str(bound[k]) for k in ("agreement", "transfer") if k in bound}
    read = decision.keys.get(d.dataset.id) if d.permitted else None
    if read:
        details["keys"] = {entity: list(keys) for entity, keys in sorted(read.items())}
        if decision.keys_cut.get(d.dataset.id):
            details["keysNotKept"] = decision.keys_cut[d.dataset.id]
    return details


def agreement_record(
    identity: Identity,
    offer: str,
    dataset: str,
    iri: str,
    *,
    time: datetime,
    via: Mapping[str, str] | None = None,
) -> AuditRecord:
    """The permit entry of offer ``offer`` accepted as agreement ``iri`` (``via``: the
    Dataspace Protocol's negotiation that led to it, if any)."""
    return AuditRecord(
        time=time,
        party=identity.party,
        client_id=identity.client_id,
        purpose=identity.purpose,
        decision=Outcome.PERMIT,
        operation_hash=hashlib.sha256(offer.encode()).hexdigest(),
        operation_name="acceptOffer",
        datasets=(dataset,),
        rule=offer,
        reason=f"offer {offer} accepted as agreement {iri}",
        details={
            "action": "acceptOffer",
            "agreement": iri,
            "reasonCode": "offer-accepted",
            **(via or {}),
        },
    )


def refusal_record(
    *,
    time: datetime,
    party: str,
    client_id: str | None,
    purpose: str | None,
    reason: str,
    operation_name: str | None,
    operation_hash: str,
    what: str,
    request_id: str | None,
) -> AuditRecord:
    """The deny entry of a request refused before any decision (see
    :meth:`UsageControl.refusal <connector.usage.control.UsageControl.refusal>`)."""
    details: dict[str, Any] = {
        "action": "refused",
        "refused": what,
        "reasonCode": refusal_code(what, reason),
    }
    if request_id is not None:
        details["requestId"] = request_id
    return AuditRecord(
        time=time,
        party=party,
        client_id=client_id,
        purpose=purpose,
        decision=Outcome.DENY,
        operation_hash=operation_hash,
        operation_name=operation_name or None,
        reason=reason,
        details=details,
    )
