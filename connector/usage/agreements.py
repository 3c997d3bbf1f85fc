"""Agreements: an ``odrl:Offer`` accepted by a caller becomes an ``odrl:Agreement``.

A dataset's policy document may hold Offers beside its Set. An Offer grants nothing by
itself; ``acceptOffer(offer, purpose)`` copies it into an Agreement whose assignee is the
caller (and, if a purpose is given, whose permissions require that purpose), issued now.
Agreements are stored in the node's state database (beside the audit log), listed by
``agreements``, and evaluated with the dataset's policies on later queries, with their
issue date as the start of ``odrl:elapsedTime``.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connector.audit import create_tables
from connector.errors import PolicyError, QueryError
from policies import ODRL, Policy, parse_policies
from policies import PolicyError as PoliciesError

DCT = "http://purl.org/dc/terms/"

_meta = sa.MetaData()
TABLE = sa.Table(
    "guichet_agreements",
    _meta,
    sa.Column("iri", sa.String(512), primary_key=True),
    sa.Column("party", sa.String(512), nullable=False, index=True),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("offer", sa.String(512), nullable=False),
    sa.Column("purpose", sa.String(512)),
    sa.Column("issued", sa.String(40), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)


@dataclass(frozen=True, kw_only=True)
class StoredAgreement:
    """An accepted offer: the Agreement's expanded JSON-LD and its parsed policy, parsed
    once (when it is made, or first read from the store)."""

    iri: str
    party: str
    dataset: str
    offer: str
    purpose: str | None
    issued: datetime
    document: dict[str, Any]
    policy: Policy

    @classmethod
    def parse(
        cls,
        *,
        iri: str,
        party: str,
        dataset: str,
        offer: str,
        purpose: str | None,
        issued: datetime,
        document: dict[str, Any],
    ) -> StoredAgreement:
        """The agreement with its policy parsed, or :class:`PolicyError` naming the problem."""
        try:
            policy = parse_policies(json.dumps(document), name=iri)[0]
        except PoliciesError as exc:
            raise PolicyError(str(exc)) from exc
        return cls(
            iri=iri,
            party=party,
            dataset=dataset,
            offer=offer,
            purpose=purpose,
            issued=issued,
            document=document,
            policy=policy,
        )


def offers_in(expanded: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The Offer nodes of an expanded policy document, by uid."""
    out = {}
    for node in expanded:
        for n in node.get("@graph", [node]):
            if ODRL + "Offer" in n.get("@type", []) and isinstance(n.get("@id"), str):
                out[n["@id"]] = n
    return out


def agreement_from_offer(
    offer: dict[str, Any], *, iri: str, party: str, purpose: str | None, issued: datetime
) -> dict[str, Any]:
    """The expanded JSON-LD of the Agreement: the offer's rules, for ``party``."""
    doc = copy.deepcopy(offer)
    doc["@id"] = iri
    doc["@type"] = [ODRL + "Agreement"]
    doc[ODRL + "assignee"] = [{"@id": party}]
    doc[DCT + "issued"] = [
        {"@value": issued.isoformat(), "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    ]
    doc[DCT + "source"] = [{"@id": offer["@id"]}]
    if not doc.get(ODRL + "assigner"):
        raise PolicyError(f"offer {offer['@id']} names no assigner; it cannot be agreed")
    for rule in doc.get(ODRL + "permission", []):
        rule.pop("@id", None)
        rule[ODRL + "assignee"] = [{"@id": party}]
        if purpose:
            rule.setdefault(ODRL + "constraint", []).append(
                {
                    ODRL + "leftOperand": [{"@id": ODRL + "purpose"}],
                    ODRL + "operator": [{"@id": ODRL + "isA"}],
                    ODRL + "rightOperand": [{"@id": purpose}],
                }
            )
    for kind in ("prohibition", "obligation"):
        for rule in doc.get(ODRL + kind, []):
            rule.pop("@id", None)
    return doc


class AgreementStore:
    """Agreements in the node's state database."""

    def __init__(
        self, url: str, *, engine: AsyncEngine | None = None, writer: AsyncEngine | None = None
    ) -> None:
        self.engine = engine or create_async_engine(url)
        self.writer = writer or self.engine
        """Write transactions (and the tables' creation) go through ``writer``: the audit
        log's, which begins them IMMEDIATE on SQLite (several processes of one node)."""
        self._ready = False
        self._parsed: dict[str, StoredAgreement] = {}
        """Agreements never change once stored: each is parsed once per process."""

    async def setup(self) -> None:
        if not self._ready:
            await create_tables(self.writer, _meta)
            self._ready = True

    async def add(self, a: StoredAgreement) -> None:
        await self.setup()
        async with self.writer.begin() as conn:
            await conn.execute(
                TABLE.insert().values(
                    iri=a.iri,
                    party=a.party,
                    dataset=a.dataset,
                    offer=a.offer,
                    purpose=a.purpose,
                    issued=a.issued.isoformat(),
                    document=json.dumps(a.document),
                )
            )

    async def get(self, iri: str) -> StoredAgreement | None:
        """One agreement by its IRI."""
        await self.setup()
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(sa.select(TABLE).where(TABLE.c.iri == iri))).first()
        except SQLAlchemyError as exc:
            raise QueryError("the agreement store cannot be read") from exc
        return self._parse(row._mapping) if row is not None else None

    def _parse(self, r: Any) -> StoredAgreement:
        known = self._parsed.get(r["iri"])
        if known is None:
            known = StoredAgreement.parse(
                iri=r["iri"],
                party=r["party"],
                dataset=r["dataset"],
                offer=r["offer"],
                purpose=r["purpose"],
                issued=datetime.fromisoformat(r["issued"]),
                document=json.loads(r["document"]),
            )
            self._parsed[known.iri] = known
        return known

    async def for_party(self, party: str | None) -> list[StoredAgreement]:
        """The agreements of ``party`` (all of them when None), oldest first."""
        await self.setup()
        stmt = sa.select(TABLE).order_by(TABLE.c.issued, TABLE.c.iri)
        if party is not None:
            stmt = stmt.where(TABLE.c.party == party)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(stmt)).mappings().all()
        except SQLAlchemyError as exc:
            raise QueryError("the agreement store cannot be read") from exc
        return [self._parse(r) for r in rows]

    async def aclose(self) -> None:
        await self.engine.dispose()


def new_agreement_iri(base_iri: str) -> str:
    return f"{base_iri}/agreements/{uuid.uuid4()}"
