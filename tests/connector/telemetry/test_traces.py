"""Traces across the gateway and a node over real HTTP on 127.0.0.1: the caller's W3C
``traceparent`` is continued by the gateway, passed on to the node in the subgraph request,
and the node's usage decisions are events of its server span (in-memory exporters, one per
app). Log lines in JSON carry the request id and the trace."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from connector.app import create_app
from connector.config import load_config
from connector.gateway import GatewaySettings, create_gateway_app
from connector.telemetry import DECISION_EVENT, JsonFormatter, Telemetry
from tests.connector.usage.conftest import Clock, TableVerifier, write_node
from tests.support.ports import free_port

pytestmark = pytest.mark.anyio

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{PARENT}-01"
BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name energyUses { id kwh } } }'


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def one(spans: list[ReadableSpan], kind: SpanKind, name_start: str = "") -> ReadableSpan:
    found = [s for s in spans if s.kind == kind and s.name.startswith(name_start)]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


async def test_traceparent_goes_from_the_caller_through_the_gateway_to_the_node(
    tmp_path: Path,
) -> None:
    node_spans, gateway_spans = InMemorySpanExporter(), InMemorySpanExporter()
    node_app = create_app(
        load_config(write_node(tmp_path)),
        verifier=TableVerifier(),
        clock=Clock(),
        telemetry=Telemetry("node-tiny", span_exporter=node_spans),
    )
    async with serving(node_app) as node_url:
        gateway_app = create_gateway_app(
            {"tiny": f"{node_url}/graphql"},
            settings=GatewaySettings(poll_interval=0),
            telemetry=Telemetry("gateway", span_exporter=gateway_spans),
        )
        async with serving(gateway_app) as gateway_url, httpx.AsyncClient() as client:
            for _ in range(100):  # the gateway composes its supergraph at start
                if (await client.get(f"{gateway_url}/health")).json()["status"] == "ok":
                    break
                await asyncio.sleep(0.05)
            gateway_spans.clear()
            node_spans.clear()
            r = await client.post(
                f"{gateway_url}/graphql",
                json={"query": BUILDING},
                headers={"Authorization": "Bearer city", "traceparent": TRACEPARENT},
            )
            metrics = (await client.get(f"{gateway_url}/metrics")).text
    await node_app.state.usage.audit.aclose()
    assert r.status_code == 200 and "errors" not in r.json(), r.text

    gw = gateway_spans.get_finished_spans()
    server = one(list(gw), SpanKind.SERVER)
    assert f"{server.context.trace_id:032x}" == TRACE
    assert server.parent is not None and f"{server.parent.span_id:016x}" == PARENT
    fetch = one(list(gw), SpanKind.CLIENT, "subgraph tiny")
    assert fetch.context.trace_id == server.context.trace_id
    assert fetch.parent is not None and fetch.parent.span_id == server.context.span_id

    at_node = one(list(node_spans.get_finished_spans()), SpanKind.SERVER)
    assert f"{at_node.context.trace_id:032x}" == TRACE
    # the node's span is the child of the gateway's request to it: traceparent was sent
    assert at_node.parent is not None and at_node.parent.span_id == fetch.context.span_id
    assert at_node.attributes is not None
    assert at_node.attributes["guichet.operation"] == "query"
    decisions = sorted(
        (tuple(e.attributes["guichet.datasets"]), e.attributes["guichet.outcome"])  # type: ignore[index,arg-type]
        for e in at_node.events
        if e.name == DECISION_EVENT
    )
    assert decisions == [(("energie",), "permit"), (("registre",), "permit")]

    fetches = {
        (s.labels["subgraph"], s.labels["outcome"]): s.value
        for f in text_string_to_metric_families(metrics)
        for s in f.samples
        if s.name == "guichet_subgraph_fetch_duration_seconds_count"
    }
    # the SDL at start, then the query's one request: both to tiny, both answered
    assert fetches == {("tiny", "ok"): 2.0}


async def test_a_malformed_traceparent_starts_a_new_trace(tmp_path: Path) -> None:
    spans = InMemorySpanExporter()
    app = create_app(
        load_config(write_node(tmp_path)),
        verifier=TableVerifier(),
        clock=Clock(),
        telemetry=Telemetry("node-tiny", span_exporter=spans),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        r = await client.post(
            "/graphql", json={"query": BUILDING}, headers={"traceparent": "00-zz-not-a-trace"}
        )
    await app.state.usage.audit.aclose()
    assert r.status_code == 200
    (span,) = spans.get_finished_spans()
    assert span.parent is None and span.context.trace_id != 0


async def test_json_log_lines_carry_the_request_id_and_the_trace(tmp_path: Path) -> None:
    spans = InMemorySpanExporter()
    app = create_app(
        load_config(write_node(tmp_path)),
        verifier=TableVerifier(),
        clock=Clock(),
        telemetry=Telemetry("node-tiny", span_exporter=spans),
    )
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    edge = logging.getLogger("guichet.edge")  # it logs each refusal it makes
    edge.addHandler(handler)
    previous = edge.level
    edge.setLevel(logging.INFO)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            r = await client.post(
                "/graphql", content=b"{not json", headers={"traceparent": TRACEPARENT}
            )
    finally:
        edge.removeHandler(handler)
        edge.setLevel(previous)
    await app.state.usage.audit.aclose()
    assert r.status_code == 400
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines, "the refusal was not logged"
    line = lines[0]
    assert line["request_id"] == r.headers["x-request-id"]
    assert line["trace_id"] == TRACE
    assert line["level"] == "INFO" and line["logger"] == "guichet.edge"
    assert "refused (400)" in line["message"]
