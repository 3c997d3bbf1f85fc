"""Guichet's federation gateway internals; the public entry point is the top-level
``gateway`` module.

    SDL text ─ _sdl.parse_subgraph ─▶ Subgraph ─ _compose.compose ─▶ Supergraph
    client query ─ _respond.Responder: validate, limits, _planner.plan ─▶ QueryPlan
                 ─ _execute.Executor over _http.SubgraphClient ─▶ merged data ─ shape ─▶ answer
    _gateway.Gateway keeps the last good supergraph and polls the SDLs; _app serves it.
"""

from connector.gateway._compose import compose
from connector.gateway._gateway import Gateway, GatewaySettings, SubgraphSource
from connector.gateway._http import SubgraphClient, SubgraphReply
from connector.gateway._limits import Limits
from connector.gateway._plan import Condition, Fetch, QueryPlan
from connector.gateway._planner import plan
from connector.gateway._sdl import Subgraph, parse_subgraph
from connector.gateway._supergraph import Supergraph

__all__ = [
    "Condition",
    "Fetch",
    "Gateway",
    "GatewaySettings",
    "Limits",
    "QueryPlan",
    "Subgraph",
    "SubgraphClient",
    "SubgraphReply",
    "SubgraphSource",
    "Supergraph",
    "compose",
    "parse_subgraph",
    "plan",
]
