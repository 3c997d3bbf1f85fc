"""The compiled data path against the general executor: the same operations, sent over
HTTP by callers with different identities to two nodes on the same data and policies,
one with ``[limits] compiled_path = false``, must get byte-identical answers and leave
equal audit entries (but for their time and hashes)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.graphql._operations import corpus
from tests.connector.usage.conftest import BASE, Clock, TableVerifier, write_node

pytestmark = pytest.mark.anyio

CORPUS = 300


@dataclasses.dataclass
class Pair:
    compiled: Any
    general: Any
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient]


def _configs(folder: Path) -> tuple[Path, Path]:
    """The usage tests' tiny node under its policies, with room for the generated
    operations' aliases and tokens; and the same node on the general executor only."""
    path = write_node(folder)
    text = path.read_text(encoding="utf-8")
    text = text.replace("max_aliases = 3", "max_aliases = 30").replace(
        "max_tokens = 400", "max_tokens = 4000"
    )
    path.write_text(text, encoding="utf-8")
    general = folder / "general.toml"
    general.write_text(
        text.replace("audit.db", "audit-general.db").replace(
            "[limits]\n", "[limits]\ncompiled_path = false\n"
        ),
        encoding="utf-8",
    )
    return path, general


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    clock = Clock()
    compiled_toml, general_toml = _configs(tmp_path)
    apps = [
        create_app(load_config(p), verifier=TableVerifier(), clock=clock)
        for p in (compiled_toml, general_toml)
    ]
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url=BASE) as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url=BASE) as b,
    ):
        yield Pair(apps[0], apps[1], (a, b))
    for app in apps:
        await app.state.usage.audit.aclose()


async def _post(
    client: httpx.AsyncClient, body: dict[str, Any], token: str | None, rid: str
) -> bytes:
    headers = {"x-request-id": rid}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    r = await client.post("/graphql", json=body, headers=headers)
    return f"{r.status_code} ".encode() + r.content


async def _entries(app: Any) -> list[dict[str, Any]]:
    out = []
    async for e in app.state.usage.audit.entries():
        row = dataclasses.asdict(e)
        out.append({k: v for k, v in row.items() if "time" not in k and "hash" not in k})
    return out


def _plans(app: Any) -> Any:
    return app.state.graphql.app.schema.compiled


async def test_the_general_path_stays_reachable(pair: Pair) -> None:
    assert _plans(pair.compiled) is not None
    assert _plans(pair.general) is None


async def test_a_corpus_of_operations_answers_byte_identically(pair: Pair) -> None:
    ops = corpus(CORPUS)
    a, b = pair.clients
    plans = _plans(pair.compiled)
    meant = fell_back = 0
    for i, op in enumerate(ops):
        body: dict[str, Any] = {"query": op.query, "variables": op.variables}
        if op.operation_name:
            body["operationName"] = op.operation_name
        before = plans.answered
        got = await _post(a, body, op.token, f"op-{i}-a")
        want = await _post(b, body, op.token, f"op-{i}-a")
        assert got == want, f"operation {i} as {op.token}: {op.query}\n{op.variables}"
        meant += op.compiles
        fell_back += op.compiles is False and plans.answered == before
    # most of the corpus is meant for the compiled path; it answered (nearly) all of those
    # (a few are refused by validation: fields of one name and different types merged)
    assert meant >= CORPUS * 0.6
    assert fell_back >= (CORPUS - meant) / 2  # the rest: a reference under @skip(if: true)...
    assert plans.answered >= meant * 0.8, (plans.answered, meant)
    got_entries, want_entries = await _entries(pair.compiled), await _entries(pair.general)
    assert len(got_entries) == len(want_entries) > CORPUS / 2
    assert got_entries == want_entries


