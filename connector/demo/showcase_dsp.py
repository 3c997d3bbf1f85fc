"""The showcase's Dataspace Protocol step: two demo nodes negotiate with each other.

The builder's node (bouygues) negotiates the agglomeration's one Offer (monthly or coarser
aggregates of the energy readings, for academic research) over DSP, as ``guichet dsp
negotiate`` does, with the node's own ``[dsp]`` credentials; cda agrees, bouygues' node
verifies, cda finalizes. Then a pull transfer gives a token bound to that agreement, and
the query with it is decided by the agreement at cda (and audited there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import NodeConfig
from connector.demo.showcase import _data, _post, _table, _terms
from connector.dsp import consumer
from connector.dsp.outbound import Outbound
from connector.dsp.store import DspStore
from connector.errors import GuichetError

DATASET = "consommations-energie"
OFFER = "https://guichet.agglo-larochelle.fr/policies/cda/consommations-energie/offre-recherche"
RESEARCH = "https://w3id.org/dpv#AcademicResearch"
STATS = (
    "{ energyUseStats(field: KWH, groupBy: [YEAR, CARRIER]) { group { year carrier } count sum } }"
)


async def negotiate_and_query(
    provider: NodeConfig,
    consumer_node: NodeConfig,
    *,
    timeout: float = 30,
    client: httpx.AsyncClient | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The consumer's negotiation, its transfer, and the GraphQL answer with its token
    (sent with ``client`` when given, else a client of its own)."""
    if consumer_node.dsp is None:
        raise GuichetError(f"{consumer_node.file}: no [dsp] credentials")
    engine = create_async_engine(consumer_node.usage.audit_db)
    store = DspStore(engine)
    try:
        async with client or httpx.AsyncClient(timeout=30) as client:
            out = Outbound(consumer_node.dsp, client, purpose=RESEARCH)
            url, own = provider.base_iri, consumer_node.base_iri
            agreed = await consumer.negotiate(store, out, url, DATASET, OFFER, own, timeout=timeout)
            if agreed["state"] != "FINALIZED":
                raise GuichetError(f"the DSP negotiation ended {agreed['state']}")
            started = await consumer.transfer(
                store.consumer_transfers,
                out,
                url,
                agreed["agreement"],
                own,
                provider=provider.participant,
                timeout=timeout,
            )
            if started["state"] != "STARTED":
                raise GuichetError(f"the DSP transfer ended {started['state']}")
            body = await _post(client, started["endpoint"], STATS, token=started["token"])
    finally:
        await engine.dispose()
    return agreed, started, body


async def dsp_step(configs: Mapping[str, NodeConfig]) -> str:
    agreed, started, body = await negotiate_and_query(configs["cda"], configs["bouygues"])
    stats = _data(body, started["endpoint"])["energyUseStats"]
    rows = [
        [str(s["group"]["year"]), s["group"]["carrier"], f"{s['count']:,}", f"{s['sum']:,.0f}"]
        for s in stats[:4]
    ]
    return "\n".join(
        [
            "\n9. DATASPACE PROTOCOL — the builder's node (bouygues) negotiates the "
            "agglomeration's offer to researchers over DSP 2025-1, then queries with the "
            "transfer's token (cda)",
            f"    agreement {agreed['agreement']} (FINALIZED)",
            f"    data address {started['endpoint']}, token {started['token'][:12]}…",
            _table(rows, ["year", "carrier", "buildings", "kWh"]),
            _terms(body),
        ]
    )
