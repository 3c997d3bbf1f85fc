"""Every Federation v2 directive through Apollo Gateway and through ours, on synthetic
subgraphs (``tests/federation/synthetic``) whose in-memory rows give every expected answer.

Two data spaces: ``core`` (accounts, products, inventory, reviews, media: @key single,
compound, nested and several per type, @external, @requires, @provides, @shareable,
@override, @inaccessible, @tag, @composeDirective, an interface and a union) and
``iobj`` (media and ratings: @interfaceObject). For each case ``test_apollo`` checks
Apollo's answer against the hand-written one, and ``test_ours_matches_apollo`` checks our
gateway gives Apollo's answer (data, and each error's path and code).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from connector.errors import GatewayError
from connector.gateway._compose import compose
from connector.gateway._sdl import parse_subgraph
from tests.federation.stack import Stack, apollo_available, post
from tests.federation.synthetic.cases import CASES
from tests.federation.synthetic.spawn import start_subgraphs
from tests.federation.test_apollo import shape

SPACES = {
    "core": ("accounts", "products", "inventory", "reviews", "media"),
    "iobj": ("media", "ratings"),
}


@dataclass(frozen=True)
class Gateways:
    apollo: dict[str, str]  # space -> GraphQL URL
    ours: dict[str, str]


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateways]:
    why = apollo_available()
    if why is not None:
        pytest.fail(f"the directive tests need Apollo Gateway: {why}", pytrace=False)
    stack = Stack(workdir=tmp_path_factory.mktemp("directives"))
    try:
        urls = start_subgraphs(stack)
        apollo, ours = {}, {}
        for space, names in SPACES.items():
            subgraphs = {n: urls[n] for n in names}
            apollo[space] = stack.start_apollo(subgraphs, name=f"apollo-{space}")
            url = stack.start_ours(subgraphs, name=f"ours-{space}")
            if url is None:
                pytest.fail("our gateway is not built", pytrace=False)
            ours[space] = url
        yield Gateways(apollo=apollo, ours=ours)
    finally:
        stack.close()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.mark.parametrize("name", list(CASES))
def test_apollo(name: str, gateways: Gateways, http: httpx.Client) -> None:
    case = CASES[name]
    body = post(gateways.apollo[case.space], case.query, case.variables, client=http)
    assert shape(body) == {"data": case.data, "errors": sorted(case.errors)}


@pytest.mark.parametrize("name", list(CASES))
def test_ours_matches_apollo(name: str, gateways: Gateways, http: httpx.Client) -> None:
    case = CASES[name]
    apollo = post(gateways.apollo[case.space], case.query, case.variables, client=http)
    ours = post(gateways.ours[case.space], case.query, case.variables, client=http)
    assert shape(ours) == shape(apollo)


TYPE_FIELDS = "query T($t: String!) { __type(name: $t) { name fields { name } } }"


@pytest.mark.parametrize(
    ("type_name", "hidden"), [("User", "passwordHash"), ("Product", "internalCode")]
)
def test_inaccessible_not_introspectable(
    type_name: str, hidden: str, gateways: Gateways, http: httpx.Client
) -> None:
    answers = [
        post(url, TYPE_FIELDS, {"t": type_name}, client=http)
        for url in (gateways.apollo["core"], gateways.ours["core"])
    ]
    names = [sorted(f["name"] for f in a["data"]["__type"]["fields"]) for a in answers]
    assert hidden not in names[0]
    assert names[1] == names[0]


def test_tag_and_composed_directive_do_not_leak_into_api(
    gateways: Gateways, http: httpx.Client
) -> None:
    """@tag and @term compose on both gateways and neither is a client-usable query
    directive (they are schema directives)."""
    query = "{ __schema { directives { name } } }"
    answers = [
        post(url, query, client=http) for url in (gateways.apollo["core"], gateways.ours["core"])
    ]
    names = [sorted(d["name"] for d in a["data"]["__schema"]["directives"]) for a in answers]
    assert names[0] == ["deprecated", "include", "oneOf", "skip", "specifiedBy"]
    assert names[1] == names[0]


def test_interface_object_without_the_interface_is_a_composition_error() -> None:
    """Apollo refuses it too (INTERFACE_OBJECT_USAGE_ERROR); ours names the type and
    subgraph."""
    link = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@key", "@interfaceObject"])\n'
    )
    ratings = parse_subgraph(
        "ratings",
        "http://127.0.0.1:1/graphql",
        link + 'type Query { top: Media }\ntype Media @key(fields: "id") @interfaceObject '
        "{ id: ID! stars: Int }",
    )
    with pytest.raises(GatewayError) as raised:
        compose([ratings])
    assert "type Media is an @interfaceObject in 'ratings' but no subgraph defines" in str(
        raised.value
    )