async def test_denied_and_pseudonymised_answers_are_the_same(pair: Pair) -> None:
    """Cases written out: EnergyUse is the city's only (each item is the error the
    resolver raises); Observation identifiers are pseudonyms for ana (anonymize duty)."""
    a, b = pair.clients
    cases: list[tuple[str, str, list[Any], str | None]] = [
        ("EnergyUse", "id", ["E1", "E2", "E404"], None),
        ("EnergyUse", "id", ["E1", "E2"], "ana"),
        ("EnergyUse", "id", ["E1", "E2"], "city"),
        ("Observation", "id", ["1", "2", 5], "ana"),
        ("Observation", "id", ["1"], None),
        ("Sensor", "id", ["S-CP-CO2"], "ana"),
    ]
    plans = _plans(pair.compiled)
    for n, (t, key, keys, token) in enumerate(cases):
        fields = " ".join(
            {
                "EnergyUse": ["id", "rnbId", "kwh", "carrier"],
                "Observation": ["id", "sensorId", "value", "resultTime", "unit"],
                "Sensor": ["id", "spaceId", "observedProperty"],
            }[t]
        )
        query = (
            "query($r: [_Any!]!) { _entities(representations: $r) "
            f"{{ __typename ... on {t} {{ {fields} }} }} }}"
        )
        body = {"query": query, "variables": {"r": [{"__typename": t, key: k} for k in keys]}}
        before = plans.answered
        got = await _post(a, body, token, f"case-{n}")
        assert got == await _post(b, body, token, f"case-{n}")
        assert plans.answered == before + 1
    assert await _entries(pair.compiled) == await _entries(pair.general)


async def test_what_the_compiled_path_does_not_understand_falls_back(pair: Pair) -> None:
    a, b = pair.clients
    plans = _plans(pair.compiled)
    rep = {"__typename": "Space", "id": "PG46YY6YJW8N/RDC/CP"}
    cases = [
        (
            "{ _entities(representations: $r) { ... on Sensor { space { building { name } } } } }",
            [{"__typename": "Sensor", "id": "S-CP-CO2"}],
        ),
        ("{ _entities(representations: $r) { ... on Space { id } } __typename }", [rep]),
        ("{ _entities(representations: $r) { ... on Space { id } } }", [rep, {"id": "x"}]),
        (
            "{ _entities(representations: $r) { ... on Space { id } } }",
            [rep, {"__typename": "Building", "rnbId": "PG46YY6YJW8N"}],
        ),
        ("{ buildings { nodes { rnbId } } spaces { totalCount } }", None),
        ("{ buildings(first: 99) { nodes { rnbId } } }", None),
    ]
    for n, (selection, reps) in enumerate(cases):
        query = ("query($r: [_Any!]!) " if reps is not None else "query ") + selection
        body = {"query": query, "variables": {"r": reps} if reps is not None else {}}
        got = await _post(a, body, "city", f"fallback-{n}")
        assert got == await _post(b, body, "city", f"fallback-{n}")
        assert got.startswith(b"200 ")
    assert plans.answered == 0


async def test_pages_walked_with_their_cursors_are_the_same(pair: Pair) -> None:
    """Each page's endCursor is the next one's ``after``; under ana's pseudonyms the
    observations' cursor is null (it would undo them), on both paths."""
    import json

    a, b = pair.clients
    plans = _plans(pair.compiled)
    walks = [
        ("buildings", "rnbId name floorArea usage", "[{field: NAME, direction: DESC}]", "city"),
        ("observations", "id sensorId value resultTime unit", None, "ana"),
        ("observations", "id sensorId value resultTime", None, "city"),
        ("spaces", "id rnbId area", None, None),
    ]
    for root, fields, order, token in walks:
        after = None
        pages = 0
        while True:
            args = "first: 1, after: $after" + (f", orderBy: {order}" if order else "")
            query = (
                f"query($after: String) {{ {root}({args}) "
                f"{{ totalCount nodes {{ {fields} }} pageInfo {{ endCursor hasNextPage }} }} }}"
            )
            body = {"query": query, "variables": {"after": after}}
            before = plans.answered
            got = await _post(a, body, token, f"{root}-{pages}")
            assert got == await _post(b, body, token, f"{root}-{pages}")
            assert plans.answered == before + 1
            page = json.loads(got.split(b" ", 1)[1])["data"][root]
            pages += 1
            if page is None:  # the city may only aggregate the readings
                assert (root, token) == ("observations", "city")
                break
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"] or after is None:
                break
        assert pages >= 2 or token in ("ana", "city")
    assert await _entries(pair.compiled) == await _entries(pair.general)
