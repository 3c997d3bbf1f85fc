"""``_entities`` with malformed representations: each bad one is an error of its own item
naming the problem, the good ones still resolve, and the node logs one line per call —
never a traceback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.tiny import make_tiny

pytestmark = pytest.mark.anyio

ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) { ... on Building { rnbId name } } }"
)
TYPES = "Building, EnergyUse, Observation, Sensor, Space"
SCHOOL = {"__typename": "Building", "rnbId": "PG46YY6YJW8N"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(load_config(make_tiny(tmp_path)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as c:
        yield c


def item_error(index: int, message: str) -> dict[str, Any]:
    return {
        "message": f"representations[{index}]: {message}",
        "locations": [{"line": 1, "column": 23}],
        "path": ["_entities", index],
    }


MALFORMED = [
    ("x", 'expected an object with __typename and the key, got "x"'),
    (42, "expected an object with __typename and the key, got 42"),
    (["x"], 'expected an object with __typename and the key, got ["x"]'),
    ({"rnbId": "PG46YY6YJW8N"}, "__typename is missing"),
    ({"__typename": 7, "rnbId": "x"}, "__typename: expected the name of an entity type, got 7"),
    (
        {"__typename": "Castle", "rnbId": "x"},
        f'__typename: "Castle" is not an entity type of this subgraph; expected one of {TYPES}',
    ),
    (
        {"__typename": "PageInfo"},
        f'__typename: "PageInfo" is not an entity type of this subgraph; expected one of {TYPES}',
    ),
    ({"__typename": "Building"}, "Building representation lacks its key 'rnbId'"),
    ({"__typename": "Building", "rnbId": 42}, "Building.rnbId: expected a string, got 42"),
    ({"__typename": "Building", "rnbId": None}, "Building.rnbId: expected a string, got null"),
    ({"__typename": "Space", "id": {"a": 1}}, 'Space.id: expected a string, got {"a": 1}'),
    ({"__typename": "Space", "id": True}, "Space.id: expected a string, got true"),
]


@pytest.mark.parametrize(("representation", "message"), MALFORMED)
async def test_a_malformed_representation_is_its_own_error_and_one_log_line(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    representation: Any,
    message: str,
) -> None:
    variables = {"r": [SCHOOL, representation, SCHOOL]}
    with caplog.at_level(logging.DEBUG, logger="guichet"):
        r = await client.post(
            "/graphql",
            json={"query": ENTITIES, "variables": variables},
            headers={"X-Request-Id": "ent-1"},
        )
    school = {"rnbId": "PG46YY6YJW8N", "name": "École des Salines"}
    assert r.json() == {
        "data": {"_entities": [school, None, school]},
        "errors": [item_error(1, message)],
    }
    lines = [(rec.name, rec.levelname, rec.getMessage(), rec.exc_info) for rec in caplog.records]
    assert lines == [
        (
            "guichet.graphql",
            "INFO",
            f"request ent-1: _entities: 1 malformed representation(s), first representations[1]: "
            f"{message}",
            None,
        )
    ]


async def test_a_key_that_is_not_an_rnb_id_is_an_answer_not_an_incident(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="guichet"):
        r = await client.post(
            "/graphql",
            json={
                "query": ENTITIES,
                "variables": {"r": [{"__typename": "Building", "rnbId": "x"}]},
            },
        )
    assert r.json()["errors"] == [
        {
            "message": "invalid RNB id 'x': expected 12 characters (dashes allowed), got 1",
            "locations": [{"line": 1, "column": 23}],
            "path": ["_entities", 0],
        }
    ]
    assert caplog.records == []
