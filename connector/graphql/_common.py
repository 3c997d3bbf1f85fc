"""Pieces every generated schema shares: the ``@term`` directive and value types."""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directive import schema_directive
from strawberry.schema_directive import Location

from connector.model import expand

TERM_SPEC_URL = "https://w3id.org/guichet/ontology/v0.1"


@schema_directive(
    locations=[Location.OBJECT, Location.FIELD_DEFINITION],
    name="term",
    compose=True,
    import_url=TERM_SPEC_URL,
    description="The ontology term (full IRI) this type or field stands for.",
)
class Term:
    iri: str


def term(curie: str) -> Term:
    return Term(iri=expand(curie))


@schema_directive(
    locations=[Location.OBJECT],
    name="partition",
    repeatable=True,  # a supergraph keeps every holder's
    compose=True,
    import_url=TERM_SPEC_URL,
    description="The instances of this entity type this subgraph holds, when several "
    "subgraphs hold disjoint instances of it: INSEE commune codes (values of its "
    "inseeCode), usage codes (values of its usage) and/or prefixes of its key; an "
    "instance is held here when it is inside every one given.",
)
class PartitionDirective:
    communes: list[str] | None = None
    key_prefixes: list[str] | None = strawberry.directive_field(name="keyPrefixes", default=None)
    usages: list[str] | None = None


@strawberry.federation.type(shareable=True, description="Where a page of a list ends.")
class PageInfo:
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")
    has_next_page: bool


@strawberry.federation.type(
    shareable=True,
    directives=[term("gui:ThresholdCount")],
    description="Rows whose value is above a threshold.",
)
class ThresholdCount:
    threshold: float = strawberry.field(directives=[term("gui:threshold")])
    count: int = strawberry.field(directives=[term("gui:count")])
    share: float | None = strawberry.field(directives=[term("gui:share")])
