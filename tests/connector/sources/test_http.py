"""HTTP adapter specifics: pushed query parameters, Link pagination, API failures."""

from __future__ import annotations

import httpx
import pytest

from connector.config import SourceConfig
from connector.errors import SourceError
from connector.sources import Condition, Select
from connector.sources.http import HttpSource
from tests.connector.sources.partner import MAPPINGS, api_handler

pytestmark = pytest.mark.anyio
ENERGY = MAPPINGS[1]
URL = "http://partner.test/api"


def _source(handler: object, **options: object) -> HttpSource:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
    return HttpSource(
        SourceConfig("api", "http", url=URL, options=options), MAPPINGS, client=client
    )


async def test_equality_filters_are_sent_as_query_parameters() -> None:
    seen: list[httpx.Request] = []
    source = _source(
        api_handler(seen),
        items="resultats",
        next="pagination.suivant",
        query_params={"sensorId": "capteur"},
    )
    rows = await source.select(
        Select("Observation", ("id",), where=(Condition("sensorId", "eq", "S2"),))
    )
    assert [r["id"] for r in rows] == ["S2-1", "S2-2", "S2-3", "S2-4"]
    assert [str(r.url) for r in seen] == [f"{URL}/mesures?capteur=S2"]


async def test_pages_are_followed_through_the_next_link() -> None:
    seen: list[httpx.Request] = []
    source = _source(api_handler(seen), items="resultats", next="pagination.suivant")
    rows = await source.select(Select("Observation", ("id",)))
    assert len(rows) == 10  # 11 rows, S1-5 hidden by the fixed filter
    assert [r.url.params.get("page") for r in seen] == [None, "2", "3"]


async def test_link_header_pagination() -> None:
    pages = {
        None: ([{"id_conso": "C1", "annee": 2022}], '<?page=2>; rel="next"'),
        "2": ([{"id_conso": "C2", "annee": 2023}], None),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        items, link = pages[request.url.params.get("page")]
        return httpx.Response(200, json=items, headers={"link": link} if link else {})

    energy = HttpSource(
        SourceConfig("api", "http", url=URL),
        [
            ENERGY.__class__(
                ENERGY.entity,
                ENERGY.source,
                ENERGY.table,
                {k: v for k, v in ENERGY.fields.items() if k in ("id", "year")},
            )
        ],
        client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
    )
    rows = await energy.select(Select("EnergyUse", ("id", "year")))
    assert rows == [{"id": "C1", "year": 2022}, {"id": "C2", "year": 2023}]


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="boom"), "the API answered HTTP 500 for /api/consommations"),
        (
            httpx.Response(200, json={"resultats": "non"}),
            "the API answer for 'consommations' is not an object with the list under 'resultats'",
        ),
        (httpx.Response(200, text="<html>"), "the API answered invalid JSON for 'consommations'"),
    ],
)
async def test_api_failures_become_source_errors(response: httpx.Response, message: str) -> None:
    source = _source(lambda request: response, items="resultats")
    with pytest.raises(SourceError) as raised:
        await source.select(Select("EnergyUse", ("id",)))
    assert str(raised.value) == f"source 'api': {message}"


async def test_timeout_becomes_a_source_error() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    source = _source(slow)
    with pytest.raises(SourceError, match="did not answer in time"):
        await source.select(Select("EnergyUse", ("id",)))
    health = await source.health()
    assert not health.ok
