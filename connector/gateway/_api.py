"""The API schema: the supergraph schema as clients see it."""

from __future__ import annotations

from typing import Any

from graphql import DirectiveLocation, GraphQLSchema, is_specified_directive

EXECUTABLE = {
    DirectiveLocation.QUERY,
    DirectiveLocation.MUTATION,
    DirectiveLocation.SUBSCRIPTION,
    DirectiveLocation.FIELD,
    DirectiveLocation.FRAGMENT_DEFINITION,
    DirectiveLocation.FRAGMENT_SPREAD,
    DirectiveLocation.INLINE_FRAGMENT,
    DirectiveLocation.VARIABLE_DEFINITION,
}


def api_schema(schema: GraphQLSchema) -> GraphQLSchema:
    """``schema`` less its schema-only directives: ``@tag`` and composed directives stay in
    the supergraph SDL but, as in Apollo's API schema, are not listed to clients."""
    usable = [
        d for d in schema.directives if is_specified_directive(d) or set(d.locations) & EXECUTABLE
    ]
    kwargs: dict[str, Any] = {**schema.to_kwargs(), "directives": usable}
    return GraphQLSchema(**kwargs)
