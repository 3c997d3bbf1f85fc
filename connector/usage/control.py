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

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.audit import AuditFilter, AuditLog, AuditRecord
from connector.catalog import PolicyDocument
from connector.config import DatasetConfig, NodeConfig
from connector.errors import GuichetError, PolicyError
from connector.identity import Identity
from connector.model import ENTITIES
from connector.usage.agreements import (
    AgreementStore,
    StoredAgreement,
    agreement_from_offer,
    new_agreement_iri,
    offers_in,
)
from connector.usage.analysis import Touched
from policies import (
    ODRL,
    ConstraintNode,
    LogicalConstraint,
    Policy,
    Report,
    Request,
    State,
    UsageCount,
    check_policies,
    evaluate,
    parse_policies,
)

log = logging.getLogger("guichet.usage")

KNOWN_DUTIES = {ODRL + "attribute", ODRL + "anonymize", ODRL + "inform"}
PERMIT, DENY, PENDING = "permit", "deny", "pending"


class PolicyDenied(GuichetError):
    """A dataset may not be used as asked; ``extensions`` go to the GraphQL error."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.extensions = decision.error_extensions()
        super().__init__(f"access to dataset {decision.dataset.id!r} denied: {decision.reason}")


@dataclass(frozen=True)
class Decision:
    """The outcome for one dataset and action, with what the node must do about it."""

    dataset: DatasetConfig
    action: str
    level: str | None
    decision: str
    reason: str
    policy: str | None
    rule: str | None
    duties: tuple[str, ...] = ()
    attribution: tuple[str, ...] = ()
    report: Report | None = None
    per_group: Callable[[int], Decision] | None = field(default=None, compare=False)
    """For policies limiting group sizes: the decision for a group of that many rows."""

    @property
    def permitted(self) -> bool:
        return self.decision == PERMIT

    @property
    def pending(self) -> bool:
        return self.decision == PENDING

    def error_extensions(self) -> dict[str, Any]:
        return {
            "code": "POLICY_DENIED",
            "dataset": self.dataset.iri,
            "action": self.action,
            "policy": self.policy,
            "rule": self.rule,
            "reason": self.reason,
        }


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass
class RequestUsage:
    """The decisions of one request and what resolvers need from them."""

    config: NodeConfig
    identity: Identity
    decisions: dict[tuple[str, str, str | None], Decision]
    pseudonym_key: bytes
    time: datetime
    rows: dict[str, int] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)

    def read(self, dataset_id: str) -> Decision | None:
        return self.decisions.get((dataset_id, "read", None))

    def denied_fields(self, entity: str) -> frozenset[str]:
        out = set()
        for f in self.config.entities[entity].fields:
            ds = self.config.dataset_of(entity, f)
            d = self.read(ds.id) if ds else None
            if ds is None or d is None or not d.permitted:
                out.add(f)
        return frozenset(out)

    def check_read(self, entity: str, fields: tuple[str, ...] = ()) -> None:
        """Raise :class:`PolicyDenied` unless the entity's key and ``fields`` (those a
        filter or ordering uses) may be read."""
        for f in (ENTITIES[entity].key, *fields):
            ds = self.config.dataset_of(entity, f)
            if ds is None:
                continue
            d = self.read(ds.id)
            if d is None or not d.permitted:
                raise PolicyDenied(d or self._undecided(ds, "read", None))

    def check_aggregate(self, entity: str, fields: tuple[str, ...], level: str) -> None:
        for f in fields:
            ds = self.config.dataset_of(entity, f)
            if ds is None:
                continue
            d = self.decisions.get((ds.id, "aggregate", level))
            if d is None or not (d.permitted or d.pending):
                raise PolicyDenied(d or self._undecided(ds, "aggregate", level))

    def check_derive(self, entity: str, fields: tuple[str, ...], level: str) -> None:
        """Raise :class:`PolicyDenied` unless results computed from these fields, at this
        aggregation level, may be derived."""
        for f in fields:
            ds = self.config.dataset_of(entity, f)
            if ds is None:
                continue
            d = self.decisions.get((ds.id, "derive", level))
            if d is None or not d.permitted:
                raise PolicyDenied(d or self._undecided(ds, "derive", level))

    def sized_groups(
        self, entity: str, fields: tuple[str, ...], level: str, counts: list[int]
    ) -> list[bool]:
        """Which aggregated groups may be returned, where a policy sets a minimum group
        size; settles those decisions (permit if any group is kept). Raises
        :class:`PolicyDenied` when no group may be returned."""
        keep = [True] * len(counts)
        for ds_id in {ds.id for f in fields if (ds := self.config.dataset_of(entity, f))}:
            key = (ds_id, "aggregate", level)
            d = self.decisions.get(key)
            if d is None or d.per_group is None:
                continue
            outcome = {n: d.per_group(n) for n in set(counts)}
            keep = [k and outcome[n].permitted for k, n in zip(keep, counts, strict=True)]
            kept = [n for n, k in zip(counts, keep, strict=True) if k]
            dropped = len(counts) - len(kept)
            if kept:
                final = outcome[min(kept)]
                note = (
                    f" ({dropped} of {len(counts)} groups below the minimum group size withheld)"
                    if dropped
                    else ""
                )
                self.decisions[key] = replace(final, reason=final.reason + note)
            else:
                self.decisions[key] = (
                    outcome[min(counts)]
                    if counts
                    else replace(d, decision=DENY, reason="no group to return", per_group=None)
                )
                raise PolicyDenied(self.decisions[key])
        return keep

    def _undecided(self, ds: DatasetConfig, action: str, level: str | None) -> Decision:
        return Decision(
            ds,
            action,
            level,
            DENY,
            "the node could not decide this access before execution",
            None,
            None,
        )

    def anonymised(self, entity: str) -> frozenset[str]:
        """Identifier fields whose dataset's permit carries an ``anonymize`` duty."""
        out = set()
        for f in ENTITIES[entity].fields:
            if f.type not in ("ID", "RnbId") and f.ref is None:
                continue
            ds = self.config.dataset_of(entity, f.name)
            d = self.read(ds.id) if ds else None
            if d is not None and d.permitted and "anonymize" in d.duties:
                out.add(f.name)
        return frozenset(out)

    def pseudonym(self, entity: str, value: object) -> str:
        mac = hmac.new(self.pseudonym_key, f"{entity}\x1f{value}".encode(), hashlib.sha256)
        return "anon-" + base64.b32encode(mac.digest()[:10]).decode().lower()

    def count_rows(self, entity: str, n: int) -> None:
        """``n`` more rows of ``entity`` returned: counted once for each dataset they draw on."""
        ids = {
            ds.id
            for f in self.config.entities[entity].fields
            if (ds := self.config.dataset_of(entity, f)) is not None
        }
        for ds_id in ids:
            self.rows[ds_id] = self.rows.get(ds_id, 0) + n

    def usage_terms(self) -> list[dict[str, Any]]:
        """``extensions.usage``: for each dataset used under a permit, its policy, rule,
        duties and who to credit."""
        out = []
        for d in self.decisions.values():
            if d.permitted:
                out.append(
                    {
                        "dataset": d.dataset.iri,
                        "title": d.dataset.title,
                        "publisher": d.dataset.publisher,
                        "action": d.action,
                        "policy": d.policy,
                        "rule": d.rule,
                        "duties": list(d.duties),
                        "attribution": list(d.attribution),
                    }
                )
        return out

    def denied(self) -> list[Decision]:
        return [d for d in self.decisions.values() if not (d.permitted or d.pending)]


