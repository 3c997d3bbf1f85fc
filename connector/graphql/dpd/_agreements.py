"""``agreements`` on the DPD's endpoint: every Agreement of the node (see
:func:`connector.dpd.agreements`), with its party, purpose and duties.

    query { agreements(lang: "fr") { iri party { label } dataset offer issued duties } }
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from connector import dpd
from connector.dpd import AuditContext
from connector.graphql.dpd._datasets import Labelled, PolicySentence


@strawberry.type(description="An offer accepted by a participant (an odrl:Agreement).")
class AgreementRecord:
    iri: str
    party: Labelled
    dataset: str
    dataset_title: str
    offer: str
    purpose: Labelled | None
    issued: datetime
    duties: list[str] = strawberry.field(
        description="The agreement's duties by action (attribute, inform...)."
    )
    sentences: list[PolicySentence] = strawberry.field(
        description="The agreement's rules in plain words."
    )

    @classmethod
    def of(cls, a: dpd.AgreementRecord) -> AgreementRecord:
        return cls(
            iri=a.iri,
            party=Labelled.of(a.party),
            dataset=a.dataset,
            dataset_title=a.dataset_title,
            offer=a.offer,
            purpose=Labelled.of(a.purpose) if a.purpose else None,
            issued=a.issued,
            duties=list(a.duties),
            sentences=[PolicySentence(rule=s.rule, kind=s.kind, text=s.text) for s in a.sentences],
        )


async def _agreements(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[AgreementRecord]:
    return [AgreementRecord.of(a) for a in await dpd.agreements(info.context, lang)]


@strawberry.type
class AgreementsQuery:
    agreements: list[AgreementRecord] = strawberry.field(
        resolver=_agreements, description="Every agreement of this node, newest first."
    )
