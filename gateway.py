"""Guichet's federation gateway: one GraphQL API over Federation v2 subgraphs.

It reads each subgraph's ``{ _service { sdl } }`` (or a supergraph config file),
composes the supergraph with the Federation v2 rules checked, plans each query into
fetches (entity fetches batched per subgraph and step, independent ones concurrent),
forwards the caller's ``Authorization`` to every node (nodes decide access), and answers
with partial data and per-node errors when a node is down, slow or refuses.

    guichet gateway --subgraph cda=http://127.0.0.1:8101/graphql \\
                    --subgraph atmo=http://127.0.0.1:8102/graphql --port 4000 \\
                    --console-issuer http://127.0.0.1:8100 --console-client-id guichet-console

>>> app = create_gateway_app({"cda": "http://127.0.0.1:8101/graphql"})  # doctest: +SKIP

A facade: the gateway lives in :mod:`connector.gateway`, its command line in
:mod:`connector.gateway.cli`.
"""

from __future__ import annotations

import sys

from connector.gateway import GatewaySettings, Limits, SubgraphSource, create_gateway_app
from connector.gateway.cli import main

__all__ = ["GatewaySettings", "Limits", "SubgraphSource", "create_gateway_app", "main"]


if __name__ == "__main__":
    sys.exit(main())
