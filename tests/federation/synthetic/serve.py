"""Serve one synthetic subgraph over HTTP: ``python -m tests.federation.synthetic.serve
NAME PORT`` (GraphQL at ``http://127.0.0.1:PORT/graphql``)."""

from __future__ import annotations

import importlib
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

SUBGRAPHS = ("accounts", "products", "inventory", "reviews", "media", "ratings")


def app(name: str) -> Starlette:
    if name not in SUBGRAPHS:
        raise SystemExit(f"unknown subgraph {name!r}: expected one of {', '.join(SUBGRAPHS)}")
    module = importlib.import_module(f"tests.federation.synthetic.{name}")
    graphql = GraphQL(module.schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python -m tests.federation.synthetic.serve NAME PORT", file=sys.stderr)
        return 2
    uvicorn.run(app(argv[0]), host="127.0.0.1", port=int(argv[1]), log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
