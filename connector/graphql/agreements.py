"""Contracting on a node as GraphQL: ``/agreements/graphql`` (like EDC's contract
negotiation, apart from the data API). A caller accepts an ``odrl:Offer`` of a dataset and
gets an ``odrl:Agreement``, which the node checks on its later queries; the agreements
themselves are kept by :mod:`connector.usage.agreements`.

    mutation { acceptOffer(offer: "https://.../offers/energie-30j",
                           purpose: "https://w3id.org/dpv#AcademicResearch") {
                 iri issued dataset } }
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import strawberry

from connector.config.sections import Limits
from connector.graphql._masking import QuietSchema
from connector.graphql._refused import RecordRefusals, limit_extensions
from connector.identity import Identity
from connector.usage import UsageControl
from connector.usage.agreements import StoredAgreement


@dataclass
class AgreementContext:
    control: UsageControl
    identity: Identity


@strawberry.type(description="An odrl:Agreement between a dataset's assigner and the caller.")
class Agreement:
    iri: str
    party: str
    dataset: str
    offer: str
    purpose: str | None
    issued: datetime
    document: str = strawberry.field(description="The agreement as expanded JSON-LD.")

    @classmethod
    def of(cls, a: StoredAgreement, control: UsageControl) -> Agreement:
        return cls(
            iri=a.iri,
            party=a.party,
            dataset=control.config.datasets[a.dataset].iri,
            offer=a.offer,
            purpose=a.purpose,
            issued=a.issued,
            document=json.dumps(a.document, ensure_ascii=False),
        )


async def _agreements(info: strawberry.Info[AgreementContext, None]) -> list[Agreement]:
    ctx = info.context
    dpd = ctx.control.config.usage.dpd_role in ctx.identity.roles
    found = await ctx.control.agreements.for_party(None if dpd else ctx.identity.party)
    return [Agreement.of(a, ctx.control) for a in found]


async def _accept_offer(
    info: strawberry.Info[AgreementContext, None], offer: str, purpose: str | None = None
) -> Agreement:
    ctx = info.context
    return Agreement.of(await ctx.control.accept_offer(ctx.identity, offer, purpose), ctx.control)


@strawberry.type
class Query:
    agreements: list[Agreement] = strawberry.field(
        resolver=_agreements, description="The caller's agreements (every agreement, for the DPD)."
    )


@strawberry.type
class Mutation:
    accept_offer: Agreement = strawberry.field(
        resolver=_accept_offer,
        description="Accept an offer of one of this node's datasets, for the purpose of the "
        "caller's token.",
    )


AGREEMENT_SCHEMA = QuietSchema(
    query=Query, mutation=Mutation, extensions=[RecordRefusals, *limit_extensions(Limits())]
)
"""Under the node defaults of ``[limits]`` (depth, aliases, tokens); an operation refused
before execution is logged like every refused request."""
