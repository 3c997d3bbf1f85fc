"""The in-browser GraphQL IDE page, for endpoints that are not strawberry views (the
gateway's)."""

from __future__ import annotations

from strawberry.http.ides import get_graphql_ide_html


def graphiql_html() -> str:
    """GraphiQL's page, as strawberry serves it on the node's endpoints."""
    return get_graphql_ide_html("graphiql")
