"""Start the synthetic subgraphs as child processes of a :class:`~tests.federation.stack.Stack`."""

from __future__ import annotations

import sys

from tests.federation.stack import Stack, free_port
from tests.federation.synthetic.serve import SUBGRAPHS


def start_subgraphs(stack: Stack) -> dict[str, str]:
    """Each synthetic subgraph in its own uvicorn process on 127.0.0.1; name → GraphQL URL."""
    ports = {name: free_port() for name in SUBGRAPHS}
    procs = {
        name: stack._spawn(
            f"synthetic-{name}",
            [sys.executable, "-m", "tests.federation.synthetic.serve", name, str(port)],
        )
        for name, port in ports.items()
    }
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    for name, proc in procs.items():
        stack._wait_http(f"synthetic-{name}", proc, urls[name], graphql=True)
    return urls
