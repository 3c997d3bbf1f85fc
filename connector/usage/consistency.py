"""A node configuration that contradicts itself, found before a request does.

Three contradictions are looked for, each named with the configuration key to change:

* a policy whose target is not its dataset's IRI (it would deny every request): the
  loader closes such a dataset, and its reason is reported here;
* a dataset holding personal data whose policy lets a party read it (or, without the
  subject floor, aggregate or derive from it) while the record of processing does not
  name that party among its recipients;
* a computed field that a caller may read under its own dataset's policy while the
  policies of the datasets it is derived from withhold it from that caller: it would
  answer null with POLICY_DENIED, which the field's own policy does not say.

The callers tried are those the policies and the configuration can tell apart: the
public, every party and collection a policy or ``[usage.memberships]`` names, with and
without each purpose and role the policies name. The evaluation is the node's own
(:class:`~connector.usage.judge.Judge`), in the state of the world ``now``, with no
usage counted yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.computed import COMPUTED, Computed
from connector.config import DatasetConfig, NodeConfig
from connector.identity import Identity
from connector.usage.demand import Action, GroupCount, Use
from connector.usage.judge import UNBOUNDED, Judge
from connector.usage.loading import DatasetPolicy
from policies import GP, ODRL, Iri, Lit, Policy, State, UsageCount
from policies.model import rule_constraints

_MEMBER = "urn:guichet:member-of:"
_Add = Callable[[str, str, str], None]
"""Report a finding: configuration key, message with ``{who}`` where the callers go,
and the caller (findings differing only by caller are one finding naming them all)."""


@dataclass(frozen=True)
class Finding:
    """One contradiction: the configuration key to look at, and what is wrong."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def served_computed(config: NodeConfig) -> tuple[Computed, ...]:
    """The computed fields this node's schema has, given what it maps and configures."""
    mapped = config.entities
    out = []
    for c in COMPUTED.values():
        if c.name == "carbon" and c.entity == "ConstructionProject":
            ok = (
                config.carbon is not None
                and config.carbon.declarations is not None
                and all(e in mapped for e in ("ConstructionProject", "MaterialLine"))
            )
        elif c.name == "carbon":
            ok = (
                config.carbon is not None
                and all(e in mapped for e in ("Building", "ProductDeclaration", "EnergyUse"))
                and "MaterialLine" not in mapped
            )
        else:
            ok = (
                config.indoor_air is not None
                and "Space" in mapped
                and all(e in mapped and f in mapped[e].fields for e, f in c.inputs)
                and (c.entity == "Space" or "rnbId" in mapped["Space"].fields)
            )
        if ok:
            out.append(c)
    return tuple(out)


@dataclass(frozen=True)
class _Caller:
    identity: Identity
    groups: frozenset[str]

    def describe(self) -> str:
        who = self.identity.party
        if who.startswith(_MEMBER):
            who = f"a member of {who.removeprefix(_MEMBER)}"
        extra = [f"purpose {self.identity.purpose}"] if self.identity.purpose else []
        extra += [f"role {r}" for r in self.identity.roles]
        return who + (f" ({', '.join(extra)})" if extra else "")


def _named(policies: Mapping[str, DatasetPolicy]) -> tuple[set[str], set[str], set[str], set[str]]:
    """Parties, collections, purposes and roles the policies name."""
    parties: set[str] = set()
    collections: set[str] = set()
    purposes: set[str] = set()
    roles: set[str] = set()
    for loaded in policies.values():
        for policy in loaded.policies:
            for rule in policy.rules:
                if rule.assignee is not None:
                    (collections if rule.assignee.collection else parties).add(rule.assignee.iri)
                for c in rule_constraints(rule):
                    if c.left == ODRL + "purpose":
                        purposes |= {t.value for t in c.right if isinstance(t, Iri)}
                    elif c.left == GP + "role":
                        roles |= {t.lexical for t in c.right if isinstance(t, Lit)}
    return parties, collections, purposes, roles


