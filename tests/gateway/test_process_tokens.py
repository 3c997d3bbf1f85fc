"""End to end with real tokens: the issuer, the three demo nodes (enforcing their ODRL
policies) and the gateway, each a real process on 127.0.0.1. The gateway forwards the
caller's token; Bouygues' node alone decides whether its bill of quantities flows."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.config import load_config
from connector.demo.generate import DemoPaths, render_configs
from connector.demo.participants import GUI, register_all, token
from tests.connector.test_node_process import free_port, wait_until_up
from tests.gateway.conftest import NODES, SCHOOL
from tests.gateway.test_process import start, stop

pytestmark = pytest.mark.anyio

QUERY = """
query($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      name
      spaces(first: 1, orderBy: [{field: ID}]) { code }
      materialLines(first: 2, orderBy: [{field: ID}]) { lot quantity }
    }
  }
}"""


@dataclass
class Space:
    folder: Path
    issuer: str
    gateway: str
    audiences: list[str]


@pytest.fixture
def secured(demo: DemoPaths, tmp_path: Path) -> Iterator[Space]:
    shutil.copy(demo.cda_db, tmp_path / "cda.db")
    shutil.copy(demo.atmo_db, tmp_path / "atmo.db")
    shutil.copytree(demo.bouygues_dir, tmp_path / "bouygues")
    ports = {n: free_port() for n in ("issuer", *NODES)}
    render_configs(tmp_path, ports=ports)
    configs = {n: load_config(tmp_path / f"{n}.toml") for n in NODES}
    audiences = [c.base_iri for c in configs.values()]
    issuer = f"http://127.0.0.1:{ports['issuer']}"
    procs = {}
    try:
        procs["issuer"] = start(
            ["-m", "connector.cli", "issuer", "serve", "--issuer", issuer,
             *(a for u in audiences for a in ("--audience", u)),
             "--db", f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}",
             "--key-dir", str(tmp_path / "keys"), "--log-level", "warning"]
        )  # fmt: skip
        wait_until_up(f"{issuer}/.well-known/oauth-authorization-server", procs["issuer"])
        for name in NODES:
            procs[name] = start(
                ["-m", "connector.cli", "node", str(tmp_path / f"{name}.toml"),
                 "--log-level", "warning"]
            )  # fmt: skip
        for name, config in configs.items():
            wait_until_up(f"{config.base_iri}/health", procs[name])
        port = free_port()
        procs["gateway"] = start(
            ["-m", "connector.cli", "gateway", "--port", str(port),
             *(f"--subgraph={n}={c.base_iri}/graphql" for n, c in configs.items())]
        )  # fmt: skip
        gateway = f"http://127.0.0.1:{port}"
        wait_until_up(f"{gateway}/health", procs["gateway"])
        yield Space(tmp_path, issuer, gateway, audiences)
    finally:
        stop(procs)


async def ask(client: httpx.AsyncClient, space: Space, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(100):  # until the gateway has composed its supergraph
        r = await client.post(
            f"{space.gateway}/graphql",
            json={"query": QUERY, "variables": {"name": SCHOOL}},
            headers=headers,
        )
        body: dict[str, Any] = r.json()
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        if "GATEWAY_NOT_READY" not in codes:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError("the gateway never composed its supergraph")


async def test_the_node_decides_with_the_token_the_gateway_forwards(secured: Space) -> None:
    creds = await register_all(
        f"sqlite+aiosqlite:///{secured.folder / 'issuer.db'}", secured.folder / "credentials.json"
    )
    async with httpx.AsyncClient(timeout=60) as client:
        anonymous = await ask(client, secured, None)
        (b,) = anonymous["data"]["buildings"]["nodes"]
        assert b["name"] == SCHOOL and len(b["spaces"]) == 1  # open datasets still flow
        assert b["materialLines"] is None
        (error,) = anonymous["errors"]
        assert error["path"] == ["buildings", "nodes", 0, "materialLines"]
        assert error["extensions"]["code"] == "POLICY_DENIED"
        assert error["extensions"]["node"] == "bouygues"

        carbon = await token(
            client,
            secured.issuer,
            creds["cda"],
            audience=secured.audiences,
            purpose=GUI + "CarbonAccounting",
        )
        permitted = await ask(client, secured, carbon)
        assert "errors" not in permitted, permitted["errors"]
        (b,) = permitted["data"]["buildings"]["nodes"]
        # the first two lines of the bill, as in connector/demo/data (metres.csv): 250 m², 60 m
        assert b["materialLines"] == [{"lot": 1, "quantity": 250.0}, {"lot": 1, "quantity": 60.0}]
        rules = {u["rule"] for u in permitted["extensions"]["usage"]}
        assert (
            "https://guichet.agglo-larochelle.fr/policies/bouygues/metres#calcul-carbone-agglomeration"
            in rules
        )
