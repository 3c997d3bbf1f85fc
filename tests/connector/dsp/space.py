"""A small data space for the protocol's end-to-end tests, all on 127.0.0.1: the issuer
(really signing tokens), a provider node and a consumer node (the tiny node, each with
``[auth]`` at that issuer and ``[dsp]`` credentials of its own), each a uvicorn server in a
thread. The nodes send their messages through :class:`Capture`'s client (the app's
``dsp_client`` port), which keeps every exchange, so that a test can check every message
sent and every answer against the protocol's schemas."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn

from connector.app import create_app
from connector.config import load_config
from connector.dsp.schemas import problems
from issuer import IssuerSettings, ParticipantRegistry, create_issuer_app
from tests.connector.usage.test_agreements import ENERGIE_WITH_OFFER, OFFER
from tests.connector.usage.test_end_to_end import TEMPLATE_BASE, write_node
from tests.support.ports import free_port

P = "https://example.org/participants/"
PROVIDER, CONSUMER, OTHER = P + "tiny", P + "consumer", P + "city"
__all__ = ["OFFER"]


@dataclass
class Exchange:
    method: str
    url: str
    sent: Any
    status: int
    answer: Any


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


@dataclass
class Capture:
    """Every exchange of the clients it makes (the nodes', the test's consumer's)."""

    exchanges: list[Exchange] = field(default_factory=list)

    def client(self) -> httpx.AsyncClient:
        async def keep(response: httpx.Response) -> None:
            await response.aread()
            request = response.request
            self.exchanges.append(
                Exchange(
                    request.method,
                    str(request.url),
                    _json(request.content),
                    response.status_code,
                    _json(response.content),
                )
            )

        return httpx.AsyncClient(timeout=10, event_hooks={"response": [keep]})

    def dsp(self, since: int = 0) -> list[Exchange]:
        """The protocol's exchanges, from the ``since``-th exchange of all."""
        return [e for e in self.exchanges[since:] if "/dsp/" in urlsplit(e.url).path]


def schemas_of(e: Exchange) -> tuple[str | None, str | None]:
    """The schema of the message sent and of the answer, from the binding's paths."""
    path = urlsplit(e.url).path
    tail = path.rsplit("/", 1)[-1]
    kind = "transfer" if "/transfers" in path else "negotiation"
    if "/catalog/" in path:
        error, answer = "catalog/catalog-error-schema.json", "catalog/catalog-schema.json"
        sent = "catalog/catalog-request-message-schema.json" if e.method == "POST" else None
        if "/datasets/" in path:
            answer = "catalog/dataset-schema.json"
        return sent, (answer if e.status == 200 else error)
    error = (
        "transfer/transfer-error-schema.json"
        if kind == "transfer"
        else "negotiation/contract-negotiation-error-schema.json"
    )
    process = (
        "transfer/transfer-process-schema.json"
        if kind == "transfer"
        else "negotiation/contract-negotiation-schema.json"
    )
    if e.status >= 400:
        answer: str | None = error
    elif e.method == "GET" or tail == "request":
        answer = process
    else:
        answer = None  # 200 with no body
    sent = {
        ("negotiation", "request"): "negotiation/contract-request-message-schema.json",
        ("negotiation", "agreement"): "negotiation/contract-agreement-message-schema.json",
        ("negotiation", "verification"): (
            "negotiation/contract-agreement-verification-message-schema.json"
        ),
        ("negotiation", "events"): "negotiation/contract-negotiation-event-message-schema.json",
        ("negotiation", "termination"): (
            "negotiation/contract-negotiation-termination-message-schema.json"
        ),
        ("negotiation", "offers"): "negotiation/contract-offer-message-schema.json",
        ("transfer", "request"): "transfer/transfer-request-message-schema.json",
        ("transfer", "start"): "transfer/transfer-start-message-schema.json",
        ("transfer", "completion"): "transfer/transfer-completion-message-schema.json",
        ("transfer", "suspension"): "transfer/transfer-suspension-message-schema.json",
        ("transfer", "termination"): "transfer/transfer-termination-message-schema.json",
    }.get((kind, tail))
    return (sent if e.method == "POST" else None), answer


def check_all(exchanges: list[Exchange]) -> list[str]:
    """Every problem of every message in ``exchanges``, named by exchange."""
    found = []
    for e in exchanges:
        sent, answer = schemas_of(e)
        if sent is not None and e.status < 400:  # what was accepted must be valid
            found += [f"{e.method} {e.url} sent: {p}" for p in problems(sent, e.sent)]
        if answer is not None:
            found += [f"{e.method} {e.url} answer: {p}" for p in problems(answer, e.answer)]
        elif e.answer is not None and e.status < 400:
            found.append(f"{e.method} {e.url}: an answer where none is expected: {e.answer}")
    return found


@dataclass(frozen=True)
class Node:
    url: str
    toml: Path
    folder: Path

    def audit(self) -> list[dict[str, Any]]:
        """The node's audit entries, read with sqlite3, oldest first."""
        con = sqlite3.connect(self.folder / "audit.db")
        con.row_factory = sqlite3.Row
        try:
            rows = con.execute("SELECT * FROM guichet_audit ORDER BY seq").fetchall()
        finally:
            con.close()
        return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


@dataclass
class Space:
    issuer: str
    provider: Node
    consumer: Node
    creds: dict[str, tuple[str, str]]
    capture: Capture
    spare: str
    """An address the issuer gives tokens for, where no node runs: a test may serve a
    counterpart of its own there (:mod:`tests.connector.dsp.scripted`)."""

    def token(self, party: str, node: Node, purpose: str | None = None) -> str:
        client_id, secret = self.creds[party]
        form = {"grant_type": "client_credentials", "resource": node.url}
        if purpose:
            form["purpose"] = purpose
        r = httpx.post(f"{self.issuer}/token", data=form, auth=(client_id, secret))
        assert r.status_code == 200, r.text
        value: str = r.json()["access_token"]
        return value


def serve(app: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, f"the server on port {port} did not start"
        assert thread.is_alive(), f"the server on port {port} stopped"
        time.sleep(0.02)
    return server, thread


def _node(folder: Path, port: int, issuer: str, participant: str, client_id: str) -> Node:
    toml = write_node(folder, port, issuer)
    base = f"http://127.0.0.1:{port}"
    offer = json.dumps(ENERGIE_WITH_OFFER).replace(TEMPLATE_BASE, base)
    (folder / "energie.jsonld").write_text(offer, encoding="utf-8")
    text = toml.read_text(encoding="utf-8").replace(
        f'participant = "{PROVIDER}"', f'participant = "{participant}"'
    )
    text += f'\n[dsp]\nclient_id = "{client_id}"\nclient_secret_file = "dsp-secret"\n'
    toml.write_text(text, encoding="utf-8")
    return Node(base, toml, folder)


async def _register(db: str) -> dict[str, tuple[str, str]]:
    registry = ParticipantRegistry(db)
    try:
        out = {}
        for iri in (PROVIDER, CONSUMER, OTHER):
            c = await registry.register(iri, iri.rsplit("/", 1)[-1], (), ())
            out[iri] = (c.client_id, c.client_secret or "")
        return out
    finally:
        await registry.aclose()


@dataclass
class Running:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = field(default_factory=list)

    def stop(self) -> None:
        for server, _ in self.servers:
            server.should_exit = True
        for _, thread in self.servers:
            thread.join(timeout=15)


def start_space(folder: Path) -> Iterator[Space]:
    ports = free_port(), free_port(), free_port(), free_port()
    issuer = f"http://127.0.0.1:{ports[0]}"
    urls = tuple(f"http://127.0.0.1:{p}" for p in ports[1:])
    db = f"sqlite+aiosqlite:///{folder / 'issuer.db'}"
    creds = asyncio.run(_register(db))
    settings = IssuerSettings(
        issuer=issuer, audiences=urls, database_url=db, key_dir=folder / "issuer-keys"
    )
    running = Running()
    capture = Capture()
    try:
        running.servers.append(serve(create_issuer_app(settings), ports[0]))
        nodes = []
        for port, party in zip(ports[1:3], (PROVIDER, CONSUMER), strict=True):
            sub = folder / party.rsplit("/", 1)[-1]
            sub.mkdir()
            node = _node(sub, port, issuer, party, creds[party][0])
            (sub / "dsp-secret").write_text(creds[party][1], encoding="utf-8")
            app = create_app(load_config(node.toml), dsp_client=capture.client())
            running.servers.append(serve(app, port))
            nodes.append(node)
        yield Space(issuer, nodes[0], nodes[1], creds, capture, urls[2])
    finally:
        running.stop()
