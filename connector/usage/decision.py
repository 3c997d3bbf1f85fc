"""The one decision a node takes per request, and what every face needs from it.

:meth:`UsageControl.decide <connector.usage.control.UsageControl.decide>` turns the
request's :class:`~connector.usage.demand.Use` s into a :class:`RequestDecision`; each
face applies it through the same few calls:

* :meth:`RequestDecision.require` — go on with a use, or raise :class:`PolicyDenied`;
* :meth:`RequestDecision.grain` — for an aggregate or derived value a caller may not read
  the rows of, the cells the source must build it from;
* :meth:`RequestDecision.groups` — which groups of such an answer may be returned;
* :meth:`RequestDecision.hidden` and :meth:`RequestDecision.pseudonymised` — the fields
  of an entity that are null, or pseudonyms, for this caller;
* :meth:`RequestDecision.usage_terms` and :meth:`RequestDecision.denials` — what the
  answer says about the decision.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.audit import Outcome
from connector.config import DatasetConfig, NodeConfig
from connector.errors import GuichetError
from connector.identity import Identity
from connector.model import ENTITIES
from connector.usage.demand import Action, Grain, GroupCount, Use
from policies import ODRL

KNOWN_DUTIES = frozenset({ODRL + "attribute", ODRL + "anonymize", ODRL + "inform"})


class PolicyDenied(GuichetError):
    """A dataset may not be used as asked; ``extensions`` go to the GraphQL error."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.extensions = decision.error_extensions()
        super().__init__(f"access to dataset {decision.dataset.id!r} denied: {decision.reason}")


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The outcome for one use of one dataset, with what the node must do about it.

    A decision is *pending* when it can only be settled group by group, once the source
    has counted each group's rows and subjects: ``per_group`` then gives the decision
    for one group, and ``grain`` the cells the answer must be built from."""

    use: Use
    dataset: DatasetConfig
    outcome: Outcome
    reason: str
    code: str = ""
    """The reason code: :mod:`policies.codes`, or the node's own (``dataset-closed``,
    ``offer-not-accepted``, ``duty-unenforceable``, ``cells-cut``, ``too-fine``,
    ``group-too-small``, ``too-few-subjects``, ``undecided``, ``not-executed``)."""
    policy: str | None = None
    rule: str | None = None
    duties: tuple[str, ...] = ()
    attribution: tuple[str, ...] = ()
    level: str | None = None
    """The aggregation level judged (an xsd:duration), for aggregates and derived values."""
    grain: Grain | None = None
    per_group: Callable[[GroupCount], Decision] | None = field(default=None, compare=False)

    @property
    def action(self) -> Action:
        return self.use.action

    @property
    def pending(self) -> bool:
        return self.per_group is not None

    @property
    def permitted(self) -> bool:
        """Permitted and settled."""
        return self.outcome is Outcome.PERMIT and not self.pending

    @property
    def allowed(self) -> bool:
        """The use may go ahead (permitted, or to be settled group by group)."""
        return self.outcome is Outcome.PERMIT

    def error_extensions(self) -> dict[str, Any]:
        return {
            "code": "POLICY_DENIED",
            "dataset": self.dataset.iri,
            "action": str(self.action),
            "policy": self.policy,
            "rule": self.rule,
            "reason": self.reason,
        }


def short_name(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def undecided(use: Use, dataset: DatasetConfig) -> Decision:
    """What a use nobody decided on before execution gets: deny."""
    return Decision(
        use=use,
        dataset=dataset,
        outcome=Outcome.DENY,
        reason="the node could not decide this access before execution",
        code="undecided",
    )


KEYS_PER_ENTRY = 100
"""Keys kept per entity type in one audit entry: enough for a page, bounded for a flood."""


def pseudonym(key: bytes, entity: str, value: object) -> str:
    """The pseudonym of ``entity``'s ``value`` under the node's key (HMAC-SHA-256)."""
    mac = hmac.new(key, f"{entity}\x1f{value}".encode(), hashlib.sha256)
    return "anon-" + base64.b32encode(mac.digest()[:10]).decode().lower()


def search_keys(key: bytes | None, entities: Iterable[str], value: str) -> tuple[str, ...]:
    """What an audit entry holds for an access to the entity ``value`` names: the key as
    is, and its pseudonym as any entity's key or subject (personal datasets)."""
    found = [value]
    if key is not None:
        for entity in entities:
            found += [pseudonym(key, entity, value), pseudonym(key, f"{entity}.subject", value)]
    return tuple(found)


