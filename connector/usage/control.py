"""Usage control on a node: ODRL decisions per request, their duties, and the audit trail.

For each request the node works out which datasets the operation touches
(:mod:`connector.usage.analysis`), asks the pure evaluator of :mod:`policies` for each
(action ``read``, or ``aggregate`` at an aggregation level), then acts:

* deny — the dataset's fields resolve to null, with one error
  ``{code: POLICY_DENIED, dataset, policy, rule, reason}``; the rest of the answer stays;
* permit — with its duties: ``attribute`` (usage terms in ``extensions.usage``),
  ``anonymize`` (stable keyed pseudonyms for identifiers), ``inform`` (the entry is flagged
  for the DPD); quotas (``gui:dailyCount``) are counted from the audit log itself.
  A duty the node cannot carry out means deny.

Every decision is appended to the node's hash-chained audit log.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from connector.audit import AuditFilter, AuditLog, AuditRecord
from connector.catalog import PolicyDocument
from connector.config import DatasetConfig, NodeConfig
from connector.errors import PolicyError
from connector.identity import Identity
from connector.usage.agreements import (
    AgreementStore,
    StoredAgreement,
    agreement_from_offer,
    new_agreement_iri,
    offers_in,
)
from connector.usage.analysis import Touched
from connector.usage.decision import (
    DENY,
    KNOWN_DUTIES,
    PENDING,
    PERMIT,
    Decision,
    RequestUsage,
    load_pseudonym_key,
    short_name,
)
from connector.usage.loading import load_dataset_policies, sizes_groups
from policies import (
    ODRL,
    Policy,
    Request,
    State,
    UsageCount,
    evaluate,
)

log = logging.getLogger("guichet.usage")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class UsageControl:
    """A node's policies, audit log and clock; :meth:`decide` and :meth:`record` per request."""

    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, PolicyDocument],
        *,
        audit: AuditLog,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.config = config
        self.audit = audit
        self.clock = clock
        self._pseudonym_key: bytes | None = None
        self.documents = dict(policies)
        self.agreements = AgreementStore(config.usage.audit_db, engine=audit.engine)
        self._ready = False
        self.policies: dict[str, tuple[Policy, ...] | str] = {}
        for ds in config.datasets.values():
            self.policies[ds.id] = self._load(ds, policies.get(ds.id))

    @property
    def pseudonym_key(self) -> bytes:
        """Read (or created) on first use, not when the app is built."""
        if self._pseudonym_key is None:
            self._pseudonym_key = load_pseudonym_key(self.config.usage.pseudonym_key_file)
        return self._pseudonym_key

    @staticmethod
    def _load(ds: DatasetConfig, doc: PolicyDocument | None) -> tuple[Policy, ...] | str:
        """The dataset's policies, or why the dataset is not served."""
        if ds.policy is None or doc is None:
            return f"dataset {ds.id!r} has no policy: nothing is permitted"
        loaded = load_dataset_policies(ds)
        if isinstance(loaded, str):
            log.error("%s", loaded)
        return loaded

    @property
    def problems(self) -> dict[str, str]:
        """Datasets not served because their policy is missing or not understood."""
        return {ds: p for ds, p in self.policies.items() if isinstance(p, str)}

    def _state(
        self,
        identity: Identity,
        now: datetime,
        counters: tuple[UsageCount, ...],
        agreements: list[StoredAgreement],
    ) -> State:
        groups = set(self.config.usage.memberships.get(identity.party, ()))
        groups |= {r for r in identity.roles if r.startswith(("http://", "https://"))}
        return State(
            now=now,
            part_of=frozenset((identity.party, g) for g in groups),
            counters=counters,
            agreement_dates={a.iri: a.issued for a in agreements},
        )

    async def _counters(
        self, identity: Identity, datasets: set[str], now: datetime
    ) -> tuple[UsageCount, ...]:
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        counts = await self.audit.count_per_dataset(
            AuditFilter(party=identity.party, decision=PERMIT, since=start), datasets
        )
        return tuple(
            UsageCount(
                count=counts[ds_id],
                party=identity.party,
                target=self.config.datasets[ds_id].iri,
                period="P1D",
            )
            for ds_id in sorted(datasets)
        )

    def _decide_one(
        self,
        ds: DatasetConfig,
        action: str,
        level: str | None,
        identity: Identity,
        state: State,
        agreements: tuple[Policy, ...] = (),
        group_size: int | None = None,
    ) -> Decision:
        loaded = self.policies[ds.id]
        if isinstance(loaded, str):
            return Decision(ds, action, level, DENY, loaded, None, None)
        # an Offer grants nothing until accepted: its Agreement is what counts
        policies = tuple(p for p in loaded if p.type != ODRL + "Offer") + agreements
        if not policies:
            return Decision(
                ds,
                action,
                level,
                DENY,
                f"dataset {ds.id!r} is only offered: accept one of its offers first (acceptOffer)",
                None,
                None,
            )
        request = Request.create(
            party=identity.party,
            action=ODRL + action,
            target=ds.iri,
            purpose=(identity.purpose,) if identity.purpose else (),
            roles=identity.roles,
            aggregation_level=level,
            group_size=group_size,
        )
        if action == "aggregate" and group_size is None and sizes_groups(policies):
            return Decision(
                ds,
                action,
                level,
                PENDING,
                "decided per group, once the source has counted the rows of each",
                policies[0].iri if len(policies) == 1 else None,
                None,
                per_group=lambda n: self._decide_one(
                    ds, action, level, identity, state, agreements, n
                ),
            )
        report = evaluate(policies, request, state)
        policy = report.policy or (policies[0].iri if len(policies) == 1 else None)
        unknown = [d.action for d in report.duties if d.action not in KNOWN_DUTIES]
        if report.permitted and unknown:
            return Decision(
                ds,
                action,
                level,
                DENY,
                f"the permit requires the duty "
                f"{short_name(unknown[0])}, which this node cannot enforce",
                policy,
                report.rule,
                report=report,
            )
        attribution = tuple(
            p for d in report.duties if d.action == ODRL + "attribute" for _, p in d.parties
        )
        return Decision(
            ds,
            action,
            level,
            report.decision,
            report.reason,
            policy,
            report.rule,
            tuple(short_name(d.action) for d in report.duties),
            attribution,
            report,
        )

    async def decide(self, identity: Identity, touched: Touched) -> RequestUsage:
        if not self._ready:
            await self.audit.setup()
            self._ready = True
        now = self.clock()
        counters = await self._counters(identity, touched.datasets, now)
        agreements = [] if identity.anonymous else await self.agreements.for_party(identity.party)
        state = self._state(identity, now, counters, agreements)
        by_dataset: dict[str, tuple[Policy, ...]] = {}
        for a in agreements:
            by_dataset[a.dataset] = (*by_dataset.get(a.dataset, ()), a.policy())
        decisions: dict[tuple[str, str, str | None], Decision] = {}
        wanted: list[tuple[str, str, str | None]] = [
            (d, "read", None) for d in sorted(touched.read)
        ]
        wanted += [
            (d, "aggregate", lv)
            for d, lvs in sorted(touched.aggregate.items())
            for lv in sorted(lvs)
        ]
        wanted += [
            (d, "derive", lv) for d, lvs in sorted(touched.derive.items()) for lv in sorted(lvs)
        ]
        for ds_id, action, level in wanted:
            decisions[(ds_id, action, level)] = self._decide_one(
                self.config.datasets[ds_id],
                action,
                level,
                identity,
                state,
                by_dataset.get(ds_id, ()),
            )
        return RequestUsage(self.config, identity, decisions, self.pseudonym_key, now)

    async def dry_run(
        self,
        identity: Identity,
        dataset: str,
        action: str,
        level: str | None = None,
        group_size: int | None = None,
    ) -> Decision:
        """The decision the node would take, with today's counters and agreements, without
        counting it as an access and without logging it as one (the DPD's "what if")."""
        ds = self.config.datasets.get(dataset)
        if ds is None:
            raise PolicyError(
                f"no dataset {dataset!r} on this node; datasets: {', '.join(self.config.datasets)}"
            )
        if action not in ("read", "aggregate", "derive"):
            raise PolicyError(f"action {action!r}: expected read, aggregate or derive")
        if not self._ready:
            await self.audit.setup()
            self._ready = True
        now = self.clock()
        counters = await self._counters(identity, {dataset}, now)
        agreements = [] if identity.anonymous else await self.agreements.for_party(identity.party)
        state = self._state(identity, now, counters, agreements)
        mine = tuple(a.policy() for a in agreements if a.dataset == dataset)
        d = self._decide_one(ds, action, level, identity, state, mine)
        if d.pending and d.per_group is not None:
            if group_size is not None:
                return d.per_group(group_size)
            d = replace(d, reason=d.reason + " (give a group size to decide)")
        return d

    async def accept_offer(
        self, identity: Identity, offer: str, purpose: str | None
    ) -> StoredAgreement:
        """Turn the offer ``offer`` (a policy uid) into an Agreement for the caller."""
        if identity.anonymous:
            raise PolicyError("accepting an offer needs an identified participant (a token)")
        if purpose is not None and purpose != identity.purpose:
            raise PolicyError(
                f"purpose {purpose!r} is not the purpose of the caller's token "
                f"({identity.purpose or 'none'})"
            )
        for ds_id, doc in self.documents.items():
            node = offers_in(doc.expanded or []).get(offer)
            if node is None:
                continue
            now = self.clock()
            iri = new_agreement_iri(self.config.base_iri)
            document = agreement_from_offer(
                node, iri=iri, party=identity.party, purpose=purpose, issued=now
            )
            agreement = StoredAgreement(iri, identity.party, ds_id, offer, purpose, now, document)
            agreement.policy()  # parses, or raises PolicyError naming the problem
            await self.audit.setup()
            await self.agreements.add(agreement)
            await self.audit.append(
                AuditRecord(
                    time=now,
                    party=identity.party,
                    client_id=identity.client_id,
                    purpose=identity.purpose,
                    decision=PERMIT,
                    operation_hash=hashlib.sha256(offer.encode()).hexdigest(),
                    operation_name="acceptOffer",
                    datasets=(ds_id,),
                    rule=offer,
                    reason=f"offer {offer} accepted as agreement {iri}",
                    details={"action": "acceptOffer", "agreement": iri},
                )
            )
            return agreement
        raise PolicyError(f"no dataset of this node offers {offer!r}")

    async def record(
        self, usage: RequestUsage, *, operation_hash: str, operation_name: str | None
    ) -> None:
        """One audit entry per decision of the request."""
        for d in usage.decisions.values():
            if d.pending:  # the query never reached the aggregate: nothing was returned
                d = replace(d, decision=DENY, reason="not executed: " + d.reason)
            details: dict[str, Any] = {"action": d.action}
            if d.level:
                details["aggregationLevel"] = d.level
            if "inform" in d.duties:
                details["informDpd"] = True
            await self.audit.append(
                AuditRecord(
                    time=usage.time,
                    party=usage.identity.party,
                    decision=d.decision,
                    operation_hash=operation_hash,
                    datasets=(d.dataset.id,),
                    client_id=usage.identity.client_id,
                    purpose=usage.identity.purpose,
                    operation_name=operation_name,
                    rule=d.rule,
                    reason=d.reason,
                    duties=d.duties,
                    rows_returned=usage.rows.get(d.dataset.id, 0) if d.permitted else 0,
                    details=details,
                )
            )