def load_pseudonym_key(path: Path | None) -> bytes:
    """The node's secret for pseudonyms: read, or created once (mode 0600)."""
    if path is None:
        return secrets.token_bytes(32)
    if path.is_file():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path.write_bytes(key)
    path.chmod(0o600)
    return key


GROUP_SIZE = "https://w3id.org/guichet/ontology#groupSize"


def _mentions(nodes: tuple[ConstraintNode, ...], left: str) -> bool:
    for n in nodes:
        if isinstance(n, LogicalConstraint):
            if _mentions(n.operands, left):
                return True
        elif n.left == left:
            return True
    return False


def sizes_groups(policies: tuple[Policy, ...]) -> bool:
    """Whether a rule limits the size of aggregated groups (``gui:groupSize``): such a
    decision can only be taken per group, once the source has counted them."""
    return any(
        _mentions(r.constraints, GROUP_SIZE) or _mentions(r.action.refinements, GROUP_SIZE)
        for p in policies
        for r in p.rules
    )


def load_dataset_policies(ds: DatasetConfig) -> tuple[Policy, ...] | str:
    """Parse and check a dataset's policy document; a problem (naming the file and the
    offending term) means the dataset is not served rather than served unprotected."""
    if ds.policy is None:
        return f"dataset {ds.id!r} has no policy: nothing is permitted"
    try:
        parsed = tuple(parse_policies(ds.policy.read_text(encoding="utf-8"), name=str(ds.policy)))
    except (PolicyError, OSError, ValueError) as exc:
        return f"{ds.policy}: {exc} (dataset {ds.id!r} is not served)"
    issues = check_policies(parsed)
    if issues:
        return f"{issues[0]} (dataset {ds.id!r} is not served)"
    if not parsed:
        return f"{ds.policy}: the document holds no policy (dataset {ds.id!r} is not served)"
    return parsed


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
        out = []
        for ds_id in sorted(datasets):
            n = await self.audit.count(
                AuditFilter(party=identity.party, dataset=ds_id, decision=PERMIT, since=start)
            )
            out.append(
                UsageCount(
                    count=n,
                    party=identity.party,
                    target=self.config.datasets[ds_id].iri,
                    period="P1D",
                )
            )
        return tuple(out)

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
                f"{_short(unknown[0])}, which this node cannot enforce",
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
            tuple(_short(d.action) for d in report.duties),
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