@dataclass
class RequestDecision:
    """The decisions of one request, and what faces need from them."""

    config: NodeConfig
    identity: Identity
    decisions: dict[Use, Decision]
    pseudonym_key: bytes
    time: datetime
    rows: dict[str, int] = field(default_factory=dict)
    keys: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """The keys of the entities read, per dataset and entity type (at most
    :data:`KEYS_PER_ENTRY` each; pseudonyms for personal data): kept in the audit entry."""
    keys_cut: dict[str, int] = field(default_factory=dict)
    resources: Mapping[str, DatasetConfig] = field(default_factory=dict)
    """What the node holds besides its datasets (its audit log)."""
    withheld: dict[Use, int] = field(default_factory=dict)
    _settlers: dict[Use, Callable[[GroupCount], Decision]] = field(default_factory=dict, repr=False)
    _returned: set[Use] = field(default_factory=set, repr=False)
    _seen: dict[Use, int] = field(default_factory=dict, repr=False)
    """Groups left out of an answer, by use: said in ``extensions.usage``."""
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    # -- uses -------------------------------------------------------------------------
    def decision(self, use: Use) -> Decision:
        found = self.decisions.get(use)
        if found is not None:
            return found
        ds = self.config.datasets.get(use.dataset) or self.resources[use.dataset]
        return undecided(use, ds)

    def require(self, use: Use) -> Decision:
        """The decision for ``use``; :class:`PolicyDenied` unless it may go ahead."""
        d = self.decision(use)
        if not d.allowed:
            raise PolicyDenied(d)
        return d

    def read(self, dataset: str) -> Decision:
        return self.decision(Use(dataset=dataset, action=Action.READ))

    def grain(self, use: Use) -> Grain | None:
        """The cells the source must build ``use``'s answer from; None: no floor (the
        caller may read the rows)."""
        return self.require(use).grain

    def groups(self, use: Use, counts: Sequence[GroupCount]) -> list[Decision]:
        """The decision for each group of ``use``'s answer (a group is returned only if
        its decision is permitted); settles the use's decision: permit if any group is
        kept. Raises :class:`PolicyDenied` when groups came and none may be returned."""
        settle = self._settlers.get(use)
        d = self.require(use) if settle is None else self.decision(use)
        settle = settle or d.per_group
        if settle is None:
            return [d] * len(counts)
        # every field asking this use is settled by the same rule, however many there are;
        # the use's recorded decision is a permit once any of them returned a group
        self._settlers[use] = settle
        outcome = {c: settle(c) for c in set(counts)}
        each = [outcome[c] for c in counts]
        kept = [c for c in counts if outcome[c].permitted]
        dropped = len(counts) - len(kept)
        self._seen[use] = self._seen.get(use, 0) + len(counts)
        if dropped:
            self.withheld[use] = self.withheld.get(use, 0) + dropped
        returned_before = use in self._returned
        if kept:
            self._returned.add(use)
            final = outcome[min(kept, key=lambda c: (c.rows, c.subjects))]
            withheld = self.withheld.get(use, 0)
            note = (
                f" ({withheld} of {self._seen[use]} groups below the minimum group size withheld)"
                if withheld
                else ""
            )
            self.decisions[use] = replace(final, reason=final.reason + note)
        elif counts:
            worst = outcome[min(counts, key=lambda c: (c.rows, c.subjects))]
            if not returned_before:
                self.decisions[use] = worst
            raise PolicyDenied(worst)
        elif not returned_before:
            self.decisions[use] = replace(
                d, per_group=None, reason=d.reason + " (no group to return)"
            )
        return each

    # -- entity fields ----------------------------------------------------------------
    def _once(self, what: str, entity: str, compute: Callable[[str], Any]) -> Any:
        """Per-entity facts are asked for every row: worked out once per request."""
        key = (what, entity)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = compute(entity)
        return found

    def hidden(self, entity: str) -> frozenset[str]:
        """Fields of ``entity`` the caller may not read: they are null."""
        found: frozenset[str] = self._once("hidden", entity, self._hidden)
        return found

    def _hidden(self, entity: str) -> frozenset[str]:
        out = set()
        for f in self.config.entities[entity].fields:
            ds = self.config.dataset_of(entity, f)
            if ds is None or not self.read(ds.id).permitted:
                out.add(f)
        return frozenset(out)

    def require_read(self, entity: str, fields: Sequence[str] = ()) -> None:
        """:class:`PolicyDenied` unless the entity's key and ``fields`` may be read."""
        for f in dict.fromkeys((ENTITIES[entity].key, *fields)):
            ds = self.config.dataset_of(entity, f)
            if ds is not None:
                self.require(Use(dataset=ds.id, action=Action.READ))

    def pseudonymised(self, entity: str) -> frozenset[str]:
        """Identifier fields whose dataset's permit carries an ``anonymize`` duty."""
        found: frozenset[str] = self._once("pseudo", entity, self._pseudonymised)
        return found

    def _pseudonymised(self, entity: str) -> frozenset[str]:
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
        return pseudonym(self.pseudonym_key, entity, value)

    def read_key(self, entity: str, key: object, subject: object = None) -> None:
        """One more ``entity`` read, its key ``key`` (and ``subject``, the value of the
        entity's subject field: the dwelling an energy use is about): remembered for the
        audit entry of each dataset it draws on, as pseudonyms where the dataset holds
        personal data (the DPD finds them again by the same pseudonyms, :func:`search_keys`),
        at most :data:`KEYS_PER_ENTRY` per entity type and dataset (beyond: counted)."""
        named = [(entity, key)]
        if subject is not None:
            named.append((f"{entity}.subject", subject))
        for ds_id in self._datasets_of(entity):
            ds = self.config.datasets.get(ds_id)
            personal = ds is not None and ds.personal_data
            of_dataset = self.keys.get(ds_id)
            if of_dataset is None:
                of_dataset = self.keys[ds_id] = {}
            seen = of_dataset.get(entity)
            if seen is None:
                seen = of_dataset[entity] = []
            for name, value in named:
                if value is None:
                    continue
                kept = self.pseudonym(name, value) if personal else str(value)
                if kept in seen:
                    continue
                if len(seen) < KEYS_PER_ENTRY:
                    seen.append(kept)
                else:
                    self.keys_cut[ds_id] = self.keys_cut.get(ds_id, 0) + 1

    def _datasets_of(self, entity: str) -> frozenset[str]:
        found: frozenset[str] = self._once("datasets", entity, self._datasets_of_entity)
        return found

    def _datasets_of_entity(self, entity: str) -> frozenset[str]:
        return frozenset(
            ds.id
            for f in self.config.entities[entity].fields
            if (ds := self.config.dataset_of(entity, f)) is not None
        )

    def count_rows(self, entity: str, n: int) -> None:
        """``n`` more rows of ``entity`` returned: counted once for each dataset they draw on."""
        self.count(self._datasets_of(entity), n)

    def count(self, datasets: frozenset[str] | set[str], n: int) -> None:
        for ds_id in datasets:
            self.rows[ds_id] = self.rows.get(ds_id, 0) + n

    # -- what the answer says ---------------------------------------------------------
    def usage_terms(self) -> list[dict[str, Any]]:
        """``extensions.usage``: for each dataset used under a permit, its policy, rule,
        duties and who to credit (once per dataset and action); for an answer built from
        cells, their unit and minimum sizes, and how many groups were withheld."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for use, d in self.decisions.items():
            if d.permitted and use in self.withheld:
                term = out.setdefault((d.dataset.iri, str(d.action)), self._term(d))
                term["withheld"] = term.get("withheld", 0) + self.withheld[use]
            elif d.permitted and (d.dataset.iri, str(d.action)) not in out:
                out[(d.dataset.iri, str(d.action))] = self._term(d)
        return list(out.values())

    @staticmethod
    def _term(d: Decision) -> dict[str, Any]:
        term: dict[str, Any] = {
            "dataset": d.dataset.iri,
            "title": d.dataset.title,
            "publisher": d.dataset.publisher,
            "action": str(d.action),
            "policy": d.policy,
            "rule": d.rule,
            "duties": list(d.duties),
            "attribution": list(d.attribution),
        }
        if d.grain is not None:
            term["cells"] = {
                "unit": d.grain.unit,
                "minRows": d.grain.min_rows,
                "minSubjects": d.grain.min_subjects,
            }
        return term

    def denials(self) -> list[Decision]:
        return [d for d in self.decisions.values() if not d.allowed]


def load_pseudonym_key(path: Path | None) -> bytes:
    """The node's secret for pseudonyms: read, or created once (mode 0600)."""
    if path is None:
        return secrets.token_bytes(32)
    if path.is_file():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    # several processes of one node may start at once: the key is written whole under a
    # private name, then linked into place, which fails if another process got there first
    # (every process then reads the one key, never a half-written file)
    key = secrets.token_bytes(32)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_bytes()
    finally:
        draft.unlink()
    return key
