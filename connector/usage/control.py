"""Usage control on a node: one decision per request, its duties, and the audit trail.

Every face of the node states what a request uses (:mod:`connector.usage.demand`), calls
:meth:`UsageControl.decide` once, applies the :class:`~connector.usage.decision.RequestDecision`
it gets, and hands it back to :meth:`UsageControl.record`:

* deny — the dataset's fields are null, with one error
  ``{code: POLICY_DENIED, dataset, policy, rule, reason}``; the rest of the answer stays;
* permit — with its duties: ``attribute`` (usage terms in ``extensions.usage``),
  ``anonymize`` (stable keyed pseudonyms for identifiers), ``inform`` (the entry is flagged
  for the DPD); quotas (``gui:dailyCount``) are counted from the audit log itself. A duty
  the node cannot carry out means deny;
* aggregates and derived values — see :mod:`connector.usage.judge`.

Every decision is appended to the node's hash-chained audit log, and so is every request
refused before any decision (:meth:`UsageControl.refusal`); what those entries say is
worded in :mod:`connector.usage.trail`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from connector.audit import AuditFilter, AuditLog, Outcome
from connector.config import NodeConfig
from connector.errors import PolicyError
from connector.identity import Identity
from connector.usage.agreements import (
    AgreementStore,
    StoredAgreement,
    agreement_from_offer,
    new_agreement_iri,
)
from connector.usage.cache import DecisionCache, cache_key, next_change
from connector.usage.decision import Decision, RequestDecision, load_pseudonym_key
from connector.usage.demand import Action, GroupCount, Use
from connector.usage.judge import Judge
from connector.usage.loading import DatasetPolicy
from connector.usage.resources import (
    AUDIT_LOG,
    AUDIT_SUMMARY,
    audit_log_dataset,
    audit_log_policy,
    audit_summary_dataset,
    audit_summary_policy,
)
from connector.usage.trail import agreement_record, decision_records, refusal_record
from policies import GP, ODRL, Policy, State, UsageCount
from policies.model import rule_constraints

log = logging.getLogger("guichet.usage")


def _utcnow() -> datetime:
    return datetime.now(UTC)


_COUNTING = frozenset({GP + "dailyCount", ODRL + "count"})


def _counts(policies: tuple[Policy, ...]) -> bool:
    """Whether a rule limits how many times a party uses the dataset."""
    return any(c.left in _COUNTING for p in policies for r in p.rules for c in rule_constraints(r))


_ACTIONS = {Action.READ: 0, Action.AGGREGATE: 1, Action.DERIVE: 2}


def _order(use: Use) -> tuple[int, str, str]:
    """Uses decided (and logged) in a stable order: reads, aggregates, derivations."""
    return (_ACTIONS[use.action], use.dataset, repr(use))


class UsageControl:
    """A node's policies, audit log and clock; :meth:`decide` and :meth:`record` per request."""

    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        *,
        audit: AuditLog,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.config = config
        self.audit = audit
        self.clock = clock
        self.policies = dict(policies)
        self.agreements = AgreementStore(
            config.usage.audit_db, engine=audit.engine, writer=audit.writer
        )
        self._pseudonym_key: bytes | None = None
        self._ready = False
        self._setting_up = asyncio.Lock()
        self.cache = DecisionCache()
        """Decisions by caller, uses, policies, counters and time (:mod:`.cache`)."""
        for ds, p in self.policies.items():
            if p.error:
                log.error("dataset %s: %s", ds, p.error)
        # what a request needs looked up, so that most requests look up nothing: usage
        # counters where a policy counts uses, agreements where a dataset offers some (or
        # some were agreed: an agreement outlives its offer)
        self._counted = {ds for ds, p in self.policies.items() if _counts(p.policies)}
        self._offered = {ds for ds, p in self.policies.items() if p.offers}
        self._agreed: set[str] = set()
        # what the node holds besides its datasets, decided by the same judge
        self.resources = {
            AUDIT_LOG: audit_log_dataset(config),
            AUDIT_SUMMARY: audit_summary_dataset(config),
        }
        self._resource_policies = {
            AUDIT_LOG: (audit_log_policy(config),),
            AUDIT_SUMMARY: (audit_summary_policy(config),),
        }

    @property
    def pseudonym_key(self) -> bytes:
        """Read (or created) on first use, not when the app is built."""
        if self._pseudonym_key is None:
            self._pseudonym_key = load_pseudonym_key(self.config.usage.pseudonym_key_file)
        return self._pseudonym_key

    @property
    def problems(self) -> dict[str, str]:
        """Datasets not served, and why: the policy is missing or not understood."""
        out = {}
        for ds in self.config.datasets.values():
            loaded = self.policies.get(ds.id)
            if loaded is None:
                out[ds.id] = f"dataset {ds.id!r} has no policy: nothing is permitted"
            elif loaded.error:
                out[ds.id] = loaded.error
        return out

    async def _setup(self) -> None:
        if self._ready:
            return
        # once, by the first request: concurrent first requests creating the tables in
        # deferred transactions would fail as busy (SQLite) rather than wait
        async with self._setting_up:
            if not self._ready:
                await self.audit.setup()
                self._agreed = {a.dataset for a in await self.agreements.for_party(None)}
                self._ready = True

    # -- the state of the world ---------------------------------------------------------
    async def _judge(self, identity: Identity, datasets: set[str]) -> Judge:
        state, agreements = await self._world(identity, datasets)
        return self._judge_in(identity, state, agreements)

    async def _world(
        self, identity: Identity, datasets: set[str]
    ) -> tuple[State, list[StoredAgreement]]:
        """What the judge needs besides the policies: the time, the caller's memberships,
        its usage counters and agreements (looked up only where a policy needs them)."""
        await self._setup()
        now = self.clock()
        counted = datasets & self._counted
        counters = await self._counters(identity, counted, now) if counted else ()
        agreements = []
        if not identity.anonymous and datasets & (self._offered | self._agreed):
            agreements = await self.agreements.for_party(identity.party)
        groups = set(self.config.usage.memberships.get(identity.party, ()))
        groups |= {r for r in identity.roles if r.startswith(("http://", "https://"))}
        state = State(
            now=now,
            part_of=frozenset((identity.party, g) for g in groups),
            counters=counters,
            agreement_dates={a.iri: a.issued for a in agreements},
        )
        return state, agreements

    def _judge_in(
        self, identity: Identity, state: State, agreements: list[StoredAgreement]
    ) -> Judge:
        granting: dict[str, tuple[Policy, ...] | str] = {}
        for ds in self.config.datasets.values():
            loaded = self.policies.get(ds.id)
            if loaded is None or loaded.error:
                granting[ds.id] = (
                    loaded.error if loaded and loaded.error else f"dataset {ds.id!r} has no policy"
                )
                continue
            mine = tuple(a.policy for a in agreements if a.dataset == ds.id)
            granting[ds.id] = loaded.granting + mine
        granting.update(self._resource_policies)
        return Judge(self.config, identity, state, granting, self.resources)

    async def _counters(
        self, identity: Identity, datasets: set[str], now: datetime
    ) -> tuple[UsageCount, ...]:
        if not datasets:
            return ()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        counts = await self.audit.count_per_dataset(
            AuditFilter(party=identity.party, decision=Outcome.PERMIT, since=start), datasets
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

    # -- deciding -----------------------------------------------------------------------
    async def decide(self, identity: Identity, uses: Iterable[Use]) -> RequestDecision:
        """The request's decision: one :class:`Decision` per distinct use, from the
        decision cache (:mod:`connector.usage.cache`) when nothing it depends on changed."""
        wanted = sorted(set(uses), key=_order)
        state, agreements = await self._world(identity, {u.dataset for u in wanted})
        now = state.now or self.clock()
        key = cache_key(
            self.cache.generation,
            party=identity.party,
            purpose=identity.purpose,
            roles=identity.roles,
            state=state,
            uses=wanted,
        )
        decisions = self.cache.get(key, now)
        if decisions is None:
            judge = self._judge_in(identity, state, agreements)
            decisions = {u: judge.decide(u) for u in wanted}
            involved = (p for v in judge.policies.values() if not isinstance(v, str) for p in v)
            until = next_change(involved, now, state.agreement_dates)
            if until is None or now < until:
                self.cache.put(key, decisions, since=now, until=until)
        # a transfer's token reaches its agreement's dataset alone: applied to every
        # decision, cached or not (the cache's key does not know the token's binding)
        decisions = {u: self._bound(identity, u) or d for u, d in decisions.items()}
        return RequestDecision(
            self.config,
            identity,
            dict(decisions),
            self.pseudonym_key,
            now,
            resources=self.resources,
        )

    def _bound(self, identity: Identity, use: Use) -> Decision | None:
        """A deny when the caller's token is bound to an agreement of another dataset."""
        if identity.datasets is None or use.dataset in identity.datasets:
            return None
        ds = self.config.datasets.get(use.dataset) or self.resources[use.dataset]
        return Decision(
            use=use,
            dataset=ds,
            outcome=Outcome.DENY,
            reason=(
                f"this token is bound to agreement {identity.claims.get('agreement')}, "
                f"for dataset(s) {', '.join(identity.datasets)} only"
            ),
            code="token-bound",
        )

    async def dry_run(
        self,
        identity: Identity,
        dataset: str,
        action: str,
        level: str | None = None,
        group_size: int | None = None,
    ) -> Decision:
        """The decision the node would take, with today's counters and agreements, without
        counting it as an access and without logging it as one (the DPD's "what if").
        ``group_size`` stands for both the rows and the subjects of a group."""
        if dataset not in self.config.datasets:
            raise PolicyError(
                f"no dataset {dataset!r} on this node; datasets: {', '.join(self.config.datasets)}"
            )
        try:
            act = Action(action)
        except ValueError:
            raise PolicyError(f"action {action!r}: expected read, aggregate or derive") from None
        judge = await self._judge(identity, {dataset})
        use = Use(dataset=dataset, action=act, level=level if act is not Action.READ else None)
        d = judge.decide(use)
        if d.per_group is not None:
            if group_size is not None:
                return d.per_group(GroupCount(rows=group_size, subjects=group_size))
            return replace(d, reason=d.reason + " (give a group size to decide)")
        return d

    # -- agreements ---------------------------------------------------------------------
    async def accept_offer(
        self,
        identity: Identity,
        offer: str,
        purpose: str | None,
        *,
        via: Mapping[str, str] | None = None,
        iri: str | None = None,
        issued: datetime | None = None,
    ) -> StoredAgreement:
        """Turn the offer ``offer`` (a policy uid) into an Agreement for the caller.

        The one way an agreement is made: GraphQL's ``acceptOffer`` and the Dataspace
        Protocol's negotiation both come here; ``via`` names the latter in the audit entry
        (``{"protocol": "dsp", "negotiation": ...}``), and gives the ``iri`` and ``issued``
        of the Agreement it already sent the consumer (:func:`agreement_from_offer` of the
        same offer, for the same party and purpose, so the stored Agreement is that one)."""
        if identity.anonymous:
            raise PolicyError("accepting an offer needs an identified participant (a token)")
        if identity.datasets is not None:
            raise PolicyError("a token bound to an agreement cannot accept offers")
        if purpose is not None and purpose != identity.purpose:
            raise PolicyError(
                f"purpose {purpose!r} is not the purpose of the caller's token "
                f"({identity.purpose or 'none'})"
            )
        for ds_id, loaded in self.policies.items():
            node = loaded.offers.get(offer)
            if node is None:
                continue
            stamp = self.clock()
            now = issued or stamp
            iri = iri or new_agreement_iri(self.config.base_iri)
            agreement = StoredAgreement.parse(
                iri=iri,
                party=identity.party,
                dataset=ds_id,
                offer=offer,
                purpose=purpose,
                issued=now,
                document=agreement_from_offer(
                    node, iri=iri, party=identity.party, purpose=purpose, issued=now
                ),
            )
            await self._setup()
            await self.agreements.add(agreement)
            self._agreed.add(ds_id)
            await self.audit.append(
                agreement_record(identity, offer, ds_id, iri, time=stamp, via=via)
            )
            return agreement
        raise PolicyError(f"no dataset of this node offers {offer!r}")

    # -- the audit trail ----------------------------------------------------------------
    async def record(
        self, decision: RequestDecision, *, operation_hash: str, operation_name: str | None
    ) -> None:
        """One audit entry per decision of the request, all in one commit."""
        records = decision_records(
            decision, operation_hash=operation_hash, operation_name=operation_name
        )
        if records:
            await self.audit.append_many(records)

    async def refusal(
        self,
        *,
        identity_party: str,
        client_id: str | None,
        reason: str,
        operation_name: str | None,
        operation_hash: str,
        what: str,
        purpose: str | None = None,
        request_id: str | None = None,
    ) -> None:
        """One deny entry for a request refused before any decision: a token refused, a body
        too large or not a GraphQL request, a query over the limits or invalid. ``what``
        names the refusal (``details.refused``), ``reason`` says why; ``request_id`` is the
        one the caller got, for the operator's log."""
        await self._setup()
        await self.audit.append(
            refusal_record(
                time=self.clock(),
                party=identity_party,
                client_id=client_id,
                purpose=purpose,
                reason=reason,
                operation_name=operation_name,
                operation_hash=operation_hash,
                what=what,
                request_id=request_id,
            )
        )
