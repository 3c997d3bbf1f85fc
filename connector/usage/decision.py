"""What a node decided for one request, and what resolvers need from it: which fields
are null, which identifiers are pseudonyms, which groups may be returned, and the usage
terms that go to ``extensions.usage``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.config import DatasetConfig, NodeConfig
from connector.errors import GuichetError
from connector.identity import Identity
from connector.model import ENTITIES
from policies import ODRL, Report

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


def short_name(iri: str) -> str:
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

    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def _once(self, what: str, entity: str, compute: Callable[[], Any]) -> Any:
        """Per-entity facts are asked for every row: work them out once per request (they
        depend on the read decisions, which do not change during execution)."""
        key = (what, entity)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def denied_fields(self, entity: str) -> frozenset[str]:
        found: frozenset[str] = self._once("denied", entity, lambda: self._denied(entity))
        return found

    def _denied(self, entity: str) -> frozenset[str]:
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
        found: frozenset[str] = self._once("anonymised", entity, lambda: self._anonymised(entity))
        return found

    def _anonymised(self, entity: str) -> frozenset[str]:
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
        ids: frozenset[str] = self._once(
            "datasets",
            entity,
            lambda: frozenset(
                ds.id
                for f in self.config.entities[entity].fields
                if (ds := self.config.dataset_of(entity, f)) is not None
            ),
        )
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
