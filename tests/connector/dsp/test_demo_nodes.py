"""Two demo nodes negotiate with each other over the Dataspace Protocol: the builder's
node (bouygues) and the agglomeration's (cda), from the demo's own configurations, with
the demo's participants registered at a real issuer and each node's ``[dsp]`` credentials
wired as ``guichet demo`` wires them; every message on the wire checked against its
schema. The expected answer is computed from the generated ``cda.db`` with sqlite3."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.app import create_app
from connector.config import NodeConfig, load_config
from connector.demo.generate import DEFAULT_PORTS, generate
from connector.demo.participants import register_all, wire_dsp
from connector.demo.showcase_dsp import OFFER, negotiate_and_query
from issuer import IssuerSettings, create_issuer_app
from tests.connector.dsp.space import Capture, Running, check_all, serve
from tests.support.ports import free_port

pytestmark = pytest.mark.anyio
BOUYGUES = "https://guichet.agglo-larochelle.fr/participants/bouygues"


@pytest.fixture(scope="module")
def nodes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, NodeConfig], Capture, Path]]:
    folder = tmp_path_factory.mktemp("dsp-demo")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    paths = generate(folder, ports=ports)
    issuer = f"http://127.0.0.1:{ports['issuer']}"
    db = f"sqlite+aiosqlite:///{folder / 'issuer.db'}"
    creds = asyncio.run(register_all(db, folder / "credentials.json"))
    configs = {}
    for name in ("cda", "bouygues"):
        wire_dsp(paths.configs[name], creds[name])
        configs[name] = load_config(paths.configs[name])
    settings = IssuerSettings(
        issuer=issuer,
        audiences=tuple(c.base_iri for c in configs.values()),
        database_url=db,
        key_dir=folder / "issuer-keys",
    )
    capture, running = Capture(), Running()
    try:
        running.servers.append(serve(create_issuer_app(settings), ports["issuer"]))
        for name, config in configs.items():
            app = create_app(config, dsp_client=capture.client())
            running.servers.append(serve(app, ports[name]))
        yield configs, capture, paths.cda_db
    finally:
        running.stop()


def monthly_or_coarser(cda_db: Path) -> dict[tuple[int, str], tuple[int, float]]:
    """Rows and kWh per year and carrier code, from the source (MWh x 1000)."""
    con = sqlite3.connect(cda_db)
    try:
        rows = con.execute(
            "SELECT annee, code_energie, count(*), sum(conso_mwh) * 1000 FROM consommations "
            "GROUP BY annee, code_energie"
        ).fetchall()
    finally:
        con.close()
    return {(y, c): (n, kwh) for y, c, n, kwh in rows}


async def test_bouygues_negotiates_cda_offer_and_queries_with_the_token(
    nodes: tuple[dict[str, NodeConfig], Capture, Path],
) -> None:
    configs, capture, cda_db = nodes
    agreed, started, body = await negotiate_and_query(
        configs["cda"], configs["bouygues"], client=capture.client()
    )
    assert agreed["state"] == "FINALIZED" and agreed["offer"] == OFFER
    assert agreed["agreement"].startswith(f"{configs['cda'].base_iri}/agreements/")
    assert started["endpoint"] == f"{configs['cda'].base_iri}/graphql"
    # the agreement (academic research, monthly or coarser) permits yearly aggregates
    assert "errors" not in body, body
    (terms,) = body["extensions"]["usage"]
    assert terms["policy"] == agreed["agreement"], terms
    expected = monthly_or_coarser(cda_db)
    got = body["data"]["energyUseStats"]
    assert got and sum(s["count"] for s in got) <= sum(n for n, _ in expected.values())
    carriers = {
        "gaz naturel": "GN",
        "électricité": "ELEC",
        "fioul domestique": "FOD",
        "bois – granulés (pellets) ou briquettes": "BOIS_GRA",
        "propane / butane / GPL": "GPL",
    }  # connector/demo/cda.toml
    for s in got:  # a cell is the source's group (cells under the floors are cut, not merged)
        n, kwh = expected[(s["group"]["year"], carriers[s["group"]["carrier"]])]
        assert s["count"] == n and s["sum"] == pytest.approx(kwh)
    exchanges = capture.dsp()
    kinds = {e.url.rsplit("/", 1)[-1] for e in exchanges if e.method == "POST"}
    assert {"request", "agreement", "verification", "events", "start"} <= kinds, kinds
    assert check_all(exchanges) == []
