"""The tiny node of :mod:`tests.connector.usage.conftest` as the DPD console sees it:
``[labels]`` for its callers, ``energie`` holding personal data with its record of
processing; started with its lifespan (which records the policy history)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from connector.app import create_app
from connector.config import load_config
from tests.connector.usage.conftest import BASE, Clock, P, TableVerifier, write_node

LABELS = """
[labels]
"https://example.org/participants/city" = { fr = "Service de la ville", en = "City department" }
"https://example.org/participants/ana" = "Ana Lopez"
[labels."https://example.org/participants/school/staff"]
fr = "le personnel de l'école"
en = "the school staff"
[labels."https://guichet.agglo-larochelle.fr/participants/public"]
fr = "Public (sans jeton)"
en = "Public (no token)"
"""

PROCESSING = """
[datasets.energie.processing]
controller = "https://example.org/participants/tiny"
purposes = ["dpv:ImprovePublicServices", "https://example.org/purposes/Heating"]
legal_basis = "public_task"
data_categories = ["Consommations annuelles"]
data_subjects = [{ fr = "Occupants des logements", en = "Occupants of dwellings" }]
recipients = ["https://example.org/participants/city", "https://example.org/participants/unknown-org"]
retention = "P1Y6M"
transfers = { fr = "aucun transfert hors UE", en = "no transfer outside the EU" }
security_measures = ["Journal chaîné"]
"""


def write_console_node(folder: Path, *, audit_db: str | None = None, auth: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = write_node(folder)
    text = config.read_text(encoding="utf-8")
    text = text.replace("[datasets.energie]\n", "[datasets.energie]\npersonal_data = true\n")
    if audit_db is not None:
        text = text.replace('audit_db = "sqlite+aiosqlite:///audit.db"', f'audit_db = "{audit_db}"')
    if auth:
        text += '\n[auth]\nissuer = "http://127.0.0.1:8100"\n'
    config.write_text(text + LABELS + PROCESSING, encoding="utf-8")
    return config


class Dpd:
    """Posts to ``/audit/graphql`` of a running node."""

    def __init__(self, client: httpx.AsyncClient, app: Any) -> None:
        self.client, self.app = client, app

    async def __call__(self, query: str, token: str | None = "dpd", **variables: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await self.client.post(
            "/audit/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert r.status_code == 200, r.text
        return r.json()

    async def data(self, query: str, **variables: Any) -> Any:
        body = await self(query, **variables)
        assert "errors" not in body, json.dumps(body["errors"], ensure_ascii=False)
        return body["data"]

    async def graphql(self, query: str, token: str) -> Any:
        r = await self.client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200, r.text
        return r.json()


@contextlib.asynccontextmanager
async def running(config: Path, clock: Clock) -> AsyncIterator[Dpd]:
    """The node from ``config``, its lifespan entered (start-up work done, closed after)."""
    app = create_app(load_config(config), verifier=TableVerifier(), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield Dpd(client, app)


__all__ = ["Dpd", "P", "running", "write_console_node"]
