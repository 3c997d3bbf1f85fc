"""Our composition gives Apollo's verdict on every subgraph set of
``tests/federation/composition_sets.py``: both accept, or both refuse with the same set of
error codes. Apollo's ``@apollo/composition`` composes every set in one Node process
(``tools/apollo/compose-many.mjs``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass

import httpx
import pytest

from connector.errors import GatewayError
from connector.gateway import GatewaySettings, compose, create_gateway_app, parse_subgraph
from tests.federation.composition_sets import Sets, all_sets
from tests.federation.stack import APOLLO_DIR, apollo_available

SETS = all_sets()


@dataclass(frozen=True)
class Verdict:
    codes: tuple[str, ...]  # Apollo's error codes, sorted; empty: composed
    detail: str = ""  # the messages, shown when the verdicts differ


def apollo_verdicts(sets: Sets) -> dict[str, Verdict]:
    node = shutil.which("node")
    assert node is not None
    out = subprocess.run(
        [node, str(APOLLO_DIR / "compose-many.mjs")],
        input=json.dumps(sets),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    answers = json.loads(out.stdout)
    return {
        name: Verdict(tuple(a.get("codes", ())), "\n".join(a.get("messages", ())))
        for name, a in answers.items()
    }


def our_verdict(subgraphs: dict[str, str]) -> Verdict:
    try:
        compose([parse_subgraph(n, f"http://{n}.invalid/graphql", s) for n, s in subgraphs.items()])
    except GatewayError as exc:
        return Verdict(exc.codes or ("(a refusal without a code)",), str(exc))
    return Verdict(())


@pytest.fixture(scope="module")
def apollo() -> dict[str, Verdict]:
    why = apollo_available()
    if why is not None:
        pytest.fail(f"the composition comparison needs @apollo/composition: {why}", pytrace=False)
    return apollo_verdicts(SETS)


def test_the_sets_cover_acceptance_and_refusal(apollo: dict[str, Verdict]) -> None:
    assert set(apollo) == set(SETS)
    accepted = [n for n, v in apollo.items() if not v.codes]
    refused = [n for n, v in apollo.items() if v.codes]
    assert len(SETS) >= 30 and len(accepted) >= 10 and len(refused) >= 10
    assert {"SATISFIABILITY_ERROR", "INVALID_FIELD_SHARING", "EXTERNAL_MISSING_ON_BASE"} <= {
        c for v in apollo.values() for c in v.codes
    }


@pytest.mark.parametrize("name", list(SETS))
def test_same_verdict_as_apollo(name: str, apollo: dict[str, Verdict]) -> None:
    ours = our_verdict(SETS[name])
    assert ours.codes == apollo[name].codes, (
        f"\nApollo: {apollo[name].codes}\n{apollo[name].detail}\nours: {ours.codes}\n{ours.detail}"
    )


def test_a_refusal_names_each_code_and_what_is_involved(apollo: dict[str, Verdict]) -> None:
    """The message a gateway operator reads: one line per conflict, each with its code."""
    with pytest.raises(GatewayError) as raised:
        compose(
            [parse_subgraph(n, f"http://{n}", s) for n, s in SETS["field types differ"].items()]
        )
    assert raised.value.codes == apollo["field types differ"].codes == ("FIELD_TYPE_MISMATCH",)
    assert str(raised.value) == (
        "composition failed:\n"
        "- [FIELD_TYPE_MISMATCH] field T.x has conflicting types: Int in 'a', String in 'b'"
    )


@pytest.mark.anyio
async def test_a_refused_change_keeps_the_last_good_supergraph_and_says_why(
    apollo: dict[str, Verdict],
) -> None:
    """Subgraph b turns its ``extend type P`` (keys @external, as Apollo takes it) into a
    plain ``type P``: Apollo refuses that (satisfiability); the gateway keeps serving the
    last good supergraph and /health says why, with the code."""
    name = "external key on a reachable type that is not an extension"
    assert apollo[name].codes == ("SATISFIABILITY_ERROR",)
    refused = SETS[name]
    sdl = {"a": refused["a"], "b": refused["b"].replace("type P @key", "extend type P @key")}

    def handle(request: httpx.Request) -> httpx.Response:
        if "_service" in json.loads(request.content)["query"]:
            answer = {"_service": {"sdl": sdl[request.url.host]}}
            return httpx.Response(200, json={"data": answer})
        return httpx.Response(200, json={"data": {"a": {"name": "from a"}}})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    app = create_gateway_app(
        {"a": "http://a/graphql", "b": "http://b/graphql"},
        http_client=http,
        settings=GatewaySettings(poll_interval=0),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    try:
        gateway = app.state.gateway
        assert await gateway.refresh()
        sdl["b"] = refused["b"]
        assert not await gateway.refresh()
        r = await client.post("/graphql", json={"query": "{ a { name } }"})
        assert r.json() == {"data": {"a": {"name": "from a"}}}
        health = (await client.get("/health")).json()
        assert health["status"] == "degraded"
        error = health["supergraph"]["error"]
        assert error.startswith("composition failed:\n- [SATISFIABILITY_ERROR] the query ")
        assert "{ b { name } }" in error
    finally:
        await client.aclose()
        await http.aclose()
