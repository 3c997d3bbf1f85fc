"""Guichet's federation gateway: one GraphQL API over Federation v2 subgraphs. This
namespace is its API (the top-level ``gateway`` module re-exports it); the modules with a
leading underscore are internals, :mod:`.cli` is ``guichet gateway``.

>>> app = create_gateway_app({"cda": "http://127.0.0.1:8101/graphql"})  # doctest: +SKIP

    SDL text ─ _sdl.parse_subgraph ─▶ Subgraph ─ _compose.compose ─▶ Supergraph
    client query ─ _respond.Responder: validate, limits, _planner.plan ─▶ QueryPlan
                 ─ _execute.Executor over _http.SubgraphClient ─▶ merged data ─ shape ─▶ answer
    _gateway.Gateway keeps the last good supergraph and polls the SDLs; _app serves it;
    _catalog.CatalogUnion: the nodes' DCAT catalogs as one, refreshed with the SDLs, served at
    /catalog and searched (_catalog_search);
    _transparence: the families' and citizens' page at /transparence/ (its reads in
    _transparence_data, its words in _transparence_words, its chart in _transparence_chart);
    _create.create_gateway_app builds the whole app (the DPD console mounted if asked).
"""

from connector.gateway._compose import compose
from connector.gateway._create import create_gateway_app
from connector.gateway._gateway import Gateway, GatewaySettings, SubgraphSource
from connector.gateway._http import SubgraphClient, SubgraphReply
from connector.gateway._limits import Limits
from connector.gateway._plan import Condition, Fetch, QueryPlan
from connector.gateway._planner import plan
from connector.gateway._sdl import Subgraph, parse_subgraph
from connector.gateway._supergraph import Supergraph
from connector.gateway._transparence import TransparenceSettings
from connector.gateway._transparence_data import Participant

__all__ = [
    "Condition",
    "Fetch",
    "Gateway",
    "GatewaySettings",
    "Limits",
    "Participant",
    "QueryPlan",
    "Subgraph",
    "SubgraphClient",
    "SubgraphReply",
    "SubgraphSource",
    "Supergraph",
    "TransparenceSettings",
    "compose",
    "create_gateway_app",
    "parse_subgraph",
    "plan",
]