def _callers(config: NodeConfig, policies: Mapping[str, DatasetPolicy]) -> Iterator[_Caller]:
    parties, collections, purposes, roles = _named(policies)
    parties |= set(config.usage.memberships) | {config.participant}
    known = {g for gs in config.usage.memberships.values() for g in gs}
    who: list[tuple[str, frozenset[str]]] = [(Identity.public().party, frozenset())]
    who += [(p, frozenset(config.usage.memberships.get(p, ()))) for p in sorted(parties)]
    who += [(_MEMBER + c, frozenset({c})) for c in sorted(collections - known)]
    for party, groups in who:
        for purpose in (None, *sorted(purposes)):
            for role in ((), *((r,) for r in sorted(roles))):
                identity = Identity(
                    party=party,
                    purpose=purpose,
                    roles=role,
                    client_id="check-config",
                    token_id="check-config",
                )
                yield _Caller(identity, groups)


def _judge(
    config: NodeConfig, policies: Mapping[str, DatasetPolicy], caller: _Caller, now: datetime
) -> Judge:
    granting: dict[str, tuple[Policy, ...] | str] = {
        ds: (p.error if p.error else p.granting) for ds, p in policies.items()
    }
    state = State(
        now=now,
        part_of=frozenset((caller.identity.party, g) for g in caller.groups),
        counters=tuple(
            UsageCount(count=0, party=caller.identity.party, target=ds.iri, period="P1D")
            for ds in config.datasets.values()
        ),
    )
    return Judge(config, caller.identity, state, granting)


def _may(judge: Judge, use: Use, group: GroupCount) -> bool:
    d = judge.decide(use)
    if d.per_group is not None:
        return d.per_group(group).permitted
    return d.permitted


def check_consistency(
    config: NodeConfig, policies: Mapping[str, DatasetPolicy], *, now: datetime
) -> list[Finding]:
    """Every contradiction of ``config`` with its policies (see the module's docstring)."""
    found: dict[tuple[str, str], list[str]] = {}

    def add(key: str, message: str, who: str) -> None:
        callers = found.setdefault((key, message), [])
        if who not in callers:
            callers.append(who)

    for ds in config.datasets.values():
        loaded = policies.get(ds.id)
        if loaded is not None and loaded.error and "targets" in loaded.error:
            add(f"datasets.{ds.id}.policy", loaded.error, "")
    computed = served_computed(config)
    for caller in _callers(config, policies):
        judge = _judge(config, policies, caller, now)
        for ds in config.datasets.values():
            if ds.personal_data and ds.processing is not None:
                _recipients(config, ds, judge, caller, add)
        for c in computed:
            _derived(config, c, judge, caller, add)
    return [
        Finding(key, message.replace("{who}", ", ".join(w for w in who if w)))
        for (key, message), who in found.items()
    ]


def _recipients(
    config: NodeConfig, ds: DatasetConfig, judge: Judge, caller: _Caller, add: _Add
) -> None:
    if ds.processing is None:
        return
    allowed = {ds.processing.controller, *ds.processing.recipients}
    party = caller.identity.party
    if party in allowed or caller.groups & allowed:
        return
    actions = [Action.READ]
    if config.usage.min_subjects < 2:
        actions += [Action.AGGREGATE, Action.DERIVE]
    for action in actions:
        group = GroupCount(rows=UNBOUNDED, subjects=1)
        if _may(judge, Use(dataset=ds.id, action=action), group):
            add(
                f"datasets.{ds.id}.processing.recipients",
                f"the policy lets {{who}} {action} this personal data, but the record of "
                f"processing names as recipients only {', '.join(sorted(allowed))}",
                caller.describe(),
            )
            return


def _derived(config: NodeConfig, c: Computed, judge: Judge, caller: _Caller, add: _Add) -> None:
    own = config.dataset_of(c.entity, c.name)
    if own is None or not judge.decide(Use(dataset=own.id, action=Action.READ)).permitted:
        return
    for part in c.parts:
        for ds_id in sorted({d.id for e, f in part.inputs if (d := config.dataset_of(e, f))}):
            use = Use(dataset=ds_id, action=Action.DERIVE, level=part.level, bucket=part.bucket)
            if not _may(judge, use, GroupCount(rows=UNBOUNDED, subjects=1)):
                add(
                    f"datasets.{own.id}.policy",
                    f"{c.entity}.{c.name} belongs to {own.id}, whose policy lets {{who}} "
                    f"read it, but it is derived from {ds_id}, whose policy (or personal-data "
                    f"floor) withholds it from them: list {c.name} in a dataset whose policy "
                    f'matches its inputs\' (entities = {{ {c.entity} = ["{c.name}"] }})',
                    caller.identity.party,
                )
