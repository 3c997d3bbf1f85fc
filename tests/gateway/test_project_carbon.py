"""``ConstructionProject.carbon`` on the construction company's node (results-only
sharing), with the agglomeration's node as an in-process app behind a counting transport:
one request for the declarations per query whatever the number of projects, and a holder
that is down nulls the result with an error naming it, not the project."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.demo.generate import DemoPaths
from connector.errors import ConfigError
from connector.graphql import build_schema
from connector.node import Node
from tests.gateway.conftest import Router, TokenTable, node_apps

pytestmark = pytest.mark.anyio

EVERY_PROJECT = (
    "{ constructionProjects(first: 10) { nodes { id carbon { icConstruction referenceArea "
    "declarations wasDerivedFrom { iri } } } } }"
)


async def _bouygues(demo: DemoPaths, router: Router) -> httpx.AsyncClient:
    config = load_config(demo.configs["bouygues"])
    assert config.carbon is not None
    config = replace(
        config,
        carbon=replace(config.carbon, declarations="http://cda"),
        usage=replace(config.usage, enforce=False),
    )
    app = create_app(config, http_client=httpx.AsyncClient(transport=router), verifier=TokenTable())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bouygues")


async def _post(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_one_request_for_the_declarations_whatever_the_number_of_projects(
    demo: DemoPaths,
) -> None:
    router = Router(apps={"cda": node_apps(demo)["cda"]})
    async with await _bouygues(demo, router) as client:
        body = await _post(client, EVERY_PROJECT)
    assert "errors" not in body, body
    nodes = body["data"]["constructionProjects"]["nodes"]
    # operations_illustratives.csv: two projects, SRef 420 and 2,400 m²
    assert {(n["id"], n["carbon"]["referenceArea"]) for n in nodes} == {
        ("EXT-SC", 420.0),
        ("LOG-MIN", 2400.0),
    }
    assert router.count("cda") == 1
    (sent,) = [b for _, b, _ in router.requests]
    asked = {r["id"] for r in sent["variables"]["r"]}
    # every declaration either bill uses, asked once (metres_illustratifs.csv, ref_fdes)
    assert asked == {d for n in nodes for d in n["carbon"]["declarations"]}
    assert len(sent["variables"]["r"]) == len(asked)


async def test_the_holder_down_nulls_the_result_not_the_project(demo: DemoPaths) -> None:
    router = Router(apps={"cda": node_apps(demo)["cda"]}, down={"cda"})
    async with await _bouygues(demo, router) as client:
        body = await _post(
            client, '{ constructionProject(id: "LOG-MIN") { id carbon { icConstruction } } }'
        )
    assert body["data"]["constructionProject"] == {"id": "LOG-MIN", "carbon": None}
    (error,) = body["errors"]
    assert "product declarations" in error["message"] and "http://cda/graphql" in error["message"]


def test_the_declarations_holder_must_be_a_url(demo: DemoPaths, tmp_path: Path) -> None:
    text = demo.configs["bouygues"].read_text(encoding="utf-8")
    bad = tmp_path / "bouygues.toml"
    bad.write_text(
        re.sub(r'declarations = "[^"]*"', 'declarations = "cda"', text), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "carbon.declarations" in str(caught.value)
    assert "base URL of the node holding the product declarations" in str(caught.value)


def test_without_declarations_the_builder_computes_nothing(demo: DemoPaths) -> None:
    config = load_config(demo.configs["bouygues"])
    assert config.carbon is not None
    sdl = build_schema(Node.from_config(config)).as_str()
    assert "type ProjectCarbon" in sdl and "): ProjectCarbon" in sdl
    bare = replace(config, carbon=replace(config.carbon, declarations=None))
    assert "ProjectCarbon" not in build_schema(Node.from_config(bare)).as_str()
