"""Pieces every generated schema shares: the ``@term`` directive, value types, the names of
generated fields and the signature strawberry reads a generated resolver's arguments from."""

from __future__ import annotations

import inspect
from typing import Any

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


def lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def plural(name: str) -> str:
    return lower_first(name) + "s"


def signed_resolver(fn: Any, params: list[tuple[str, Any, Any]], returns: Any) -> Any:
    """Give a generic resolver the explicit signature strawberry reads its arguments from."""
    sig = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info
        ),
    ]
    sig += [
        inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=t, default=d)
        for n, t, d in params
    ]
    fn.__signature__ = inspect.Signature(sig, return_annotation=returns)
    fn.__annotations__ = {
        "info": strawberry.Info,
        **{n: t for n, t, _ in params},
        "return": returns,
    }
    return fn
